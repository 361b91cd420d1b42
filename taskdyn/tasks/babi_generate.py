"""A bAbI-format world simulator: actors move and carry objects; questions cite supporting facts.

The official generator (facebookarchive/bAbI-tasks) is Lua/Torch; this is the project's own
Python rewrite of its design for tasks 1, 2, 3, 6, 7, 8 and 11 (the tasks that share one world
of actors, locations and objects). A `World` holds the true state; a reader-knowledge tracker
records which story lines establish each fact, so every question is answerable from the story
and carries its supporting-fact line ids. Output follows the official line format
(`ID text`, questions `ID question? <TAB>answer<TAB>ids`), stories restarting at ID 1. It does
not reproduce the released files; published error rates are reference points, not targets.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from taskdyn.io import atomic_path

# File-name suffixes of the 20 official tasks (en/ and en-10k/: qa{N}_{name}_{split}.txt).
BABI_TASK_NAMES = {
    1: "single-supporting-fact", 2: "two-supporting-facts", 3: "three-supporting-facts",
    4: "two-arg-relations", 5: "three-arg-relations", 6: "yes-no-questions", 7: "counting",
    8: "lists-sets", 9: "simple-negation", 10: "indefinite-knowledge", 11: "basic-coreference",
    12: "conjunction", 13: "compound-coreference", 14: "time-reasoning", 15: "basic-deduction",
    16: "basic-induction", 17: "positional-reasoning", 18: "size-reasoning", 19: "path-finding",
    20: "agents-motivations",
}

ACTORS = {"Mary": "she", "Sandra": "she", "John": "he", "Daniel": "he"}
LOCATIONS = ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")
OBJECTS = ("apple", "football", "milk")
MOVE_VERBS = ("moved to", "went to", "went back to", "journeyed to", "travelled to")
GET_VERBS = ("got", "grabbed", "picked up", "took")
DROP_VERBS = ("discarded", "dropped", "left", "put down")
CONNECTIVES = ("Then", "After that", "Afterwards", "Following that")
COUNT_WORDS = ("none", "one", "two", "three")


@dataclass(frozen=True)
class Recipe:
    """How one task's stories are built: actions allowed, statements per question, questions."""

    objects: bool  # actors also get and drop objects
    gap: tuple[int, int]  # statements before each question (inclusive range)
    n_questions: int  # questions per story


RECIPES = {
    1: Recipe(objects=False, gap=(2, 2), n_questions=5),
    2: Recipe(objects=True, gap=(1, 4), n_questions=5),
    3: Recipe(objects=True, gap=(2, 5), n_questions=5),
    6: Recipe(objects=False, gap=(2, 2), n_questions=5),
    7: Recipe(objects=True, gap=(1, 3), n_questions=5),
    8: Recipe(objects=True, gap=(1, 3), n_questions=5),
    11: Recipe(objects=False, gap=(2, 2), n_questions=5),
}
GENERATED_TASKS = tuple(sorted(RECIPES))


@dataclass
class Line:
    """One story line; questions carry answer, supporting line ids and a true-state snapshot."""

    text: str
    answer: str | None = None
    supports: tuple[int, ...] = ()
    snapshot: dict | None = None


