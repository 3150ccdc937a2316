from __future__ import annotations

import re
from pathlib import Path

import pytest

from happybot.config import Campaign, Limits, load_campaign, parse_campaign, starter_campaign_text
from happybot.errors import ConfigError
from happybot.models import Mode
from happybot.networks import network, network_names

README = Path(__file__).resolve().parents[1] / "README.md"


def test_starter_campaign_loads_with_its_documented_values() -> None:
    campaign = parse_campaign(starter_campaign_text(), source="starter")
    assert campaign.hashtag == "#MakeItHappy"
    assert campaign.tag == "makeithappy"
    assert campaign.mode is Mode.AUTOPILOT
    assert campaign.threshold("lexicon").reject == 0.85
    default = campaign.thresholds["default"]
    assert campaign.threshold("unknown-screen") == Limits(default.review, default.reject)


def _error(tmp_path: Path, body: str) -> str:
    path = tmp_path / "campaign.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_campaign(path)
    return str(info.value)


def test_wrong_type_names_file_line_field_and_expectation(tmp_path: Path) -> None:
    message = _error(tmp_path, 'hashtag: "#x"\nbehaviour:\n  max_posts_per_hour: lots\n')
    assert f"{tmp_path / 'campaign.yaml'}:3: behaviour.max_posts_per_hour:" in message
    assert "integer" in message


def test_unknown_setting_is_reported_at_its_line(tmp_path: Path) -> None:
    message = _error(tmp_path, 'hashtag: "#x"\n\nmoed: copilot\n')
    assert ":3: moed: unknown setting" in message


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    message = _error(tmp_path, 'hashtag: "#x"\nart:\n  shapes: [heart\nmode: paused\n')
    assert re.search(r"campaign.yaml:\d+: not valid YAML", message)


def test_missing_hashtag_and_bad_mode_both_reported(tmp_path: Path) -> None:
    message = _error(tmp_path, "mode: sometimes\n")
    assert "hashtag: required setting is missing" in message
    assert ":1: mode:" in message


def test_thresholds_must_be_ordered_and_in_range(tmp_path: Path) -> None:
    message = _error(
        tmp_path, 'hashtag: "#x"\nthresholds:\n  lexicon: {review: 0.9, reject: 0.2}\n'
    )
    assert "thresholds.lexicon" in message and "review must not be above reject" in message
    message = _error(tmp_path, 'hashtag: "#x"\nthresholds:\n  lexicon: {review: 3, reject: 4}\n')
    assert "less than or equal to 1" in message


def test_secrets_are_refused_in_the_file(tmp_path: Path) -> None:
    message = _error(tmp_path, 'hashtag: "#x"\nplatform:\n  password: hunter2\n')
    assert "secrets are never read from the campaign file" in message
    assert "hunter2" not in message


def test_unknown_shape_and_bad_colour(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        'hashtag: "#x"\nart:\n  shapes: [heart, pentagram]\n  palette: {background: red}\n',
    )
    assert "unknown shape(s) ['pentagram']" in message
    assert "'red' is not a colour" in message


def test_reply_template_with_unknown_field_is_refused(tmp_path: Path) -> None:
    message = _error(tmp_path, 'hashtag: "#x"\nreply:\n  templates: ["hi {name}"]\n')
    assert "{handle} and {hashtag}" in message


def test_a_reply_must_say_a_bot_made_it(tmp_path: Path) -> None:
    message = _error(
        tmp_path, 'hashtag: "#x"\nreply:\n  templates: ["@{handle} for you {hashtag}"]\n'
    )
    assert "must say that a bot made the reply" in message
    ok = tmp_path / "ok.yaml"
    ok.write_text('hashtag: "#x"\nreply:\n  templates: ["@{handle} our Bot drew this"]\n')
    assert load_campaign(ok).reply.templates == ["@{handle} our Bot drew this"]


