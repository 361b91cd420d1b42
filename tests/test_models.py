"""Model shapes, the kernels' agreement with the cell loop, and the one-step map."""

import pytest
import torch

from taskdyn.models import build_recurrent_model

CONFIGS = [
    {"type": "gru", "latent_size": 12},
    {"type": "lstm", "latent_size": 12},
    {"type": "vanilla", "latent_size": 12},
    {"type": "vanilla", "latent_size": 12, "bias": False},
    {"type": "node", "latent_size": 3, "layer_hidden_size": 16, "num_layers": 3},
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: c["type"] + str(c.get("bias", "")))
def test_shapes_and_step_consistency(cfg):
    torch.manual_seed(0)
    model = build_recurrent_model(cfg, input_size=3, output_size=2)
    inputs = torch.randn(4, 7, 3)
    outputs, states = model(inputs)
    assert outputs.shape == (4, 7, 2)
    assert states.shape == (4, 7, model.state_size)
    # the sequence is the step map iterated from the initial state
    state = model.initial_state.expand(4, -1)
    for t in range(7):
        state = model.step(state, inputs[:, t])
    torch.testing.assert_close(state, states[:, -1])


def test_lstm_state_is_h_and_c():
    model = build_recurrent_model({"type": "lstm", "latent_size": 5}, 3, 2)
    assert model.state_size == 10
    assert model.hidden(torch.zeros(1, 1, 10)).shape[-1] == 5


@pytest.mark.parametrize("kind, kernel", [("gru", "fused"), ("gru", "sequence"),
                                          ("vanilla", "fused")])
def test_kernels_match_the_loop(kind, kernel):
    torch.manual_seed(1)
    loop = build_recurrent_model({"type": kind, "latent_size": 9, "kernel": "loop"}, 3, 2)
    other = build_recurrent_model({"type": kind, "latent_size": 9, "kernel": kernel}, 3, 2)
    other.load_state_dict(loop.state_dict())
    inputs = torch.randn(3, 11, 3)
    for expected, got in zip(loop(inputs), other(inputs)):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


def test_bias_free_vanilla_has_no_bias_parameters():
    model = build_recurrent_model({"type": "vanilla", "latent_size": 4, "bias": False}, 3, 2)
    assert not [n for n, _ in model.named_parameters() if "bias" in n]


def test_unknown_model_type_is_named():
    with pytest.raises(ValueError, match="transformer"):
        build_recurrent_model({"type": "transformer"}, 3, 2)
