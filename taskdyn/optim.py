"""`Adam`: `torch.optim.Adam` for eager training jobs, without loading the torch compiler.

torch wraps the optimiser's methods (`step`, `zero_grad`, `add_param_group`, `state_dict`,
`load_state_dict`) so that `torch.compile` leaves them alone; each wrapper imports
`torch._dynamo` when first called, ~2 s of CPU, more than a small training job's own work.
The pipeline never compiles an optimiser, so this subclass calls the functions those wrappers
hold (`inspect.unwrap`). The maths, state and state dicts are `torch.optim.Adam`'s own
(`tests/test_optim.py` checks them bit for bit against it).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import torch

_Optimizer = torch.optim.Optimizer
# unwrapped to the innermost function: torch also wraps `Adam.step` in a profiling hook once an
# Adam exists
_adam_step = inspect.unwrap(torch.optim.Adam.step)


class Adam(torch.optim.Adam):
    """`torch.optim.Adam` with its methods unwrapped from torch's compiler guards."""

    add_param_group = inspect.unwrap(_Optimizer.add_param_group)
    zero_grad = inspect.unwrap(_Optimizer.zero_grad)
    state_dict = inspect.unwrap(_Optimizer.state_dict)
    load_state_dict = inspect.unwrap(_Optimizer.load_state_dict)

    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One Adam update, with gradients off (unless the optimiser is `differentiable`),
        as torch's wrapper runs it."""
        with torch.set_grad_enabled(self.defaults["differentiable"]):
            return _adam_step(self, closure)
