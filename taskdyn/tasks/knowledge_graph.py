"""Knowledge graphs with a functor between two entity categories (Minegishi et al. 2026).

Follows the anchor code (`gouki510/Analogy_in_Transformer`, `toy_model/src/data/builder.py::
build_dataset_with_functor`, commit 291dc97) call for call on one `np.random.default_rng(seed)`,
so a data seed gives the anchor's facts (seed 42, 10 entities, 10,000 relations, sub-size 5:
40 ID atomic, 106 ID / 14 near-OOD compositional, 3 ID / 2 OOD analogical facts).

- Entities are permuted into E1 (first `sub_size`), E2 (next `sub_size`) and OTHER (the rest);
  the functor f: E1 → E2 is a random bijection.
- Atomic facts (h, r, t): every ordered pair of distinct E1 entities gets a random relation
  (with `duplicate_relation=False` a head never reuses one), OTHER pairs get random noise edges;
  a fraction `atomic_ood_ratio` is held out (OOD). Every *ID* E1 edge (h, r, t) is mirrored
  as the ID edge (f(h), r, f(t)), so E2 shares E1's relation tokens.
- Compositional facts (h, r1, r2, t) for every two-hop path h -r1-> b -r2-> t with t ≠ h:
  far-OOD when either hop is an OOD atomic fact; otherwise near-OOD with probability
  `compositional_ood_ratio` (both hops seen, the composition held out) and ID the rest.
- Analogical facts (e, <f>, f(e)) for e in E1 (and (f(e), <f_inv>, e) if asked); a fraction
  `analogical_ood_ratio` is held out.

Tokens: entity i has id i, relation r_j id `num_entities + j`, then `<f>` and `<f_inv>`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

# Fact types in the anchor's order; a fact's `fact_type` is its index here.
FACT_TYPES = ("id_atomic", "ood_atomic", "id_compositional", "near_ood_compositional",
              "far_ood_compositional", "id_analogical", "ood_analogical")
TRAIN_TYPES = ("id_atomic", "id_compositional", "id_analogical")
FUNCTOR, FUNCTOR_INVERSE = "<f>", "<f_inv>"

Fact = tuple[str, ...]


@dataclass
class KnowledgeGraph:
    """Facts as token strings per type, the vocabulary and the functor's entity pairs.

    `bridges[type]` gives, for each compositional fact, the middle entity b of its path
    h -r1-> b -r2-> t (so its hops are (h, r1, b) and (b, r2, t)).
    """

    vocab: list[str]
    num_entities: int
    functor: list[tuple[str, str]]
    facts: dict[str, list[Fact]]
    bridges: dict[str, list[str]] = field(default_factory=dict)

    @cached_property
    def index(self) -> dict[str, int]:
        """Token string → vocabulary id."""
        return {tok: i for i, tok in enumerate(self.vocab)}

    def token_ids(self, tokens: Fact) -> list[int]:
        """Vocabulary ids of a fact's tokens."""
        return [self.index[t] for t in tokens]