@dataclass
class World:
    """True state of actors and objects plus the lines that let a reader know each fact."""

    rng: np.random.Generator
    actor_loc: dict[str, str] = field(default_factory=dict)
    holder: dict[str, str | None] = field(default_factory=dict)
    object_loc: dict[str, str] = field(default_factory=dict)
    true_history: dict[str, list[str]] = field(default_factory=dict)
    # reader knowledge: line ids establishing facts
    where_line: dict[str, int] = field(default_factory=dict)  # actor -> last move line
    named_line: dict[str, int] = field(default_factory=dict)  # actor -> last line naming them
    coref: dict[str, int] = field(default_factory=dict)  # actor -> antecedent of a pronoun move
    object_where: dict[str, tuple[int, ...] | None] = field(default_factory=dict)
    object_hist: dict[str, list[tuple[str, tuple[int, ...]]]] = field(default_factory=dict)
    carry_lines: dict[str, list[int]] = field(default_factory=dict)  # actor -> get/drop lines
    carrying: dict[str, list[str]] = field(default_factory=dict)  # actor -> objects, pickup order
    get_line: dict[str, int] = field(default_factory=dict)
    last_subject: str | None = None

    @classmethod
    def start(cls, rng: np.random.Generator) -> World:
        """A fresh world: actors and objects at hidden random locations."""
        world = cls(rng=rng)
        for actor in ACTORS:
            world.actor_loc[actor] = str(rng.choice(LOCATIONS))
            world.carry_lines[actor], world.carrying[actor] = [], []
        for obj in OBJECTS:
            world.object_loc[obj] = str(rng.choice(LOCATIONS))
            world.holder[obj] = None
            world.true_history[obj] = [world.object_loc[obj]]
            world.object_where[obj], world.object_hist[obj] = None, []
        return world

    def snapshot(self) -> dict:
        """A copy of the true state (what the answers must agree with)."""
        return {"actor_loc": dict(self.actor_loc), "holder": dict(self.holder),
                "object_loc": dict(self.object_loc),
                "history": {o: list(h) for o, h in self.true_history.items()},
                "carrying": {a: list(c) for a, c in self.carrying.items()}}

    # -- actions: each changes the true state, updates knowledge and returns the sentence --------

    def move(self, actor: str, line: int, pronoun: bool) -> str:
        """Move `actor` to a new location (optionally referred to by a pronoun)."""
        loc = str(self.rng.choice([x for x in LOCATIONS if x != self.actor_loc[actor]]))
        self.actor_loc[actor] = loc
        self.where_line[actor] = line
        if pronoun:
            self.coref[actor] = self.named_line[actor]
        else:
            self.coref.pop(actor, None)
            self.named_line[actor] = line
        for obj in self.carrying[actor]:
            self._object_moved(obj, loc, (self.get_line[obj], line))
        verb = str(self.rng.choice(MOVE_VERBS))
        subject = (f"{self.rng.choice(CONNECTIVES)} {ACTORS[actor]}" if pronoun else actor)
        self.last_subject = actor
        return f"{subject} {verb} the {loc}."

    def get(self, actor: str, obj: str, line: int) -> str:
        """`actor` picks up `obj`, which lies where the actor is."""
        self.holder[obj] = actor
        self.carrying[actor].append(obj)
        self.carry_lines[actor].append(line)
        self.get_line[obj] = line
        self.named_line[actor], self.last_subject = line, actor
        self.coref.pop(actor, None)
        if actor in self.where_line:
            self._object_moved(obj, self.actor_loc[actor], (line, self.where_line[actor]))
        else:
            self.object_where[obj] = None
        return f"{actor} {self.rng.choice(GET_VERBS)} the {obj} there."

    def drop(self, actor: str, obj: str, line: int) -> str:
        """`actor` puts `obj` down where the actor is."""
        self.holder[obj] = None
        self.carrying[actor].remove(obj)
        self.carry_lines[actor].append(line)
        self.named_line[actor], self.last_subject = line, actor
        self.coref.pop(actor, None)
        if actor in self.where_line:
            self.object_where[obj] = (line, self.where_line[actor])
        else:
            self.object_where[obj] = None
        return f"{actor} {self.rng.choice(DROP_VERBS)} the {obj}."

    def _object_moved(self, obj: str, loc: str, supports: tuple[int, ...]) -> None:
        if self.object_loc[obj] != loc:
            self.true_history[obj].append(loc)
        self.object_loc[obj] = loc
        self.object_where[obj] = supports
        hist = self.object_hist[obj]
        if not hist or hist[-1][0] != loc:
            hist.append((loc, supports))

    def random_action(self, recipe: Recipe, line: int, coref: bool) -> str:
        """One valid random statement for the task's recipe."""
        if coref and self.last_subject and self.rng.random() < 0.5:
            return self.move(self.last_subject, line, pronoun=True)
        if recipe.objects and self.rng.random() < 0.45:
            drops = [(a, o) for a, objs in self.carrying.items() for o in objs]
            gets = [(a, o) for a in ACTORS for o in OBJECTS
                    if self.holder[o] is None and self.object_loc[o] == self.actor_loc[a]]
            if drops and (not gets or self.rng.random() < 0.4):
                return self.drop(*drops[self.rng.integers(len(drops))], line)
            if gets:
                return self.get(*gets[self.rng.integers(len(gets))], line)
        return self.move(str(self.rng.choice(list(ACTORS))), line, pronoun=False)


# ---------------------------------------------------------------------------------------------
# Questions: only those the story so far answers; answers come from reader knowledge
# ---------------------------------------------------------------------------------------------


def _actor_supports(world: World, actor: str) -> tuple[int, ...]:
    antecedent = world.coref.get(actor)
    lines = (antecedent, world.where_line[actor]) if antecedent else (world.where_line[actor],)
    return tuple(sorted(set(lines)))


