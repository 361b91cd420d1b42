"""How the identities of an object family differ: in shape, by design; in colour, not usefully.

A family (`taskdyn.tasks.families`) builds one object from a `Design`: a stream of numbers in
[0, 1) that it turns into proportions, profiles, part counts and attachments, always drawing
the same parameters in the same order. `designs` gives the identities of a family the rows of
a Latin hypercube, so that over the identities every parameter (and every discrete choice) is
spread over its range instead of clustering by chance.

Colour is not an identity code: `colour_schemes` gives each identity a (primary, secondary)
pair of colours from one palette shared by all families, and every pair drawn is worn by at
least two identities of the family (when it has two or more).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")
N_PARAMETERS = 16  # numbers a family may draw per identity
PRIMARY, SECONDARY, DARK, GLASS, BARK, LEAF = range(6)  # colour slots
PALETTE = np.array([  # shared by all families: colour says nothing about the family
    (0.92, 0.88, 0.80),  # cream
    (0.80, 0.45, 0.32),  # terracotta
    (0.40, 0.52, 0.72),  # slate blue
    (0.58, 0.70, 0.50),  # sage
    (0.88, 0.70, 0.30),  # mustard
    (0.62, 0.42, 0.60),  # plum
    (0.62, 0.45, 0.30),  # walnut
    (0.66, 0.68, 0.72),  # steel
])
MATERIALS = np.array([  # fixed colours of the slots after PRIMARY and SECONDARY
    (0.20, 0.20, 0.22),  # DARK: tyres
    (0.62, 0.74, 0.82),  # GLASS: windows
    (0.50, 0.36, 0.25),  # BARK
    (0.38, 0.60, 0.30),  # LEAF
])


class Design:
    """One identity's parameters, drawn in turn from its row of a Latin hypercube."""

    def __init__(self, row: np.ndarray):
        self._row = list(row)

    def _next(self) -> float:
        if not self._row:
            raise RuntimeError(f"a family drew more than {N_PARAMETERS} parameters")
        return self._row.pop(0)

    def uniform(self, low: float, high: float) -> float:
        """A number between `low` and `high`."""
        return low + (high - low) * self._next()

    def choice(self, options: Sequence[T]) -> T:
        """One of `options` (repeat an option to make it more frequent)."""
        return options[int(self._next() * len(options))]


def designs(n_identities: int, rng: np.random.Generator) -> list[Design]:
    """`n_identities` designs whose every parameter falls in a different 1/n-th of its range."""
    strata = np.stack([rng.permutation(n_identities) for _ in range(N_PARAMETERS)], axis=1)
    rows = (strata + rng.uniform(size=strata.shape)) / n_identities
    return [Design(row) for row in rows]


def colour_schemes(n_identities: int, rng: np.random.Generator) -> np.ndarray:
    """Colour table `[identity, slot, rgb]`: n // 2 distinct (primary, secondary) pairs of
    palette colours, each worn by at least two identities (one identity wears the only pair)."""
    n_schemes = max(1, n_identities // 2)
    pairs = np.array([(a, b) for a in range(len(PALETTE)) for b in range(len(PALETTE)) if a != b])
    pairs = pairs[rng.choice(len(pairs), n_schemes, replace=n_schemes > len(pairs))]
    worn = rng.permutation(np.arange(n_identities) % n_schemes)
    fixed = np.broadcast_to(MATERIALS, (n_identities, *MATERIALS.shape))
    return np.concatenate([PALETTE[pairs[worn]], fixed], axis=1)
