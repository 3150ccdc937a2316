"""Llama Guard through any OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, ...):
`POST {url}/chat/completions` with the post as the user's turn; the server applies the model's
chat template, and the model answers `safe`, or `unsafe` and a line of categories (`S1,S10`).

The answer is a verdict, not a score: where the server returns log-probabilities, the first
token's gives a probability; otherwise an unsafe category scores 1 and everything else 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx

from happybot.classifiers.base import Scores
from happybot.classifiers.remote import bearer, post_json
from happybot.errors import ClassifierError
from happybot.labels import HATE, INSULT, LABELS, SELF_HARM, SEXUAL, THREAT

if TYPE_CHECKING:
    from happybot.config import ClassifierSettings as Settings

DEFAULT_MODEL = "llama-guard"
# Llama Guard 3's hazard categories (MLCommons taxonomy) -> ours; privacy, elections,
# intellectual property, specialised advice and code abuse are not the campaign's to judge
CATEGORIES = {
    "S1": THREAT,  # violent crimes
    "S2": THREAT,  # non-violent crimes
    "S3": SEXUAL,  # sex-related crimes
    "S4": SEXUAL,  # child sexual exploitation
    "S5": INSULT,  # defamation
    "S9": THREAT,  # indiscriminate weapons
    "S10": HATE,
    "S11": SELF_HARM,
    "S12": SEXUAL,
}


class LlamaGuard:
    name = "llama-guard"

    def __init__(self, settings: Settings) -> None:
        self._url = settings.url.rstrip("/") + "/chat/completions"
        self._model = settings.model or DEFAULT_MODEL
        self._headers = bearer(settings.api_key())
        self._categories = {**CATEGORIES, **settings.labels}
        self._client = httpx.Client(timeout=settings.timeout_seconds)

    def scores(self, texts: Sequence[str]) -> list[Scores]:
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Scores:
        body = {
            "model": self._model,
            "messages": [{"role": "user", "content": text}],
            "temperature": 0,
            "max_tokens": 20,
            "logprobs": True,
        }
        answer = post_json(self._client, self._url, body, self._headers)
        try:
            choice = answer["choices"][0]
            content = choice["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise ClassifierError(f"{self._url} answered no message") from None
        if not isinstance(content, str):
            raise ClassifierError(f"{self._url} answered a message without text")
        lines = [line.strip() for line in content.strip().splitlines() if line.strip()]
        verdict = lines[0].lower() if lines else ""
        if verdict not in ("safe", "unsafe"):
            raise ClassifierError(f"{self._url} answered {content[:60]!r}, not safe/unsafe")
        sure = _first_token_probability(choice)
        unsafe = sure if verdict == "unsafe" else 1.0 - sure
        codes = [c.strip().upper() for c in lines[1].split(",")] if len(lines) > 1 else []
        if verdict == "unsafe":
            named = {self._categories[c] for c in codes if c in self._categories}
            return {label: unsafe if label in named else 0.0 for label in LABELS}
        # safe: how unsure the model was, for every label alike
        return dict.fromkeys(LABELS, unsafe)


def _first_token_probability(choice: dict[str, Any]) -> float:
    """The probability of the answer's first token, 1 when the server did not say."""
    try:
        first = choice["logprobs"]["content"][0]["logprob"]
        return min(max(math.exp(float(first)), 0.0), 1.0)
    except (KeyError, IndexError, TypeError, ValueError):
        return 1.0
