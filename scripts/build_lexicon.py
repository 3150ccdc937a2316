"""Build the bundled lexicon (src/happybot/data/lexicon.tsv) from the public word lists.

    python scripts/build_lexicon.py [--data ../shared/data]

Sources (licences in src/happybot/data/LEXICON-SOURCES.md): wordfilter's badwords.json (MIT),
LDNOOBW's lists (CC BY 4.0), and scripts/terms/happybot.tsv, written for this project
(extremist codes and harassment phrases that carry no swear word). Each term gets a label and a
risk that the campaign's thresholds act on. Words that are everyday vocabulary in a grumble
("mondays suck") and mild insults ("dumb", "crazy") are left out.

LDNOOBW's other languages in the Latin script (Finnish, German, Spanish, French, …) are added as
`other-language` terms whose source names their language (`ldnoobw-fi`): the screen applies them
to every post unless it reads as a language of the campaign's other than the term's. Left out:
terms of three letters or fewer, and terms that are also one of the 30,000 commonest English
words (wordninja's list: "trio", "bite", "mufti"), which an English post says innocently.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "happybot" / "data" / "lexicon.tsv"
OWN = Path(__file__).resolve().parent / "terms" / "happybot.tsv"

# Ordinary words in everyday negativity, or phrases too common to flag on their own.
EVERYDAY = {
    "suck",
    "sucks",
    "xx",
    "butt",
    "girl on",
    "big black",
    "hot chick",
    "huge fat",
    "tainted love",
    "jelly donut",
    "taste my",
    "tongue in a",
    "tight white",
    "tied up",
    "domination",
    "hard core",
    "hardcore",
    "playboy",
    "sexual",
    "sexually",
    "sexuality",
    "escort",
    "lame",
    "dumb",
    "crazy",
    "crazie",
    "insane",
    "insanity",
    "insanitie",
    "lunatic",
    "idiot",
    "intercourse",
    "nipple",
    "nipples",
    "swinger",
    "undressing",
}
# Words with a common harmless sense ("nip to the shop", "homo sapiens"): a person decides.
AMBIGUOUS = {
    "spade",
    "spook",
    "nip",
    "mick",
    "gash",
    "crip",
    "dick",
    "homo",
    "gyp",
    "gip",
    "eskimo",
    "gypsy",
    "prostitute",
    "hooker",
    "coolie",
    "abo",
    "mong",
    "poof",
    "snatch",
    "scat",
    "sex",
    "sexy",
    "nude",
    "nudity",
    "erotic",
    "kinky",
    "horny",
    "grope",
    "rape",
    "raping",
    "rapist",
    "date rape",
    "daterape",
}
PROFANITY = {
    "fuck",
    "fuckin",
    "fucking",
    "shit",
    "shitty",
    "bullshit",
    "piece of shit",
    "ass",
    "asshole",
    "arsehole",
    "bastard",
    "bollocks",
    "god damn",
    "apeshit",
    "motherfucker",
    "clusterfuck",
    "wank",
    "tosser",
    "twat",
    "bitch",
    "bitches",
    "biatch",
    "beeyotch",
    "douchebag",
    "fatass",
    "fatso",
    "lardass",
    "skank",
    "slut",
    "whore",
    "cunt",
    "pussy",
    "pussie",
    "dick",
}
# wordfilter lists these beside the slurs; they are sexual words, not slurs
SEXUAL = {"tits", "titt", "hooker", "shemale"}
VIOLENCE = {"how to kill", "how to murder"}
EXTREMISM = {"swastika", "white power", "neonazi", "zog"}


# LDNOOBW's lists in the Latin script (their folder names); the others need a reading of
# words that their scripts do not separate with spaces
OTHER_LANGUAGES = (
    "cs", "da", "de", "eo", "es", "fi", "fil", "fr", "fr-CA-u-sd-caqc", "hu", "it", "nl", "no",
    "pl", "pt", "sv", "tr",
)  # fmt: skip
ENGLISH_WORDS = 30_000


def _common_english() -> frozenset[str]:
    import wordninja

    ranked = sorted(wordninja.DEFAULT_LANGUAGE_MODEL._wordcost.items(), key=lambda kv: kv[1])
    return frozenset(word for word, _ in ranked[:ENGLISH_WORDS])


def build(data: Path) -> list[tuple[str, str, float, str]]:
    rows: dict[str, tuple[str, str, float, str]] = {}

    def add(term: str, source: str, default_label: str, default_risk: float) -> None:
        term = term.strip().lower()
        if not term or term in EVERYDAY or term in rows:
            return
        if term in EXTREMISM:
            label, risk = "extremism", 0.95
        elif term in VIOLENCE:
            label, risk = "violence", 0.9
        elif term in AMBIGUOUS:
            label, risk = "ambiguous", 0.5
        elif term in PROFANITY:
            label, risk = "profanity", 0.5
        elif term in SEXUAL:
            label, risk = "sexual", 0.6
        else:
            label, risk = default_label, default_risk
        rows[term] = (term, label, risk, source)

    slurs = json.loads((data / "lexicons" / "wordfilter" / "badwords.json").read_text())
    for term in slurs:
        add(term, "wordfilter", "slur", 0.95)
    for line in (data / "lexicons" / "ldnoobw" / "en").read_text().splitlines():
        add(line, "ldnoobw-en", "sexual", 0.6)
    for line in OWN.read_text().splitlines():
        if line and not line.startswith("#"):
            term, label, risk = line.split("\t")
            rows.setdefault(term, (term, label, float(risk), "happybot"))
    english = _common_english()
    for folder in OTHER_LANGUAGES:
        lang = folder.split("-")[0]
        for line in (data / "lexicons" / "ldnoobw" / folder).read_text("utf-8").splitlines():
            term = line.strip().lower()
            letters = [c for c in term if c.isalpha()]
            if len(letters) <= 3 or term in english or term in rows:
                continue
            rows[term] = (term, "other-language", 0.5, f"ldnoobw-{lang}")
    return sorted(rows.values())


def plural(term: str, label: str) -> str:
    """The English plural of a one-word term, kept in the lexicon so that the run time need
    not import inflect (1.5 s at every start); other languages inflect otherwise."""
    if label == "other-language" or " " in term or not term.isalpha():
        return ""
    import inflect

    made = inflect.engine().plural_noun(term)
    return made if isinstance(made, str) and made != term else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    args = parser.parse_args()
    rows = build(args.data)
    lines = [
        "# term\tlabel\trisk\tsource\tplural  (generated by scripts/build_lexicon.py; do not edit)"
    ]
    lines += [
        f"{term}\t{label}\t{risk}\t{source}\t{plural(term, label)}"
        for term, label, risk, source in rows
    ]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} terms to {OUT}")


if __name__ == "__main__":
    main()
