"""Dirichlet energy of node embeddings over a graph's edges (how far apart linked nodes sit),
and norm-controlled variants of it (the anchor's appendix: norm growth can confound it)."""

from __future__ import annotations

import numpy as np

# The energies logged at each evaluation, history column → what it is computed on.
ENERGY_VARIANTS = {
    "dirichlet_energy": "L2-normalised embeddings (the anchor's)",
    "dirichlet_energy_raw": "raw embeddings",
    "dirichlet_energy_scaled": "raw energy / mean squared entity-embedding norm",
    "dirichlet_energy_centred": "embeddings centred on the entity mean, then L2-normalised",
}
# The variants that control for embedding-norm growth (the raw energy does not).
NORM_CONTROLLED = ("dirichlet_energy", "dirichlet_energy_scaled", "dirichlet_energy_centred")


def dirichlet_energy(embeddings: np.ndarray, edges: np.ndarray, *, normalise: bool = True) -> float:
    """Mean over `edges` of ‖x_i − x_j‖², with each row of `embeddings` L2-normalised first.

    `embeddings` is `(node, feature)`; `edges` is `(edge, 2)` node indices, each undirected edge
    listed once (listing it in both directions gives the same mean). With `normalise`, the
    value lies in [0, 4] and equals the mean of 2 − 2 cos(x_i, x_j); it is the quantity the
    anchor's toy-model notebook logs for the functor graph's entity embeddings.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if edges.shape[0] == 0:
        raise ValueError("the graph has no edges")
    if normalise:
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
    diff = x[edges[:, 0]] - x[edges[:, 1]]
    return float(np.mean(np.sum(diff**2, axis=1)))


def energy_variants(embeddings: np.ndarray, edges: np.ndarray) -> dict[str, float]:
    """Every ENERGY_VARIANTS entry for the node `embeddings` `(node, feature)` over `edges`.

    The nodes are all the rows of `embeddings` (pass the entity embeddings only): `scaled`
    divides the raw energy by their mean squared norm (as the anchor's LLM code normalises by
    the mean squared norm of the states), so a uniform growth of every norm leaves it unchanged;
    `centred` subtracts their mean before normalising, so a direction shared by every entity
    cannot bring linked ones together.
    """
    x = np.asarray(embeddings, dtype=np.float64)
    raw = dirichlet_energy(x, edges, normalise=False)
    return {"dirichlet_energy": dirichlet_energy(x, edges),
            "dirichlet_energy_raw": raw,
            "dirichlet_energy_scaled": raw / float(np.mean(np.sum(x**2, axis=1))),
            "dirichlet_energy_centred": dirichlet_energy(x - x.mean(axis=0), edges)}
