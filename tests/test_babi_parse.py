"""The bAbI parser and encoder on hand-written story lines."""

import numpy as np
import pytest

from taskdyn.tasks.babi_parse import (ROLE_NAMES, UNK, build_answers, build_vocab, encode,
                                      parse_babi, template_words)

LINES = """\
1 Mary moved to the bathroom.
2 John went to the hallway.
3 Where is Mary? \tbathroom\t1
4 Daniel went back to the hallway.
5 Sandra moved to the garden.
6 Where is Daniel? \thallway\t4
1 John travelled to the office.
2 Where is John? \toffice\t1
3 John got the milk there.
4 Where is the milk?\toffice\t1 3
""".splitlines()


def test_stories_reset_at_line_id_1_and_questions_see_earlier_statements():
    examples = parse_babi(LINES)
    assert [ex.story_index for ex in examples] == [0, 0, 1, 1]
    assert [len(ex.story) for ex in examples] == [2, 4, 1, 2]  # question lines are not story
    assert examples[2].story == (("john", "travelled", "to", "the", "office", "."),)
    assert examples[1].question == ("where", "is", "daniel", "?")
    assert [ex.answer for ex in examples] == ["bathroom", "hallway", "office", "office"]


def test_supporting_ids_become_sentence_indices_skipping_question_lines():
    examples = parse_babi(LINES)
    # line 4 of story 0 is its third statement (line 3 was a question)
    assert examples[1].supporting == (2,)
    assert examples[3].supporting == (0, 1)
    assert examples[3].story[examples[3].supporting[1]][:2] == ("john", "got")


def test_missing_supporting_ids_are_allowed_and_bad_ids_rejected():
    no_ids = parse_babi(["1 Mary went to the office.", "2 Where is Mary?\toffice"])
    assert no_ids[0].supporting == ()
    with pytest.raises(ValueError, match="line 2"):
        parse_babi(["1 Mary went to the office.", "2 Where is Mary?\toffice\t7"])
    with pytest.raises(ValueError, match="line 1"):
        parse_babi(["Mary went to the office."])


def test_vocabulary_and_answers_from_training_only_unseen_become_unk_and_minus_one():
    train, test = parse_babi(LINES[:3]), parse_babi(["1 Bill went to the cellar.",
                                                     "2 Where is Bill?\tcellar\t1"])
    vocab, answers = build_vocab(train), build_answers(train)
    assert vocab[:2] == ["<pad>", UNK] and "bill" not in vocab and answers == ["bathroom"]
    arrays = encode(test, vocab, answers, set(), max_sentences=5, max_story_tokens=8,
                    max_question_tokens=4)
    assert arrays["answer"].tolist() == [-1]
    assert arrays["story"][0, :2].tolist() == [vocab.index(UNK), vocab.index("went")]


def test_encode_pads_truncates_to_the_last_tokens_and_marks_supporting_tokens_and_roles():
    examples = parse_babi(LINES)
    vocab, answers = build_vocab(examples), build_answers(examples)
    templates = template_words(examples)
    assert templates == {"where", "is", "?"}
    arrays = encode(examples, vocab, answers, templates, max_sentences=1, max_story_tokens=5,
                    max_question_tokens=3)
    # example 1: only the last sentence "sandra moved to the garden ." kept, cut to 5 tokens
    words = [vocab[i] for i in arrays["story"][1]]
    assert words == ["moved", "to", "the", "garden", "."]
    assert arrays["supporting"][1].tolist() == [0] * 5  # its supporting sentence was cut away
    assert arrays["story_length"].tolist() == [5, 5, 5, 5]
    # example 2: one 6-token sentence cut to its last 5; supporting, holds the answer "office"
    assert arrays["supporting"][2].tolist() == [1] * 5
    roles = [ROLE_NAMES[r] for r in arrays["role"][2]]
    assert roles == ["supporting", "supporting", "supporting", "answer", "supporting"]
    short = encode(examples[:1], vocab, answers, templates, max_sentences=9,
                   max_story_tokens=20, max_question_tokens=6)
    assert short["story_length"][0] == 12
    assert (short["story"][0, 12:] == 0).all() and (short["role"][0, 12:] == -1).all()
    assert short["sentence"][0, :12].tolist() == [0] * 6 + [1] * 6
    assert ROLE_NAMES[short["role"][0, 0]] == "question_word"  # "mary", asked about
    assert np.array_equal(short["question"][0], [vocab.index(w) for w in
                                                 ("where", "is", "mary", "?")] + [0, 0])
