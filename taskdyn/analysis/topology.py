"""Persistent homology of point clouds (ripser) and distances between diagrams (persim).

Diagrams are lists indexed by homology dimension of `(bar, 2)` arrays of (birth, death). Rips
filtrations give H0 one essential bar (death = ∞); persim's distances take finite bars only, so
`diagram_distance` splits each diagram into finite and essential bars and treats the essential
ones explicitly: sorted births are matched one to one, and diagrams with different numbers of
essential bars are infinitely far apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import persim
from ripser import ripser

METRICS = ("wasserstein", "bottleneck")


def persistence_diagrams(points: np.ndarray, maxdim: int = 1,
                         n_perm: int | None = None) -> list[np.ndarray]:
    """H0 … H`maxdim` diagrams of the Rips filtration of `(point, coordinate)` `points`.

    With `n_perm`, ripser first subsamples that many points by greedy (furthest-point)
    permutation; a cloud with no more points than that is used whole.
    """
    points = np.asarray(points, dtype=float)
    if n_perm is not None and n_perm >= len(points):
        n_perm = None
    diagrams = ripser(points, maxdim=maxdim, n_perm=n_perm)["dgms"]
    return [np.asarray(d, dtype=float) for d in diagrams]


def complex_points(eigvals: np.ndarray) -> np.ndarray:
    """`(eigenvalue, 2)` points (Re λ, Im λ) of a spectrum."""
    return np.column_stack([eigvals.real, eigvals.imag])


def finite_bars(diagram: np.ndarray) -> np.ndarray:
    """The bars of a diagram that die."""
    return diagram[np.isfinite(diagram[:, 1])]


def persistence(diagram: np.ndarray) -> np.ndarray:
    """Lifetimes (death − birth) of a diagram's finite bars."""
    bars = finite_bars(diagram)
    return bars[:, 1] - bars[:, 0]


def persistence_summary(diagrams: list[np.ndarray]) -> dict[str, float]:
    """Scalars of one cloud's H0/H1 diagrams: the number of H1 bars (`n_h1`), their total and
    largest persistence (`h1_total`, `h1_max`; 0 without bars) and the total persistence of the
    finite H0 bars (`h0_total`)."""
    h1 = persistence(diagrams[1])
    return {"n_h1": len(diagrams[1]), "h1_total": float(h1.sum()),
            "h1_max": float(h1.max()) if len(h1) else 0.0,
            "h0_total": float(persistence(diagrams[0]).sum())}


def diagram_distance(a: np.ndarray, b: np.ndarray, metric: str) -> float:
    """Wasserstein (sum of matched costs) or bottleneck (largest cost) distance of two diagrams."""
    if metric not in METRICS:
        raise ValueError(f"unknown diagram metric {metric!r}; accepted: {list(METRICS)}")
    essential_a = np.sort(a[~np.isfinite(a[:, 1]), 0])
    essential_b = np.sort(b[~np.isfinite(b[:, 1]), 0])
    if len(essential_a) != len(essential_b):
        return float("inf")
    gaps = np.abs(essential_a - essential_b)
    finite = getattr(persim, metric)(finite_bars(a), finite_bars(b))
    if metric == "wasserstein":
        return float(finite + gaps.sum())
    return float(max(finite, gaps.max(initial=0.0)))


def pairwise_distances(diagrams: list[np.ndarray], metric: str) -> np.ndarray:
    """Symmetric `(model, model)` matrix of `diagram_distance` between one dimension's diagrams."""
    n = len(diagrams)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = diagram_distance(diagrams[i], diagrams[j], metric)
    return out


@dataclass(frozen=True)
class PersistenceImages:
    """Persistence images on one shared grid, with the grid's pixel edges.

    `images`: `(model, birth_pixel, persistence_pixel)`; `birth_edges`: `(birth_pixel + 1,)`;
    `pers_edges`: `(persistence_pixel + 1,)`, both in the diagrams' (distance) units.
    """

    images: np.ndarray
    birth_edges: np.ndarray
    pers_edges: np.ndarray


def persistence_image_grid(diagrams: list[np.ndarray], pixel_size: float,
                           sigma: float) -> PersistenceImages:
    """`persistence_images` of `diagrams` together with the pixel edges of their shared grid.

    The grid persim fits to the bars is widened by the kernel's reach (2 `sigma`, at least a
    pixel) on every side, so no blob is cut off at an edge and a set whose bars share one birth
    or persistence (e.g. a single bar) still gets pixels; persistence starts at 0 or above. An
    all-empty set gives one-pixel zero images on the grid `[0, pixel_size]²`.
    """
    bars = [finite_bars(d) for d in diagrams]
    if sum(len(b) for b in bars) == 0:
        edges = np.array([0.0, pixel_size])
        return PersistenceImages(np.zeros((len(diagrams), 1, 1)), edges, edges.copy())
    imager = persim.PersistenceImager(pixel_size=pixel_size,
                                      kernel_params={"sigma": sigma**2 * np.eye(2)})
    imager.fit([b for b in bars if len(b)])
    pad = max(2 * sigma, pixel_size)
    (birth_lo, birth_hi), (pers_lo, pers_hi) = imager.birth_range, imager.pers_range
    imager.birth_range = (birth_lo - pad, birth_hi + pad)
    imager.pers_range = (max(pers_lo - pad, 0.0), pers_hi + pad)
    images = np.stack([imager.transform(b) if len(b) else np.zeros(imager.resolution)
                       for b in bars])
    n_birth, n_pers = imager.resolution
    return PersistenceImages(
        images, imager.birth_range[0] + imager.pixel_size * np.arange(n_birth + 1),
        imager.pers_range[0] + imager.pixel_size * np.arange(n_pers + 1))


def persistence_images(diagrams: list[np.ndarray], pixel_size: float, sigma: float) -> np.ndarray:
    """`(model, birth_pixel, persistence_pixel)` persistence images on one shared grid.

    The grid spans the finite bars of all diagrams together (persim's `PersistenceImager`,
    isotropic Gaussian kernel of sd `sigma`, weight linear in persistence); an all-empty set
    gives one-pixel zero images.
    """
    return persistence_image_grid(diagrams, pixel_size, sigma).images


def nearest_to_mean(images: np.ndarray) -> int:
    """Index of the `(model, ...)` image closest (Euclidean) to the images' mean: a medoid-like
    representative of a group."""
    flat = images.reshape(len(images), -1)
    return int(np.argmin(np.linalg.norm(flat - flat.mean(axis=0), axis=1)))
