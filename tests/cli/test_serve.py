"""`happybot users` and `happybot serve` as an operator uses them: a real process, a real port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx2

from tests.cli.test_cli import cli

PASSWORD = "an operator's long password"


def test_users_are_added_with_a_hidden_password_listed_and_removed(workdir: Path) -> None:
    cli("users", "add", "rita", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert '"role": "admin"' in cli("users", "list", "--json")
    token = cli("users", "token", "rita", "--label", "nightly").strip()
    assert token.startswith("hb_")
    cli("users", "remove", "rita")
    assert cli("users", "list", "--json").strip() == ""


def test_serve_answers_on_a_real_port_and_stops_on_ctrl_c(workdir: Path) -> None:
    cli("users", "add", "rita", "--role", "viewer", input=f"{PASSWORD}\n{PASSWORD}\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "happybot", "serve", "--port", "0"],
        cwd=workdir,
        env={**os.environ, "COLUMNS": "200"},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        started = ""
        while "dashboard on" not in started:
            started = process.stderr.readline()
            assert started or process.poll() is None, "serve exited before it started"
        url = re.search(r"http://[\d.]+:\d+", started)
        assert url is not None
        with httpx2.Client(base_url=url[0]) as client:
            assert client.get("/login").status_code == 200
            assert client.get("/api/queue").status_code == 401
            login = client.post("/api/login", json={"name": "rita", "password": PASSWORD})
            assert login.status_code == 200 and client.get("/api/status").status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        # read what it still writes while it stops: a full pipe would block it from exiting
        _, rest = process.communicate(timeout=20)
        assert process.returncode == 0, rest[-2000:]
