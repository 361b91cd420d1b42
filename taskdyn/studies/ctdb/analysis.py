"""Flip-flop fixed points read out through the trained readout: which bit-cube corner each is at.

An N-bit flip-flop network should hold 2^N stable fixed points, one at each corner of {0, 1}^N
as its readout sees them, with saddles between them (CtDB's 3BFF tutorial). A point is at a
corner when every output is within `tolerance` of 0 or 1.
"""

from __future__ import annotations

import numpy as np

# a fixed point's readout is at a corner when every bit is within this of 0 or 1 (a quarter of
# the distance between the two bit values)
CORNER_TOLERANCE = 0.25


def corner_codes(readout: np.ndarray, tolerance: float = CORNER_TOLERANCE) -> np.ndarray:
    """Per point `(point, bit)`: the corner's integer code (bit i → 2^i), or -1 off the cube's corners."""
    nearest = np.rint(readout)
    at_corner = (np.abs(readout - nearest) <= tolerance).all(axis=-1) & \
        np.isin(nearest, (0.0, 1.0)).all(axis=-1)
    codes = (nearest.clip(0, 1) * 2 ** np.arange(readout.shape[-1])).sum(axis=-1).astype(int)
    return np.where(at_corner, codes, -1)


def corner_summary(readout: np.ndarray, eigvals: np.ndarray, qstar: np.ndarray,
                   n_bits: int, tolerance: float = CORNER_TOLERANCE) -> dict[str, float]:
    """Counts of one model's fixed points (`readout (point, bit)`, `eigvals (point, state)` of the
    one-step map's Jacobian, `qstar (point,)`): stable points, those at corners, distinct
    corners they hit, unstable points and saddles (unstable with a stable direction), max q*."""
    if readout.shape[-1] != n_bits:
        raise ValueError(f"readout has {readout.shape[-1]} outputs, the task {n_bits} bits")
    modulus = np.abs(eigvals)
    stable = (modulus < 1).all(axis=-1)
    codes = corner_codes(readout, tolerance)
    stable_codes = codes[stable & (codes >= 0)]
    return {"n_points": len(qstar), "n_stable": int(stable.sum()),
            "n_stable_at_corners": len(stable_codes),
            "n_corners": len(np.unique(stable_codes)),
            "n_unstable": int((~stable).sum()),
            "n_saddles": int((~stable & (modulus < 1).any(axis=-1)).sum()),
            "qstar_max": float(qstar.max()) if len(qstar) else float("nan")}
