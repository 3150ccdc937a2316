"""What every live source shares: how long to wait before reconnecting."""

from __future__ import annotations

import pytest

from happybot.errors import PlatformRejected, PlatformUnavailable
from happybot.platforms.base import retry_wait


def test_a_reset_time_is_waited_out_in_full_and_a_backoff_doubles() -> None:
    limited = PlatformUnavailable("rate limited", retry_after=90)
    assert all(90 <= retry_wait(1, limited) <= 99 for _ in range(50))
    dropped = PlatformUnavailable("dropped")
    assert all(2 <= retry_wait(2, dropped) <= 4 for _ in range(50))
    assert all(30 <= retry_wait(9, dropped) <= 60 for _ in range(50))


def test_a_permanent_refusal_is_not_retried() -> None:
    with pytest.raises(PlatformRejected):
        retry_wait(1, PlatformRejected("401: the token is wrong"))
