"""A local stand-in for the X API, answering in its documented v2 (and v1.1 media) formats: no
X server runs offline. It keeps posts and users in memory and serves the filtered stream as
newline-delimited JSON, as X does. `reroute` points tweepy's sessions at it."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import requests
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from requests.adapters import HTTPAdapter


class FakeX:
    def __init__(self) -> None:
        self.ids = itertools.count(1_000_000_000_000_000_000)
        self.users: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, str] = {}  # OAuth 1.0a access token -> user id
        self.tweets: dict[str, dict[str, Any]] = {}
        self.rules: list[dict[str, str]] = []
        self.media: dict[str, str] = {}  # media id -> alt text
        self.limited_until: int | None = None  # posting answers 429 until then (epoch seconds)
        self.app = self._app()

    def user(self, username: str, token: str | None = None) -> str:
        uid = str(next(self.ids))
        self.users[uid] = {
            "id": uid,
            "username": username,
            "name": username.title(),
            "created_at": "2020-05-01T10:00:00.000Z",
            "public_metrics": {"followers_count": 120, "following_count": 80, "tweet_count": 900},
        }
        if token:
            self.tokens[token] = uid
        return uid

    def post(self, author: str, text: str, reply_to: str | None = None) -> str:
        tid = str(next(self.ids))
        tweet: dict[str, Any] = {
            "id": tid,
            "text": text,
            "author_id": author,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conversation_id": tid,
            "lang": "en",
            "edit_history_tweet_ids": [tid],
        }
        tags = [w for w in text.split() if w.startswith("#")]
        if tags:
            tweet["entities"] = {
                "hashtags": [
                    {"start": text.index(t), "end": text.index(t) + len(t), "tag": t[1:]}
                    for t in tags
                ]
            }
        named = {u["username"].lower(): u["id"] for u in self.users.values()}
        mentions = [
            {"start": text.index(w), "end": text.index(w) + len(w), "username": w[1:], "id": uid}
            for w in text.split()
            if w.startswith("@") and (uid := named.get(w[1:].lower()))
        ]
        if mentions:
            tweet.setdefault("entities", {})["mentions"] = mentions
        if reply_to:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": reply_to}]
            tweet["conversation_id"] = self.tweets[reply_to]["conversation_id"]
            tweet["in_reply_to_user_id"] = self.tweets[reply_to]["author_id"]
        self.tweets[tid] = tweet
        return tid

    def _matches(self, tweet: dict[str, Any]) -> bool:
        """The rules' hashtags and @usernames, OR-ed, as X's rule language has them."""
        entities = tweet.get("entities", {})
        tags = {"#" + h["tag"].lower() for h in entities.get("hashtags", [])}
        named = {"@" + m["username"].lower() for m in entities.get("mentions", [])}
        wanted = {w.lower() for r in self.rules for w in re.findall(r"[#@]\w+", r["value"])}
        return bool(wanted & (tags | named))

    def _expanded(self, tweets: list[dict[str, Any]]) -> dict[str, Any]:
        authors = {t["author_id"] for t in tweets}
        return {"users": [self.users[a] for a in sorted(authors) if a in self.users]}

    def _app(self) -> FastAPI:
        app = FastAPI()

        def caller(request: Request) -> str:
            auth = request.headers.get("authorization", "")
            for part in auth.split(","):
                if "oauth_token=" in part:
                    token = part.split("=", 1)[1].strip().strip('"')
                    return self.tokens[requests.utils.unquote(token)]
            raise KeyError("no user context")

        @app.get("/2/users/me")
        def me(request: Request) -> dict[str, Any]:
            return {"data": self.users[caller(request)]}

        @app.get("/2/tweets/search/stream/rules")
        def rules() -> dict[str, Any]:
            meta = {"sent": datetime.now(UTC).isoformat(), "result_count": len(self.rules)}
            return {"data": self.rules, "meta": meta} if self.rules else {"meta": meta}

        @app.post("/2/tweets/search/stream/rules")
        async def add_rules(request: Request) -> dict[str, Any]:
            body = await request.json()
            if "delete" in body:  # the same endpoint deletes: {"delete": {"ids": [...]}}
                ids = set(body["delete"].get("ids", []))
                kept = [r for r in self.rules if r["id"] not in ids]
                gone, self.rules = len(self.rules) - len(kept), kept
                summary = {"deleted": gone, "not_deleted": len(ids) - gone}
                return {"meta": {"sent": "now", "summary": summary}}
            added = [{"id": str(next(self.ids)), **rule} for rule in body.get("add", [])]
            self.rules += added
            summary = {"created": len(added), "not_created": 0, "valid": len(added), "invalid": 0}
            return {"data": added, "meta": {"sent": "now", "summary": summary}}

        @app.get("/2/tweets/search/stream")
        async def stream(request: Request) -> StreamingResponse:
            start = len(self.tweets)

            async def lines() -> AsyncIterator[bytes]:
                seen = start
                while not await request.is_disconnected():
                    fresh = list(self.tweets.values())[seen:]
                    seen += len(fresh)
                    for tweet in fresh:
                        if self._matches(tweet):
                            rule = [{"id": r["id"], "tag": r.get("tag", "")} for r in self.rules]
                            line = {
                                "data": tweet,
                                "includes": self._expanded([tweet]),
                                "matching_rules": rule,
                            }
                            yield json.dumps(line).encode() + b"\r\n"
                    yield b"\r\n"  # X's keep-alive
                    await asyncio.sleep(0.1)

            return StreamingResponse(lines(), media_type="application/json")

        @app.get("/2/tweets/search/recent")
        def recent(request: Request) -> dict[str, Any]:
            since = int(request.query_params.get("since_id", "0"))
            found = [t for t in self.tweets.values() if int(t["id"]) > since and self._matches(t)]
            found.sort(key=lambda t: -int(t["id"]))  # X answers newest first
            meta = {"result_count": len(found)}
            if not found:
                return {"meta": meta}
            return {"data": found, "includes": self._expanded(found), "meta": meta}

        @app.get("/2/users/{uid}/tweets")
        def user_tweets(uid: str, request: Request) -> dict[str, Any]:
            since = int(request.query_params.get("since_id", "0"))
            mine = [
                t for t in self.tweets.values() if t["author_id"] == uid and int(t["id"]) > since
            ]
            mine.sort(key=lambda t: -int(t["id"]))
            return (
                {"data": mine, "meta": {"result_count": len(mine)}}
                if mine
                else {"meta": {"result_count": 0}}
            )

        @app.get("/2/tweets/{tid}")
        def tweet(tid: str) -> Response:
            if tid not in self.tweets:
                return JSONResponse(
                    {
                        "errors": [
                            {
                                "value": tid,
                                "detail": f"Could not find tweet with id: [{tid}].",
                                "title": "Not Found Error",
                                "type": "https://api.twitter.com/2/problems/resource-not-found",
                            }
                        ]
                    }
                )
            found = self.tweets[tid]
            return JSONResponse({"data": found, "includes": self._expanded([found])})

        @app.post("/2/tweets")
        async def create(request: Request) -> JSONResponse:
            if self.limited_until is not None:
                headers = {
                    "x-rate-limit-limit": "100",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(self.limited_until),
                }
                problem = {
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "status": 429,
                }
                return JSONResponse(problem, status_code=429, headers=headers)
            body = await request.json()
            reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
            tid = self.post(caller(request), body["text"], reply_to)
            self.tweets[tid]["media"] = (body.get("media") or {}).get("media_ids", [])
            return JSONResponse({"data": {"id": tid, "text": body["text"]}}, status_code=201)

        @app.delete("/2/tweets/{tid}")
        def delete(tid: str, request: Request) -> Response:
            tweet = self.tweets.get(tid)
            if tweet is None:
                return JSONResponse({"title": "Not Found Error", "detail": "gone"}, status_code=404)
            if tweet["author_id"] != caller(request):
                return JSONResponse({"title": "Forbidden", "detail": "not yours"}, status_code=403)
            del self.tweets[tid]
            return JSONResponse({"data": {"deleted": True}})

        @app.post("/1.1/media/upload.json")
        async def upload(request: Request) -> dict[str, Any]:
            form = await request.form()
            data = await form["media"].read()  # type: ignore[union-attr]
            mid = str(next(self.ids))
            self.media[mid] = ""
            return {
                "media_id": int(mid),
                "media_id_string": mid,
                "size": len(data),
                "expires_after_secs": 86400,
                "image": {"image_type": "image/png", "w": 1080, "h": 1080},
            }

        @app.post("/1.1/media/metadata/create.json")
        async def describe(request: Request) -> Response:
            body = await request.json()
            self.media[body["media_id"]] = body["alt_text"]["text"]
            return Response(status_code=200)

        return app


class _Reroute(HTTPAdapter):
    """Sends what tweepy addresses to api.twitter.com and upload.twitter.com to the fake."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        assert request.url is not None
        for host in ("https://api.twitter.com", "https://upload.twitter.com"):
            if request.url.startswith(host):
                request.url = self.base + request.url[len(host) :]
        return super().send(request, **kwargs)


def reroute(base: str, *sessions: requests.Session) -> None:
    for session in sessions:
        adapter = _Reroute(base)
        session.mount("https://api.twitter.com", adapter)
        session.mount("https://upload.twitter.com", adapter)
