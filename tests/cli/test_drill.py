"""`happybot drill` from the command line: a drill whose alerts cannot go out fails, saying why."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import cli


def test_a_drill_with_alerts_off_says_so_and_fails(workdir: Path) -> None:
    found = json.loads(cli("drill", "--scenario", "hijack", "--json", ok=False).splitlines()[-1])
    (hijack,) = found["drills"]
    assert hijack["passed"] is False and hijack["steps"]["alert delivered"] is None
    assert hijack["alerts_off"] == "$HAPPYBOT_ALERT_WEBHOOK is not set"
    # single offensive names are the screens' to hold: no breaker is expected, and none needed
    names = json.loads(cli("drill", "--scenario", "names", "--json").splitlines()[-1])
    assert names["drills"][0]["passed"] is True and names["drills"][0]["published"] == 0
