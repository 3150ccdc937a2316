from __future__ import annotations

from pathlib import Path

import pytest

from happybot.config import load_campaign
from happybot.errors import ConfigError
from happybot.models import Decision, Target
from happybot.pipeline.decide import decide
from happybot.screens.base import ScreenContext
from happybot.screens.language import LanguageScreen
from happybot.screens.links import LinksScreen
from happybot.screens.media import MediaScreen
from happybot.testing import NOW, make_author, make_campaign, make_post, make_trigger

CAMPAIGN = make_campaign()
POLICY = CAMPAIGN.policy()
CTX = ScreenContext(now=NOW, deadline=NOW)


def labels(screen, trigger):  # type: ignore[no-untyped-def]
    findings = screen.check([trigger], CTX)[0]
    return [(f.label, f.target, f.span) for f in findings], decide(findings, POLICY).decision


def test_links_and_mentions_go_to_review_with_their_span() -> None:
    text = "see https://evil.example/x and @friend.bsky.social #MakeItHappy"
    found, decision = labels(LinksScreen(CAMPAIGN), make_trigger(text))
    assert found == [("link", Target.POST, (4, 26)), ("mention", Target.POST, (31, 50))]
    assert decision is Decision.REVIEW
    parent = make_post("visit cheap-pills.ru now", author=make_author("x.example"))
    assert labels(LinksScreen(), make_trigger("#MakeItHappy", parent=parent))[0][0][0] == "link"


def test_ordinary_text_with_dots_and_at_signs_is_not_a_link() -> None:
    for text in ["late again. ugh.", "meet me at 5pm", "email-free day", "3.5 hours late"]:
        assert labels(LinksScreen(), make_trigger(text))[0] == [], text


def test_media_the_bot_cannot_read_goes_to_review() -> None:
    trigger = make_trigger("look at this", media=({"type": "image", "alt": "a cat"},))
    found, decision = labels(MediaScreen(CAMPAIGN), trigger)
    assert found == [("unreadable-media", Target.POST, None)] and decision is Decision.REVIEW
    assert labels(MediaScreen(), make_trigger("no media"))[0] == []


def test_a_language_the_screens_do_not_read_goes_to_review() -> None:
    screen = LanguageScreen(CAMPAIGN)
    for text in [
        "Mein Zug ist schon wieder viel zu spät, was für ein Montag",
        "Поезд опять опаздывает, какой ужасный понедельник",
    ]:
        found, decision = labels(screen, make_trigger(text))
        assert [f[0] for f in found] == ["uncovered-language"] and decision is Decision.REVIEW
    declared = make_trigger("ok", langs=("pt-BR",))
    assert [f[0] for f in labels(screen, declared)[0]] == ["uncovered-language"]


def test_english_and_short_texts_pass_the_language_screen() -> None:
    screen = LanguageScreen(CAMPAIGN)
    for text in ["my train is late again and it is raining #MakeItHappy", "ugh", "lol ok 😩"]:
        assert labels(screen, make_trigger(text))[0] == [], text
    assert (
        labels(
            LanguageScreen(make_campaign(languages=["en", "de"])),
            make_trigger("Mein Zug ist schon wieder viel zu spät, was für ein Montag"),
        )[0]
        == []
    )


def test_a_link_into_a_denied_domain_is_rejected_and_other_links_go_to_a_person() -> None:
    campaign = make_campaign(
        links={"deny": ["https://www.Hate-Site.example/", "scam.example", "scam.com"]}
    )
    assert campaign.links.deny == ["hate-site.example", "scam.example", "scam.com"]
    screen = LinksScreen(campaign)
    policy = campaign.policy()

    def verdict(text: str) -> tuple[Decision, list[str]]:
        (findings,) = screen.check([make_trigger(text)], ScreenContext(now=NOW, deadline=NOW))
        return decide(findings, policy).decision, [f.label for f in findings]

    assert verdict("read this https://news.hate-site.example/a?b=1 #MakeItHappy") == (
        Decision.REJECT,
        ["denied-link"],
    )
    assert verdict("win big at www.scam.example #MakeItHappy")[0] is Decision.REJECT
    # a domain that only ends like a denied one, and any other link: a person decides
    assert verdict("bare scam.example/win #MakeItHappy") == (Decision.REJECT, ["denied-link"])
    assert verdict("my shop notscam.com #MakeItHappy") == (Decision.REVIEW, ["link"])
    assert verdict("see https://example.org/x #MakeItHappy") == (Decision.REVIEW, ["link"])
    # in a name: a denied domain is rejected, another link is no finding (a name is not drawn)
    for name, labels in (("visit scam.example today", ["denied-link"]), ("shop.com", [])):
        author = make_author("x.example", display_name=name)
        (found,) = screen.check([make_trigger("rain #MakeItHappy", author=author)], CTX)
        assert [(f.label, f.target) for f in found] == [(x, Target.DISPLAY_NAME) for x in labels]


def test_a_deny_list_entry_that_is_no_domain_is_refused_with_the_file_and_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "campaign.yaml"
    path.write_text('hashtag: "#x"\nlinks:\n  deny: ["not a domain"]\n')
    with pytest.raises(ConfigError, match=r"links\.deny.*is not a domain name"):
        load_campaign(path)
