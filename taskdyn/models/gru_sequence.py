"""A whole-sequence GRU with its linear readout and a hand-written backward pass (the
"sequence" kernel).

Autograd over a per-step cell loop records some twenty graph nodes and a dozen element-wise
passes per time step, and the readout then runs over the whole `[batch, time, hidden]` state
tensor three more times. This kernel runs the time loop itself: each step is one state matmul
and one fused pass for everything else (input projection, gates, readout) forward, and one fused
pass and two matmuls (state and W_hh gradients, shaped like forward's) backward. The fused
passes are native C loops (`gru_gates.c`, built on first use by `native.py`) on CPU, PyTorch ops
elsewhere or without a compiler. Per-step tensors are small, so the allocator recycles them
instead of page-faulting fresh `[time, batch, ·]` buffers in on every call. The maths is
`torch.gru_cell`'s followed by the readout:

    r, z = σ(W_ir u + b_ir + W_hr h + b_hr), σ(W_iz u + b_iz + W_hz h + b_hz)
    n = tanh(W_in u + b_in + r ⊙ (W_hn h + b_hn)),   h' = n + z ⊙ (h − n),   y = W_o h' + b_o

With `noise` [batch, time, hidden] the state fed to step t + 1 is h_t + noise_t (CtDB's
NoisyGRU); the returned states are the clean h_t.
"""

from __future__ import annotations

import ctypes

import torch

from taskdyn import runinfo
from taskdyn.models import native

# inputs up to this width are projected inside the native pass; wider ones by a matmul
NATIVE_PROJECTION_MAX_INPUTS = 16


class _TorchStep:
    """One step's non-matmul work as PyTorch ops (any device and dtype); the same contract as
    `_NativeStep`: it reads `recurrent` and `dh` and writes `d_state`, `d_drive`."""

    def __init__(self, inputs, w_ih, b_ih, w_o, b_o):
        _, batch, n_in = inputs.shape
        n_out, hidden = w_o.shape
        self.inputs, self.w_ih, self.b_ih, self.w_o, self.b_o = inputs, w_ih, b_ih, w_o, b_o
        self.drive = inputs.new_empty(batch, 3 * hidden)
        self.recurrent = inputs.new_empty(batch, 3 * hidden)
        self.dh = inputs.new_zeros(batch, hidden)
        self.d_state = inputs.new_empty(batch, 3 * hidden)
        self.d_drive = inputs.new_empty(batch, 3 * hidden)
        self.grad_ih = inputs.new_zeros(3 * hidden, n_in + 1)  # [W_ih | b_ih]
        self.grad_o = inputs.new_zeros(n_out, hidden + 1)  # [W_o | b_o]
        self.grad_b_hn = inputs.new_zeros(hidden)
        self.ones = inputs.new_ones(batch, 1)
        self.states = self.outputs = self.grad_states = self.grad_outputs = None

    def set_tensors(self, **tensors: torch.Tensor | None) -> None:
        """Point the step at `states`, `outputs`, `grad_states` or `grad_outputs`."""
        for name, tensor in tensors.items():
            setattr(self, name, tensor)

    def keep_d_drive(self, inputs_need_grad: bool) -> None:
        """`d_drive` is always written here."""

    def forward(self, t, state, saved):
        hidden = self.dh.shape[1]
        drive, recurrent, h_out = self.drive, self.recurrent, self.states[t]
        torch.addmm(self.b_ih, self.inputs[t], self.w_ih.t(), out=drive)
        r, z, n = saved[:, :hidden], saved[:, hidden: 2 * hidden], saved[:, 2 * hidden: 3 * hidden]
        torch.add(drive[:, : 2 * hidden], recurrent[:, : 2 * hidden], out=saved[:, : 2 * hidden])
        saved[:, : 2 * hidden].sigmoid_()
        saved[:, 3 * hidden:] = recurrent[:, 2 * hidden:]
        torch.addcmul(drive[:, 2 * hidden:], r, recurrent[:, 2 * hidden:], out=n).tanh_()
        torch.lerp(n, state, z, out=h_out)
        torch.addmm(self.b_o, h_out, self.w_o.t(), out=self.outputs[t])

    def backward(self, t, previous, saved):
        hidden, dh = self.dh.shape[1], self.dh
        if self.grad_states is not None:
            dh += self.grad_states[t]
        if self.grad_outputs is not None:
            grad_y = self.grad_outputs[t]
            dh.addmm_(grad_y, self.w_o)
            self.grad_o.addmm_(grad_y.t(), torch.cat([self.states[t], self.ones], dim=1))
        r, z = saved[:, :hidden], saved[:, hidden: 2 * hidden]
        n, g_n = saved[:, 2 * hidden: 3 * hidden], saved[:, 3 * hidden:]
        dn = torch.ops.aten.tanh_backward(dh * (1 - z), n)
        d_rz = torch.cat([dn * g_n, (previous - n) * dh], dim=1)
        torch.ops.aten.sigmoid_backward(d_rz, saved[:, : 2 * hidden],
                                        grad_input=self.d_state[:, : 2 * hidden])
        torch.mul(dn, r, out=self.d_state[:, 2 * hidden:])
        self.d_drive[:, : 2 * hidden] = self.d_state[:, : 2 * hidden]
        self.d_drive[:, 2 * hidden:] = dn
        dh.mul_(z)
        self.grad_b_hn += self.d_state[:, 2 * hidden:].sum(0)
        self.grad_ih.addmm_(self.d_drive.t(), torch.cat([self.inputs[t], self.ones], dim=1))

    def gradients(self):
        """(W_ih, b_ih, b_hn, W_o, b_o) gradients summed over the steps."""
        return (self.grad_ih[:, :-1], self.grad_ih[:, -1], self.grad_b_hn, self.grad_o[:, :-1],
                self.grad_o[:, -1])


