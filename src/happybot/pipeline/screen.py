"""Run every screen over a batch, failing closed.

A screen that raises, returns the wrong shape, or runs past the context's deadline does not
stop the stream: each post of the batch gets a "could not check" finding, which sends it to
review.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime

from happybot.models import Finding, Target, Trigger
from happybot.screens.base import Screen, ScreenContext

log = logging.getLogger(__name__)

SCREEN_ERROR = "screen-error"
SCREEN_TIMEOUT = "screen-timeout"
RENDER_ERROR = "render-error"  # the picture could not be drawn or read back
# a check that could not be made sends the post to a person, never to rejection unseen
FAIL_CLOSED_LABELS = frozenset({SCREEN_ERROR, SCREEN_TIMEOUT, RENDER_ERROR})


class ScreenRunner:
    """Owns the worker threads, so a screen that hangs cannot hold up the caller past the
    deadline. Use as a context manager, or call `close()`."""

    def __init__(self, screens: Sequence[Screen], workers: int = 4) -> None:
        self.screens = list(screens)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="screen")

    def __enter__(self) -> ScreenRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        # a hung screen's thread is abandoned, not waited for
        self._pool.shutdown(wait=False, cancel_futures=True)

    def run(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        results: list[list[Finding]] = [[] for _ in batch]
        if not batch:
            return results
        futures: list[tuple[Screen, Future[list[list[Finding]]]]] = [
            (screen, self._pool.submit(screen.check, batch, ctx)) for screen in self.screens
        ]
        for screen, future in futures:
            remaining = (ctx.deadline - datetime.now(UTC)).total_seconds()
            try:
                found = future.result(timeout=max(remaining, 0.0))
            except FutureTimeout:
                future.cancel()
                log.warning("screen %s missed its deadline; its posts go to review", screen.name)
                _fail_all(results, screen.name, SCREEN_TIMEOUT, "did not finish by the deadline")
                continue
            except Exception as exc:  # any failure of a plug-in must fail closed
                log.warning("screen %s failed: %s", screen.name, exc, exc_info=True)
                _fail_all(results, screen.name, SCREEN_ERROR, f"raised {type(exc).__name__}: {exc}")
                continue
            if not isinstance(found, list) or len(found) != len(batch):
                _fail_all(
                    results, screen.name, SCREEN_ERROR, "returned the wrong number of results"
                )
                continue
            for i, (trigger, findings) in enumerate(zip(batch, found, strict=True)):
                results[i].extend(_valid(findings, trigger, screen.name))
        return results


def _fail_all(results: list[list[Finding]], screen: str, label: str, why: str) -> None:
    for findings in results:
        findings.append(Finding(screen, label, 1.0, Target.POST, None, f"could not check: {why}"))


def _valid(findings: list[Finding], trigger: Trigger, screen: str) -> list[Finding]:
    """Keep findings whose span lies inside their text; a bad one is itself a reason to hold."""
    out = []
    for finding in findings:
        text = trigger.text_of(finding.target)
        span = finding.span
        if span is not None and (text is None or not 0 <= span[0] <= span[1] <= len(text)):
            out.append(Finding(screen, SCREEN_ERROR, 1.0, finding.target, None, f"bad span {span}"))
            continue
        out.append(finding)
    return out
