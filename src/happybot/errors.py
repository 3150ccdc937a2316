"""The exception tree. Expected outcomes (a held post, a duplicate) are values, not exceptions.

HappybotError
  ConfigError            the file, line, field and what was expected
  PlatformError
    PlatformUnavailable  transient: retry with backoff
    PlatformRejected     permanent: record, never retry
  ScreenError            the post goes to review, never to publish
  StoreError
  NotFound               no post, user or incident has that id or name (HTTP 404)
  Conflict               a person's action that the rules or the current state refuse (HTTP 409)
    ReviewError          a review action that cannot apply (wrong state, picture changed)
  SourceError            a source that cannot be opened (missing file, unknown scenario)
  RenderError            a text the picture cannot show (characters no font here can draw)
  AuthError              a wrong password, a missing or wrong session, token or role
"""

from __future__ import annotations


class HappybotError(Exception):
    """Base of every error happybot raises on purpose; the CLI prints its message, no traceback."""


class ConfigError(HappybotError):
    """The campaign file (or a setting) is wrong; the message says where and what was expected."""


class PlatformError(HappybotError):
    """A social network (or the dry-run folder) could not do what was asked."""


class PlatformUnavailable(PlatformError):
    """Transient: the network is down, rate limited, or timed out. Retry later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PlatformRejected(PlatformError):
    """Permanent: the network refused the request. Never retried."""


class ScreenError(HappybotError):
    """A screen could not check a batch. The runner turns this into a review finding."""


class StoreError(HappybotError):
    """The database could not be opened or migrated."""


class NotFound(HappybotError):
    """No post, user or incident has that id or name."""


class Conflict(HappybotError):
    """A person's action that the rules or the current state refuse: someone else's escalated
    post, your own admin role, a retraction whose count changed since it was confirmed."""


class ReviewError(Conflict):
    """A review action that does not apply: unknown post, wrong state, or the picture changed."""


class SourceError(HappybotError):
    """A source of posts that cannot be opened: a missing file, an unknown scenario."""


class RenderError(HappybotError):
    """A text the picture cannot show as it is (characters no font here draws): the post is
    never published with empty boxes in place of its words."""


class AuthError(HappybotError):
    """Who is asking could not be told, or may not do this. The message never says which of a
    name and a password was wrong."""


class ClassifierError(ScreenError):
    """A classifier backend could not score a batch: its model is missing or broken, its server
    is unreachable, late or answered something else. The posts go to review."""


class TrainingError(HappybotError):
    """Training or exporting a model cannot go on: missing data, torch not installed."""
