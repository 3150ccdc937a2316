"""A model that reads meaning: hate with no bad word in it, insults, threats, sexual content and
self-harm, each a calibrated probability that the campaign's thresholds turn into a verdict
(`classifier/hate: {review: .., reject: ..}`).

The post and the post it replies to are read; names are the word lists' job (a model reads
sentences, and a handle is not one). The campaign's own hashtag is taken out first: every post
carries it, and it says nothing about the post.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from happybot.classifiers.base import Classifier, Scores
from happybot.errors import ClassifierError
from happybot.labels import LABELS
from happybot.models import BotAccount, Finding, Target, Trigger
from happybot.screens.base import ScreenContext
from happybot.text.content import content_words
from happybot.text.hashtags import hashtag_pattern
from happybot.text.mentions import without_addressing

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.config import ClassifierSettings as Settings

NAME = "classifier"


def open_classifier(settings: Settings, base_dir: Path) -> Classifier:
    """The backend the campaign names, ready to score."""
    if settings.backend == "openai":
        from happybot.classifiers.openai import OpenAIModeration

        return OpenAIModeration(settings)
    if settings.backend == "llama-guard":
        from happybot.classifiers.llama_guard import LlamaGuard

        return LlamaGuard(settings)
    from happybot.classifiers.onnx import OnnxClassifier, shipped_model

    folder = shipped_model()
    if settings.path:
        folder = Path(settings.path)
        folder = folder if folder.is_absolute() else base_dir / folder
    return OnnxClassifier(folder, settings.labels, settings.threads)


class ClassifierScreen:
    name = NAME

    def __init__(self, campaign: Campaign) -> None:
        self._tag = campaign.tag
        # a score below the label's review threshold is reported as nothing: every text has
        # some probability of everything, and a finding on every post would flag them all
        self._report_from = {label: campaign.threshold(NAME, label).review for label in LABELS}
        self._error: ClassifierError | None = None
        self.classifier: Classifier | None = None
        try:
            self.classifier = open_classifier(campaign.classifier, Path(campaign.base_dir))
        except ClassifierError as exc:
            # a missing or broken model must not stop the campaign from starting: every post
            # goes to review, with this message, until it is fixed
            self._error = exc

    def check(self, batch: Sequence[Trigger], ctx: ScreenContext) -> list[list[Finding]]:
        name = self._ready().name
        results: list[list[Finding]] = [[] for _ in batch]
        for (index, target), per_label in self.scores(batch, ctx.bot):
            for label, score in sorted(per_label.items()):
                if score >= self._report_from.get(label, 0.0):
                    results[index].append(
                        Finding(
                            NAME,
                            label,
                            round(float(score), 4),
                            target,
                            None,
                            f"{name} scores {label} at {score:.2f}",
                        )
                    )
        return results

    def scores(
        self, batch: Sequence[Trigger], bot: BotAccount | None = None
    ) -> list[tuple[tuple[int, Target], Scores]]:
        """Every label's score of each post and of the post it replies to, as the gate reads
        them (the campaign's hashtag taken out, and the mentions that only address people:
        "@brand" before a request; the training sets' tweets teach a model that an @-mention
        goes with abuse), with where each text came from. A text with
        no content (a bare hashtag, a mention, "please") gets no score, nor does a reply's own
        single word: the words drawn are its parent's, and a model reads one word as noise
        (`text.content`). The word lists still read every word."""
        classifier = self._ready()
        where: list[tuple[int, Target]] = []
        texts: list[str] = []
        for index, trigger in enumerate(batch):
            for target in (Target.POST, Target.PARENT):
                text = trigger.text_of(target)
                if not text:
                    continue
                words = content_words(text, self._tag)
                if not words or (target is Target.POST and trigger.parent and len(words) < 2):
                    continue
                where.append((index, target))
                read = without_addressing(text, bot.is_me if bot else None)
                texts.append(hashtag_pattern(self._tag).sub(" ", read))
        if not texts:
            return []
        scores = classifier.scores(texts)
        if len(scores) != len(texts):
            raise ClassifierError(
                f"{classifier.name} answered {len(scores)} scores for {len(texts)} texts"
            )
        return list(zip(where, scores, strict=True))

    def _ready(self) -> Classifier:
        if self.classifier is None:
            raise self._error or ClassifierError("no classifier")
        return self.classifier
