"""Rows for training: what each source tells about each label, and a split that never puts the
same text on both sides."""

from __future__ import annotations

from happybot.datasets import Example
from happybot.labels import LABELS
from happybot.training.corpus import REPEAT, is_held_out, row_of, split
from happybot.training.train import batches


def _row(example: Example) -> dict[str, float | None]:
    row = row_of(example)
    return {
        label: (target if known else None)
        for label, target, known in zip(LABELS, row.targets, row.known, strict=True)
    }


def test_hate_is_insulting_and_what_it_does_not_settle_stays_unknown() -> None:
    hate = _row(Example("x", 1, None, "dynabench-dev", threat=0))
    assert hate["hate"] == 1 and hate["insult"] == 1 and hate["threat"] == 0
    assert hate["sexual"] is None and hate["self-harm"] == 0
    untyped = _row(Example("x", 1, None, "dynabench-train"))
    assert untyped["threat"] is None


def test_a_public_sets_harmless_text_is_harmless_for_every_label() -> None:
    # masked instead, a label would be learnt from our own sentences' style alone
    assert _row(Example("y", 0, None, "dynabench-train")) == dict.fromkeys(LABELS, 0)
    assert _row(Example("y", 0, 0, "hatexplain")) == dict.fromkeys(LABELS, 0)
    offensive = _row(Example("z", 0, 1, "davidson"))
    assert offensive["sexual"] is None and offensive["threat"] is None


def test_the_lexicons_terms_tell_only_their_own_label() -> None:
    row = _row(Example("t", 0, None, "lexicon", sexual=1, self_harm=0))
    assert row == {"hate": 0, "insult": None, "threat": None, "sexual": 1, "self-harm": 0}


def test_davidson_teaches_insult_but_not_its_slur_driven_hate() -> None:
    offensive = _row(Example("z", 0, 1, "davidson"))
    assert offensive["hate"] is None and offensive["insult"] == 1
    hate = _row(Example("z", 1, 0, "davidson"))
    assert hate["hate"] is None and hate["insult"] == 1
    neither = _row(Example("z", 0, 0, "davidson"))
    assert neither["hate"] is None and neither["insult"] == 0 and neither["sexual"] == 0


def test_our_sensitive_sentences_tell_every_label() -> None:
    row = _row(Example("w", 0, 0, "sensitive-examples", threat=0, sexual=0, self_harm=1))
    assert row == {"hate": 0, "insult": 0, "threat": 0, "sexual": 0, "self-harm": 1}


def test_split_keeps_a_text_on_one_side_and_repeats_our_own() -> None:
    texts = [f"sentence number {i}" for i in range(400)]
    examples = [Example(t, i % 2, None, "dynabench-dev") for i, t in enumerate(texts)]
    examples += [Example(texts[0].upper() + "!", 0, 0, "counter-examples")]
    train, held = split(examples)
    assert {r.text.lower().rstrip("!") for r in train}.isdisjoint({r.text for r in held})
    assert 0.03 < len(held) / len(texts) < 0.15
    copies = [r for r in train if r.source == "counter-examples"]
    assert len(copies) == (0 if is_held_out(texts[0]) else REPEAT["counter-examples"])


def test_batches_cover_every_row_once_and_repeat_for_the_same_seed() -> None:
    lengths = [(i * 37) % 50 + 1 for i in range(1000)]
    first = batches(lengths, 32, seed=1, epoch=0)
    assert sorted(i for b in first for i in b) == list(range(1000))
    assert first == batches(lengths, 32, seed=1, epoch=0)
    assert first != batches(lengths, 32, seed=1, epoch=1)
    # sorted by length within pools: a batch's lengths are close together
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in first)
    assert spread / len(first) < 10


def test_our_own_sets_are_read_with_every_label(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from happybot import datasets

    (tmp_path / "everyday.tsv").write_text("text\tkind\nthe kettle broke again\teveryday\n")
    (tmp_path / "sensitive.tsv").write_text(
        "text\tself_harm\tsexual\tthreat\tkind\ni will hurt you\t0\t0\t1\tthreat\n"
    )
    (everyday,) = datasets.everyday_examples(tmp_path / "everyday.tsv")
    assert _row(everyday) == dict.fromkeys(LABELS, 0)
    (threat,) = datasets.sensitive_examples(tmp_path / "sensitive.tsv")
    assert _row(threat) == {"hate": 0, "insult": 1, "threat": 1, "sexual": 0, "self-harm": 0}
