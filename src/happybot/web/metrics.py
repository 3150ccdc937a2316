"""`/metrics`: the dashboard's counters for Prometheus (prometheus-client), read from the store
at each scrape. Scrape it with a viewer's API token (`bearer_token` in Prometheus)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from happybot.operate.stats import counts
from happybot.store.db import Store
from happybot.web.auth import Viewer

router = APIRouter()


class StoreCollector(Collector):
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = counts(self.store)
        posts = GaugeMetricFamily("happybot_posts", "Posts by state", labels=["state"])
        for state, n in sorted(now.posts.items()):
            posts.add_metric([state], n)
        yield posts
        for name, value, what in (
            ("happybot_posts_in", now.posts_in, "Posts received"),
            ("happybot_waiting_for_review", now.waiting_for_review, "Posts waiting for review"),
            ("happybot_flagged", now.flagged, "Posts the input screens flagged"),
            ("happybot_dead_letters", now.dead_letters, "Malformed items set aside"),
            ("happybot_open_incidents", len(now.open_incidents), "Incidents not yet closed"),
        ):
            yield GaugeMetricFamily(name, what, value=value)
        mode = GaugeMetricFamily(
            "happybot_mode", "The live mode (1 for the current one)", labels=["mode"]
        )
        for candidate in ("autopilot", "copilot", "paused"):
            mode.add_metric([candidate], 1 if now.mode and now.mode.value == candidate else 0)
        yield mode


@router.get("/metrics", include_in_schema=False)
def metrics(who: Viewer, request: Request) -> Response:
    registry = request.app.state.metrics
    assert isinstance(registry, CollectorRegistry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def registry_for(store: Store) -> CollectorRegistry:
    """A registry of this app's own (not the process-wide one): two apps, two stores."""
    registry = CollectorRegistry()
    registry.register(StoreCollector(store))
    return registry
