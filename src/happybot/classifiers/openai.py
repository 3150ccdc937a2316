"""OpenAI's moderation endpoint (`POST {url}/moderations`): one request per batch, the
`category_scores` of each result mapped onto our labels (the graver of a family's scores)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import httpx

from happybot.classifiers.base import Scores
from happybot.classifiers.remote import bearer, post_json
from happybot.errors import ClassifierError
from happybot.labels import HATE, INSULT, SELF_HARM, SEXUAL, THREAT

if TYPE_CHECKING:
    from happybot.config import ClassifierSettings as Settings

DEFAULT_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "omni-moderation-latest"
# theirs -> ours; categories of theirs not named here (illicit advice) are not the campaign's
CATEGORIES = {
    "hate": HATE,
    "hate/threatening": HATE,
    "harassment": INSULT,
    "harassment/threatening": THREAT,
    "violence": THREAT,
    "sexual": SEXUAL,
    "sexual/minors": SEXUAL,
    "self-harm": SELF_HARM,
    "self-harm/intent": SELF_HARM,
    "self-harm/instructions": SELF_HARM,
}


class OpenAIModeration:
    name = "openai-moderation"

    def __init__(self, settings: Settings) -> None:
        key = settings.api_key()
        if not key:
            raise ClassifierError(
                f"the openai backend's key is not set: export {settings.api_key_env}"
            )
        self._headers = bearer(key)
        self._url = (settings.url or DEFAULT_URL).rstrip("/") + "/moderations"
        self._model = settings.model or DEFAULT_MODEL
        self._client = httpx.Client(timeout=settings.timeout_seconds)

    def scores(self, texts: Sequence[str]) -> list[Scores]:
        answer = post_json(
            self._client, self._url, {"model": self._model, "input": list(texts)}, self._headers
        )
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(texts):
            raise ClassifierError(f"{self._url} answered no results for {len(texts)} texts")
        return [self._ours(result) for result in results]

    def _ours(self, result: object) -> Scores:
        theirs = result.get("category_scores") if isinstance(result, dict) else None
        if not isinstance(theirs, dict):
            raise ClassifierError(f"{self._url} answered a result without category_scores")
        ours: dict[str, float] = {}
        for category, label in CATEGORIES.items():
            value = theirs.get(category)
            if isinstance(value, int | float):
                ours[label] = max(ours.get(label, 0.0), min(max(float(value), 0.0), 1.0))
        if not ours:
            raise ClassifierError(f"{self._url} answered none of the categories we read")
        return ours
