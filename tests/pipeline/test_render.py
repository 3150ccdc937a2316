from __future__ import annotations

from happybot.pipeline.render import post_language, reply_text
from happybot.testing import make_author, make_campaign, make_post, make_trigger

FINNISH = "@{handle} bottimme teki tästä iloisen kuvan {hashtag}"


def test_a_post_is_answered_in_its_language_where_the_campaign_wrote_templates_for_it() -> None:
    campaign = make_campaign(
        languages=["fi", "en"],
        reply={
            "templates": ["@{handle} our bot drew this {hashtag}"],
            "by_language": {"fi": [FINNISH]},
        },
    )
    declared = make_trigger("ihan sama #MakeItHappy", langs=("fi",))
    assert post_language(declared) == "fi"
    assert reply_text(declared, campaign).startswith(f"@{declared.post.author.handle} bottimme")
    # undeclared: the words drawn are identified, a bare hashtag under a Finnish post included
    parent = make_post(
        "Taas myöhässä oleva juna ja sataa vettä koko päivän, en jaksa enää",
        author=make_author("juna.example"),
    )
    bare = make_trigger("#MakeItHappy", parent=parent)
    assert post_language(bare) == "fi"
    assert "bottimme" in reply_text(bare, campaign)
    english = make_trigger("my train is late again and it is raining all day #MakeItHappy")
    assert "our bot" in reply_text(english, campaign)
    # too short to tell, nothing declared: the campaign's own templates
    assert "our bot" in reply_text(make_trigger("ugh #MakeItHappy"), campaign)
