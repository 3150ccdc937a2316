"""Serving the dashboard: in the foreground (`happybot serve`) or beside the pipeline in a
thread of the same process (`happybot run --dashboard`, `happybot demo --serve`, the tests)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence

import uvicorn
from fastapi import FastAPI

from happybot.errors import HappybotError


class BackgroundServer:
    """The app on uvicorn in a daemon thread; `with` it to start and stop. Port 0 takes a
    free port; `url` says which."""

    def __init__(
        self,
        app: FastAPI,
        host: str = "127.0.0.1",
        port: int = 0,
        trusted_proxies: Sequence[str] = (),
    ) -> None:
        # a client's address is the socket's peer; `X-Forwarded-For` is read only from the
        # proxies named here (uvicorn would otherwise trust it from loopback, where any local
        # client, or a proxy passing the header through, could name itself anything)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            proxy_headers=bool(trusted_proxies),
            forwarded_allow_ips=list(trusted_proxies),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="dashboard", daemon=True)
        self.url = ""

    def start(self, timeout: float = 15.0) -> str:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise HappybotError(
                    f"the dashboard did not start on {self.server.config.host}:"
                    f"{self.server.config.port} (is the port taken?)"
                )
            time.sleep(0.02)
        (sock, *_) = [s for server in self.server.servers for s in server.sockets]
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def wait(self) -> None:
        """Until Ctrl-C (from the main thread). Ctrl-C sets an event rather than raising
        KeyboardInterrupt: raised inside Thread.join it can leave the thread's lock half-taken,
        and the process then hangs at exit (seen in CI: serve alive long after Ctrl-C)."""
        interrupted = threading.Event()
        previous = signal.signal(signal.SIGINT, lambda *_: interrupted.set())
        try:
            while self.thread.is_alive() and not interrupted.wait(0.5):
                pass
        finally:
            signal.signal(signal.SIGINT, previous)
            self.stop()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
