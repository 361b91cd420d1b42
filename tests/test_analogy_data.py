"""Knowledge graphs of the analogy study: the anchor's counts, split definitions, token arrays."""

import numpy as np
import pytest

from taskdyn.tasks.knowledge_graph import (
    FACT_TYPES,
    FUNCTOR,
    TRAIN_TYPES,
    build_knowledge_graph,
    fact_arrays,
)


def _graph(**overrides):
    params = dict(num_entities=10, num_relations=10000, sub_size=5, atomic_ood_ratio=0.0,
                  compositional_ood_ratio=0.1, analogical_ood_ratio=0.4, seed=42)
    params.update(overrides)
    n, r, s = params.pop("num_entities"), params.pop("num_relations"), params.pop("sub_size")
    return build_knowledge_graph(n, r, s, **params)


def _counts(graph):
    return {kind: len(graph.facts[kind]) for kind in FACT_TYPES}


def test_seed_42_reproduces_the_anchor_notebook_counts():
    # toy_model/notebooks/training_dynamics.ipynb and dirichlet_energy_analysis.ipynb outputs
    assert _counts(_graph()) == {"id_atomic": 40, "ood_atomic": 0, "id_compositional": 106,
                                 "near_ood_compositional": 14, "far_ood_compositional": 0,
                                 "id_analogical": 3, "ood_analogical": 2}
    ratio_01 = _counts(_graph(analogical_ood_ratio=0.1))
    assert (ratio_01["id_analogical"], ratio_01["ood_analogical"]) == (4, 1)  # round(4.5) = 4
    assert len(_graph().vocab) == 10 + 10000 + 1


def test_same_seed_same_graph_other_seed_other_graph():
    assert _graph(num_relations=50).facts == _graph(num_relations=50).facts
    assert _graph(num_relations=50).facts != _graph(num_relations=50, seed=43).facts


# A graph with every kind of held-out fact: OOD atomics, far-OOD compositions, noise entities.
@pytest.fixture(scope="module")
def rich():
    return _graph(num_entities=14, num_relations=50, atomic_ood_ratio=0.2,
                  compositional_ood_ratio=0.3, include_f_inverse=True, seed=3)


def test_no_overlap_between_training_and_held_out_facts(rich):
    counts = _counts(rich)
    assert all(counts[kind] > 0 for kind in FACT_TYPES)
    train = {f for kind in TRAIN_TYPES for f in rich.facts[kind]}
    held_out = {f for kind in FACT_TYPES if kind not in TRAIN_TYPES for f in rich.facts[kind]}
    assert not train & held_out
    # Not even a query is shared: no held-out fact asks a trained question.
    assert not {f[:-1] for f in train} & {f[:-1] for f in held_out}
    for kind in FACT_TYPES:
        assert len(set(rich.facts[kind])) == len(rich.facts[kind])


def test_every_composition_is_classified_by_its_hops(rich):
    id_atomic, ood_atomic = set(rich.facts["id_atomic"]), set(rich.facts["ood_atomic"])
    for kind in ("id_compositional", "near_ood_compositional", "far_ood_compositional"):
        assert len(rich.bridges[kind]) == len(rich.facts[kind])
        for (head, r1, r2, tail), bridge in zip(rich.facts[kind], rich.bridges[kind]):
            hops = {(head, r1, bridge), (bridge, r2, tail)}
            assert hops <= id_atomic | ood_atomic and head != tail
            if kind == "far_ood_compositional":  # the code's definition: either hop held out
                assert hops & ood_atomic
            else:  # ID and near-OOD: both hops seen in training
                assert hops <= id_atomic


def test_e2_mirrors_e1_through_the_functor(rich):
    f = dict(rich.functor)
    inverse = {v: k for k, v in f.items()}
    id_atomic, ood_atomic = set(rich.facts["id_atomic"]), set(rich.facts["ood_atomic"])
    e1_edges = {(h, r, t) for h, r, t in id_atomic | ood_atomic if h in f and t in f}
    assert len(e1_edges) == 5 * 4  # E1 is a complete directed graph
    for h, r, t in e1_edges:
        assert ((f[h], r, f[t]) in id_atomic) == ((h, r, t) in id_atomic)
    assert not {(h, r, t) for h, r, t in ood_atomic if h in inverse}  # E2 edges are all ID
    heads = {}
    for h, r, _ in e1_edges:
        heads.setdefault(h, []).append(r)
    assert all(len(set(rs)) == len(rs) for rs in heads.values())  # duplicate_relation=False


def test_analogical_facts_are_the_functor_split_by_the_ratio(rich):
    facts = rich.facts["id_analogical"] + rich.facts["ood_analogical"]
    forward = {(e, FUNCTOR, fe) for e, fe in rich.functor}
    inverse = {(fe, "<f_inv>", e) for e, fe in rich.functor}
    assert set(facts) == forward | inverse
    assert len(rich.facts["id_analogical"]) == round(10 * (1 - 0.4))


def test_fact_arrays_hold_inputs_targets_and_labels(rich):
    arrays = fact_arrays(rich, FACT_TYPES)
    n = sum(len(rich.facts[kind]) for kind in FACT_TYPES)
    assert arrays["tokens"].shape == (n, 3)
    kinds = np.array(FACT_TYPES)[arrays["fact_type"]]
    compositional = np.char.find(kinds.astype(str), "compositional") >= 0
    assert np.all(arrays["length"] == np.where(compositional, 3, 2))
    assert np.all(arrays["tokens"][~compositional, 2] == 0)  # right padding
    assert np.all((arrays["bridge"] >= 0) == compositional)
    first = rich.facts[FACT_TYPES[arrays["fact_type"][0]]][0]
    assert arrays["target"][0] == rich.token_ids(first)[-1]
    assert list(arrays["tokens"][0, :arrays["length"][0]]) == rich.token_ids(first)[:-1]
    assert arrays["target"].max() < rich.num_entities  # answers are always entities


def test_sub_size_too_large_is_refused():
    with pytest.raises(ValueError, match="sub_size"):
        _graph(num_entities=8)


def test_the_default_run_holds_out_enough_analogical_facts_for_a_graded_curve():
    """A seed's held-out analogical accuracy takes n + 1 values for n held-out facts: the
    default run holds out at least 3, so its curve is more than right / half / wrong."""
    from pathlib import Path

    import yaml

    config = Path(__file__).resolve().parents[1] / "config" / "config.yaml"
    for task in yaml.safe_load(config.read_text())["studies"]["analogy"]["tasks"].values():
        keys = ("atomic_ood_ratio", "compositional_ood_ratio", "analogical_ood_ratio")
        graph = build_knowledge_graph(task["num_entities"], task["num_relations"],
                                      task["sub_size"], seed=task["data_seed"],
                                      **{k: task[k] for k in keys})
        assert len(graph.facts["ood_analogical"]) >= 3
        assert len(graph.facts["id_analogical"]) >= 1
