"""Holding statements: what the brand says from its own account when an incident opens.

Prepared in the campaign file before launch (per network, per language), approved by an admin
(their exact words, by hash: an edited file needs approving again), and posted from an
incident in one confirmed step, through the outbox like every reply: idempotent (one per
incident, network and language), audited, and retractable.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from happybot.errors import Conflict, NotFound
from happybot.models import OutboxState, Published
from happybot.operate.incidents import get_incident
from happybot.pipeline.publish import STATEMENT, Publisher
from happybot.store.schema import OutboxRow, SettingRow

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.platforms.base import Platform
    from happybot.store.db import Store

APPROVAL_PREFIX = "statement-approved:"


@dataclass(frozen=True)
class Prepared:
    network: str  # or "*"
    language: str
    text: str
    sha256: str
    approved_by: str | None  # None: not approved (or its words changed since)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _key(network: str, language: str) -> str:
    return f"{APPROVAL_PREFIX}{network}:{language}"


def prepared(store: Store, campaign: Campaign) -> list[Prepared]:
    """The campaign file's statements, each with whether these exact words were approved."""
    found = []
    with store.transaction() as session:
        for s in campaign.statements:
            row = session.get(SettingRow, _key(s.network, s.language))
            sha = text_sha256(s.text)
            approval = json.loads(row.value) if row is not None else {}
            by = approval.get("by") if approval.get("sha256") == sha else None
            found.append(Prepared(s.network, s.language, s.text, sha, by))
    return found


def approve(
    store: Store, campaign: Campaign, network: str, language: str, sha256: str, actor: str
) -> Prepared:
    """An admin approves the statement whose words have this hash (at least 12 characters
    of it, as shown to them): a file edited since is refused."""
    for p in prepared(store, campaign):
        if (p.network, p.language) != (network, language):
            continue
        if len(sha256) < 12 or not p.sha256.startswith(sha256.lower()):
            raise Conflict(
                f"the statement for {network}/{language} has other words now (its hash is "
                f"{p.sha256[:12]}…): read it again before approving"
            )
        with store.transaction() as session:
            row = session.get(SettingRow, _key(network, language))
            value = json.dumps({"sha256": p.sha256, "by": actor})
            now = store.clock()
            if row is None:
                session.add(
                    SettingRow(
                        key=_key(network, language), value=value, changed_at=now, changed_by=actor
                    )
                )
            else:
                row.value, row.changed_at, row.changed_by = value, now, actor
            store.record(
                session,
                "statement-approved",
                actor,
                f"statement:{network}:{language}",
                sha256=p.sha256,
            )
        return Prepared(p.network, p.language, p.text, p.sha256, actor)
    raise NotFound(f"the campaign file has no statement for {network}/{language}")


def choose(store: Store, campaign: Campaign, network: str, language: str) -> Prepared:
    """The approved statement for `network` (its own first, else one for any network)."""
    candidates = [p for p in prepared(store, campaign) if p.language == language]
    for p in sorted(candidates, key=lambda p: p.network == "*"):
        if p.network in (network, "*"):
            if p.approved_by is None:
                raise Conflict(
                    f"the {p.network}/{language} statement is not approved: an admin approves "
                    "its words first (`happybot statements approve`, or the incident page)"
                )
            return p
    raise NotFound(f"the campaign file has no {language} statement for {network}")


def post_statement(
    store: Store,
    campaign: Campaign,
    platform: Platform,
    incident_id: int,
    actor: str,
    language: str = "en",
) -> Published:
    """Post the approved holding statement for an incident, now, through the outbox. Asking
    twice posts once (the row and the network's write are keyed on the incident, network and
    language)."""
    get_incident(store, incident_id)  # NotFound for a wrong number
    network = campaign.network_name()
    chosen = choose(store, campaign, network, language)
    key = hashlib.sha256(f"statement|{incident_id}|{network}|{language}".encode()).hexdigest()[:32]
    with store.transaction() as session:
        row = session.execute(
            select(OutboxRow).where(OutboxRow.idempotency_key == key)
        ).scalar_one_or_none()
        if row is None:
            session.add(
                OutboxRow(
                    post_id=None,
                    kind=STATEMENT,
                    text=chosen.text,
                    incident_id=incident_id,
                    parent_key=None,
                    idempotency_key=key,
                    picture_sha256=chosen.sha256,  # the words' hash: what was approved
                    approved_by=actor,
                    state=OutboxState.PENDING,
                    attempts=0,
                    not_before=store.clock(),
                )
            )
            store.record(
                session,
                "statement-ordered",
                actor,
                f"incident:{incident_id}",
                network=network,
                language=language,
                sha256=chosen.sha256,
            )
    Publisher(store, platform).send_statements()
    with store.transaction() as session:
        row = session.execute(
            select(OutboxRow).where(OutboxRow.idempotency_key == key)
        ).scalar_one()
        if row.state != OutboxState.SENT or row.remote_ref is None:
            raise Conflict(
                f"the statement is not posted yet ({row.state}: {row.last_error or 'waiting'}); "
                "the campaign's run tries again"
            )
        return Published(row.remote_ref, row.remote_url)


def retract_statement(
    store: Store, platform: Platform, incident_id: int, actor: str, reason: str
) -> int:
    """Delete the incident's posted statements from the network. Returns how many."""
    with store.transaction() as session:
        rows = list(
            session.execute(
                select(OutboxRow).where(
                    OutboxRow.kind == STATEMENT,
                    OutboxRow.incident_id == incident_id,
                    OutboxRow.state == OutboxState.SENT,
                )
            ).scalars()
        )
        sent = [(r.id, Published(r.remote_ref or "", r.remote_url)) for r in rows]
    for outbox_id, published in sent:
        platform.delete(published)
        with store.transaction() as session:
            row = session.get(OutboxRow, outbox_id)
            assert row is not None
            row.state = OutboxState.RETRACTED
            store.record(
                session,
                "statement-retracted",
                actor,
                f"incident:{incident_id}",
                ref=published.ref,
                reason=reason,
            )
    return len(sent)
