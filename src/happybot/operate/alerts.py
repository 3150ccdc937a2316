"""Alerts people actually receive: a signed webhook that retries, and e-mail as a second channel.

An incident nobody hears of is the 2015 failure again, so every attempt is audited: which
channel took the alert (`alert-sent`), which refused it and why (`alert-failed`), and, when no
channel took it, `alert-undelivered`, which the dashboard and `status` show until the incident
is closed. The webhook's body is signed (HMAC-SHA256 over the timestamp and the body, as
Slack and GitHub sign theirs) when a signing secret is set, so that the receiver can refuse a
forged "all clear".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from sqlalchemy import select

from happybot.errors import HappybotError
from happybot.operate.incidents import open_incidents
from happybot.store.schema import AuditRow

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.store.db import Store

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Happybot-Signature"
TIMESTAMP_HEADER = "X-Happybot-Timestamp"


class AlertError(HappybotError):
    """A channel could not deliver an alert."""


@dataclass(frozen=True)
class Alert:
    subject: str  # what it is about, as the audit names it: "incident:3"
    title: str  # one line: an e-mail's subject
    text: str  # for people
    data: dict[str, Any]  # for machines (the webhook's JSON beside `text`)


class Channel(Protocol):
    name: str

    def send(self, alert: Alert) -> None:
        """Deliver, or raise AlertError saying why not."""
        ...


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """What the receiver recomputes: sha256=HEX(HMAC(secret, timestamp + "." + body))."""
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class Webhook:
    """A Slack-compatible incoming webhook (JSON with `text`). Network errors, 429 and 5xx are
    retried with a doubling wait (the server's Retry-After when it gives one, up to a minute);
    any other answer is final."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        secret: bytes | None = None,
        timeout: float = 5.0,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout
        self.attempts, self.sleep, self.clock = attempts, sleep, clock

    def send(self, alert: Alert) -> None:
        body = json.dumps({"text": alert.text, **alert.data}).encode()
        last = ""
        for attempt in range(1, self.attempts + 1):
            stamp = str(int(self.clock()))
            headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: stamp}
            if self.secret:
                headers[SIGNATURE_HEADER] = signature(self.secret, stamp, body)
            wait = min(60.0, 2.0 ** (attempt - 1))
            try:
                answer = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if answer.status_code < 300:
                    return
                last = f"HTTP {answer.status_code}"
                if answer.status_code != 429 and answer.status_code < 500:
                    raise AlertError(f"the webhook refused the alert: {last}")
                wait = _retry_after(answer.headers.get("Retry-After"), wait)
            if attempt < self.attempts:
                self.sleep(wait)
        raise AlertError(f"the webhook did not take the alert after {self.attempts} tries: {last}")


def _retry_after(value: str | None, default: float) -> float:
    try:
        return min(60.0, max(0.0, float(value))) if value is not None else default
    except ValueError:
        return default


class Email:
    """Plain-text e-mail through an SMTP server (STARTTLS and a login when configured)."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        to: Sequence[str],
        *,
        starttls: bool = False,
        login: tuple[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender, self.to = host, port, sender, list(to)
        self.starttls, self.login, self.timeout = starttls, login, timeout

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = alert.title
        message["From"] = self.sender
        message["To"] = ", ".join(self.to)
        message.set_content(alert.text + "\n\n" + json.dumps(alert.data, indent=2) + "\n")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.login:
                    smtp.login(*self.login)
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise AlertError(f"the mail server did not take the alert: {exc}") from exc


def channels(campaign: Campaign) -> list[Channel]:
    """The campaign's configured channels, in the order they are tried."""
    settings = campaign.alerts
    found: list[Channel] = []
    url = settings.webhook_url()
    if url and settings.off_because_webhook() is None:
        found.append(
            Webhook(
                url,
                secret=settings.signing_secret(),
                timeout=settings.timeout_seconds,
                attempts=settings.attempts,
            )
        )
    mail = settings.email
    if mail is not None:
        found.append(
            Email(
                mail.host,
                mail.port,
                mail.sender,
                mail.to,
                starttls=mail.starttls,
                login=mail.login(),
                timeout=settings.timeout_seconds,
            )
        )
    return found


def deliver(
    store: Store,
    campaign: Campaign,
    alert: Alert,
    actor: str,
    through: Sequence[Channel] | None = None,
) -> bool:
    """Send `alert` on every channel; audit each outcome. True when at least one took it."""
    using = list(channels(campaign) if through is None else through)
    if not using:
        off = campaign.alerts.off_because()
        log.error("%s: no alert was sent: %s", alert.subject, off)
        with store.transaction() as session:
            store.record(session, "alert-off", actor, alert.subject, reason=off)
        return False
    delivered = False
    for channel in using:
        try:
            channel.send(alert)
        except AlertError as exc:
            log.error("%s: the %s alert failed: %s", alert.subject, channel.name, exc)
            with store.transaction() as session:
                store.record(
                    session,
                    "alert-failed",
                    actor,
                    alert.subject,
                    channel=channel.name,
                    error=str(exc),
                )
            continue
        delivered = True
        with store.transaction() as session:
            store.record(session, "alert-sent", actor, alert.subject, channel=channel.name)
    if not delivered:
        with store.transaction() as session:
            store.record(
                session, "alert-undelivered", actor, alert.subject, channels=[c.name for c in using]
            )
    return delivered


OUTCOMES = ("alert-sent", "alert-failed", "alert-undelivered", "alert-off")


def undelivered(store: Store) -> list[int]:
    """The open incidents that no channel has been told of: the dashboard and `status` show
    them until a person closes the incident."""
    ids = [i.id for i in open_incidents(store)]
    if not ids:
        return []
    with store.transaction() as session:
        told = set(
            session.execute(
                select(AuditRow.subject).where(
                    AuditRow.kind == "alert-sent",
                    AuditRow.subject.in_([f"incident:{i}" for i in ids]),
                )
            ).scalars()
        )
    return [i for i in ids if f"incident:{i}" not in told]
