"""The pages people use: server-rendered HTML (Jinja2) with a little script of our own for the
actions, which go through the JSON API with the session's CSRF token. No front-end library."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from happybot.models import Finding, Target
from happybot.operate import optouts, review, statements
from happybot.operate.alerts import undelivered
from happybot.operate.incident_record import record_of
from happybot.operate.incident_report import html_report, markdown_report
from happybot.operate.incidents import recent_incidents
from happybot.operate.retract import Selection, published_matching, published_replies
from happybot.operate.stats import counts
from happybot.operate.users import Role, list_users
from happybot.store import audit
from happybot.store.db import as_utc
from happybot.web.auth import Principal, session_principal, store_of
from happybot.web.schemas import BeforeId, PathId

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(resources.files("happybot.web").joinpath("templates")))
QUEUE_PAGE = 50
PUBLISHED_PAGE = 60
AUDIT_PAGE = 100


def highlight(text: str | None, findings: Sequence[Finding], target: Target) -> Markup:
    """The text, escaped, with each finding's evidence span marked and its reason on hover."""
    if not text:
        return Markup("")
    spans = sorted(
        (f.span[0], f.span[1], f.why)
        for f in findings
        if f.target is target and f.span is not None and 0 <= f.span[0] < f.span[1] <= len(text)
    )
    out, at = [], 0
    for start, end, why in spans:
        if start < at:  # overlapping evidence: the first span shown covers it
            continue
        out.append(escape(text[at:start]))
        out.append(Markup('<mark title="{}">{}</mark>').format(why, text[start:end]))
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


templates.env.globals["highlight"] = highlight
templates.env.globals["Target"] = Target


def _page(request: Request, who: Principal, name: str, **context: Any) -> Response:
    now = counts(store_of(request))
    return templates.TemplateResponse(
        request,
        name,
        {
            "who": who,
            "csrf": request.session.get("csrf", ""),
            "counts": now,
            "is_admin": who.user.role is Role.ADMIN,
            "is_reviewer": who.user.role.allows(Role.REVIEWER),
            "campaign": request.app.state.campaign,
            **context,
        },
    )


def _login_first(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def safe_next(target: str) -> str:
    """Where to go after logging in: a path of this site, or "/". Browsers drop tabs and line
    breaks from a URL and read a backslash as "/", so "/%09/other.host" would leave the site:
    those characters are refused outright, then "//host" is."""
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in target) or not target.isprintable():
        return "/"
    if not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": safe_next(next)})


def _with_incidents(request: Request, template: str, limit: int) -> Response:
    """A page that lists the newest incidents, marking those nobody was told of."""
    who = session_principal(request)
    if who is None:
        return _login_first(request)
    store = store_of(request)
    return _page(
        request,
        who,
        template,
        incidents=recent_incidents(store, limit=limit),
        untold=set(undelivered(store)),
    )


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    return _with_incidents(request, "overview.html", 20)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, after: int = 0) -> Response:
    who = session_principal(request)
    if who is None:
        return _login_first(request)
    items = review.queue(store_of(request), limit=QUEUE_PAGE, after=after)
    return _page(request, who, "queue.html", items=items, after=after, page=QUEUE_PAGE)


@router.get("/published", response_class=HTMLResponse)
def published_page(
    request: Request,
    since: str = "",
    until: str = "",
    author: str = "",
    label: str = "",
    before: BeforeId = None,
) -> Response:
    """The published pictures, newest first; for admins, the way to retract them."""
    who = session_principal(request)
    if who is None:
        return _login_first(request)
    store = store_of(request)
    try:
        selection = Selection(
            since=as_utc(datetime.fromisoformat(since)) if since else None,
            until=as_utc(datetime.fromisoformat(until)) if until else None,
            author=author.strip() or None,
            label=label.strip() or None,
        )
    except ValueError:
        selection, since, until = Selection(author=author or None, label=label or None), "", ""
    replies = published_replies(store, selection, limit=PUBLISHED_PAGE, before=before)
    matching = None if selection.empty else len(published_matching(store, selection))
    return _page(
        request,
        who,
        "published.html",
        replies=replies,
        matching=matching,
        filters={"since": since, "until": until, "author": author, "label": label},
        page=PUBLISHED_PAGE,
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, kind: str = "", actor: str = "", before: BeforeId = None
) -> Response:
    """The audit log, newest first, filtered, with whether its hash chain holds."""
    who = session_principal(request)
    if who is None:
        return _login_first(request)
    store = store_of(request)
    with store.transaction() as session:
        rows = audit.entries(
            session, kind=kind or None, actor=actor or None, before=before, limit=AUDIT_PAGE
        )
        status = audit.verify(session, store.audit_key)
        kinds = audit.kinds(session)
    return _page(
        request,
        who,
        "audit.html",
        rows=rows,
        status=status,
        kinds=kinds,
        filters={"kind": kind, "actor": actor},
        page=AUDIT_PAGE,
    )


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request) -> Response:
    """Every incident, newest first, each with its record."""
    return _with_incidents(request, "incidents.html", 200)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(request: Request, incident_id: PathId) -> Response:
    """One incident as a record: timeline, accounts, replies, the report to download."""
    who = session_principal(request)
    if who is None:
        return _login_first(request)
    store, campaign = store_of(request), request.app.state.campaign
    record = record_of(store, campaign, incident_id)
    network = campaign.network_name()
    said = [p for p in statements.prepared(store, campaign) if p.network in (network, "*")]
    said_kinds = [e.kind for e in record.events if e.kind.startswith("statement-")]
    posted = bool(said_kinds) and said_kinds[-1] == "statement-posted"
    return _page(
        request,
        who,
        "incident.html",
        r=record,
        i=record.incident,
        statements=said,
        posted=posted,
    )


@router.get("/incidents/{incident_id}/report.{kind}")
def incident_report(request: Request, incident_id: PathId, kind: str) -> Response:
    """The report to hand on: the self-contained HTML page, or Markdown."""
    if session_principal(request) is None:
        return _login_first(request)
    if kind not in ("html", "md"):
        return Response("html or md", status_code=404)
    store, campaign = store_of(request), request.app.state.campaign
    record = record_of(store, campaign, incident_id)
    if kind == "md":
        text = markdown_report(record, campaign.hashtag, store.clock())
        return Response(text, media_type="text/markdown; charset=utf-8")
    page = html_report(record, campaign.hashtag, store.clock())
    name = f"incident-{incident_id}.html"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    return HTMLResponse(page, headers=headers)


@router.get("/opt-outs", response_class=HTMLResponse)
def opt_outs_page(request: Request) -> Response:
    """Everyone who gets no reply, and why; reviewers add people who asked elsewhere."""
    who = session_principal(request)
    if who is None:
        return _login_first(request)
    found = optouts.everyone(store_of(request), request.app.state.campaign)
    return _page(
        request,
        who,
        "optouts.html",
        optouts=found,
        network=request.app.state.campaign.network_name(),
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request) -> Response:
    who = session_principal(request)
    if who is None:
        return _login_first(request)
    people = list_users(store_of(request)) if who.user.role is Role.ADMIN else []
    return _page(request, who, "users.html", people=people, roles=list(Role))
