"""`happybot doctor`: is this set-up ready to run a campaign? Each check says what is missing.

Reads and opens; never creates a store, a key or a post, and sends no alert (it only asks the
webhook's server whether it answers).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer
from rich.table import Table

from happybot.cli import CampaignOpt, DbOpt, JsonOpt, app, campaign_from, out
from happybot.cli.display import shown
from happybot.config import Campaign, audit_key, audit_key_path, db_url
from happybot.errors import HappybotError
from happybot.store.db import Store
from happybot.store.db import exists as store_exists


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@app.command()
def doctor(campaign_path: CampaignOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Check the set-up: the store and its audit key, alerts (configured and answering), the
    network's credentials, the classifier's model. Exit code 1 when something is missing."""
    campaign = campaign_from(campaign_path)
    checks = [
        _store(db, campaign),
        _alerts(campaign),
        _network(campaign),
        _classifier(campaign),
    ]
    if as_json:
        print(json.dumps({"ok": all(c.ok for c in checks), "checks": [c.__dict__ for c in checks]}))
    else:
        table = Table("check", "", "detail", title="happybot doctor")
        for c in checks:
            table.add_row(c.name, "[green]ok[/]" if c.ok else "[red]missing[/]", shown(c.detail))
        out.print(table)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def _store(db: str | None, campaign: Campaign) -> Check:
    url = db_url(db, campaign)
    try:
        if not store_exists(url):
            return Check("store", False, f"no store at {url} yet: `happybot run` makes one")
        key = audit_key(url, campaign, create=False)
        Store.open(url, key, create=False).close()
    except HappybotError as exc:
        return Check("store", False, str(exc))
    where = "$HAPPYBOT_AUDIT_KEY" if os.environ.get("HAPPYBOT_AUDIT_KEY") else None
    return Check("store", True, f"{url}; audit key {where or audit_key_path(url, campaign)}")


def _alerts(campaign: Campaign) -> Check:
    alerts = campaign.alerts
    off = alerts.off_because()
    if off is not None:
        return Check("alerts", False, f"off: {off}")
    url = alerts.webhook_url() or ""
    try:
        # any answer at all (even 400 or 405 to a HEAD) means the server is there
        answer = httpx.head(url, timeout=alerts.timeout_seconds)
    except httpx.HTTPError as exc:
        return Check("alerts", False, f"${alerts.webhook_url_env}'s server does not answer: {exc}")
    return Check("alerts", True, f"${alerts.webhook_url_env} answers (HTTP {answer.status_code})")


def _network(campaign: Campaign) -> Check:
    kind = campaign.platform.kind
    if kind == "dryrun":
        return Check("network", True, "dry run: no account needed")
    settings = campaign.platform.settings_for(kind)
    names = [
        value
        for field, value in settings.model_dump().items()
        if field.endswith("_env") and isinstance(value, str)
    ]
    unset = [name for name in names if not os.environ.get(name)]
    if unset:
        return Check("network", False, f"{kind}: set {', '.join('$' + n for n in unset)}")
    return Check("network", True, f"{kind}: {', '.join('$' + n for n in names)} set")


def _classifier(campaign: Campaign) -> Check:
    from happybot.screens.classifier import open_classifier

    settings = campaign.classifier
    try:
        open_classifier(settings, Path(campaign.base_dir))
    except HappybotError as exc:
        return Check("classifier", False, str(exc))
    where = settings.path or "the model shipped in the package"
    return Check("classifier", True, f"{settings.backend}: {where} loads")
