"""The fixed-point finder on systems whose fixed points are known in closed form."""

import numpy as np
import pytest
import torch

from taskdyn.analysis.fixed_points import find_fixed_points, sample_states, unique_points
from taskdyn.models.recurrent import GRU
from taskdyn.studies.ctdb.analysis import corner_summary
from taskdyn.tasks.flipflop import generate_flipflop


def test_linear_map_has_its_closed_form_fixed_point():
    a = torch.tensor([[0.5, 0.2, 0.0], [-0.1, 0.3, 0.1], [0.0, 0.2, -0.4]], dtype=torch.float64)
    b = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    rng = np.random.default_rng(0)
    fps = find_fixed_points(lambda x, u: x @ a.T + b, rng.normal(size=(30, 3)),
                            np.zeros((30, 1)), max_iters=100)
    expected = np.linalg.solve(np.eye(3) - a.numpy(), b.numpy())
    assert len(fps.xstar) == 1
    np.testing.assert_allclose(fps.xstar[0], expected, atol=1e-8)
    np.testing.assert_allclose(np.sort(np.abs(fps.eigvals[0])),
                               np.sort(np.abs(np.linalg.eigvals(a.numpy()))), atol=1e-8)
    assert fps.is_stable.all()


def test_scalar_tanh_map_has_zero_and_two_stable_points():
    w = 2.0
    # h* = tanh(w h*) solved by fixed-point iteration, independently of the finder
    h = 1.0
    for _ in range(200):
        h = np.tanh(w * h)
    rng = np.random.default_rng(1)
    fps = find_fixed_points(lambda x, u: torch.tanh(w * x), rng.normal(size=(100, 1)),
                            np.zeros((100, 1)), max_iters=300)
    order = np.argsort(fps.xstar[:, 0])
    np.testing.assert_allclose(fps.xstar[order, 0], [-h, 0.0, h], atol=1e-8)
    np.testing.assert_array_equal(fps.is_stable[order], [True, False, True])
    np.testing.assert_allclose(fps.eigvals[order, 0].real, [w * (1 - h**2), w, w * (1 - h**2)])


def test_points_without_a_fixed_point_nearby_are_dropped():
    # x' = x + 1 has no fixed point at all
    rng = np.random.default_rng(2)
    fps = find_fixed_points(lambda x, u: x + 1.0, rng.normal(size=(10, 2)), np.zeros((10, 1)),
                            max_iters=50)
    assert len(fps.xstar) == 0 and fps.n_stable == 0
    # every start is still a candidate: q = ½‖F(x) − x‖² = ½ · 2 · 1² wherever it ended
    np.testing.assert_allclose(fps.candidate_qstar, np.ones(10))


def test_candidates_keep_every_starts_q_before_the_cut_and_deduplication():
    w = 2.0
    rng = np.random.default_rng(3)
    fps = find_fixed_points(lambda x, u: torch.tanh(w * x), rng.normal(size=(40, 1)),
                            np.zeros((40, 1)), max_iters=300)
    assert len(fps.candidate_qstar) == fps.n_candidates == 40
    assert len(fps.xstar) == 3  # 40 candidates below the cut, three distinct points
    assert (fps.candidate_qstar < 1e-10).all()
    assert set(fps.qstar) <= set(fps.candidate_qstar)


def test_unique_points_keeps_the_lowest_q_of_each_cluster():
    points = np.array([[0.0], [1e-5], [1.0]])
    q = np.array([1e-8, 1e-10, 1e-9])
    np.testing.assert_array_equal(np.sort(unique_points(points, q, 1e-3)), [1, 2])


