from __future__ import annotations

from pathlib import Path

import pytest

from happybot.errors import ConfigError
from happybot.models import Target
from happybot.platforms.simulate import forbidden_lines
from happybot.screens.base import ScreenContext
from happybot.screens.corpus import CorpusScreen
from happybot.testing import NOW, make_author, make_campaign, make_post, make_trigger

CTX = ScreenContext(now=NOW, deadline=NOW)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "book.txt"
    path.write_text("\n".join(forbidden_lines()) + "\n")
    return path


def found(screen: CorpusScreen, text: str, **kw: object) -> list[tuple[str, float]]:
    return [(f.label, f.risk) for f in screen.check([make_trigger(text, **kw)], CTX)[0]]


def test_a_line_of_the_corpus_is_caught_even_from_an_old_account(corpus: Path) -> None:
    screen = CorpusScreen(make_campaign(never_amplify=[str(corpus)]))
    line = forbidden_lines()[3]
    assert found(screen, f"{line} #MakeItHappy") == [("never-amplify", 0.95)]


def test_obfuscation_and_case_do_not_hide_a_passage(corpus: Path) -> None:
    screen = CorpusScreen(paths=[corpus])
    text = "DO N0T P1TY THEM, for th\u200bey have never pitied us!!"
    (finding,) = screen.check([make_trigger(text)], CTX)[0]
    assert finding.risk == 0.95 and finding.span == (0, len(text) - 2)


def test_the_parent_post_is_screened_too(corpus: Path) -> None:
    screen = CorpusScreen(paths=[corpus])
    parent = make_post(forbidden_lines()[0], author=make_author("other.example"))
    (finding,) = screen.check([make_trigger("#MakeItHappy", parent=parent)], CTX)[0]
    assert finding.target is Target.PARENT


def test_a_display_name_that_carries_a_line_is_screened_too(corpus: Path) -> None:
    screen = CorpusScreen(paths=[corpus])
    line = " ".join(forbidden_lines()[2].split()[:8])
    author = make_author("quiet.example", display_name=line)
    (finding,) = screen.check([make_trigger("rain again #MakeItHappy", author=author)], CTX)[0]
    assert finding.target is Target.DISPLAY_NAME


def test_a_passage_hidden_in_the_first_letters_of_the_authors_lines_is_held(corpus: Path) -> None:
    screen = CorpusScreen(paths=[corpus])
    letters = "".join(c for c in forbidden_lines()[0].lower() if c.isalpha())[:14]
    nouns = ["apple", "oven", "umbrella", "rain", "pear", "egg", "lemon", "water", "sun", "tea"]
    words = {w[0]: w for w in nouns}
    text = "\n".join(f"{words.get(c, c)} today" for c in letters) + " #MakeItHappy"
    (finding,) = screen.check([make_trigger(text)], CTX)[0]
    assert finding.label == "never-amplify-hidden" and "first letters of lines" in finding.why
    # lines whose first letters spell nothing of the corpus
    plain = "\n".join(f"{w} today" for w in ["rain", "apple", "egg", "tea", "sun"] * 3)
    assert screen.check([make_trigger(plain)], CTX)[0] == []


def test_ordinary_posts_and_short_common_phrases_pass(corpus: Path) -> None:
    screen = CorpusScreen(paths=[corpus])
    assert found(screen, "my train is late again and it is raining #MakeItHappy") == []
    assert found(screen, "do not pity me") == []


def test_without_a_corpus_the_screen_finds_nothing_and_a_missing_file_is_a_clear_error(
    tmp_path: Path,
) -> None:
    assert found(CorpusScreen(make_campaign()), forbidden_lines()[0]) == []
    with pytest.raises(ConfigError, match="never_amplify: cannot read"):
        CorpusScreen(paths=[tmp_path / "missing.txt"])


def test_a_passage_reworded_a_little_is_held_for_review(corpus: Path) -> None:
    screen = CorpusScreen(paths=[corpus])
    # "Every school and every paper is in their hands, and they teach our children to hate
    # themselves." reworded, with words dropped and added
    text = (
        "every school and every newspaper sits in their hands, they teach our kids to hate "
        "themselves"
    )
    assert found(screen, text) == [("never-amplify-reworded", 0.8)]


def test_a_passage_split_across_posts_of_one_author_is_caught(corpus: Path) -> None:
    from happybot.history import MemoryHistory, RecentPost

    screen = CorpusScreen(paths=[corpus])
    pieces = ["Do not pity", "them, for they", "have never pitied us"]
    history = MemoryHistory()
    author = make_author("splitter.example")
    labels = []
    for i, piece in enumerate(pieces):
        trigger = make_trigger(piece, author=author, id=f"s{i}")
        history.add(RecentPost(trigger.key, "splitter.example", piece.lower(), NOW))
        ctx = ScreenContext(now=NOW, deadline=NOW, history=history)
        labels.append([f.label for f in screen.check([trigger], ctx)[0]])
    # alone, no piece holds five words of the book; with the ones before it, it does
    assert labels == [[], ["never-amplify-split"], ["never-amplify-split"]]
    # the same pieces from different people are not one author's passage
    other = make_trigger("have never pitied us", author=make_author("someone.example"))
    assert screen.check([other], ScreenContext(now=NOW, deadline=NOW, history=history))[0] == []


def test_the_index_is_cached_and_rebuilt_when_a_file_changes(corpus: Path) -> None:
    import os

    from happybot.screens.corpus import load_index

    cache = Path(os.environ["HAPPYBOT_CACHE_DIR"])
    first = load_index([corpus])
    assert len(list(cache.glob("corpus-*.pickle"))) == 1
    again = load_index([corpus])
    assert again.key == first.key and len(again.shingles) == len(first.shingles)
    corpus.write_text(corpus.read_text() + "A brand new line of the book is added here today.\n")
    changed = load_index([corpus])
    assert changed.key != first.key and len(changed.shingles) > len(first.shingles)
