"""Reads and writes the pipeline needs, each inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from happybot.history import MemoryHistory, RecentPost
from happybot.models import (
    Artwork,
    Finding,
    Mode,
    OutboxState,
    PostState,
    Trigger,
    Verdict,
    storable_text,
)
from happybot.store.schema import (
    ArtworkRow,
    CursorRow,
    DeadLetterRow,
    DecisionRow,
    FindingRow,
    GroundTruthRow,
    OptOutRow,
    OutboxRow,
    PostRow,
    SettingRow,
)

MODE_KEY = "mode"
RECENT_LIMIT = 2000  # posts the coordination check compares against


def post_id_of(session: Session, trigger_key: str) -> int | None:
    return session.execute(
        select(PostRow.id).where(PostRow.trigger_key == trigger_key)
    ).scalar_one_or_none()


def get_cursor(session: Session, source: str) -> str | None:
    row = session.get(CursorRow, source)
    return row.cursor if row else None


def save_cursor(session: Session, source: str, cursor: str, now: datetime) -> None:
    row = session.get(CursorRow, source)
    if row is None:
        session.add(CursorRow(source=source, cursor=cursor, updated_at=now))
    else:
        row.cursor, row.updated_at = cursor, now


def get_mode(session: Session) -> Mode | None:
    row = session.get(SettingRow, MODE_KEY)
    return Mode(row.value) if row else None


def write_mode(session: Session, mode: Mode, actor: str, now: datetime) -> Mode | None:
    """Set the live mode; returns the previous one. Callers audit the change."""
    row = session.get(SettingRow, MODE_KEY)
    previous = Mode(row.value) if row else None
    if row is None:
        session.add(SettingRow(key=MODE_KEY, value=mode.value, changed_at=now, changed_by=actor))
    else:
        row.value, row.changed_at, row.changed_by = mode.value, now, actor
    return previous


def save_findings(session: Session, post_id: int, stage: str, findings: Sequence[Finding]) -> None:
    for f in findings:
        session.add(
            FindingRow(
                post_id=post_id,
                stage=stage,
                screen=f.screen,
                label=f.label,
                risk=f.risk,
                target=f.target.value,
                span_start=f.span[0] if f.span else None,
                span_end=f.span[1] if f.span else None,
                why=f.why,
            )
        )


def save_decision(
    session: Session, post_id: int, stage: str, verdict: Verdict, now: datetime
) -> None:
    session.add(
        DecisionRow(
            post_id=post_id,
            stage=stage,
            decision=verdict.decision.value,
            reasons=json.dumps(list(verdict.reasons), ensure_ascii=False),
            decided_at=now,
        )
    )


def load_trigger(row: PostRow) -> Trigger:
    return Trigger.from_json(row.trigger_json)


def load_artwork(row: ArtworkRow) -> Artwork:
    return Artwork(
        png=row.png,
        alt_text=row.alt_text,
        shape=row.shape,
        rows=tuple(json.loads(row.rows)),
        width=row.width,
        height=row.height,
        sha256=row.sha256,
    )


def history_snapshot(
    session: Session, since: datetime, authors: Sequence[str], upto: int | None = None
) -> MemoryHistory:
    """What screens may know of earlier posts, read once per batch in the caller's thread, so
    screens (which run in worker threads) never touch the database. Never holds ground truth.

    Holds the most recent RECENT_LIMIT posts of the window up to the post `upto` (all posts
    when None), newest included: whichever worker judges a batch, and however far the
    listener has read ahead, the batch's past is the same."""
    history = MemoryHistory()
    query = select(
        PostRow.trigger_key, PostRow.author_handle, PostRow.canonical_text, PostRow.received_at
    ).where(PostRow.received_at >= since)
    if upto is not None:
        query = query.where(PostRow.id <= upto)
    rows = session.execute(query.order_by(PostRow.id.desc()).limit(RECENT_LIMIT)).all()
    for key, author, text, at in reversed(rows):
        history.add(RecentPost(key, author, text, at))
    wanted = sorted({a.lower() for a in authors})
    rejected = session.execute(
        select(PostRow.author_handle, func.count())
        .where(PostRow.author_handle.in_(wanted), PostRow.state == PostState.REJECTED)
        .group_by(PostRow.author_handle)
    ).all()
    for author, count in rejected:
        history.set_rejected(author, int(count))
    return history


