"""People who turned the bot away: listed, added by a reviewer, taken back, exported.

The pipeline records the ones the networks tell of (a "stop" sent to the bot, a block); the
campaign's opt-out file is read at every run; here people see them all and add their own
(a person who asked by e-mail, say). Every change is in the audit.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from happybot.config import Campaign
from happybot.errors import NotFound
from happybot.models import storable_text
from happybot.pipeline.consent import read_opt_out_file, withdraw
from happybot.platforms.base import Withdrawal
from happybot.store.db import Store
from happybot.store.queries import list_opt_outs
from happybot.store.schema import OptOutRow

HOW = ("stop", "block", "reviewer", "list")


@dataclass(frozen=True)
class OptOut:
    platform: str  # "" for the campaign's file: it names handles on every network
    account: str
    handle: str
    how: str  # stop | block | reviewer | list
    ref: str | None
    at: datetime | None  # None for the file's entries
    by: str

    def as_json(self) -> dict[str, str | None]:
        return {
            "platform": self.platform,
            "account": self.account,
            "handle": self.handle,
            "how": self.how,
            "ref": self.ref,
            "at": self.at.isoformat() if self.at else None,
            "by": self.by,
        }


def everyone(store: Store, campaign: Campaign | None = None) -> list[OptOut]:
    """The stored opt-outs, oldest first, then the campaign file's list."""
    with store.transaction() as session:
        found = [
            OptOut(r.platform, r.account, r.handle, r.how, r.ref, r.at, r.by)
            for r in list_opt_outs(session)
        ]
    etiquette = campaign.etiquette if campaign is not None else None
    if etiquette is not None and etiquette.opt_out_file:
        path = campaign.path(etiquette.opt_out_file)  # type: ignore[union-attr]
        found += [
            OptOut("", h.casefold(), h.casefold(), "list", str(path), None, "campaign file")
            for h in read_opt_out_file(path)
        ]
    return found


def add(store: Store, platform: str, handle: str, actor: str, note: str = "") -> bool:
    """A reviewer's entry: `handle` on `platform` gets no reply again, and the replies to them
    still waiting are cancelled. False when they had opted out already."""
    handle = storable_text(handle.strip().lstrip("@"))
    if not handle or not platform.strip():
        raise ValueError("give the network and the person's handle")
    with store.transaction() as session:
        return withdraw(
            session,
            store,
            Withdrawal(platform.strip(), handle, handle, "reviewer", note[:400] or None),
            actor,
        )


def remove(store: Store, platform: str, handle: str, actor: str) -> None:
    """Take an opt-out back (the person asked to be answered again). Audited."""
    handle = handle.strip().lstrip("@").casefold()
    with store.transaction() as session:
        row = session.execute(
            select(OptOutRow).where(
                OptOutRow.platform == platform,
                (OptOutRow.handle == handle) | (OptOutRow.account == handle),
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound(f"@{handle} on {platform} has not opted out")
        session.delete(row)
        store.record(session, "opt-out-removed", actor, f"{platform}:{row.account}", how=row.how)


def as_csv(found: list[OptOut]) -> str:
    """The opt-outs as CSV, for the brand's records or another tool. A cell a spreadsheet
    would run as a formula (a hostile handle) is quoted with a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["platform", "account", "handle", "how", "ref", "at", "by"])
    for o in found:
        at = o.at.isoformat() if o.at else ""
        writer.writerow(
            [_cell(v) for v in (o.platform, o.account, o.handle, o.how, o.ref or "", at, o.by)]
        )
    return buffer.getvalue()


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