class _Call(ctypes.Structure):
    """`struct gru_call` of gru_gates.c: one call's sizes and tensor addresses."""

    _fields_ = ([(name, ctypes.c_long)
                 for name in ("batch", "n_time", "hidden", "n_in", "n_out", "n_threads",
                              "keep_d_drive")]
                + [(name, ctypes.c_void_p) for name in (
                    "inputs", "states", "outputs", "w_ih_t", "b_ih", "w_o", "b_o", "drive",
                    "recurrent", "grad_states", "grad_outputs", "dh", "d_state", "d_drive",
                    "scratch", "grad_ih", "grad_o", "grad_b_hn")])


class _NativeStep:
    """One step's non-matmul work as one C call (`gru_gates.c`) on CPU float32/float64.

    Every tensor the C side touches is held here for the call's lifetime; per step, Python
    passes only t, the state row read and the step's saved row."""

    def __init__(self, library: ctypes.CDLL, suffix: str, inputs, w_ih, b_ih, w_o, b_o):
        ptr, n = ctypes.c_void_p, ctypes.c_long
        self._forward = getattr(library, f"gru_forward_{suffix}")
        self._backward = getattr(library, f"gru_backward_{suffix}")
        self._forward.argtypes = self._backward.argtypes = [ctypes.POINTER(_Call), n, ptr, n,
                                                            ptr]
        self._forward.restype = self._backward.restype = None
        n_time, batch, n_in = inputs.shape
        n_out, hidden = w_o.shape
        self.inputs, self.w_ih, self.b_ih = inputs, w_ih, b_ih
        self.native_projection = n_in <= NATIVE_PROJECTION_MAX_INPUTS
        n_threads = torch.get_num_threads()
        double = {"dtype": torch.float64}
        self.keep = dict(  # the tensors behind the struct's addresses
            inputs=inputs, w_o=w_o.contiguous(), b_o=b_o.contiguous(),
            drive=inputs.new_empty(batch, 3 * hidden),
            recurrent=inputs.new_empty(batch, 3 * hidden), dh=inputs.new_zeros(batch, hidden),
            d_state=inputs.new_empty(batch, 3 * hidden), d_drive=inputs.new_empty(batch, 3 * hidden),
            scratch=inputs.new_empty(  # per-thread partial sums
                n_threads, (n_in + 1) * 3 * hidden + n_out * (hidden + 1) + 2 * hidden),
            grad_ih=inputs.new_zeros(n_in + 1, 3 * hidden, **double),  # [W_ih^T; b_ih]
            grad_o=inputs.new_zeros(n_out, hidden + 1, **double),  # [W_o | b_o]
            grad_b_hn=inputs.new_zeros(hidden, **double))
        if self.native_projection:
            self.keep.update(w_ih_t=w_ih.t().contiguous(), b_ih=b_ih.contiguous())
        else:
            self.inputs_1 = torch.cat([inputs, inputs.new_ones(n_time, batch, 1)], 2)
            self.grad_ih_matmul = inputs.new_zeros(3 * hidden, n_in + 1)
        self.call = _Call(batch, n_time, hidden, n_in, n_out, n_threads,
                          not self.native_projection,
                          **{name: tensor.data_ptr() for name, tensor in self.keep.items()})
        self.recurrent, self.dh = self.keep["recurrent"], self.keep["dh"]
        self.d_state, self.d_drive = self.keep["d_state"], self.keep["d_drive"]

    def keep_d_drive(self, inputs_need_grad: bool) -> None:
        """Have backward write `d_drive` (for the gradient of the inputs, or of W_ih when it
        is a matmul here)."""
        self.call.keep_d_drive = inputs_need_grad or not self.native_projection

    def set_tensors(self, **tensors: torch.Tensor | None) -> None:
        """Point the call at `states`, `outputs`, `grad_states` or `grad_outputs`."""
        for name, tensor in tensors.items():
            if tensor is not None and not tensor.is_contiguous():
                raise ValueError(f"the native GRU step needs a contiguous {name}")
            self.keep[name] = tensor
            setattr(self.call, name, None if tensor is None else tensor.data_ptr())

    def forward(self, t, state, saved):
        if not self.native_projection:
            torch.addmm(self.b_ih, self.inputs[t], self.w_ih.t(), out=self.keep["drive"])
        self._forward(self.call, t, *_rows(state), saved.data_ptr())

    def backward(self, t, previous, saved):
        self._backward(self.call, t, *_rows(previous), saved.data_ptr())
        if not self.native_projection:
            self.grad_ih_matmul.addmm_(self.d_drive.t(), self.inputs_1[t])

    def gradients(self):
        """(W_ih, b_ih, b_hn, W_o, b_o) gradients summed over the steps."""
        dtype = self.w_ih.dtype
        grad_ih = self.keep["grad_ih"].t() if self.native_projection else self.grad_ih_matmul
        grad_ih, grad_o = grad_ih.to(dtype), self.keep["grad_o"].to(dtype)
        return (grad_ih[:, :-1], grad_ih[:, -1], self.keep["grad_b_hn"].to(dtype),
                grad_o[:, :-1], grad_o[:, -1])