@pytest.mark.parametrize("model", ["gru", "lstm", "vanilla", "node"])
def test_jacobians_match_torch_func_per_point(model):
    """One backward pass per state dimension over all points gives each point's own Jacobian,
    as `vmap(jacrev)` over single points does, for every recurrent model's step."""
    from torch.func import jacrev, vmap

    from taskdyn.analysis.fixed_points import jacobians
    from taskdyn.models.recurrent import GRU, LSTM, NODE, VanillaRNN

    torch.manual_seed(0)
    net = {"gru": GRU(3, 2, 6), "lstm": LSTM(3, 2, 6), "vanilla": VanillaRNN(3, 2, 6),
           "node": NODE(3, 2, 4, layer_hidden_size=8, num_layers=2)}[model].double()
    dim = 2 * 6 if model == "lstm" else net.latent_size  # the LSTM's state is [h | c]
    x = torch.randn(5, dim, dtype=torch.float64)
    u = torch.randn(5, 3, dtype=torch.float64)
    single = lambda xi, ui: net.step(xi.unsqueeze(0), ui.unsqueeze(0)).squeeze(0)  # noqa: E731
    expected = vmap(jacrev(single))(x, u)
    assert torch.allclose(jacobians(net.step, x, u), expected, rtol=0, atol=1e-12)


def test_constant_input_moves_the_fixed_point_of_a_linear_map():
    # x' = A x + B u has x* = (I - A)^-1 B u: the finder, given u, must land there
    a = np.array([[0.4, 0.1], [-0.2, 0.3]])
    b = np.array([[1.0, 0.0, 0.5], [0.0, -1.0, 0.2]])
    u = np.array([0.3, -0.7, 1.0])
    at, bt = torch.as_tensor(a), torch.as_tensor(b)
    rng = np.random.default_rng(2)
    fps = find_fixed_points(lambda x, v: x @ at.T + v @ bt.T, rng.normal(size=(20, 2)),
                            np.tile(u, (20, 1)), max_iters=100)
    assert len(fps.xstar) == 1
    np.testing.assert_allclose(fps.xstar[0], np.linalg.solve(np.eye(2) - a, b @ u), atol=1e-8)
    np.testing.assert_allclose(fps.inputs[0], u)


def test_constant_input_moves_a_tanh_units_fixed_point():
    # h* = tanh(0.5 h* + u): a single stable point that moves with u (solved by iteration)
    for u in (-0.8, 0.0, 0.6):
        h = 0.0
        for _ in range(200):
            h = np.tanh(0.5 * h + u)
        rng = np.random.default_rng(3)
        fps = find_fixed_points(lambda x, v: torch.tanh(0.5 * x + v), rng.normal(size=(10, 1)),
                                np.full((10, 1), u), max_iters=300)
        assert len(fps.xstar) == 1 and fps.is_stable.all()
        np.testing.assert_allclose(fps.xstar[0, 0], h, atol=1e-8)
        np.testing.assert_allclose(fps.eigvals[0, 0].real, 0.5 * (1 - h**2), atol=1e-8)



def test_a_trained_two_bit_flip_flop_gru_has_a_stable_point_at_each_corner(one_thread):
    """The outcome CtDB's flip-flop analysis rests on, at a size that trains in seconds: a noisy
    GRU-16 fitted to the 2-bit flip-flop holds its 4 memories as 4 stable fixed points, one per
    corner of the bit square as the readout sees it, with unstable points between them."""
    torch.manual_seed(0)
    data = generate_flipflop(64, 2, 50, 0.05, 0.1, np.random.default_rng(0))
    inputs = torch.as_tensor(data["inputs"], dtype=torch.float32)
    targets = torch.as_tensor(data["targets"], dtype=torch.float32)
    model = GRU(2, 2, 16, state_noise=0.1)
    optimizer = torch.optim.Adam(model.parameters(), 1e-2)
    for _ in range(300):
        optimizer.zero_grad()
        loss = ((model(inputs)[0] - targets) ** 2).mean()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.02
    model.eval().double()
    with torch.no_grad():
        _, states = model(inputs.double())
    starts = sample_states(states.numpy(), 128, 0.05, np.random.default_rng(1))
    fps = find_fixed_points(model.step, starts, np.zeros((len(starts), 2)))
    with torch.no_grad():
        readout = model.readout(model.hidden(torch.as_tensor(fps.xstar))).numpy()
    counts = corner_summary(readout, fps.eigvals, fps.qstar, n_bits=2)
    assert counts["n_stable"] == counts["n_stable_at_corners"] == counts["n_corners"] == 4
    assert counts["n_saddles"] >= 1
    assert counts["qstar_max"] < 1e-10
