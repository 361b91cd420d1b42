"""The whole-sequence GRU kernel: exact gradients (native C step and PyTorch step), agreement with
the cell loop in float32, state noise, wide inputs, and the build fallback."""

import pytest
import torch
from conftest import use_native_code

from taskdyn.models import gru_sequence as seq
from taskdyn.models import native
from taskdyn.models.recurrent import GRU


def parameters(n_in, hidden=5, n_out=2, dtype=torch.float64, seed=0):
    torch.manual_seed(seed)
    shapes = [(3 * hidden, n_in), (3 * hidden, hidden), (3 * hidden,), (3 * hidden,),
              (n_out, hidden), (n_out,)]
    return [torch.randn(*shape, dtype=dtype, requires_grad=True) for shape in shapes]


@pytest.fixture(params=["native", "torch"])
def step_kind(request, monkeypatch):
    """Run the test with the native C step and with the PyTorch fallback."""
    use_native_code(request.param, "gru_gates", monkeypatch)
    return request.param


@pytest.mark.parametrize("n_in", [3, seq.NATIVE_PROJECTION_MAX_INPUTS + 4])
@pytest.mark.parametrize("noisy", [False, True])
def test_gradients_match_finite_differences(step_kind, n_in, noisy):
    w_ih, w_hh, b_ih, b_hh, w_o, b_o = parameters(n_in)
    inputs = torch.randn(3, 6, n_in, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    noise = 0.1 * torch.randn(3, 6, 5, dtype=torch.float64) if noisy else None
    kernel = seq.step_kernel(inputs.transpose(0, 1), w_ih, b_ih, w_o, b_o)
    assert type(kernel).__name__ == {"native": "_NativeStep", "torch": "_TorchStep"}[step_kind]
    args = (inputs, h0, w_ih, w_hh, b_ih, b_hh, w_o, b_o)
    # both outputs; each alone (a None gradient for the other) on the narrow inputs only, as
    # the wide inputs' projection does not touch the outputs' backward paths
    for pick in (slice(None), 0, 1) if n_in == 3 else (slice(None),):
        assert torch.autograd.gradcheck(
            lambda *a, pick=pick: seq.gru_sequence(*a, noise=noise)[pick], args)


def test_matches_the_cell_loop_in_float32(step_kind):
    torch.manual_seed(3)
    loop = GRU(3, 2, 16, kernel="loop")
    fast = GRU(3, 2, 16, kernel="sequence")
    fast.load_state_dict(loop.state_dict())
    inputs = torch.randn(8, 40, 3)
    targets = torch.randn(8, 40, 2)
    results = []
    for model in (loop, fast):
        outputs, states = model(inputs)
        ((outputs - targets) ** 2).mean().backward()
        results.append((outputs, states, {n: p.grad for n, p in model.named_parameters()}))
    (out_a, states_a, grads_a), (out_b, states_b, grads_b) = results
    torch.testing.assert_close(out_b, out_a, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(states_b, states_a, rtol=1e-5, atol=1e-6)
    for name in grads_a:
        torch.testing.assert_close(grads_b[name], grads_a[name], rtol=1e-4, atol=1e-6,
                                   msg=lambda m, name=name: f"{name}: {m}")


def test_state_noise_is_added_to_the_state_read_next():
    torch.manual_seed(0)
    w_ih, w_hh, b_ih, b_hh, w_o, b_o = parameters(3)
    inputs, h0 = torch.randn(2, 5, 3, dtype=torch.float64), torch.zeros(2, 5, dtype=torch.float64)
    noise = torch.randn(2, 5, 5, dtype=torch.float64)
    _, states = seq.gru_sequence(inputs, h0, w_ih, w_hh, b_ih, b_hh, w_o, b_o, noise)
    state, expected = h0, []
    for t in range(5):
        state = torch.gru_cell(inputs[:, t], state, w_ih, w_hh, b_ih, b_hh)
        expected.append(state)
        state = state + noise[:, t]
    torch.testing.assert_close(states, torch.stack(expected, 1))


def test_auto_kernel_on_cpu_is_the_sequence_kernel():
    model = GRU(3, 2, 8)
    assert model.kernel_for(torch.zeros(1, 1, 3)) == "sequence"


def test_without_a_compiler_the_native_step_is_not_built(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("TASKDYN_CACHE", str(tmp_path))
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    native.load.cache_clear()
    try:
        assert native.load("gru_gates") is None
        assert not list(tmp_path.rglob("*.so"))
        assert "using PyTorch ops" in caplog.text
    finally:
        native.load.cache_clear()


def test_an_unloadable_library_falls_back(monkeypatch, tmp_path):
    monkeypatch.setenv("TASKDYN_CACHE", str(tmp_path))
    monkeypatch.setenv("CC", "true")  # a "compiler" that must not be needed
    native.load.cache_clear()
    library = native.library_path("gru_gates")
    library.parent.mkdir(parents=True)
    library.write_bytes(b"not a shared object")
    try:
        assert native.load("gru_gates") is None
    finally:
        native.load.cache_clear()
