"""`happybot incidents report N`: the incident as one self-contained HTML file (the chart as
inline SVG, thumbnails inlined, no script, nothing fetched) and as Markdown, for the people who
were not in the room."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from jinja2 import Environment, Template
from PIL import Image

from happybot.operate.incident_record import OUTCOMES, IncidentRecord

THUMBNAIL = 240  # pixels on a side
COLOURS = {"published": "#20BF6B", "waiting": "#F7B731", "rejected": "#EB3B5A", "other": "#A5B1C2"}
# the events marked on the chart
MARKED = {
    "first-hold": "first hold",
    "incident-opened": "breaker",
    "alert-sent": "alert",
    "mode": "mode",
    "incident-acknowledged": "ack",
    "paused-unacknowledged": "paused",
    "statement-posted": "statement",
    "incident-closed": "closed",
}


def _template(name: str, autoescape: bool) -> Template:
    env = Environment(
        autoescape=autoescape,  # HTML escaped; Markdown escaped by its own filter
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = _markdown_text
    text = resources.files("happybot.operate").joinpath("templates", name).read_text("utf-8")
    return env.from_string(text)


def _markdown_text(value: object) -> str:
    """Text from the store (handles, reasons, notes) as literal Markdown: no table cell broken
    by a "|", no HTML a Markdown viewer would run, no line that starts a heading."""
    text = " ".join(str(value).split())
    for char, escaped in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;")):
        text = text.replace(char, escaped)
    return text


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    parts: list[tuple[str, float, float]]  # outcome, y, height
    title: str


@dataclass(frozen=True)
class Mark:
    x: float
    label: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    top: int
    peak: int
    bars: list[Bar]
    marks: list[Mark]
    start: str
    end: str


def chart(record: IncidentRecord, width: int = 900, height: int = 240) -> Chart:
    """Posts in per minute, stacked by outcome, with the incident's events marked."""
    top, bottom = 34, 22
    plot = height - top - bottom
    minutes = record.minutes or [(record.start, dict.fromkeys(OUTCOMES, 0))]
    peak = max(1, *(sum(c.values()) for _, c in minutes))
    step = width / len(minutes)
    bars = []
    for i, (at, counts) in enumerate(minutes):
        y = float(top + plot)
        parts = []
        for outcome in OUTCOMES:
            h = plot * counts[outcome] / peak
            if h:
                y -= h
                parts.append((outcome, y, h))
        tally = ", ".join(f"{counts[o]} {o}" for o in OUTCOMES if counts[o])
        bars.append(Bar(i * step, max(1.0, step - 1), parts, f"{at:%H:%M} — {tally or 'none'}"))
    first = minutes[0][0]
    # events of the same minute share one mark: "first hold, breaker, mode, alert"
    grouped: dict[int, list[tuple[str, str]]] = {}
    for event in record.events:
        if event.kind in MARKED:
            index = int((event.at - first).total_seconds() // 60)
            grouped.setdefault(index, []).append((MARKED[event.kind], event.what))
    marks = []
    for index, said in sorted(grouped.items()):
        labels = list(dict.fromkeys(label for label, _ in said))
        x = min(width - 1.0, max(0.0, (index + 0.5) * step))
        marks.append(Mark(x, ", ".join(labels), "\n".join(what for _, what in said)))
    return Chart(width, height, top, peak, bars, marks, f"{first:%H:%M}", f"{minutes[-1][0]:%H:%M}")


def thumbnail(png: bytes) -> str:
    """A small PNG as a data: URL."""
    with Image.open(io.BytesIO(png)) as image:
        image.thumbnail((THUMBNAIL, THUMBNAIL))
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _context(record: IncidentRecord, hashtag: str, made: datetime) -> dict[str, object]:
    return {
        "r": record,
        "i": record.incident,
        "hashtag": hashtag,
        "made": made,
        "published": [s for s in record.sent if s.state == "published"],
        "retracted": [s for s in record.sent if s.state == "retracted"],
        "colours": COLOURS,
        "outcomes": OUTCOMES,
    }


def html_report(record: IncidentRecord, hashtag: str, made: datetime) -> str:
    context = _context(record, hashtag, made)
    context["chart"] = chart(record)
    context["thumb"] = thumbnail
    return _template("incident.html", True).render(**context)


def markdown_report(record: IncidentRecord, hashtag: str, made: datetime) -> str:
    return _template("incident.md", False).render(**_context(record, hashtag, made))
