"""The dry-run platform: reads from any source, and "publishes" by writing each reply's PNG and
a JSON of what would be posted to a folder. Needs no network at all.

Writes are idempotent on the reply's key: the JSON is written last, by rename, so its presence
means the reply is complete, and a retry after a crash finds it instead of writing again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from happybot.errors import ConfigError, PlatformRejected, PlatformUnavailable
from happybot.models import BotAccount, Post, Published, Reply, ReplyWhen, Statement
from happybot.platforms.base import Incoming, Source


class DryRunPlatform:
    def __init__(self, source: Source, out_dir: str | Path) -> None:
        self.source = source
        self.name = source.name
        self.out_dir = Path(out_dir)
        self.writes = 0  # replies actually written, for tests and the summary
        # said at start, in one line, rather than at the first reply of a long run
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            probe = self.out_dir / ".happybot-write-check"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise ConfigError(
                f"cannot write replies to {self.out_dir}: {exc.strerror or type(exc).__name__}; "
                "choose another folder with --out (or platform.out_dir)"
            ) from exc

    @property
    def reply_when(self) -> ReplyWhen:
        return self.source.reply_when

    @property
    def live(self) -> bool:
        return self.source.live

    def bot_account(self) -> BotAccount | None:
        return self.source.bot_account()

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        return self.source.listen(cursor)

    def fetch_parent(self, post: Post) -> Post | None:
        return self.source.fetch_parent(post)

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.out_dir / f"{key}.png", self.out_dir / f"{key}.json"

    def reply(self, reply: Reply) -> Published:
        png_path, json_path = self._paths(reply.idempotency_key)
        if json_path.exists():
            return Published(ref=reply.idempotency_key, url=png_path.resolve().as_uri())
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            _atomic_write(png_path, reply.artwork.png)
        except OSError as exc:  # a full disk or a folder taken away: retried later
            raise PlatformUnavailable(f"cannot write {png_path}: {exc.strerror}") from exc
        record = {
            "in_reply_to": reply.in_reply_to,
            "to_handle": reply.to_handle,
            "text": reply.text,
            "alt_text": reply.artwork.alt_text,
            "picture": png_path.name,
            "picture_sha256": reply.artwork.sha256,
            "trigger": reply.trigger_key,
            "written_at": datetime.now(UTC).isoformat(),
        }
        _atomic_write(json_path, json.dumps(record, indent=2, ensure_ascii=False).encode())
        self.writes += 1
        return Published(ref=reply.idempotency_key, url=png_path.resolve().as_uri())

    def post(self, statement: Statement) -> Published:
        """A statement is written as statement-KEY.json beside the replies."""
        path = self.out_dir / f"statement-{statement.idempotency_key}.json"
        if not path.exists():
            record = {"text": statement.text, "written_at": datetime.now(UTC).isoformat()}
            try:
                _atomic_write(path, json.dumps(record, indent=2, ensure_ascii=False).encode())
            except OSError as exc:
                raise PlatformUnavailable(f"cannot write {path}: {exc.strerror}") from exc
        return Published(ref=f"statement-{statement.idempotency_key}", url=path.resolve().as_uri())

    def delete(self, published: Published) -> None:
        """Retraction in dry-run marks the reply's files, so the folder shows what was undone."""
        _, json_path = self._paths(published.ref)
        if not json_path.exists():
            raise PlatformRejected(f"dry-run reply {published.ref} does not exist")
        record = json.loads(json_path.read_text("utf-8"))
        record["retracted_at"] = datetime.now(UTC).isoformat()
        _atomic_write(json_path, json.dumps(record, indent=2, ensure_ascii=False).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