# enough of a broken line to see what it was; the rest is known by its hash and length
DEAD_LETTER_PREFIX = 4096
DEAD_LETTER_ERROR = 2000


def add_dead_letter(
    session: Session, source: str, position: str, raw: str, error: str, now: datetime
) -> None:
    """Keep an item that could not be read as a post: a bounded prefix of it, with the hash and
    length of the whole, so that one huge hostile line cannot fill the database."""
    data = raw.encode("utf-8", "surrogatepass")
    session.add(
        DeadLetterRow(
            source=storable_text(source[:400]),
            position=storable_text(position[:100]),
            raw=storable_text(raw[:DEAD_LETTER_PREFIX]),
            raw_sha256=hashlib.sha256(data).hexdigest(),
            raw_length=len(raw),
            error=storable_text(error[:DEAD_LETTER_ERROR]),
            at=now,
        )
    )


def add_post(session: Session, trigger: Trigger, canonical_text: str, now: datetime) -> PostRow:
    """A received trigger's row (flushed, so that it has its id)."""
    parent_key = f"{trigger.platform}:{trigger.parent.id}" if trigger.parent else None
    row = PostRow(
        trigger_key=trigger.key,
        platform=trigger.platform,
        author_handle=trigger.post.author.handle.lower(),
        parent_key=parent_key,
        trigger_json=trigger.to_json(),
        canonical_text=canonical_text,
        content_hash=trigger.content_hash(),
        received_at=now,
        state=PostState.RECEIVED,
    )
    session.add(row)
    session.flush()
    return row


def add_ground_truth(
    session: Session, trigger_key: str, expected: str, scenario: str | None
) -> None:
    """What a post should get, kept apart from it: read by scoring only, never by a screen."""
    session.add(GroundTruthRow(trigger_key=trigger_key, expected=expected, scenario=scenario))


def add_artwork(session: Session, post_id: int, art: Artwork, reply_text: str) -> None:
    """The exact picture (and reply text) that a reviewer approves and the publisher sends."""
    session.add(
        ArtworkRow(
            post_id=post_id,
            sha256=art.sha256,
            png=art.png,
            alt_text=art.alt_text,
            shape=art.shape,
            rows=json.dumps(list(art.rows), ensure_ascii=False),
            width=art.width,
            height=art.height,
            reply_text=reply_text,
        )
    )


# -- opt-outs ----------------------------------------------------------------------------------


def opted_out(session: Session, platform: str, account: str | None, handle: str) -> bool:
    """Whether the person (by the network's id, else by handle) turned the bot away."""
    refs = [r.casefold() for r in (account, handle) if r]
    found = session.execute(
        select(OptOutRow.id).where(
            OptOutRow.platform == platform,
            (OptOutRow.account.in_(refs)) | (OptOutRow.handle == handle.casefold()),
        )
    ).first()
    return found is not None


def add_opt_out(
    session: Session,
    platform: str,
    account: str | None,
    handle: str,
    *,
    how: str,
    ref: str | None,
    by: str,
    now: datetime,
) -> OptOutRow | None:
    """Record an opt-out; None when the person had opted out already (the first one stands)."""
    key = (account or handle).casefold()
    if opted_out(session, platform, key, handle):
        return None
    row = OptOutRow(
        platform=storable_text(platform[:50]),
        account=storable_text(key[:300]),
        handle=storable_text(handle.casefold()[:300]),
        how=how,
        ref=storable_text(ref[:400]) if ref else None,
        at=now,
        by=storable_text(by[:200]),
    )
    session.add(row)
    session.flush()
    return row


def list_opt_outs(session: Session) -> list[OptOutRow]:
    return list(session.execute(select(OptOutRow).order_by(OptOutRow.at, OptOutRow.id)).scalars())


def cancel_replies_to(session: Session, handle: str) -> int:
    """Cancel the replies to `handle` not yet on their way (pending or held back): their posts
    are skipped. A reply already being sent cannot be called back here."""
    rows = session.execute(
        select(OutboxRow, PostRow)
        .join(PostRow, PostRow.id == OutboxRow.post_id)
        .where(
            PostRow.author_handle == handle.casefold(),
            OutboxRow.state.in_([OutboxState.PENDING, OutboxState.HELD]),
        )
    ).all()
    for outbox, post in rows:
        outbox.state = OutboxState.CANCELLED
        post.state = PostState.SKIPPED
    return len(rows)