def _question(world: World, task: int) -> tuple[str, str, tuple[int, ...]] | None:
    """(question, answer, supporting line ids) for `task`, or None if nothing is answerable."""
    rng = world.rng
    if task in (1, 6, 11):
        known = [a for a in ACTORS if a in world.where_line]
        if not known:
            return None
        actor = str(rng.choice(known))
        loc = world.actor_loc[actor]
        if task == 6:
            asked = loc if rng.random() < 0.5 else str(rng.choice(
                [x for x in LOCATIONS if x != loc]))
            return (f"Is {actor} in the {asked}?", "yes" if asked == loc else "no",
                    _actor_supports(world, actor))
        return f"Where is {actor}?", loc, _actor_supports(world, actor)
    if task == 2:
        known = [o for o in OBJECTS if world.object_where[o] is not None]
        if not known:
            return None
        obj = str(rng.choice(known))
        return (f"Where is the {obj}?", world.object_hist[obj][-1][0],
                tuple(sorted(set(world.object_where[obj]))))
    if task == 3:
        known = [o for o in OBJECTS if _before_answerable(world, o)]
        if not known:
            return None
        obj = str(rng.choice(known))
        (prev, prev_sup), (cur, cur_sup) = world.object_hist[obj][-2:]
        return (f"Where was the {obj} before the {cur}?", prev,
                tuple(sorted(set(prev_sup) | set(world.object_where[obj]) | set(cur_sup))))
    if task in (7, 8):
        known = [a for a in ACTORS if world.carry_lines[a]]
        if not known:
            return None
        actor = str(rng.choice(known))
        held = world.carrying[actor]
        supports = tuple(world.carry_lines[actor])
        if task == 7:
            return f"How many objects is {actor} carrying?", COUNT_WORDS[len(held)], supports
        return f"What is {actor} carrying?", ",".join(held) or "nothing", supports
    raise ValueError(f"bAbI task {task} is not generated; generated tasks: {GENERATED_TASKS}")


def _before_answerable(world: World, obj: str) -> bool:
    hist = world.object_hist[obj]
    if world.object_where[obj] is None or len(hist) < 2:
        return False
    current = hist[-1][0]
    return current == world.object_loc[obj] and [h[0] for h in hist].count(current) == 1


# ---------------------------------------------------------------------------------------------
# Stories and files
# ---------------------------------------------------------------------------------------------


def generate_story(task: int, rng: np.random.Generator) -> list[Line]:
    """One story of `task`: statements with questions interleaved, line ids implicit (1, 2, ...)."""
    if task not in RECIPES:
        raise ValueError(f"bAbI task {task} is not generated; generated tasks: {GENERATED_TASKS}")
    recipe = RECIPES[task]
    world = World.start(rng)
    lines: list[Line] = []
    asked = 0
    while asked < recipe.n_questions:
        for _ in range(rng.integers(recipe.gap[0], recipe.gap[1] + 1)):
            lines.append(Line(world.random_action(recipe, len(lines) + 1, coref=task == 11)))
        question = _question(world, task)
        if question is None:
            continue
        text, answer, supports = question
        lines.append(Line(text, answer, supports, world.snapshot()))
        asked += 1
    return lines


def generate_stories(task: int, n_questions: int, rng: np.random.Generator) -> list[list[Line]]:
    """Whole stories until at least `n_questions` questions (the last story is cut to fit)."""
    stories, total = [], 0
    while total < n_questions:
        story = generate_story(task, rng)
        n_q = sum(line.answer is not None for line in story)
        if total + n_q > n_questions:
            keep = n_questions - total
            cut = [i for i, line in enumerate(story) if line.answer is not None][keep - 1]
            story = story[: cut + 1]
            n_q = keep
        stories.append(story)
        total += n_q
    return stories


def format_story(story: list[Line]) -> Iterator[str]:
    """The story's lines in the official format (IDs from 1)."""
    for i, line in enumerate(story, start=1):
        if line.answer is None:
            yield f"{i} {line.text}"
        else:
            yield f"{i} {line.text} \t{line.answer}\t{' '.join(map(str, line.supports))}"


def babi_file_name(task: int, split: str) -> str:
    """`qa{N}_{name}_{split}.txt`, the official file name."""
    return f"qa{task}_{BABI_TASK_NAMES[task]}_{split}.txt"


def write_babi_files(task: int, paths: dict[str, str | os.PathLike], *, n_train: int,
                     n_test: int, seed: int) -> None:
    """Generate `task`'s questions into `paths["train"]` and `paths["test"]` (official format)."""
    rng = np.random.default_rng([seed, task])
    for split, n in (("train", n_train), ("test", n_test)):
        text = "\n".join(line for story in generate_stories(task, n, rng)
                         for line in format_story(story)) + "\n"
        with atomic_path(paths[split]) as tmp:
            tmp.write_text(text)
