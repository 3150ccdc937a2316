"""The campaign's own people as the yardstick of the classifier's thresholds.

The starter thresholds are chosen on held-out rows of public sets, which are not a campaign's
posts. Once people have decided some of its posts, their verdicts say how the thresholds do on
what this campaign really receives: a post a person rejected, or a reply retracted after it was
published (the gate let it through), was harmful; a post a person approved was not. Each is
scored again with the campaign's classifier, as the gate reads it.

People reject for other reasons than hate, so a threshold suggested from all rejected posts errs
low, towards review: the safe side. In autopilot only the posts the gate held reach a person,
so what a lower threshold would catch cannot be seen there; copilot, where a person approves
every reply, gives verdicts on what would have been published too.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from happybot.config import Campaign
from happybot.errors import ClassifierError
from happybot.labels import HATE
from happybot.measure.calibrate import TARGETS, recall_threshold
from happybot.models import PostState
from happybot.screens.classifier import ClassifierScreen
from happybot.store import queries
from happybot.store.db import Store
from happybot.store.schema import DecisionRow, PostRow, ReviewActionRow

# fewer verdicts than this on either side and a threshold read off them is noise
MIN_VERDICTS = 20
# a threshold that rejects unseen needs this many posts over it, nearly all of them harmful
MIN_OVER_REJECT = 10
BATCH = 64


@dataclass(frozen=True)
class Reviewed:
    post_id: int
    harmful: bool
    how: str  # approved | rejected | retracted
    gate_held: bool = True  # False: the gate would have published it (copilot, or retracted)


@dataclass(frozen=True)
class LabelCheck:
    """One label's thresholds against the people's verdicts."""

    label: str
    harmful: int
    harmless: int
    auc: float | None  # None: one side has no verdict
    review: float  # the campaign's thresholds now
    reject: float
    harmful_held: float  # share of the harmful posts the review threshold holds
    harmless_held: float
    suggested_review: float | None  # None: too few verdicts, or not suggested for this label
    suggested_reject: float | None


def verdicts(store: Store) -> list[Reviewed]:
    """Every post a person decided (their last action counts) and every retracted reply."""
    with store.transaction() as session:
        last = (
            select(ReviewActionRow.post_id, func.max(ReviewActionRow.id).label("id"))
            .group_by(ReviewActionRow.post_id)
            .subquery()
        )
        actions = dict(
            session.execute(
                select(ReviewActionRow.post_id, ReviewActionRow.action).join(
                    last, ReviewActionRow.id == last.c.id
                )
            ).all()
        )
        retracted = set(
            session.execute(
                select(PostRow.id).where(PostRow.state == PostState.RETRACTED)
            ).scalars()
        )
        held = set(
            session.execute(
                select(DecisionRow.post_id).where(
                    DecisionRow.stage == "final", DecisionRow.decision != "publish"
                )
            ).scalars()
        )
    out = []
    for post_id in sorted(set(actions) | retracted):
        if post_id in retracted:
            out.append(Reviewed(post_id, True, "retracted", post_id in held))
        elif actions[post_id] in ("approve", "reject"):
            rejected = actions[post_id] == "reject"
            how = "rejected" if rejected else "approved"
            out.append(Reviewed(post_id, rejected, how, post_id in held))
    return out


def only_held_seen(posts: Sequence[Reviewed]) -> bool:
    """Whether every verdict is on a post the gate held: then what a lower threshold would
    catch, or hold needlessly, cannot be seen."""
    return all(p.gate_held for p in posts)


def scores(store: Store, campaign: Campaign, posts: Sequence[Reviewed]) -> list[dict[str, float]]:
    """Each post's score per label as the gate reads it now: the higher of the post's and the
    post it replies to."""
    screen = ClassifierScreen(campaign)
    ids = [p.post_id for p in posts]
    with store.transaction() as session:
        rows = {
            r.id: r for r in session.execute(select(PostRow).where(PostRow.id.in_(ids))).scalars()
        }
        triggers = [queries.load_trigger(rows[i]) for i in ids]
    out: list[dict[str, float]] = [{} for _ in ids]
    for start in range(0, len(triggers), BATCH):
        for (index, _), per_label in screen.scores(triggers[start : start + BATCH]):
            best = out[start + index]
            for label, score in per_label.items():
                best[label] = max(best.get(label, 0.0), score)
    return out


def check(
    campaign: Campaign, posts: Sequence[Reviewed], scored: Sequence[dict[str, float]]
) -> list[LabelCheck]:
    """Every label the classifier gives, checked against the verdicts; thresholds suggested for
    hate only (the one label rejected unseen, with a recall aim)."""
    labels = sorted({label for s in scored for label in s})
    harmful = [p.harmful for p in posts]
    return [
        _check(label, [s.get(label, 0.0) for s in scored], harmful, campaign) for label in labels
    ]


def _check(
    label: str, values: Sequence[float], harmful: Sequence[bool], campaign: Campaign
) -> LabelCheck:
    limits = campaign.threshold("classifier", label)
    bad = sorted(v for v, h in zip(values, harmful, strict=True) if h)
    good = [v for v, h in zip(values, harmful, strict=True) if not h]
    enough = len(bad) >= MIN_VERDICTS and len(good) >= MIN_VERDICTS
    review = reject = None
    aim = TARGETS[HATE]
    if enough and label == HATE and aim.review_recall and aim.reject_precision:
        review = recall_threshold(bad, aim.review_recall)
        reject = _reject(values, harmful, review, aim.reject_precision)
    return LabelCheck(
        label=label,
        harmful=len(bad),
        harmless=len(good),
        auc=_auc(bad, good),
        review=limits.review,
        reject=limits.reject,
        harmful_held=_share_over(bad, limits.review),
        harmless_held=_share_over(good, limits.review),
        suggested_review=review,
        suggested_reject=reject,
    )


def _reject(
    values: Sequence[float], harmful: Sequence[bool], floor: float, precision: float
) -> float:
    """The lowest threshold over `floor` where people rejected `precision` of the posts over it
    (and there are enough of those); 1.0, never unseen, where there is none."""
    ranked = sorted(zip(values, harmful, strict=True), reverse=True)
    best = 1.0
    bad = 0
    for count, (value, was_bad) in enumerate(ranked, start=1):
        bad += was_bad
        if value < floor:
            break
        threshold = math.floor(value * 1000) / 1000
        after = ranked[count][0] if count < len(ranked) else -1.0
        # the threshold must hold exactly these posts: none below it may round onto it
        if after < threshold and count >= MIN_OVER_REJECT and bad / count >= precision:
            best = threshold
    return best


def _share_over(values: Sequence[float], threshold: float) -> float:
    return sum(v >= threshold for v in values) / len(values) if values else 0.0


def _auc(bad: Sequence[float], good: Sequence[float]) -> float | None:
    """The chance that a harmful post scores above a harmless one (ties count half)."""
    if not bad or not good:
        return None
    ordered = sorted(good)
    wins = 0.0
    for v in bad:
        below, up_to = bisect.bisect_left(ordered, v), bisect.bisect_right(ordered, v)
        wins += below + (up_to - below) / 2
    return wins / (len(bad) * len(good))


def require_verdicts(posts: Sequence[Reviewed]) -> None:
    if not posts:
        raise ClassifierError(
            "no post has a person's verdict yet: approve or reject held posts "
            "(happybot review, or the dashboard) and run this again"
        )
