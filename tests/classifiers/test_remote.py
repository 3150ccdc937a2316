"""The HTTP backends against local servers that answer in the documented formats: what they
send, how they map the answer onto our labels, and that every failure is a ClassifierError
(the screen's fail-closed path), never a wrong score."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from happybot.classifiers.llama_guard import LlamaGuard
from happybot.classifiers.openai import OpenAIModeration
from happybot.config import ClassifierSettings
from happybot.errors import ClassifierError
from happybot.web.server import BackgroundServer
from tests.classifiers.servers import Behaviour, llama_guard_app, openai_app


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour()


@pytest.fixture
def openai_url(behaviour: Behaviour) -> Iterator[str]:
    with BackgroundServer(openai_app(behaviour)) as url:
        yield url + "/v1"


@pytest.fixture
def guard_url(behaviour: Behaviour) -> Iterator[str]:
    with BackgroundServer(llama_guard_app(behaviour)) as url:
        yield url + "/v1"


def _openai(url: str, monkeypatch: pytest.MonkeyPatch, timeout: float = 5) -> OpenAIModeration:
    monkeypatch.setenv("TEST_OPENAI_KEY", "sk-test-123")
    return OpenAIModeration(
        ClassifierSettings(backend="openai", url=url, api_key_env="TEST_OPENAI_KEY",
                   timeout_seconds=timeout)
    )  # fmt: skip


def test_openai_sends_one_batch_with_the_key_and_maps_categories(
    openai_url: str, behaviour: Behaviour, monkeypatch: pytest.MonkeyPatch
) -> None:
    scores = _openai(openai_url, monkeypatch).scores(
        ["I hate them all", "you idiot", "I want to hurt myself", "lovely day"]
    )
    assert behaviour.requests == [
        {
            "model": "omni-moderation-latest",
            "input": ["I hate them all", "you idiot", "I want to hurt myself", "lovely day"],
        }
    ]
    assert behaviour.headers[0]["authorization"] == "Bearer sk-test-123"
    assert scores[0]["hate"] == pytest.approx(0.91)
    assert scores[1]["insult"] == pytest.approx(0.7)
    assert scores[2]["self-harm"] == pytest.approx(0.88)
    assert max(scores[3].values()) < 0.01
    assert set(scores[3]) == {"hate", "insult", "threat", "sexual", "self-harm"}


def test_openai_without_its_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    with pytest.raises(ClassifierError, match="NO_SUCH_KEY_VAR"):
        OpenAIModeration(ClassifierSettings(backend="openai", api_key_env="NO_SUCH_KEY_VAR"))


@pytest.mark.parametrize("failure", ["status", "garbage", "late"])
def test_openai_failures_are_classifier_errors(
    failure: str, openai_url: str, behaviour: Behaviour, monkeypatch: pytest.MonkeyPatch
) -> None:
    behaviour.break_as(failure)
    with pytest.raises(ClassifierError) as caught:
        _openai(openai_url, monkeypatch, timeout=0.5).scores(["a", "b"])
    assert "sk-test-123" not in str(caught.value)


def test_openai_unreachable_is_a_classifier_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ClassifierError, match="unreachable"):
        _openai("http://127.0.0.1:9/v1", monkeypatch).scores(["hello"])


def test_llama_guard_reads_safe_and_unsafe_categories(guard_url: str, behaviour: Behaviour) -> None:
    guard = LlamaGuard(
        ClassifierSettings(backend="llama-guard", url=guard_url, model="llama-guard3")
    )
    scores = guard.scores(["they are all hate", "I want to hurt myself", "rain again"])
    assert [r["messages"] for r in behaviour.requests] == [
        [{"role": "user", "content": t}]
        for t in ["they are all hate", "I want to hurt myself", "rain again"]
    ]
    assert all(r["model"] == "llama-guard3" for r in behaviour.requests)
    assert scores[0]["hate"] == 1.0 and scores[0]["self-harm"] == 0.0
    assert scores[1]["self-harm"] == 1.0 and scores[1]["hate"] == 0.0
    assert max(scores[2].values()) == 0.0


def test_llama_guard_turns_log_probabilities_into_scores(behaviour: Behaviour) -> None:
    with BackgroundServer(llama_guard_app(behaviour, logprobs=True)) as url:
        guard = LlamaGuard(ClassifierSettings(backend="llama-guard", url=url + "/v1"))
        unsafe, safe = guard.scores(["pure hate", "rain again"])
    assert unsafe["hate"] == pytest.approx(0.9003, abs=1e-3)  # exp(-0.105)
    assert safe["hate"] == pytest.approx(1 - 0.9003, abs=1e-3)


@pytest.mark.parametrize("failure", ["status", "garbage", "late"])
def test_llama_guard_failures_are_classifier_errors(
    failure: str, guard_url: str, behaviour: Behaviour
) -> None:
    behaviour.break_as(failure)
    guard = LlamaGuard(
        ClassifierSettings(backend="llama-guard", url=guard_url, timeout_seconds=0.5)
    )
    with pytest.raises(ClassifierError):
        guard.scores(["hello"])


def test_campaign_refuses_remote_backends_without_their_settings() -> None:
    with pytest.raises(ValueError, match="url"):
        ClassifierSettings(backend="llama-guard")
    with pytest.raises(ValueError, match="api_key_env"):
        ClassifierSettings(backend="openai")


def test_campaign_refuses_a_mapping_onto_labels_we_do_not_have() -> None:
    with pytest.raises(ValueError, match="our labels are"):
        ClassifierSettings(
            backend="llama-guard", url="http://127.0.0.1:1/v1", labels={"S2": "crime"}
        )
