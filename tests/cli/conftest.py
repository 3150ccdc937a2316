"""The command line's tests run in a folder of their own, with a store of their own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from happybot.config import starter_campaign_text


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HAPPYBOT_DB", f"sqlite:///{tmp_path / 'hb.db'}")
    # the starter campaign, publishing at once: these tests run on the wall clock
    # and, as happybot.testing.toy_campaign does, with a classifier that holds no toy text
    text = starter_campaign_text().replace("publish_delay_seconds: 120", "publish_delay_seconds: 0")
    text = re.sub(
        r"classifier/([\w-]+): \{[^}]*\}", r"classifier/\1: {review: 1.0, reject: 1.0}", text
    )
    assert "classifier/hate: {review: 1.0" in text
    (tmp_path / "now.yaml").write_text(text)
    return tmp_path
