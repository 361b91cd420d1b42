"""Parse bAbI files into examples and encode them as padded integer arrays.

A file is a run of stories; a line ID of 1 starts a new story. Statement lines are `ID text`;
question lines are `ID question<TAB>answer<TAB>supporting IDs` (the IDs may be absent, as in the
`-nosf` variants). Each question becomes one example whose story is every statement of its story
before it. Vocabulary and answer maps are built from training examples only; later splits map
unseen words to `<unk>` and unseen answers to -1 (always scored wrong).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PAD, UNK = "<pad>", "<unk>"
ROLE_NAMES = ("other", "supporting", "question_word", "answer")
_TOKEN = re.compile(r"[\w']+|[^\w\s]")


@dataclass(frozen=True)
class BabiExample:
    """One question with its story: tokenised sentences, supporting sentence indices, answer."""

    story: tuple[tuple[str, ...], ...]
    question: tuple[str, ...]
    answer: str
    supporting: tuple[int, ...]
    story_index: int


def tokenize(text: str) -> tuple[str, ...]:
    """Lower-cased words and punctuation marks."""
    return tuple(_TOKEN.findall(text.lower()))


def parse_babi(lines: Iterable[str]) -> list[BabiExample]:
    """Examples of a bAbI file's lines; raises ValueError naming a malformed line."""
    examples: list[BabiExample] = []
    story: list[tuple[str, ...]] = []
    line_to_sentence: dict[int, int] = {}
    story_index = -1
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        head, _, text = line.partition(" ")
        if not head.isdigit():
            raise ValueError(f"line {number}: expected 'ID text', got {raw!r}")
        line_id = int(head)
        if line_id == 1:
            story, line_to_sentence, story_index = [], {}, story_index + 1
        if "\t" not in text:
            line_to_sentence[line_id] = len(story)
            story.append(tokenize(text))
            continue
        question, answer, *rest = text.split("\t")
        try:
            supporting = tuple(line_to_sentence[int(i)] for i in (rest[0].split() if rest else []))
        except (KeyError, ValueError) as err:
            raise ValueError(f"line {number}: supporting ids {rest[0]!r} do not name earlier "
                             f"statements of the story") from err
        examples.append(BabiExample(story=tuple(story), question=tokenize(question),
                                    answer=answer.strip().lower(), supporting=supporting,
                                    story_index=story_index))
    return examples


def build_vocab(examples: Sequence[BabiExample]) -> list[str]:
    """`<pad>`, `<unk>`, then every story and question word of `examples`, sorted."""
    words = {w for ex in examples for sentence in (*ex.story, ex.question) for w in sentence}
    return [PAD, UNK, *sorted(words)]


def build_answers(examples: Sequence[BabiExample]) -> list[str]:
    """The sorted answers of `examples`."""
    return sorted({ex.answer for ex in examples})


def template_words(examples: Sequence[BabiExample], min_share: float = 0.9) -> set[str]:
    """Question words in at least `min_share` of the questions (the question's template)."""
    counts: dict[str, int] = {}
    for ex in examples:
        for word in set(ex.question):
            counts[word] = counts.get(word, 0) + 1
    return {w for w, c in counts.items() if c >= min_share * len(examples)}


def encode(examples: Sequence[BabiExample], vocab: Sequence[str], answers: Sequence[str],
           templates: set[str], *, max_sentences: int, max_story_tokens: int,
           max_question_tokens: int) -> dict[str, np.ndarray]:
    """Padded arrays: the last `max_sentences` sentences, cut to the last `max_story_tokens` tokens.

    Returns `story`, `sentence`, `supporting`, `role` `[trial, token]` (pad: 0, -1, 0, -1),
    `story_length`, `question` `[trial, token]`, `answer` and `story_index` `(trial,)`. `role`
    indexes ROLE_NAMES: the answer word, a non-template question word, another word of a
    supporting sentence, or other.
    """
    word_id = {w: i for i, w in enumerate(vocab)}
    answer_id = {a: i for i, a in enumerate(answers)}
    n = len(examples)
    out = {"story": np.zeros((n, max_story_tokens), np.int64),
           "sentence": np.full((n, max_story_tokens), -1, np.int64),
           "supporting": np.zeros((n, max_story_tokens), np.int8),
           "role": np.full((n, max_story_tokens), -1, np.int8),
           "story_length": np.zeros(n, np.int64),
           "question": np.zeros((n, max_question_tokens), np.int64),
           "answer": np.array([answer_id.get(ex.answer, -1) for ex in examples], np.int64),
           "story_index": np.array([ex.story_index for ex in examples], np.int64)}
    for i, ex in enumerate(examples):
        first = max(0, len(ex.story) - max_sentences)
        tokens = [(w, s - first) for s in range(first, len(ex.story)) for w in ex.story[s]]
        tokens = tokens[-max_story_tokens:]
        asked = set(ex.question) - templates
        for t, (word, sentence) in enumerate(tokens):
            out["story"][i, t] = word_id.get(word, word_id[UNK])
            out["sentence"][i, t] = sentence
            supporting = sentence + first in ex.supporting
            out["supporting"][i, t] = supporting
            out["role"][i, t] = _role(word, supporting, asked, ex.answer)
        out["story_length"][i] = len(tokens)
        question = ex.question[:max_question_tokens]
        out["question"][i, : len(question)] = [word_id.get(w, word_id[UNK]) for w in question]
    return out


def _role(word: str, supporting: bool, asked: set[str], answer: str) -> int:
    if word == answer:
        return ROLE_NAMES.index("answer")
    if word in asked:
        return ROLE_NAMES.index("question_word")
    return ROLE_NAMES.index("supporting") if supporting else ROLE_NAMES.index("other")
