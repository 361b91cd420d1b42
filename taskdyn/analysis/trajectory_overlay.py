"""Affine-aligned trajectories: one network's latents mapped into a reference network's latent
space and read on the reference's top PCs (CtDB's `plot_trials_3d_reference`).

The map is state R²'s affine least-squares map (`taskdyn.analysis.state_r2`) between the two
networks' PCs (`n_components`, or `all`: the full latents), fitted on every trial both networks
ran (training and held-out, paired by trial and step). The shown trials of both networks are
then read on the reference's top three PCs: where the map is good, the mapped trajectories lie
on the reference's own. Its R² is that of the fit, variance-weighted over the reference's PCs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import r2_score

from taskdyn.analysis.state_r2 import ALL, fit_affine_map, project_states

N_SHOWN_PCS = 3  # the reference PCs the trajectories are drawn on


@dataclass
class AlignedTrajectories:
    """A reference's shown trials and another network's, mapped, on the reference's top PCs."""

    reference: np.ndarray  # (trial, time, 3)
    mapped: np.ndarray  # (trial, time, 3)
    r2: float  # variance-weighted R² of the map on the trials it was fitted on


def aligned_trajectories(reference_fit: np.ndarray, other_fit: np.ndarray,
                         reference_shown: np.ndarray, other_shown: np.ndarray,
                         n_components: int | str = ALL) -> AlignedTrajectories:
    """The map other → reference fitted on `*_fit` `[trial, time, unit]` (the same trials of
    both networks), applied to `other_shown` and drawn beside `reference_shown`.

    `n_components`: the PCs of each network the map goes between (`ALL`: every PC, i.e. the
    full latents); the reference keeps at least three, the ones drawn. A reference with fewer
    than three units is drawn with its missing PCs at zero.
    """
    if reference_fit.shape[:2] != other_fit.shape[:2]:
        raise ValueError(f"fit trials differ: reference {reference_fit.shape[:2]}, other "
                         f"{other_fit.shape[:2]} (trial, time)")
    if reference_shown.shape[:2] != other_shown.shape[:2]:
        raise ValueError(f"shown trials differ: reference {reference_shown.shape[:2]}, other "
                         f"{other_shown.shape[:2]} (trial, time)")
    reference_pcs = n_components if n_components == ALL else max(n_components, N_SHOWN_PCS)
    reference = project_states(reference_fit, reference_shown, reference_pcs)
    other = project_states(other_fit, other_shown, n_components)
    affine = fit_affine_map(other.fit, reference.fit)
    r2 = r2_score(reference.fit, affine.predict(other.fit), multioutput="variance_weighted")
    shape = (*reference_shown.shape[:2], N_SHOWN_PCS)
    return AlignedTrajectories(reference=_shown_pcs(reference.score).reshape(shape),
                               mapped=_shown_pcs(affine.predict(other.score)).reshape(shape),
                               r2=float(r2))


def _shown_pcs(states: np.ndarray) -> np.ndarray:
    """The first `N_SHOWN_PCS` columns of `(samples, pcs)`, zero-padded where there are fewer."""
    shown = np.zeros((len(states), N_SHOWN_PCS))
    width = min(N_SHOWN_PCS, states.shape[1])
    shown[:, :width] = states[:, :width]
    return shown
