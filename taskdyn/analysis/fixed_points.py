"""Fixed points of a one-step map x' = F(x, u), their Jacobians and stability.

Minimises q(x) = ½‖F(x, u) − x‖² for a batch of initial states at once: Adam moves every
point towards a slow region (each point stops once its q is below `tol_q`), then
Levenberg–Marquardt steps (damped Newton on F(x) − x = 0) polish each point to machine
precision. Points with
q* < `q_thresh` are kept, de-duplicated within `tol_unique`, and classified by the eigenvalues
of their Jacobian (stable when every |λ| < 1, a discrete-time map).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from taskdyn.analysis.spectra import eigenvalues, is_stable_discrete
from taskdyn.optim import Adam

StepFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class FixedPoints:
    """Fixed points `xstar (point, state)` at inputs `inputs (point, input)` and their linearisation."""

    xstar: np.ndarray
    inputs: np.ndarray
    qstar: np.ndarray
    jacobians: np.ndarray  # (point, state, state)
    eigvals: np.ndarray  # (point, state), complex, by decreasing magnitude
    is_stable: np.ndarray  # (point,)
    n_iters: int  # optimiser iterations until every point stopped
    n_candidates: int  # initial states tried
    candidate_qstar: np.ndarray  # (candidate,): q where each start ended, before the cut

    @property
    def n_stable(self) -> int:
        return int(self.is_stable.sum())


def q_values(step: StepFn, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """q = ½‖F(x, u) − x‖² per point."""
    return 0.5 * ((step(x, u) - x) ** 2).sum(dim=-1)


def _minimise_adam(step: StepFn, x: torch.Tensor, u: torch.Tensor, lr: float, max_iters: int,
                   tol_q: float, check_every: int = 50) -> tuple[torch.Tensor, int]:
    """Adam on the sum of per-point q; points below `tol_q` drop out at each check."""
    x = x.clone()
    active = torch.ones(len(x), dtype=torch.bool)
    iters = 0
    while iters < max_iters and active.any():
        idx = active.nonzero().squeeze(1)
        xa = x[idx].clone().requires_grad_(True)
        optimizer = Adam([xa], lr=lr)
        for _ in range(min(check_every, max_iters - iters)):
            optimizer.zero_grad()
            q_values(step, xa, u[idx]).sum().backward()
            optimizer.step()
            iters += 1
        with torch.no_grad():
            x[idx] = xa.detach()
            active[idx] = q_values(step, x[idx], u[idx]) >= tol_q
    return x, iters


def jacobians(step: StepFn, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """dF/dx at each point, `(point, state, state)`: row i of every point's Jacobian is one
    backward pass of output i summed over the points, as `step` maps each point on its own (the
    summed Adam loss relies on that too). Faster than `vmap(jacrev)` at these sizes, and unlike
    torch.func it does not load the torch compiler (~2 s of CPU per job)."""
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        out = step(x, u)
    dim = out.shape[1]
    rows = [torch.autograd.grad(out[:, i].sum(), x, retain_graph=i < dim - 1,
                                materialize_grads=True)[0] for i in range(dim)]
    return torch.stack(rows, dim=1)


def _polish_newton(step: StepFn, x: torch.Tensor, u: torch.Tensor, n_steps: int) -> torch.Tensor:
    """Levenberg–Marquardt on r(x) = F(x) − x: Newton steps, damped per point while they fail.

    Each point solves ((J−I)ᵀ(J−I) + λI) δ = −(J−I)ᵀ r; a step that lowers q is taken and λ
    shrinks (towards pure Newton, quadratic convergence), one that does not is refused and λ grows.
    """
    eye = torch.eye(x.shape[1], dtype=x.dtype)
    damping = torch.full((len(x),), 1e-3, dtype=x.dtype)
    for _ in range(n_steps):
        with torch.no_grad():
            residual = step(x, u) - x
            q_old = 0.5 * (residual**2).sum(-1)
        a = jacobians(step, x, u).detach() - eye
        at = a.transpose(1, 2)
        lhs = at @ a + damping[:, None, None] * eye
        delta = torch.linalg.solve(lhs, -(at @ residual.unsqueeze(-1))).squeeze(-1)
        with torch.no_grad():
            candidate = x + delta
            better = q_values(step, candidate, u) < q_old
        x = torch.where(better.unsqueeze(1), candidate, x)
        damping = torch.where(better, damping / 3, damping * 4).clamp(1e-12, 1e8)
        if not better.any():
            break
    return x


def unique_points(points: np.ndarray, qstar: np.ndarray, tol: float) -> np.ndarray:
    """Indices of points kept after de-duplication: lowest q first, none within `tol` of a kept one."""
    kept: list[int] = []
    for i in np.argsort(qstar, kind="stable"):
        if all(np.linalg.norm(points[i] - points[j]) > tol for j in kept):
            kept.append(int(i))
    return np.asarray(kept, dtype=int)


def find_fixed_points(step: StepFn, initial_states: np.ndarray, inputs: np.ndarray, *,
                      lr: float = 1e-2, max_iters: int = 1000, tol_q: float = 1e-8,
                      q_thresh: float = 1e-10, newton_steps: int = 30,
                      tol_unique: float = 0.02) -> FixedPoints:
    """Fixed points of `step` started from `initial_states (point, state)` at `inputs (point, input)`.

    Two points closer than `tol_unique` × the RMS radius of the initial states count as one.
    """
    x0 = torch.as_tensor(initial_states, dtype=torch.float64)
    u = torch.as_tensor(inputs, dtype=torch.float64)
    x, iters = _minimise_adam(step, x0, u, lr, max_iters, tol_q)
    if newton_steps:
        x = _polish_newton(step, x, u, newton_steps)
    with torch.no_grad():
        q = q_values(step, x, u).numpy()
    keep = np.flatnonzero(q < q_thresh)
    radius = float(np.sqrt(((initial_states - initial_states.mean(0)) ** 2).sum(1).mean())) or 1.0
    if len(keep):
        keep = keep[unique_points(x.numpy()[keep], q[keep], tol_unique * radius)]
    x_kept, u_kept = x[keep], u[keep]
    dim = x.shape[1]
    jac = jacobians(step, x_kept, u_kept).detach().numpy() if len(keep) else np.zeros((0, dim, dim))
    eig = np.array([eigenvalues(j) for j in jac]).reshape(len(keep), dim)
    return FixedPoints(xstar=x_kept.numpy(), inputs=u_kept.numpy(), qstar=q[keep], jacobians=jac,
                       eigvals=eig, is_stable=is_stable_discrete(eig) if len(keep) else
                       np.zeros(0, dtype=bool), n_iters=iters, n_candidates=len(x0),
                       candidate_qstar=q)


def sample_states(hidden: np.ndarray, n: int, noise_scale: float,
                  rng: np.random.Generator) -> np.ndarray:
    """`n` states drawn uniformly from trajectories `[trial, time, state]`, plus Gaussian jitter."""
    flat = hidden.reshape(-1, hidden.shape[-1])
    states = flat[rng.integers(0, len(flat), size=n)]
    return states + noise_scale * rng.standard_normal(states.shape)
