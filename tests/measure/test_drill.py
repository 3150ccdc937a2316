"""The drill: the 2015 hijack replayed against a dry-run copy of the campaign, nobody watching;
the breaker and a real alert (to a local webhook, marked as a drill) within a minute of the
first attack post, and nothing published."""

from __future__ import annotations

import json
from pathlib import Path

from happybot.measure.drill import run_drill
from happybot.operate.alerts import Webhook
from happybot.testing import make_campaign
from happybot.web.server import BackgroundServer
from tests.operate.test_alerts import Hook


def test_the_hijack_drill_trips_the_breaker_and_alerts_within_a_minute(tmp_path: Path) -> None:
    receiver = Hook()
    with BackgroundServer(receiver.app) as base:
        result = run_drill(
            make_campaign(), tmp_path / "drill", "hijack", through=[Webhook(f"{base}/hook")]
        )
    steps = {s.name: s for s in result.steps}
    assert result.attack_posts == 10 and result.published == 0 and result.passed
    assert steps["first hold"].seconds == 0
    assert steps["breaker"].met and steps["alert delivered"].met
    assert steps["alert delivered"].seconds == steps["breaker"].seconds  # told at once
    (got,) = [json.loads(body) for _, body in receiver.got]
    assert got["text"].startswith("[DRILL") and got["drill"] is True