def _rows(matrix: torch.Tensor | None) -> tuple[int | None, int]:
    """Data pointer and row stride of a matrix with contiguous rows (None, 0 for None)."""
    if matrix is None:
        return None, 0
    if matrix.stride(1) != 1:
        raise ValueError("the native GRU step needs contiguous rows")
    return matrix.data_ptr(), matrix.stride(0)


def step_kernel(inputs, w_ih, b_ih, w_o, b_o) -> _TorchStep | _NativeStep:
    """The native step for CPU float32/float64 when it builds, else the PyTorch one."""
    kernel = native.kernel_for("gru_gates", inputs)
    runinfo.note_kernel("gru sequence/" + ("torch" if kernel is None else "native"))
    if kernel is not None:
        return _NativeStep(*kernel, inputs, w_ih, b_ih, w_o, b_o)
    return _TorchStep(inputs, w_ih, b_ih, w_o, b_o)


class GRUSequence(torch.autograd.Function):
    """(outputs [time, batch, out], states [time, batch, hidden]) of a GRU with a linear readout
    on inputs [time, batch, in] from state h0; time-major, so one step's rows are one block."""

    @staticmethod
    def forward(ctx, inputs, h0, w_ih, w_hh, b_ih, b_hh, w_o, b_o, noise):
        n_time, batch, _ = inputs.shape
        hidden = w_hh.shape[1]
        step = step_kernel(inputs, w_ih, b_ih, w_o, b_o)
        states = inputs.new_empty(n_time, batch, hidden)
        outputs = inputs.new_empty(n_time, batch, w_o.shape[0])
        step.set_tensors(states=states, outputs=outputs)
        w_hh_t = w_hh.t().contiguous()
        state = h0
        saved, noisy_states = [], []  # per step: [r | z | n | W_hn h + b_hn], the state read
        for t in range(n_time):
            torch.addmm(b_hh, state, w_hh_t, out=step.recurrent)
            saved.append(inputs.new_empty(batch, 4 * hidden))
            step.forward(t, state, saved[-1])
            state = states[t] if noise is None else states[t] + noise[t]
            if noise is not None:
                noisy_states.append(state)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(inputs, h0, w_ih, w_hh, b_ih, w_o, b_o, states, *saved,
                              *noisy_states)
        return outputs, states

    @staticmethod
    def backward(ctx, grad_outputs, grad_states):
        inputs, h0, w_ih, w_hh, b_ih, w_o, b_o, states, *per_step = ctx.saved_tensors
        n_time = inputs.shape[0]
        hidden = w_hh.shape[1]
        saved, noisy_states = per_step[:n_time], per_step[n_time:]
        step = step_kernel(inputs, w_ih, b_ih, w_o, b_o)
        step.set_tensors(
            states=states,
            grad_outputs=None if grad_outputs is None else grad_outputs.contiguous(),
            grad_states=None if grad_states is None else grad_states.contiguous())
        grad_w_hh = torch.zeros_like(w_hh)
        grad_inputs = torch.empty_like(inputs) if ctx.needs_input_grad[0] else None
        step.keep_d_drive(grad_inputs is not None)
        dh, d_state, d_drive = step.dh, step.d_state, step.d_drive
        d_state_t = d_state.t()
        for t in range(n_time - 1, -1, -1):
            if t == 0:
                previous = h0
            else:
                previous = noisy_states[t - 1] if noisy_states else states[t - 1]
            step.backward(t, previous, saved[t])  # dh: from step t + 1 to h_t, then z-path
            dh.addmm_(d_state, w_hh)
            grad_w_hh.addmm_(d_state_t, previous)
            if grad_inputs is not None:
                torch.mm(d_drive, w_ih, out=grad_inputs[t])
        grad_w_ih, grad_b_ih, grad_b_hn, grad_w_o, grad_b_o = step.gradients()
        grad_b_hh = torch.cat([grad_b_ih[: 2 * hidden], grad_b_hn])
        return (grad_inputs, dh.clone(), grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh, grad_w_o,
                grad_b_o, None)


def gru_sequence(inputs: torch.Tensor, h0: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor,
                 b_ih: torch.Tensor, b_hh: torch.Tensor, w_o: torch.Tensor, b_o: torch.Tensor,
                 noise: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(outputs [batch, time, out], states [batch, time, hidden]) of a GRU with readout
    y = W_o h + b_o, for inputs [batch, time, in] from h0 [batch, hidden]; `noise` is
    [batch, time, hidden]. The results are views of time-major tensors (not contiguous)."""
    outputs, states = GRUSequence.apply(
        inputs.transpose(0, 1).contiguous(), h0.contiguous(), w_ih, w_hh, b_ih, b_hh, w_o, b_o,
        None if noise is None else noise.transpose(0, 1).contiguous())
    return outputs.transpose(0, 1), states.transpose(0, 1)
