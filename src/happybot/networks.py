"""The registry of social networks happybot can join: each network is one module registered under
the `happybot.networks` entry-point group. On the ground floor, so that reading a campaign file
(which validates `platform.NAME` with the network's own settings) imports no adapter until one
is named."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from happybot.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from happybot.config import Campaign
    from happybot.platforms.base import Platform

NETWORK_GROUP = "happybot.networks"


@dataclass(frozen=True)
class Network:
    """A social network happybot can join, from one module: its settings (`platform.NAME` in the
    campaign file, validated by `settings`) and how to open it. Registered under the
    `happybot.networks` entry-point group, so that adding a network is adding a module."""

    name: str
    settings: type[BaseModel]
    # (its settings, the campaign, whether to log in as the brand's account) -> the platform
    open: Callable[[Any, Campaign, bool], Platform]


def network(name: str) -> Network:
    """The installed network called `name` (its module is imported only now)."""
    found = entry_points(group=NETWORK_GROUP, name=name)
    if not found:
        raise ConfigError(f"unknown network {name!r}; installed: {', '.join(network_names())}")
    loaded = next(iter(found)).load()
    if not isinstance(loaded, Network):
        raise ConfigError(f"the entry point {name!r} of {NETWORK_GROUP} is not a Network")
    return loaded


def network_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=NETWORK_GROUP))
