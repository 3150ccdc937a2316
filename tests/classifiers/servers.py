"""Local HTTP servers that answer as OpenAI's moderation endpoint and an OpenAI-compatible
Llama Guard server do, in their documented formats, and record what they were asked."""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

# a result as https://platform.openai.com/docs/api-reference/moderations documents it
CATEGORIES = (
    "sexual", "sexual/minors", "harassment", "harassment/threatening", "hate",
    "hate/threatening", "illicit", "illicit/violent", "self-harm", "self-harm/intent",
    "self-harm/instructions", "violence", "violence/graphic",
)  # fmt: skip


class Behaviour:
    """What the next answers do: `status` an HTTP error, `delay` seconds late, `garbage` not
    the documented shape."""

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        self.garbage = False
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    def break_as(self, failure: str) -> None:
        """ "status": an HTTP 5xx; "garbage": not the documented shape; "late": 1.5 s late."""
        if failure == "status":
            self.status = 503
        elif failure == "garbage":
            self.garbage = True
        else:
            self.delay = 1.5

    async def receive(self, request: Request) -> tuple[dict[str, Any], JSONResponse | None]:
        """Record the request, wait if late; the error answer if this one fails."""
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.delay:
            time.sleep(self.delay)  # blocks the server, as an overloaded one would
        if self.status != 200:
            return body, JSONResponse({"error": {"message": "overloaded"}}, self.status)
        return body, None


def moderation_result(text: str) -> dict[str, Any]:
    scores = dict.fromkeys(CATEGORIES, 0.001)
    if "hate" in text:
        scores["hate"] = 0.91
        scores["hate/threatening"] = 0.2
    if "idiot" in text:
        scores["harassment"] = 0.7
    if "hurt myself" in text:
        scores["self-harm/intent"] = 0.88
    return {
        "flagged": any(v > 0.5 for v in scores.values()),
        "categories": {k: v > 0.5 for k, v in scores.items()},
        "category_scores": scores,
        "category_applied_input_types": {key: ["text"] for key in CATEGORIES},
    }


def openai_app(behaviour: Behaviour) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/moderations")
    async def moderations(request: Request) -> JSONResponse:
        body, failed = await behaviour.receive(request)
        if failed:
            return failed
        if behaviour.garbage:
            return JSONResponse({"results": [{"flagged": True}]})
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return JSONResponse(
            {
                "id": "modr-1",
                "model": body.get("model", "omni-moderation-latest"),
                "results": [moderation_result(t) for t in texts],
            }
        )

    return app


def llama_guard_app(behaviour: Behaviour, logprobs: bool = False) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        body, failed = await behaviour.receive(request)
        if failed:
            return failed
        text = body["messages"][-1]["content"]
        if behaviour.garbage:
            content = "I'm sorry, I can't help with that."
        elif "hate" in text:
            content = "unsafe\nS10"
        elif "hurt myself" in text:
            content = "unsafe\nS11"
        else:
            content = "safe"
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": "stop",
        }
        if logprobs:
            first = content.split("\n")[0]
            choice["logprobs"] = {
                "content": [{"token": first, "logprob": -0.105, "top_logprobs": []}]
            }
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body["model"],
                "choices": [choice],
                "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
            }
        )

    return app
