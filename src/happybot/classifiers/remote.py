"""What the HTTP backends share: one JSON request, every way it can fail turned into a
`ClassifierError` (the screen then sends the posts to review), and no secret in a message."""

from __future__ import annotations

from typing import Any

import httpx

from happybot.errors import ClassifierError


def post_json(client: httpx.Client, url: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    try:
        response = client.post(url, json=body, headers=headers)
    except httpx.TimeoutException:
        raise ClassifierError(f"{url} did not answer in time") from None
    except httpx.HTTPError as exc:
        raise ClassifierError(f"{url} is unreachable: {exc}") from None
    if response.status_code >= 400:
        raise ClassifierError(f"{url} answered {response.status_code}: {response.text[:200]!r}")
    try:
        return response.json()
    except ValueError:
        raise ClassifierError(f"{url} answered something that is not JSON") from None


def bearer(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}
