"""A model that reads meaning: hate with no bad word in it, insults, threats, sexual content and
self-harm, each a calibrated probability that the campaign's thresholds turn into a verdict
(`classifier/hate: {review: .., reject: ..}`).

The post and the post it replies to are read, and so are the names of both authors: display
names as written, handles as the words they run together ("ihatejews" reads "i hate jews").
A name is a short text, and the model reads short texts noisily (ordinary names score hate up
to 0.6: "Old white guy", "Trans woman, runner"), so a name is reported for hate alone, and only
from NAME_HATE_FLOOR. The campaign's own hashtag is taken out first: every post carries it, and
it says nothing about the post.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from happybot.classifiers.base import Classifier, Scores
from happybot.errors import ClassifierError
from happybot.labels import HATE, INSULT, LABELS
from happybot.models import BotAccount, Finding, Target, Trigger
from happybot.screens.base import ScreenContext
from happybot.text.content import content_words
from happybot.text.hashtags import hashtag_pattern
from happybot.text.mentions import without_addressing
from happybot.text.normalize import normalize, words_of
from happybot.text.segment import handle_words

if TYPE_CHECKING:
    from happybot.config import Campaign
    from happybot.config import ClassifierSettings as Settings

NAME = "classifier"
# Chosen on names written for it (tests/screens/test_classifier.py: harmless ones, identity
# names among them, score hate up to 0.61; hateful slogans 0.91 and up), not on an evaluation set.
NAME_HATE_FLOOR = 0.75
# A reply's own words ("#MakeItHappy for my friend here") are a request to the bot: not drawn,
# not published, read for the asker's intent. Short requests are noise to the model (harmless
# ones score hate up to 0.52 and insult up to 0.56; hateful ones 0.62 and up), so hate and
# insult count there from this floor, chosen on requests written for it
# (tests/screens/test_classifier.py), not on the simulator's, which the demo measures.
REQUEST_FLOOR = 0.6
REQUEST_LABELS = frozenset({HATE, INSULT})
NAME_TARGETS = (
    Target.DISPLAY_NAME,
    Target.HANDLE,
    Target.PARENT_DISPLAY_NAME,
    Target.PARENT_HANDLE,
)
_HANDLES = (Target.HANDLE, Target.PARENT_HANDLE)
_NAMES_KEPT = 4096


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
        self._names: dict[str, float] = {}
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
            request = target is Target.POST and batch[index].parent is not None
            for label, score in sorted(per_label.items()):
                floor = REQUEST_FLOOR if request and label in REQUEST_LABELS else 0.0
                if score >= max(self._report_from.get(label, 0.0), floor):
                    what = " (the reply's own words, a request)" if floor else ""
                    results[index].append(self._finding(name, label, score, target, what))
        hate_from = max(self._report_from.get(HATE, 0.0), NAME_HATE_FLOOR)
        for (index, target), score in self.name_scores(batch):
            if score >= hate_from:
                results[index].append(self._finding(name, HATE, score, target, " (a name)"))
        return results

    @staticmethod
    def _finding(name: str, label: str, score: float, target: Target, what: str = "") -> Finding:
        why = f"{name} scores {label} at {score:.2f}{what}"
        return Finding(NAME, label, round(float(score), 4), target, None, why)

    def name_scores(self, batch: Sequence[Trigger]) -> list[tuple[tuple[int, Target], float]]:
        """The hate score of each author's name of two words or more (one word is noise to
        the model), with where it came from. A name is read as its words, numbers left out, so
        that a handle and a display name that say the same ("samjones42", "Sam Jones") are
        scored once; and a name is scored once while it is remembered: an author's name comes
        back with each of their posts."""
        where: list[tuple[int, Target]] = []
        texts: list[str] = []
        for index, trigger in enumerate(batch):
            for target in NAME_TARGETS:
                raw = trigger.text_of(target)
                if not raw:
                    continue
                text = handle_words(raw) if target in _HANDLES else raw
                if len(content_words(text, self._tag)) < 2:
                    continue
                said = hashtag_pattern(self._tag).sub(" ", text)
                words = [w for w in words_of(normalize(said).text) if not w.isdigit()]
                if len(words) < 2:
                    continue
                where.append((index, target))
                texts.append(" ".join(words))
        # read from a copy: a batch abandoned at its deadline may still be writing the cache
        known = {t: score for t in texts if (score := self._names.get(t)) is not None}
        new = sorted(set(texts) - set(known))
        if new:
            scored = self._ready().scores(new)
            if len(scored) != len(new):
                raise ClassifierError(f"answered {len(scored)} scores for {len(new)} names")
            fresh = {text: float(s.get(HATE, 0.0)) for text, s in zip(new, scored, strict=True)}
            known.update(fresh)
            if len(self._names) + len(fresh) > _NAMES_KEPT:
                self._names = {}
            self._names.update(fresh)
        return [(w, known[t]) for w, t in zip(where, texts, strict=True)]

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
