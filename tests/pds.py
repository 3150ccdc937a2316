"""A local Bluesky PDS for tests and benchmarks: `services/bluesky-pds` (the npm registry's
`@atproto/pds` with an in-memory PLC directory), installed on first use and started on loopback.

Not used by the bot itself: it talks to whatever PDS and relay the campaign names."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import libipld
from atproto import Client, models
from websockets.sync.client import connect

from happybot.errors import HappybotError

SERVICE_DIR = Path(__file__).resolve().parents[1] / "services" / "bluesky-pds"


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str


class LocalPds:
    """`with LocalPds() as pds:` installs (once, about 1.5 minutes cold) and starts it."""

    def __init__(self, folder: Path = SERVICE_DIR) -> None:
        self.folder = folder
        self.process: subprocess.Popen[str] | None = None
        self.url = self.plc = ""
        self._clients: dict[str, Client] = {}

    def start(self, timeout: float = 90.0) -> LocalPds:
        if shutil.which("npm") is None:
            raise HappybotError("the test PDS needs npm (Node.js) on this machine")
        installed = subprocess.run(
            ["bash", str(self.folder / "install.sh")], capture_output=True, text=True, timeout=900
        )
        if installed.returncode != 0:
            raise HappybotError(f"installing the test PDS failed: {installed.stderr[-2000:]}")
        node = installed.stdout.strip().splitlines()[-1]
        with socket.socket() as probe:  # a free port: the PDS must know its own URL
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # its output goes to a file: a pipe nobody reads would stall it once full
        # (kept open while it runs, closed by stop())
        self.log = tempfile.NamedTemporaryFile("w+", prefix="happybot-pds-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [node, "pds.mjs"],
            cwd=self.folder,
            env={**os.environ, "PDS_PORT": str(port)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        ready = self._ready(time.monotonic() + timeout)
        if ready is None:
            self.log.seek(0)
            output = self.log.read()[-2000:]
            self.stop()
            raise HappybotError(f"the test PDS did not start: {output}")
        self.url, self.plc = ready["pds"], ready["plc"]
        return self

    def _ready(self, deadline: float) -> dict[str, str] | None:
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return None
            self.log.seek(0)
            for line in self.log.read().splitlines():
                if line.startswith("{") and '"ready":true' in line:
                    return dict(json.loads(line))
            time.sleep(0.1)
        return None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
        if hasattr(self, "log"):
            self.log.close()

    def __enter__(self) -> LocalPds:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def firehose(self) -> str:
        return self.url.replace("http://", "ws://")

    def head(self) -> int:
        """The firehose's latest sequence number: a cursor that skips what is already there."""
        last = 0
        url = f"{self.firehose}/xrpc/com.atproto.sync.subscribeRepos?cursor=0"
        with connect(url, max_size=None) as socket:
            while True:
                try:
                    frame = socket.recv(timeout=0.5)
                except TimeoutError:
                    return last
                if not isinstance(frame, bytes):
                    continue
                body = libipld.decode_dag_cbor_multi(frame)[1]
                if isinstance(body, dict) and isinstance(body.get("seq"), int):
                    last = body["seq"]

    def account(self, name: str, password: str = "test-password-123") -> Account:
        """A new account `NAME.test` (seconds old: every test PDS account is)."""
        client = Client(base_url=f"{self.url}/xrpc")
        made = client.com.atproto.server.create_account(
            models.ComAtprotoServerCreateAccount.Data(
                handle=f"{name}.test", email=f"{name}@example.com", password=password
            )
        )
        return Account(made.handle, made.did, password)

    def client(self, account: Account) -> Client:
        """A client logged in as `account` (one login per account)."""
        if account.did not in self._clients:
            client = Client(base_url=f"{self.url}/xrpc")
            client.login(account.handle, account.password, fetch_bsky_profile=False)
            self._clients[account.did] = client
        return self._clients[account.did]

    def post(
        self,
        who: Account,
        text: str,
        reply_to: str | None = None,
        mentions: tuple[Account, ...] = (),
    ) -> str:
        """A post by `who` (a reply to the post at `reply_to`, with a mention facet for each of
        `mentions` written as @handle in the text, as the Bluesky app makes them); its URI."""
        client = self.client(who)
        facets = []
        for named in mentions:
            at = text.encode().index(f"@{named.handle}".encode())
            facets.append(
                models.AppBskyRichtextFacet.Main(
                    index=models.AppBskyRichtextFacet.ByteSlice(
                        byte_start=at, byte_end=at + len(named.handle) + 1
                    ),
                    features=[models.AppBskyRichtextFacet.Mention(did=named.did)],
                )
            )
        record = models.AppBskyFeedPost.Record(
            text=text, created_at=client.get_current_time_iso(), facets=facets or None
        )
        if reply_to:
            repo, collection, rkey = reply_to.removeprefix("at://").split("/")
            got = client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(repo=repo, collection=collection, rkey=rkey)
            )
            ref = models.ComAtprotoRepoStrongRef.Main(uri=got.uri, cid=got.cid)
            record.reply = models.AppBskyFeedPost.ReplyRef(root=ref, parent=ref)
        made = client.com.atproto.repo.create_record(
            models.ComAtprotoRepoCreateRecord.Data(
                repo=who.did, collection="app.bsky.feed.post", record=record
            )
        )
        return str(made.uri)

    def block(self, who: Account, subject: Account) -> str:
        """`who` blocks `subject` (a public record in `who`'s repository); its URI."""
        client = self.client(who)
        made = client.com.atproto.repo.create_record(
            models.ComAtprotoRepoCreateRecord.Data(
                repo=who.did,
                collection="app.bsky.graph.block",
                record=models.AppBskyGraphBlock.Record(
                    subject=subject.did, created_at=client.get_current_time_iso()
                ),
            )
        )
        return str(made.uri)
