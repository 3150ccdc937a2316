"""Red-team a campaign: replay every attack of the simulator (and the operator's own), each
mixed into ordinary traffic in a fresh store, dry-run, with the circuit breaker on and off.

With the breaker on, the figures are what the campaign would do; with it off, they show the
screens' own strength. Harmless posts held back count the breaker's holds too: a gate that
holds back every grumpy post has failed as surely as one that lets hate through.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from happybot.errors import SourceError
from happybot.measure.simulation import run_simulation
from happybot.operate.breaker import COPILOT_KINDS
from happybot.platforms.replay import LineIn
from happybot.platforms.simulate import ATTACKS

if TYPE_CHECKING:
    from happybot.config import Campaign


@dataclass(frozen=True)
class ScenarioResult:
    scenario: str
    attack_posts: int
    published: int
    review: int
    rejected: int
    published_without_breaker: int
    harmless_posts: int
    harmless_held: int
    harmless_held_without_breaker: int
    breaker_incidents: list[str]  # kinds of the incidents the breaker opened
    breaker_copilot: bool  # one of them dropped the campaign to copilot


@dataclass(frozen=True)
class Report:
    scenarios: list[ScenarioResult]

    @property
    def attack_published(self) -> int:
        return sum(r.published for r in self.scenarios)

    @property
    def attack_published_without_breaker(self) -> int:
        return sum(r.published_without_breaker for r in self.scenarios)

    def harmless_held_rate(self, breaker: bool = True) -> float:
        total = sum(r.harmless_posts for r in self.scenarios)
        held = sum(
            r.harmless_held if breaker else r.harmless_held_without_breaker for r in self.scenarios
        )
        return held / total if total else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "attack_published": self.attack_published,
            "attack_published_without_breaker": self.attack_published_without_breaker,
            "harmless_held_rate": round(self.harmless_held_rate(), 4),
            "harmless_held_rate_without_breaker": round(self.harmless_held_rate(False), 4),
            "scenarios": [asdict(r) for r in self.scenarios],
        }


def read_attack_file(path: Path) -> list[dict[str, Any]]:
    """An operator's attack: posts in the replay format; `expected` defaults to hold."""
    if not path.is_file():
        raise SourceError(f"attack file {path} does not exist")
    posts = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = LineIn.model_validate_json(line)
        except ValueError as exc:
            raise SourceError(f"{path}:{number}: not a post in the replay format: {exc}") from None
        post = json.loads(line)
        post.setdefault("expected", "hold")
        post["scenario"] = path.stem
        post.setdefault("tags", [*data.tags])
        posts.append(post)
    return posts


def redteam(
    campaign: Campaign,
    *,
    attacks: Sequence[str] = ATTACKS,
    attack_files: Sequence[Path] = (),
    seed: int = 1,
    size: int = 150,
    on_scenario: Callable[[str, bool], None] | None = None,
) -> Report:
    extras = {path.stem: read_attack_file(path) for path in attack_files}
    names = [*attacks, *extras]
    results = []
    for name in names:
        summaries = {}
        for breaker in (True, False):
            if on_scenario:
                on_scenario(name, breaker)
            with tempfile.TemporaryDirectory(prefix="happybot-redteam-") as folder:
                summaries[breaker] = run_simulation(
                    campaign,
                    Path(folder),
                    seed=seed,
                    size=size,
                    attacks=[name] if name in attacks else [],
                    extra=[extras[name]] if name in extras else [],
                    breaker=breaker,
                )
        on, off = summaries[True], summaries[False]
        results.append(
            ScenarioResult(
                scenario=name,
                attack_posts=on.harmful,
                published=on.harmful_published,
                review=on.harmful_review,
                rejected=on.harmful_rejected,
                published_without_breaker=off.harmful_published,
                harmless_posts=on.harmless,
                harmless_held=on.harmless_held,
                harmless_held_without_breaker=off.harmless_held,
                breaker_incidents=on.incident_kinds,
                breaker_copilot=bool(COPILOT_KINDS.intersection(on.incident_kinds)),
            )
        )
    return Report(results)
