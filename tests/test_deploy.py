"""The deployment files the README shows: every command line in the systemd units is one the
CLI accepts, and the units keep what a rolling restart needs (SIGTERM, time to finish)."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from happybot.cli import app

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def test_there_are_units_for_each_role() -> None:
    assert {u.name for u in UNITS} == {
        "happybot-listener@.service",
        "happybot-worker@.service",
        "happybot-dashboard.service",
    }


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_units_command_line_is_one_the_cli_accepts(path: Path) -> None:
    service = _unit(path)["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0].endswith("/bin/happybot")
    # --help after the unit's own options: an unknown option or a bad value fails first
    result = CliRunner().invoke(app, [*argv[1:], "--help"])
    assert result.exit_code == 0, result.output
    assert service["EnvironmentFile"] == "/etc/happybot/happybot.env"
    assert service["Restart"] == "always"


@pytest.mark.parametrize("name", ["happybot-listener@.service", "happybot-worker@.service"])
def test_the_roles_stop_on_sigterm_with_time_to_finish(name: str) -> None:
    service = _unit(DEPLOY / "systemd" / name)["Service"]
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= 60


def test_the_environment_example_names_what_every_process_needs() -> None:
    names = {
        line.split("=", 1)[0]
        for line in (DEPLOY / "happybot.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert {"HAPPYBOT_DB", "HAPPYBOT_AUDIT_KEY", "HAPPYBOT_ALERT_WEBHOOK"} <= names
