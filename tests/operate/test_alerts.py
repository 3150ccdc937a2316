"""Alerts people receive: a signed webhook that retries, e-mail through a real SMTP server on
loopback (aiosmtpd), every outcome audited, and an alert no channel took shown until closed."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy import select

from happybot.operate.alerts import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Alert,
    AlertError,
    Email,
    Webhook,
    deliver,
    signature,
    undelivered,
)
from happybot.operate.incidents import close_incident, open_incident
from happybot.store.db import Store
from happybot.store.schema import AuditRow
from happybot.testing import make_campaign
from happybot.web.server import BackgroundServer

ALERT = Alert("incident:1", "happybot: incident 1", "3 posts held", {"incident": {"id": 1}})


class Hook:
    """A webhook receiver that answers `codes` in turn (then 200), and keeps what it got."""

    def __init__(self, *codes: int, retry_after: str | None = None) -> None:
        self.codes, self.retry_after = list(codes), retry_after
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()

        @self.app.post("/hook")
        async def hook(request: Request) -> Response:
            self.got.append((dict(request.headers), await request.body()))
            code = self.codes.pop(0) if self.codes else 200
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return Response("ok", status_code=code, headers=headers)


@pytest.fixture
def hook() -> Iterator[tuple[Hook, str]]:
    receiver = Hook(503, 500)
    with BackgroundServer(receiver.app) as base:
        yield receiver, f"{base}/hook"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd checks it is up by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_the_webhook_signs_its_body_and_tries_again_after_server_errors(
    hook: tuple[Hook, str],
) -> None:
    receiver, url = hook
    waits: list[float] = []
    Webhook(url, secret=b"s3cret", sleep=waits.append, clock=lambda: 1_700_000_000).send(ALERT)
    assert len(receiver.got) == 3 and waits == [1.0, 2.0]  # 503, 500, then taken
    headers, body = receiver.got[-1]
    assert json.loads(body) == {"text": "3 posts held", "incident": {"id": 1}}
    assert headers[TIMESTAMP_HEADER.lower()] == "1700000000"
    assert headers[SIGNATURE_HEADER.lower()] == signature(b"s3cret", "1700000000", body)
    assert signature(b"other", "1700000000", body) != headers[SIGNATURE_HEADER.lower()]


def test_the_webhook_waits_as_told_and_gives_up_on_a_refusal() -> None:
    slow = Hook(429, retry_after="7")
    with BackgroundServer(slow.app) as base:
        waits: list[float] = []
        Webhook(f"{base}/hook", sleep=waits.append).send(ALERT)
        assert waits == [7.0] and SIGNATURE_HEADER.lower() not in slow.got[0][0]
    refused = Hook(404, 404)
    with BackgroundServer(refused.app) as base:
        with pytest.raises(AlertError, match="refused the alert: HTTP 404"):
            Webhook(f"{base}/hook", sleep=lambda s: None).send(ALERT)
        assert len(refused.got) == 1  # a 4xx is final: no retry


def test_email_goes_through_a_real_smtp_server(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    Email("127.0.0.1", port, "bot@brand.example", ["team@brand.example"]).send(ALERT)
    (message,) = inbox.messages
    assert message["Subject"] == "happybot: incident 1"
    assert message["To"] == "team@brand.example"
    assert "3 posts held" in message.get_payload()


def test_deliver_audits_every_channel_and_an_alert_nobody_got_is_shown(
    store: Store, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    campaign = make_campaign()
    incident = open_incident(store, "flagged-posts", "25 posts held", "test")
    alert = Alert(f"incident:{incident.id}", "t", "25 posts held", {})
    dead = Webhook("http://127.0.0.1:9/hook", attempts=2, sleep=lambda s: None, timeout=1)
    mail = Email("127.0.0.1", port, "bot@brand.example", ["team@brand.example"])
    assert deliver(store, campaign, alert, "test", [dead, mail])
    assert undelivered(store) == [] and len(inbox.messages) == 1
    nowhere = Email("127.0.0.1", 9, "bot@brand.example", ["team@brand.example"], timeout=1)
    second = open_incident(store, "coordination", "a group", "test")
    assert not deliver(
        store, campaign, Alert(f"incident:{second.id}", "t", "x", {}), "t", [dead, nowhere]
    )
    assert undelivered(store) == [second.id]
    with store.transaction() as session:
        outcomes = session.execute(
            select(AuditRow.kind, AuditRow.subject).where(AuditRow.kind.like("alert-%"))
        ).all()
    assert [k for k, s in outcomes if s == f"incident:{incident.id}"] == [
        "alert-failed",
        "alert-sent",
    ]
    assert [k for k, s in outcomes if s == f"incident:{second.id}"] == [
        "alert-failed",
        "alert-failed",
        "alert-undelivered",
    ]
    close_incident(store, second.id, "rita", "told the team by phone")
    assert undelivered(store) == []


def test_a_campaign_with_email_only_has_alerts_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAPPYBOT_ALERT_WEBHOOK", raising=False)
    campaign = make_campaign(
        alerts={"email": {"host": "mail.example", "sender": "b@x.example", "to": ["t@x.example"]}}
    )
    assert campaign.alerts.off_because() is None
    assert make_campaign().alerts.off_because() == "$HAPPYBOT_ALERT_WEBHOOK is not set"
