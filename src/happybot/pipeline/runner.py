"""Wire the stages together: source -> normalise -> screens -> policy -> render -> output screen
-> review queue or outbox -> publish -> audit.

Every step commits before the next begins, so a restart resumes where the last run stopped:
received posts are screened, queued replies are sent, and the source resumes from its saved
cursor. No post is lost and none is answered twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from happybot.errors import PlatformError, StoreError
from happybot.history import WINDOW
from happybot.models import (
    BotAccount,
    Decision,
    PostState,
    Trigger,
    storable_text,
)
from happybot.pipeline.consent import Answer, Facts, consider, read_opt_out_file, withdraw
from happybot.pipeline.coordination import hold_back_group
from happybot.pipeline.judge import Judgement, judge
from happybot.pipeline.publish import Publisher, route
from happybot.pipeline.screen import ScreenRunner
from happybot.platforms.base import Incoming, Malformed, Withdrawal, parallel_sends
from happybot.screens.base import Screen, ScreenContext
from happybot.screens.lexicon import LexiconScreen
from happybot.store import queries
from happybot.store.processes import claim_open
from happybot.store.schema import (
    PostRow,
)
from happybot.text.hashtags import uses_hashtag
from happybot.text.normalize import normalize

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.platforms.base import Platform
    from happybot.store.db import Store

log = logging.getLogger(__name__)
ACTOR = "pipeline"
# how long a worker holds the posts it claimed: a batch is judged in about a second; a worker
# known dead (store/processes.py) loses its claims at once
POST_LEASE = timedelta(minutes=1)


@dataclass
class RunStats:
    received: int = 0
    duplicates: int = 0
    ignored: int = 0  # not for the campaign: no hashtag, not addressed to the bot, its own
    declined: int = 0  # for the campaign, but not to be answered: opted out, too old
    opt_outs: int = 0  # people who asked the bot to stop, or blocked it, in this run
    dead_letters: int = 0
    screened: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    published: int = 0
    waiting_seconds: float = 0.0  # the source has ended; the next reply is due in this long


# the counts that taking posts in changes (a chunk rolled back restores them)
INGEST_COUNTS = ("received", "duplicates", "ignored", "declined", "opt_outs", "dead_letters")


def _position(item: Incoming) -> str:
    if item.trigger is not None:
        return item.trigger.key[:100]
    return f"item after cursor {item.cursor}"[:100]


def _raw(item: Incoming) -> str:
    if item.trigger is None:
        return ""
    try:
        return item.trigger.to_json()
    except Exception:  # the very thing that broke ingest may break this too
        return repr(item.trigger)


def chunks(
    items: Iterable[Incoming], size: int, limit: int | None = None
) -> Iterator[list[Incoming]]:
    """The source's items in chunks of at most `size`, a chunk ending early at a live source's
    idle signal; `limit` counts posts and malformed items, not idle signals."""
    items, taken = iter(items), 0
    while limit is None or taken < limit:
        chunk = []
        for item in items:
            chunk.append(item)
            taken += not item.idle
            if item.idle or len(chunk) >= size or taken == limit:
                break
        if not chunk:
            return
        yield chunk


class Sender:
    """Sends the due replies from a thread while the runner reads and judges: woken after each
    batch, and every WAKE_SECONDS anyway (a publish delay runs out by itself)."""

    WAKE_SECONDS = 0.5

    def __init__(self, publisher: Publisher, stats: RunStats) -> None:
        self.publisher = publisher
        self.stats = stats
        self.error: BaseException | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sender", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        if self.error is not None:
            raise self.error  # the store failed in the sender: the run stops, as it would
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.WAKE_SECONDS)
            self._wake.clear()
            try:
                self.stats.published += self.publisher.run()  # only this thread adds to it
            except BaseException as exc:
                self.error = exc
                log.exception("the sender stopped; replies wait for the next run")
                return

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=120)


class Watch(Protocol):
    """Looks over the campaign after each batch and may tighten it: the circuit breaker (of the
    operate floor, handed in by whoever starts the run, so that the pipeline never imports the
    people's side)."""

    def check(self) -> object: ...


def carries_hashtag(trigger: Trigger, tag: str) -> bool:
    """Whether the post uses the campaign tag: as a platform tag, or as #tag in its text."""
    return uses_hashtag(trigger.post.text, trigger.post.tags, tag)


class Pipeline:
    def __init__(
        self,
        campaign: Campaign,
        store: Store,
        platform: Platform,
        screens: Sequence[Screen],
        *,
        batch_size: int = 32,
        rate_limited: bool = False,
        watch: Watch | None = None,
        sleep: Callable[[float], None] = time.sleep,
        owner: str | None = None,
    ) -> None:
        """`owner`: this process's id (store/processes.py), named in its claims; None for a
        process that shares its store with nobody (its claims then wait out their lease)."""
        self.campaign = campaign
        self.store = store
        self.platform = platform
        self.screens = ScreenRunner(screens)
        self.policy = campaign.policy()
        self.lexicon = next(
            (s for s in screens if isinstance(s, LexiconScreen)), None
        ) or LexiconScreen(campaign)
        self.batch_size = batch_size
        self.owner = owner
        self.publisher = Publisher(
            store,
            platform,
            campaign.rate_limits if rate_limited else None,
            owner=owner,
            senders=parallel_sends(platform),
        )
        self.stats = RunStats()
        self.watch = watch
        self.sleep = sleep
        self._bot: BotAccount | None = None
        self._bot_known = False
        self._listed = frozenset(
            h.casefold()
            for h in (
                read_opt_out_file(campaign.path(campaign.etiquette.opt_out_file))
                if campaign.etiquette.opt_out_file
                else ()
            )
        )

    @property
    def bot(self) -> BotAccount | None:
        """The bot's account on the platform, asked once (it may take a login)."""
        if not self._bot_known:
            self._bot = self.platform.bot_account()
            self._bot_known = True
        return self._bot

    def close(self) -> None:
        self.screens.close()

    # -- the loop ------------------------------------------------------------------------------

    def run(
        self,
        limit: int | None = None,
        on_progress: Callable[[RunStats], None] | None = None,
        stop_when_idle: bool = False,
    ) -> RunStats:
        """Process what is left from an earlier run, then follow the source until it ends
        (a live source never does: `limit` posts, or `stop_when_idle` once it goes quiet)."""
        self.ensure_mode()
        # asked before the first post (a login, a handle to resolve): a network that cannot
        # say who the bot is stops the run here, with its error, never a post's ingest
        _ = self.bot
        self.process()
        self.stats.published += self.publisher.run()
        with self.store.transaction() as session:
            cursor = queries.get_cursor(session, self.platform.name)
        # a network that takes several replies at once gets them from a thread of their own,
        # so that the source is read while replies go out (one loop that draws and then sends
        # leaves posts waiting on the connection at a peak)
        sender = Sender(self.publisher, self.stats) if self.publisher.senders > 1 else None
        try:
            for chunk in chunks(self.platform.listen(cursor), self.batch_size, limit):
                self.ingest(chunk)
                self.process()
                if self.watch is not None and chunk[-1].idle:
                    self.watch.check()  # a quiet stream: incidents still age (nobody answering)
                if sender is not None:
                    sender.wake()
                else:
                    self.stats.published += self.publisher.run()
                if on_progress:
                    on_progress(self.stats)
                if stop_when_idle and chunk[-1].idle:
                    break
        finally:
            if sender is not None:
                sender.close()
        self.drain(on_progress)
        return self.stats

    def drain(self, on_progress: Callable[[RunStats], None] | None = None) -> None:
        """The source has ended: wait out the publish delay of the replies the mode lets out."""
        while (due := self.publisher.next_due()) is not None:
            wait = (due - self.store.clock()).total_seconds()
            if wait > 0:
                self.stats.waiting_seconds = wait
                if on_progress:
                    on_progress(self.stats)
                self.sleep(wait)
                self.stats.waiting_seconds = 0.0
            sent = self.publisher.run()
            self.stats.published += sent
            if on_progress:
                on_progress(self.stats)
            if sent == 0 and wait <= 0:
                break  # due but not sendable now (rate limit, retries): a later run sends it

    def ensure_mode(self) -> None:
        """Seed the live mode from the campaign file the first time; afterwards the store's
        row (changed only by audited actions) wins."""
        try:
            with self.store.transaction() as session:
                if queries.get_mode(session) is None:
                    queries.write_mode(
                        session, self.campaign.mode, "campaign-file", self.store.clock()
                    )
                    self.store.record(
                        session,
                        "mode",
                        "campaign-file",
                        None,
                        mode=self.campaign.mode.value,
                        previous=None,
                    )
        except IntegrityError:
            pass  # a second worker seeded it at the same moment: its row and its audit stand

    # -- ingest --------------------------------------------------------------------------------

    def ingest(self, items: Sequence[Incoming]) -> None:
        if len(items) > 1 and self._take_in_together(items):
            return
        for item in items:
            try:
                self._take_in(item)
            except StoreError:
                raise  # the store itself is gone: not one post's fault
            except Exception as exc:  # one post that breaks ingest must not stop the campaign
                log.exception("could not take in %s; kept in dead letters", _position(item))
                with self.store.transaction() as session:
                    self._dead_letter(
                        session,
                        Malformed(_position(item), _raw(item), f"{type(exc).__name__}: {exc}"),
                    )
                    queries.save_cursor(
                        session, self.platform.name, item.cursor, self.store.clock()
                    )

    def _take_in_together(self, items: Sequence[Incoming]) -> bool:
        """A chunk and the cursor after it in one transaction (a commit per chunk, not per
        post). Not when a post's parent must be fetched: no network call inside a transaction
        that holds the audit chain's lock. False when it could not be done (nothing of it is
        kept): each item is then taken in alone, and a bad one goes to the dead letters."""
        for item in items:
            trigger = item.trigger
            if trigger is not None and trigger.post.reply_to_id and trigger.parent is None:
                return False
        counted = {name: getattr(self.stats, name) for name in INGEST_COUNTS}
        try:
            with self.store.transaction() as session:
                for item in items:
                    self._ingest_one(session, item)
                queries.save_cursor(
                    session, self.platform.name, items[-1].cursor, self.store.clock()
                )
        except StoreError:
            raise
        except Exception:
            for name, value in counted.items():  # the counts of what was rolled back
                setattr(self.stats, name, value)
            return False
        return True

    def _take_in(self, item: Incoming) -> None:
        """One item and the cursor after it, in one transaction. When another worker wrote
        the same row at the same moment (the post, the cursor), the transaction is tried once
        more: it then reads that row (a duplicate, a cursor to move) instead of failing."""
        for attempt in (1, 2):
            try:
                with self.store.transaction() as session:
                    self._ingest_one(session, item)
                    queries.save_cursor(
                        session, self.platform.name, item.cursor, self.store.clock()
                    )
                return
            except IntegrityError:
                if attempt == 2:
                    raise

    def _ingest_one(self, session: Session, item: Incoming) -> None:
        now = self.store.clock()
        if item.malformed is not None:
            self._dead_letter(session, item.malformed)
            return
        if item.withdrawal is not None:
            self._withdrawn(session, item.withdrawal)
            return
        if item.trigger is None:
            return
        trigger = item.trigger.storable()
        if queries.post_id_of(session, trigger.key) is not None:
            self.stats.duplicates += 1  # a source replaying what we already have
            return
        author = trigger.post.author
        consent = consider(
            trigger,
            tag=self.campaign.tag,
            reply_when=self.platform.reply_when,
            bot=self.bot,
            live=self.platform.live,
            etiquette=self.campaign.etiquette,
            facts=Facts(
                opted_out=author.handle.casefold() in self._listed
                or queries.opted_out(session, trigger.platform, author.id, author.handle),
            ),
            now=now,
        )
        if consent.answer is Answer.IGNORE:
            self.stats.ignored += 1
            return
        if consent.answer is Answer.STOP:
            self._withdrawn(
                session,
                Withdrawal(
                    trigger.platform, author.id or author.handle, author.handle, "stop", trigger.key
                ),
            )
            return
        if consent.answer is Answer.DECLINE:
            # kept out of the store (the person did not ask, or asked not to be answered);
            # the audit says that it came and why, without its words
            self.store.record(session, "declined", ACTOR, trigger.key, reason=consent.reason)
            self.stats.declined += 1
            return
        if trigger.post.reply_to_id and trigger.parent is None:
            try:
                parent = self.platform.fetch_parent(trigger.post)
            except PlatformError as exc:
                # kept without its parent: the behaviour screen holds it for a person
                log.warning("could not fetch the parent of %s: %s", trigger.key, exc)
                parent = None
            trigger = Trigger(trigger.platform, trigger.post, parent)
        bot = self.bot
        if (
            trigger.parent is not None
            and bot is not None
            and (bot.is_me(trigger.parent.author.id) or bot.is_me(trigger.parent.author.handle))
        ):
            # an answer to the bot's own post: the words to draw are the person's, never the
            # bot's (and no thread of the bot's replies is drawn again)
            post = trigger.post
            trigger = Trigger(
                trigger.platform,
                replace(post, reply_to_id=None),
            )
        row = queries.add_post(session, trigger, normalize(trigger.art_text).text, now)
        if item.expected is not None:
            queries.add_ground_truth(session, trigger.key, item.expected, item.scenario)
        self.store.record(
            session, "received", ACTOR, trigger.key, content_sha256=row.content_hash, post_id=row.id
        )
        self.stats.received += 1

    def _withdrawn(self, session: Session, gone: Withdrawal) -> None:
        if withdraw(session, self.store, gone, ACTOR):
            self.stats.opt_outs += 1

    def _dead_letter(self, session: Session, bad: Malformed) -> None:
        queries.add_dead_letter(
            session, self.platform.name, bad.position, bad.raw, bad.error, self.store.clock()
        )
        self.store.record(
            session,
            "dead-letter",
            ACTOR,
            self.platform.name,
            position=storable_text(bad.position[:100]),
            error=storable_text(bad.error[:500]),
        )
        log.warning(
            "%s %s: %s (kept in dead letters)",
            self.platform.name,
            bad.position[:100],
            bad.error[:500],
        )
        self.stats.dead_letters += 1

    # -- screen, decide, render, route ---------------------------------------------------------

    def process(self, limit: int | None = None) -> int:
        """Judge every received post that no other worker holds, oldest first, in batches
        (at most `limit` posts). Returns how many."""
        done = 0
        while limit is None or done < limit:
            size = self.batch_size if limit is None else min(self.batch_size, limit - done)
            batch = self.claim(size)
            if not batch:
                return done
            self._process_batch(batch)
            done += len(batch)
        return done

    def claim(self, n: int) -> list[tuple[int, Trigger]]:
        """Claim up to `n` received posts for this worker for POST_LEASE: posts another worker
        holds are skipped, not waited for (`SKIP LOCKED` on PostgreSQL; SQLite has one writer
        at a time). A claim whose worker died is taken over as soon as it is known dead."""
        with self.store.transaction() as session:
            now = self.store.clock()
            rows = (
                session.execute(
                    select(PostRow)
                    .where(
                        PostRow.state == PostState.RECEIVED,
                        claim_open(PostRow.lease_owner, PostRow.lease_until, now),
                    )
                    .order_by(PostRow.id)
                    .limit(n)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            claimed = []
            for row in rows:
                row.lease_owner, row.lease_until = self.owner, now + POST_LEASE
                try:
                    claimed.append((row.id, Trigger.from_json(row.trigger_json)))
                except Exception as exc:  # a row that no longer reads must not stop the run
                    log.exception("post %s cannot be read back; it waits for review", row.id)
                    row.state = PostState.REVIEW
                    self.store.record(
                        session,
                        "pipeline-error",
                        ACTOR,
                        row.trigger_key,
                        error=type(exc).__name__,
                        state="review",
                    )
            return claimed

    def _process_batch(self, batch: list[tuple[int, Trigger]]) -> None:
        triggers = [t for _, t in batch]
        now = self.store.clock()
        with self.store.transaction() as session:
            # the posts up to the batch's newest: a listener far ahead must not push the
            # batch's own past out of the snapshot
            history = queries.history_snapshot(
                session,
                now - WINDOW,
                [t.post.author.handle for t in triggers],
                upto=max(post_id for post_id, _ in batch),
            )
        deadline = datetime.now(UTC) + timedelta(seconds=self.campaign.screen_deadline_seconds)
        ctx = ScreenContext(now=now, deadline=deadline, history=history, bot=self.bot)
        all_findings = self.screens.run(triggers, ctx)
        judged: list[tuple[int, Trigger, Judgement]] = []
        for (post_id, trigger), findings in zip(batch, all_findings, strict=True):
            try:
                j = judge(trigger, findings, self.campaign, self.policy, self.lexicon, self.bot)
            except Exception as exc:  # one bad post must not stop the stream, nor be lost
                log.exception("could not judge %s; it waits for review", trigger.key)
                self._hold_after_error(post_id, trigger, exc)
            else:
                judged.append((post_id, trigger, j))
        self._save_judgements(judged)
        if self.watch is not None:
            self.watch.check()

    def _save_judgements(self, judged: list[tuple[int, Trigger, Judgement]]) -> None:
        """The batch's judgements in one transaction (a commit and a lock of the audit chain
        per batch, not per post); when one of them cannot be written, that transaction is
        rolled back and each is written alone, so that one bad post holds back no other."""
        try:
            with self.store.transaction() as session:
                states = [
                    self._save(session, post_id, trigger, j) for post_id, trigger, j in judged
                ]
        except StoreError:
            raise
        except Exception:
            log.warning("a batch's judgements could not be written together; one by one now")
        else:
            for state in states:
                self._count(state)
            return
        for post_id, trigger, j in judged:
            try:
                with self.store.transaction() as session:
                    state = self._save(session, post_id, trigger, j)
            except StoreError:
                raise
            except Exception as exc:
                log.exception(
                    "could not record the judgement of %s; it waits for review", trigger.key
                )
                self._hold_after_error(post_id, trigger, exc)
            else:
                self._count(state)

    def _count(self, state: str | None) -> None:
        if state is None:
            return  # another worker judged it first
        self.stats.screened += 1
        self.stats.decisions[state] = self.stats.decisions.get(state, 0) + 1

    def _hold_after_error(self, post_id: int, trigger: Trigger, exc: Exception) -> None:
        with self.store.transaction() as session:
            post = session.get(PostRow, post_id)
            if post is None or post.state != PostState.RECEIVED:
                return
            post.state = PostState.REVIEW
            self.store.record(
                session,
                "pipeline-error",
                ACTOR,
                trigger.key,
                error=type(exc).__name__,  # the message may quote the post
                state="review",
            )
        self.stats.decisions["review"] = self.stats.decisions.get("review", 0) + 1

    def _save(self, session: Session, post_id: int, trigger: Trigger, j: Judgement) -> str | None:
        """Write one post's judgement and route it; returns its new state, or None when
        another worker judged it first."""
        # locked: a second worker that judged the same post waits here, then finds it judged
        # (PostgreSQL; SQLite has one writer at a time anyway)
        post = session.get(PostRow, post_id, with_for_update=True)
        assert post is not None
        if post.state != PostState.RECEIVED:
            return None
        now = self.store.clock()
        queries.save_findings(session, post_id, "input", j.findings)
        queries.save_findings(session, post_id, "output", j.output_findings)
        queries.save_decision(session, post_id, "input", j.verdict, now)
        if j.output_verdict is not None:
            queries.save_decision(session, post_id, "output", j.output_verdict, now)
        queries.save_decision(session, post_id, "final", j.final, now)
        art = j.artwork
        if art is not None:
            queries.add_artwork(session, post_id, art, j.reply)
        if j.nothing_to_draw and j.final.decision is Decision.PUBLISH:
            post.state = PostState.SKIPPED  # nothing to draw: no blank picture, no reply
        else:
            post.state = route(session, post, j.final.decision, art is not None, self.campaign, now)
        if any(f.label == "coordination" for f in j.findings):
            hold_back_group(session, self.store, post, self.campaign.behaviour)
        self.store.record(
            session,
            "decided",
            ACTOR,
            trigger.key,
            decision=j.final.decision.value,
            state=post.state,
            findings=[f.ref for f in j.findings + j.output_findings],
            picture_sha256=art.sha256 if art else None,
        )
        return str(post.state)  # a plain name in the counts
