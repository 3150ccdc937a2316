"""The `happybot` command line: thin over the same functions the dashboard will call.

For people: Rich tables and progress. With --json: stdout carries only JSON, logs go to stderr.
A `HappybotError` is printed as its message, never as a traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from sqlalchemy.exc import SQLAlchemyError

from happybot.cli.display import shown
from happybot.config import Campaign, audit_key, db_url, load_campaign, starter_campaign
from happybot.errors import HappybotError
from happybot.store.db import Store
from happybot.store.db import exists as store_exists
from happybot.store.db import require as require_store

app = typer.Typer(
    name="happybot",
    help="A hashtag-campaign bot that turns posts into happy text art, and cannot be hijacked.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()  # stdout: results
err = Console(stderr=True)  # stderr: logs, progress, errors

CampaignOpt = Annotated[
    Path | None,
    typer.Option("--campaign", "-c", help="Campaign file (default: the built-in starter)."),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL (default: $HAPPYBOT_DB, else the campaign's store.url)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout, logs on stderr.")]
CorpusOpt = Annotated[
    list[Path] | None,
    typer.Option("--corpus", help="A text the bot must never echo, for this run (repeatable)."),
]


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_path=False, show_time=False)],
        force=True,
    )


def campaign_from(path: Path | None, corpus: list[Path] | None = None) -> Campaign:
    """The campaign file (or the starter), with this run's extra never-amplify texts."""
    campaign = load_campaign(path) if path is not None else starter_campaign()
    if corpus:
        extra = [str(p.resolve()) for p in corpus]
        campaign = campaign.model_copy(update={"never_amplify": [*campaign.never_amplify, *extra]})
    return campaign


def open_store(db: str | None, campaign: Campaign | None, *, create: bool = False) -> Store:
    """The campaign's store. Only the commands that start a campaign (`run`, and the set-up of
    its dashboard) pass `create`; the others say so when there is no store where they look."""
    url = db_url(db, campaign)
    made = store_exists(url)
    if not made and not create:
        require_store(url)  # raises before a key file is looked for: the store is what is missing
    store = Store.open(url, audit_key(url, campaign, create=not made), create=create)
    if not made:
        err.print(f"made a new store at {shown(url)}", highlight=False)
    return store


def main() -> None:
    setup_logging()
    try:
        app()
    except HappybotError as exc:
        # a message may quote a post: shown with its control characters escaped
        err.print("[bold red]error:[/]", shown(str(exc), one_line=False), highlight=False)
        sys.exit(2)
    except SQLAlchemyError as exc:
        # a connection dropped mid-transaction, a database that went away: that transaction
        # was rolled back, everything before it is kept
        first = (str(exc).splitlines() or [""])[0]
        err.print(
            "[bold red]error:[/] the store failed:",
            shown(f"{type(exc).__name__}: {first}"),
            "— nothing of the step that failed was kept, everything before it was; "
            "run again to resume",
            highlight=False,
        )
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted: what was committed is kept; run again to resume")
        sys.exit(130)


# the command modules register themselves on `app`
from happybot.cli import (  # noqa: E402,F401
    art,
    audit,
    doctor,
    drill,
    etiquette,
    evaluate,
    model,
    review,
    run,
    scale,
    screen,
    serve,
)
