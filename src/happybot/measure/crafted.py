"""Our crafted set (`training/crafted_eval.yaml`): what a post shows beyond its words — names
and handles, hidden messages in the author's lines, counter-speech naming a hate symbol, other
languages' listed terms — each case with the outcome the campaign expects.

Unlike the public suites, a case is a whole trigger (its author's handle and name, a parent), so
it is judged as the stream would judge it, by the content screens and the language screen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from happybot.config import Campaign
from happybot.errors import SourceError
from happybot.measure.evaluate import CONTENT_SCREENS, established, trigger_decisions
from happybot.models import Decision, Post, Trigger

SCREENS = (*CONTENT_SCREENS, "language")


class Expect(StrEnum):
    HELD = "held"  # review or reject
    PUBLISHED = "published"
    TO_PEOPLE = "to-people"  # review: held, but never rejected unseen

    def met_by(self, decision: Decision) -> bool:
        if self is Expect.PUBLISHED:
            return decision is Decision.PUBLISH
        if self is Expect.TO_PEOPLE:
            return decision is Decision.REVIEW
        return decision is not Decision.PUBLISH


@dataclass(frozen=True)
class CraftedCase:
    item: str
    expect: Expect
    trigger: Trigger


def read_crafted(path: Path) -> list[CraftedCase]:
    try:
        raw = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise SourceError(f"{path} is not valid YAML: {exc}") from exc
    entries = raw.get("cases") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise SourceError(f"{path} has no list under 'cases'")
    return [_case(entry, n, path) for n, entry in enumerate(entries, start=1)]


def _case(entry: Any, n: int, path: Path) -> CraftedCase:
    where = f"{path}, case {n}"
    if not isinstance(entry, dict) or not isinstance(entry.get("text"), str):
        raise SourceError(f"{where}: a case is a mapping with a 'text'")
    try:
        expect = Expect(str(entry.get("expect")))
    except ValueError:
        raise SourceError(
            f"{where}: expect must be one of {', '.join(e.value for e in Expect)}"
        ) from None
    parent = None
    if (raw_parent := entry.get("parent")) is not None:
        if not isinstance(raw_parent, dict) or not isinstance(raw_parent.get("text"), str):
            raise SourceError(f"{where}: a parent is a mapping with a 'text'")
        parent = _post(f"{n}-parent", raw_parent)
    post = _post(str(n), entry)
    if parent is not None:
        post = Post(post.id, post.text, post.author, reply_to_id=parent.id)
    return CraftedCase(str(entry.get("item", "")), expect, Trigger("crafted", post, parent))


def _post(post_id: str, entry: dict[str, Any]) -> Post:
    author = established(
        str(entry.get("handle") or f"person{post_id}.example"), entry.get("display_name")
    )
    return Post(id=post_id, text=entry["text"], author=author)


@dataclass(frozen=True)
class ItemResult:
    """One item's cases by what was expected: how many, and how many came out so."""

    item: str
    expected: dict[str, tuple[int, int]]  # expect -> (cases, as expected)
    rejected_unseen: int  # of the cases expected to reach a person

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            **{f"{e}": {"cases": n, "as_expected": ok} for e, (n, ok) in self.expected.items()},
            "to_people_rejected_unseen": self.rejected_unseen,
        }


def crafted_results(
    cases: Sequence[CraftedCase], decisions: Sequence[Decision]
) -> list[ItemResult]:
    totals: Counter[tuple[str, str]] = Counter()
    met: Counter[tuple[str, str]] = Counter()
    rejected: Counter[str] = Counter()
    for case, decision in zip(cases, decisions, strict=True):
        totals[(case.item, case.expect)] += 1
        met[(case.item, case.expect)] += case.expect.met_by(decision)
        rejected[case.item] += case.expect is Expect.TO_PEOPLE and decision is Decision.REJECT
    items = sorted({item for item, _ in totals}, key=[c.item for c in cases].index)
    return [
        ItemResult(
            item,
            {e.value: (totals[(item, e)], met[(item, e)]) for e in Expect if totals[(item, e)]},
            rejected[item],
        )
        for item in items
    ]


def crafted_decisions(
    cases: Sequence[CraftedCase],
    campaign: Campaign,
    on_progress: Callable[[int], None] | None = None,
) -> list[Decision]:
    return trigger_decisions([c.trigger for c in cases], campaign, on_progress, screens=SCREENS)
