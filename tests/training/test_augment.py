import random

from happybot.datasets import Row
from happybot.training.augment import SOURCE, misspell, with_misspelt_copies


def _row(text: str, hate: float = 0.0) -> Row:
    return Row(text, (hate, 0.0, 0.0, 0.0, 0.0), (True, True, False, True, True), "dynabench-dev")


def test_a_misspelt_word_keeps_its_first_letter_and_loses_or_gains_one_letter_at_most():
    rng = random.Random(7)
    for _ in range(200):
        out = misspell("Immigrants are ruining everything", rng)
        assert out != "Immigrants are ruining everything"
        changed = [
            (a, b)
            for a, b in zip(
                ["Immigrants", "are", "ruining", "everything"], out.split(), strict=True
            )
            if a != b
        ]
        assert 1 <= len(changed) <= 2
        for before, after in changed:
            assert after[0] == before[0]
            assert abs(len(after) - len(before)) <= 1
            assert sorted(after) == sorted(before) or len(after) != len(before)


def test_short_words_are_left_alone_and_two_of_them_may_run_together():
    rng = random.Random(3)
    outs = {misspell("go on now", rng) for _ in range(50)}
    assert outs <= {"goon now", "go onnow"}
    assert misspell("ok", rng) == "ok"  # nothing to misspell: the caller drops the copy


def test_copies_keep_the_targets_and_come_after_every_original():
    rows = [_row(f"sentence number {i} about something", hate=i % 2) for i in range(1000)]
    out = with_misspelt_copies(rows, seed=1, share=0.15)
    assert out[: len(rows)] == rows
    copies = out[len(rows) :]
    assert 100 < len(copies) < 200  # 15% of a thousand, give or take the draw
    originals = {r.text.split()[2]: r for r in rows}
    for copy in copies:
        assert copy.source == SOURCE
        original = originals[copy.text.split()[2]]
        assert copy.text != original.text
        assert (copy.targets, copy.known) == (original.targets, original.known)


def test_the_same_seed_gives_the_same_copies_and_another_seed_others():
    rows = [_row(f"people from town {i} complain loudly") for i in range(300)]
    assert with_misspelt_copies(rows, seed=1, share=0.15) == with_misspelt_copies(
        rows, seed=1, share=0.15
    )
    assert with_misspelt_copies(rows, seed=1, share=0.15) != with_misspelt_copies(
        rows, seed=2, share=0.15
    )


def test_a_text_that_cannot_be_misspelt_gets_no_copy():
    rows = [_row("ok")] * 50
    assert with_misspelt_copies(rows, seed=1, share=1.0) == rows
