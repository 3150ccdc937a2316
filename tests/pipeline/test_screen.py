from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from happybot.config import Policy
from happybot.models import Decision, Finding, Target, Trigger
from happybot.pipeline.decide import decide
from happybot.pipeline.screen import SCREEN_ERROR, SCREEN_TIMEOUT, ScreenRunner
from happybot.screens.base import ScreenContext
from happybot.testing import make_trigger


class Raising:
    name = "raising"

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        raise RuntimeError("model file missing")


class Slow:
    name = "slow"

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        time.sleep(2)
        return [[] for _ in batch]


class WrongShape:
    name = "wrong"

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        return []


class BadSpan:
    name = "badspan"

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        return [[Finding(self.name, "x", 0.1, Target.POST, (0, 10_000), "")] for _ in batch]


def ctx(seconds: float = 5) -> ScreenContext:
    now = datetime.now(UTC)
    return ScreenContext(now=now, deadline=now + timedelta(seconds=seconds))


def _labels(screen: object, seconds: float = 5) -> list[list[str]]:
    with ScreenRunner([screen]) as runner:  # type: ignore[list-item]
        results = runner.run([make_trigger(), make_trigger()], ctx(seconds))
    return [[f.label for f in findings] for findings in results]


def test_a_screen_that_raises_sends_every_post_of_the_batch_to_review() -> None:
    assert _labels(Raising()) == [[SCREEN_ERROR], [SCREEN_ERROR]]
    with ScreenRunner([Raising()]) as runner:
        findings = runner.run([make_trigger()], ctx())[0]
    assert decide(findings, Policy()).decision is Decision.REVIEW


def test_a_screen_past_its_deadline_fails_closed_without_waiting_for_it() -> None:
    started = time.monotonic()
    assert _labels(Slow(), seconds=0.2) == [[SCREEN_TIMEOUT], [SCREEN_TIMEOUT]]
    assert time.monotonic() - started < 1.5


def test_wrong_number_of_results_and_spans_outside_the_text_fail_closed() -> None:
    assert _labels(WrongShape()) == [[SCREEN_ERROR], [SCREEN_ERROR]]
    assert _labels(BadSpan()) == [[SCREEN_ERROR], [SCREEN_ERROR]]