def build_knowledge_graph(num_entities: int, num_relations: int, sub_size: int, *,
                          atomic_ood_ratio: float, compositional_ood_ratio: float,
                          analogical_ood_ratio: float, seed: int, include_f_inverse: bool = False,
                          duplicate_relation: bool = False) -> KnowledgeGraph:
    """Build the anchor's knowledge graph, deterministic in `seed`."""
    if 2 * sub_size > num_entities:
        raise ValueError(f"2 * sub_size ({2 * sub_size}) exceeds num_entities ({num_entities})")
    rng = np.random.default_rng(seed)
    entities = [f"<e_{i}>" for i in range(num_entities)]
    relations = [f"<r_{i}>" for i in range(num_relations)]
    extra = [FUNCTOR] + [FUNCTOR_INVERSE] * include_f_inverse

    perm = rng.permutation(num_entities)
    e1, e2, other = perm[:sub_size], perm[sub_size:2 * sub_size], perm[2 * sub_size:]
    f_map = {entities[i]: entities[j] for i, j in zip(e1, rng.permutation(e2))}
    relation_pool = rng.choice(num_relations, size=num_relations, replace=False)

    atomics, out_edges = _atomic_edges(entities, relations, e1, other, relation_pool,
                                       duplicate_relation, rng)
    n_id = round(len(atomics) * (1 - atomic_ood_ratio))
    id_list, ood_list = _shuffled_split(atomics, n_id, rng)
    id_atomic, ood_atomic = set(id_list), set(ood_list)
    for h, r, t in id_list:  # E2 mirrors every ID E1 edge
        if h in f_map and t in f_map:
            id_atomic.add((f_map[h], r, f_map[t]))
            out_edges[f_map[h]].append((r, f_map[t]))

    facts: dict[str, list[Fact]] = {name: [] for name in FACT_TYPES}
    bridges: dict[str, list[str]] = {name: [] for name in FACT_TYPES if "compositional" in name}
    for head in entities:
        for r1, b in out_edges[head]:
            for r2, tail in out_edges[b]:
                if tail == head:
                    continue
                if (head, r1, b) in ood_atomic or (b, r2, tail) in ood_atomic:
                    kind = "far_ood_compositional"
                elif rng.uniform() > compositional_ood_ratio:
                    kind = "id_compositional"
                else:
                    kind = "near_ood_compositional"
                facts[kind].append((head, r1, r2, tail))
                bridges[kind].append(b)

    analogical = [(e, FUNCTOR, f_map[e]) for e in (entities[i] for i in e1)]
    if include_f_inverse:
        analogical += [(f_map[e], FUNCTOR_INVERSE, e) for e in (entities[i] for i in e1)]
    n_id = int(round(len(analogical) * (1 - analogical_ood_ratio)))
    id_analogical, ood_analogical = _shuffled_split(analogical, n_id, rng)

    facts["id_atomic"], facts["ood_atomic"] = sorted(id_atomic), sorted(ood_atomic)
    facts["id_analogical"], facts["ood_analogical"] = sorted(id_analogical), sorted(ood_analogical)
    return KnowledgeGraph(vocab=entities + relations + extra, num_entities=num_entities,
                          functor=[(entities[i], f_map[entities[i]]) for i in e1],
                          facts=facts, bridges=bridges)


def _atomic_edges(entities, relations, e1, other, relation_pool, duplicate_relation, rng):
    """E1's complete directed graph, then OTHER's noise edges; also each head's out-edges."""
    atomics, out_edges = [], defaultdict(list)
    for group, unique in ((e1, not duplicate_relation), (other, False)):
        for hi in group:
            used = []
            for ti in group:
                if ti == hi:
                    continue
                pool = relation_pool[~np.isin(relation_pool, used)] if unique else relation_pool
                if pool.size == 0:
                    break
                r_idx = rng.choice(pool)
                used.append(r_idx)
                edge = (entities[hi], relations[r_idx], entities[ti])
                atomics.append(edge)
                out_edges[edge[0]].append(edge[1:])
    return atomics, out_edges


def _shuffled_split(items: list, n_first: int, rng: np.random.Generator) -> tuple[list, list]:
    """A shuffled copy of `items` cut after `n_first` items (the anchor's `split`)."""
    items = list(items)
    rng.shuffle(items)
    n_first = max(0, min(n_first, len(items)))
    return items[:n_first], items[n_first:]


def fact_arrays(graph: KnowledgeGraph, types: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Facts of `types` as model inputs: all tokens but the last, right-padded with id 0.

    Returns `tokens [trial, time]` int64, `length (trial,)` (2 or 3 input tokens), `target
    (trial,)` (the final entity's id), `fact_type (trial,)` (index into FACT_TYPES) and `bridge
    (trial,)` (the middle entity's id of a composition, -1 for other facts).
    """
    rows = [(graph.token_ids(fact), FACT_TYPES.index(kind),
             graph.index[graph.bridges[kind][i]] if kind in graph.bridges else -1)
            for kind in types for i, fact in enumerate(graph.facts[kind])]
    width = max([len(ids) - 1 for ids, _, _ in rows], default=1)
    tokens = np.zeros((len(rows), width), dtype=np.int64)
    for i, (ids, _, _) in enumerate(rows):
        tokens[i, :len(ids) - 1] = ids[:-1]
    return {"tokens": tokens,
            "length": np.array([len(ids) - 1 for ids, _, _ in rows], dtype=np.int64),
            "target": np.array([ids[-1] for ids, _, _ in rows], dtype=np.int64),
            "fact_type": np.array([kind for _, kind, _ in rows], dtype=np.int64),
            "bridge": np.array([b for _, _, b in rows], dtype=np.int64)}
