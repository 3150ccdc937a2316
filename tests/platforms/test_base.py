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


def test_the_one_reconnect_loop_resumes_from_the_newest_cursor_and_starts_the_backoff_over() -> (
    None
):
    from collections.abc import Iterator

    from happybot.errors import PlatformUnavailable
    from happybot.platforms.base import Incoming, serve_forever

    calls: list[str | None] = []
    waits: list[float] = []

    def once(cursor: str | None) -> Iterator[Incoming]:
        calls.append(cursor)
        if len(calls) in (1, 2):
            raise PlatformUnavailable("down")  # two failures: the backoff grows
        if len(calls) == 3:
            yield Incoming(cursor="7")
            raise PlatformUnavailable("dropped after delivering")  # starts over
        raise PlatformUnavailable("busy", retry_after=30.0)

    items = serve_forever("test", once, "5", closing=lambda: len(calls) >= 4, sleep=waits.append)
    assert [i.cursor for i in items] == ["7"]
    assert calls == ["5", "5", "5", "7"]
    assert 1.0 <= waits[0] <= 2.0 and 2.0 <= waits[1] <= 4.0  # 2**n, jittered down by half
    assert 1.0 <= waits[2] <= 2.0  # a healthy connection started the backoff over
    assert 30.0 <= waits[3] <= 33.0  # the server's retry-after, never less


def test_the_firehose_honours_the_servers_retry_after_at_the_handshake() -> None:
    import http.server
    import threading

    from happybot.platforms.bluesky import BlueskyConfig, BlueskyPlatform

    class Busy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # the websocket upgrade, refused
            self.send_response(429)
            self.send_header("Retry-After", "42")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Busy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    waits: list[float] = []
    port = server.server_port
    config = BlueskyConfig(
        service=f"http://127.0.0.1:{port}", firehose=f"ws://127.0.0.1:{port}", hashtag="x"
    )
    platform = BlueskyPlatform(config, sleep=waits.append)

    def once_then_close(seconds: float) -> None:
        waits.append(seconds)
        platform.close()

    platform.sleep = once_then_close
    try:
        assert list(platform.listen(None)) == []
    finally:
        server.shutdown()
    assert 42.0 <= waits[0] <= 46.2
