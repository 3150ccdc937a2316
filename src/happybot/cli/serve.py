"""`happybot serve` (the review dashboard) and `happybot users` (who may use it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from fastapi import FastAPI
from rich.table import Table

from happybot.cli import CampaignOpt, DbOpt, JsonOpt, app, campaign_from, err, open_store, out
from happybot.config import Campaign, default_actor
from happybot.operate import users as people
from happybot.operate.users import Role
from happybot.platforms.registry import open_platform
from happybot.store.db import Store

if TYPE_CHECKING:
    from fastapi import FastAPI

    from happybot.web.server import BackgroundServer

HostOpt = Annotated[
    str, typer.Option(help="Address to listen on (localhost by default: put TLS in front).")
]
PortOpt = Annotated[int, typer.Option(help="Port to listen on.")]


def dashboard_app(
    store: Store, campaign: Campaign, out_dir: Path | None = None, secure_cookies: bool = False
) -> FastAPI:
    from happybot.web.app import create_app

    if not people.list_users(store):
        err.print(
            "[yellow]no dashboard user yet:[/] add one with `happybot users add NAME --role admin`"
        )
    return create_app(
        store,
        campaign,
        lambda: open_platform(campaign, dry_run=False, out_dir=out_dir),
        secure_cookies=secure_cookies,
    )


def start_dashboard(
    app_: FastAPI, host: str, port: int, trusted_proxies: Sequence[str] = ()
) -> BackgroundServer:
    """Beside the pipeline, in this process; stopped with it."""
    from happybot.web.server import BackgroundServer

    server = BackgroundServer(app_, host, port, trusted_proxies)
    err.print(f"dashboard on {server.start()}/")
    return server


@app.command()
def serve(
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8080,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Dry-run reply folder (for retractions).")
    ] = None,
    secure_cookies: Annotated[
        bool,
        typer.Option(help="Send the session cookie over HTTPS only (behind a TLS proxy)."),
    ] = False,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="The address of your reverse proxy (repeatable): only its X-Forwarded-For is "
            "believed. Without it, a client is the address it connects from.",
        ),
    ] = None,
) -> None:
    """Serve the review dashboard: review queue, modes, retraction, audit."""
    campaign = campaign_from(campaign_path)
    store = open_store(db, campaign, create=True)
    server = start_dashboard(
        dashboard_app(store, campaign, out_dir, secure_cookies), host, port, trusted_proxy or ()
    )
    err.print("Ctrl-C stops it")
    server.wait()
    store.close()


users_app = typer.Typer(help="People who may use the dashboard, and their roles.")
app.add_typer(users_app, name="users", no_args_is_help=True)

RoleOpt = Annotated[
    Role, typer.Option(help="viewer reads; reviewer also decides the queue; admin does all.")
]


def _password(confirm: bool = True) -> str:
    return str(typer.prompt("password", hide_input=True, confirmation_prompt=confirm))


@users_app.command("add")
def users_add(
    name: str,
    role: RoleOpt = Role.REVIEWER,
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Add a person; the password is asked (never an argument: it would stay in the shell's
    history). Stored as an Argon2id hash."""
    store = open_store(db, campaign_from(campaign_path), create=True)
    user = people.add_user(store, name, role, _password(), actor=default_actor())
    out.print(f"added {user.name} ({user.role.value})")


@users_app.command("list")
def users_list(
    campaign_path: CampaignOpt = None, db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    store = open_store(db, campaign_from(campaign_path))
    found = people.list_users(store)
    if as_json:
        for u in found:
            print(json.dumps({"name": u.name, "role": u.role.value}))
        return
    table = Table("name", "role")
    for u in found:
        table.add_row(u.name, u.role.value)
    out.print(table)


@users_app.command("role")
def users_role(
    name: str, role: RoleOpt, campaign_path: CampaignOpt = None, db: DbOpt = None
) -> None:
    """Change a person's role (their open sessions end)."""
    store = open_store(db, campaign_from(campaign_path))
    people.set_role(store, name, role, actor=default_actor())
    out.print(f"{name} is now {role.value}")


@users_app.command("password")
def users_password(name: str, campaign_path: CampaignOpt = None, db: DbOpt = None) -> None:
    """Set a new password (their open sessions end)."""
    store = open_store(db, campaign_from(campaign_path))
    people.set_password(store, name, _password(), actor=default_actor())
    out.print(f"password of {name} changed")


@users_app.command("remove")
def users_remove(name: str, campaign_path: CampaignOpt = None, db: DbOpt = None) -> None:
    """Disable a person: their sessions and tokens end; the audit still names them."""
    store = open_store(db, campaign_from(campaign_path))
    people.remove_user(store, name, actor=default_actor())
    out.print(f"{name} removed")


@users_app.command("token")
def users_token(
    name: str,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "script",
    campaign_path: CampaignOpt = None,
    db: DbOpt = None,
) -> None:
    """Make an API token that acts as NAME (send it as `Authorization: Bearer TOKEN`). Shown
    once; only its hash is kept."""
    store = open_store(db, campaign_from(campaign_path))
    print(people.create_token(store, name, label, actor=default_actor()))
