"""Which language a text is in, by py3langid, whose model ships in the package (no download).
Short texts are guessed, not identified: below MIN_LETTERS letters there is no answer."""

from __future__ import annotations

import functools
import re
from typing import Any

MIN_LETTERS = 12
CONFIDENCE = 0.9  # a language read at least this surely is the text's
_NOISE = re.compile(r"(?:https?://\S+|[#@]\w[\w.-]*)")


@functools.lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify(text: str) -> tuple[str, float] | None:
    """(language, probability), or None when the text is too short to tell."""
    clean = _NOISE.sub(" ", text)
    if sum(c.isalpha() for c in clean) < MIN_LETTERS:
        return None
    lang, prob = _identifier().classify(clean)
    return str(lang), float(prob)