def test_templates_per_language_are_checked_like_the_others(tmp_path: Path) -> None:
    base = 'hashtag: "#x"\nreply:\n  by_language:\n'
    _each_refused(
        tmp_path / "campaign.yaml",
        base,
        {
            '    finnish: ["@{handle} bottimme piirsi tämän"]\n': "two-letter language code",
            '    fi: ["@{handle} piirsimme tämän"]\n': "must say that a bot made the reply",
            "    fi: []\n": "has no template",
            '    fi: ["{nimi} botti"]\n': "{handle} and {hashtag}",
        },
    )
    ok = tmp_path / "ok.yaml"
    ok.write_text(base + '    FI: ["@{handle} bottimme piirsi tämän {hashtag}"]\n')
    assert load_campaign(ok).reply.by_language == {
        "fi": ["@{handle} bottimme piirsi tämän {hashtag}"]
    }


def test_etiquette_settings_are_checked(tmp_path: Path) -> None:
    message = _error(tmp_path, 'hashtag: "#x"\netiquette:\n  starts_at: 2026-12-01T09:00:00\n')
    assert "time zone" in message
    message = _error(tmp_path, 'hashtag: "#x"\netiquette:\n  replies_per_person_per_day: 0\n')
    assert "replies_per_person_per_day" in message
    message = _error(tmp_path, 'hashtag: "#x"\nplatform:\n  bluesky: {reply_when: always}\n')
    assert "platform.bluesky.reply_when" in message
    ok = tmp_path / "ok.yaml"
    ok.write_text('hashtag: "#x"\netiquette:\n  stop_words: ["  Go   Away "]\n')
    assert load_campaign(ok).etiquette.stop_words == ["go away"]


def test_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="happybot init"):
        load_campaign(tmp_path / "nope.yaml")


def _settings(model: type, prefix: str = "") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        if name == "base_dir":
            continue
        names.append(prefix + name)
        annotation = field.annotation
        if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
            names += _settings(annotation, prefix + name + ".")
    return names


def test_readme_documents_every_campaign_setting() -> None:
    readme = README.read_text()
    every = _settings(Campaign)
    for name in network_names():  # each network's own settings, under platform.NAME
        every += [f"platform.{name}", *_settings(network(name).settings, f"platform.{name}.")]
    missing = [name for name in every if f"`{name}`" not in readme]
    assert "platform.bluesky.firehose" in every and missing == []


def _each_refused(path: Path, base: str, cases: dict[str, str]) -> None:
    """Every body after `base` makes loading the campaign fail with its message."""
    for body, message in cases.items():
        path.write_text(base + body)
        with pytest.raises(ConfigError, match=message):
            load_campaign(path)


def test_network_settings_are_checked_like_the_rest_of_the_file(tmp_path: Path) -> None:
    base = "hashtag: '#MakeItHappy'\nplatform:\n"
    cases = {
        "  kind: myspace\n": "unknown network 'myspace'",
        "  kind: bluesky\n  bluesky:\n    servce: https://x\n": "platform.bluesky.servce",
        "  blusky:\n    service: https://x\n": "unknown network 'blusky'",
        "  kind: bluesky\n  bluesky:\n    password: hunter2\n": "secrets are never read",
    }
    _each_refused(tmp_path / "c.yaml", base, cases)
    (tmp_path / "c.yaml").write_text(base + "  kind: bluesky\n  bluesky:\n    appview: null\n")
    settings = load_campaign(tmp_path / "c.yaml").platform.settings_for("bluesky")
    assert settings.appview is None and settings.firehose == "wss://bsky.network"


def test_classifier_settings_are_checked_like_the_rest_of_the_file(tmp_path: Path) -> None:
    base = "hashtag: '#MakeItHappy'\nclassifier:\n"
    cases = {
        "  backend: openai\n": "api_key_env",
        "  backend: openai\n  api_key: sk-123\n": "secrets are never read",
        "  backend: llama-guard\n": "url",
        "  backend: perspective\n": "classifier.backend",
        "  labels: {toxic: rude}\n": "our labels are",
        "  timeout_seconds: 0\n": "classifier.timeout_seconds",
    }
    _each_refused(tmp_path / "c.yaml", base, cases)
    (tmp_path / "c.yaml").write_text(
        base + "  backend: llama-guard\n  url: http://127.0.0.1:8080/v1\n"
    )
    assert load_campaign(tmp_path / "c.yaml").classifier.url == "http://127.0.0.1:8080/v1"
