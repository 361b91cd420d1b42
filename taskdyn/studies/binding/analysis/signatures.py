"""Per-model eigenvalue signatures and their 2-D embeddings (PCA, t-SNE, MDS via scikit-learn)."""

from __future__ import annotations

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import MDS, TSNE
from sklearn.preprocessing import StandardScaler

SIGNATURE_NAMES = (
    "abs_mean", "abs_std", "abs_median", "abs_min", "abs_max", "abs_q25", "abs_q75",
    "angle_mean", "angle_std", "angle_median", "real_mean", "real_std", "imag_mean", "imag_std",
    "spectral_radius", "n_unstable", "n_near_unit", "cos_mean", "sin_mean", "abs_range",
    "angle_range",
)
EMBEDDINGS = ("pca", "tsne", "mds")


def eigenvalue_signature(eigvals: np.ndarray) -> np.ndarray:
    """The anchor's 21 statistics of one spectrum, in `SIGNATURE_NAMES` order.

    Magnitude statistics; angle statistics (radians); real and imaginary parts; spectral radius;
    counts of |λ| > 1 and of 0.95 < |λ| < 1.05; mean cos and sin of the angle; ranges.
    """
    mag, ang = np.abs(eigvals), np.angle(eigvals)
    q25, q75 = np.quantile(mag, [0.25, 0.75])
    return np.array([
        mag.mean(), mag.std(), np.median(mag), mag.min(), mag.max(), q25, q75,
        ang.mean(), ang.std(), np.median(ang), eigvals.real.mean(), eigvals.real.std(),
        eigvals.imag.mean(), eigvals.imag.std(), mag.max(), np.sum(mag > 1.0),
        np.sum((mag > 0.95) & (mag < 1.05)), np.cos(ang).mean(), np.sin(ang).mean(),
        np.ptp(mag), np.ptp(ang),
    ], dtype=float)


def embed(features: np.ndarray, method: str, *, seed: int = 0,
          perplexity: float = 30.0) -> np.ndarray:
    """`(model, 2)` embedding of standardised `(model, feature)` signatures.

    `perplexity` (t-SNE only) must be below the number of models.
    """
    if method not in EMBEDDINGS:
        raise ValueError(f"unknown embedding {method!r}; accepted: {list(EMBEDDINGS)}")
    n = len(features)
    if n < 3:
        raise ValueError(f"embedding needs at least 3 models, got {n}")
    scaled = StandardScaler().fit_transform(features)
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(scaled)
    if method == "tsne":
        if perplexity >= n:
            raise ValueError(f"t-SNE perplexity {perplexity} must be below the {n} models")
        return TSNE(n_components=2, perplexity=perplexity, random_state=seed,
                    init="pca").fit_transform(scaled)
    return MDS(n_components=2, init="classical_mds", random_state=seed).fit_transform(scaled)
