"""Write `training/counter_examples.tsv`: harmless sentences of our own making that mention an
identity group, negate hate, or speak against it — the cases every model so far wrongly held
back. Written for happybot from frames of our own (not from any test suite's templates), and
committed before any HateCheck evaluation, so that its figures keep their meaning.

    python scripts/write_counter_examples.py [--check-against ../shared/data/hatecheck]

`--check-against` only counts how many of our texts occur verbatim in HateCheck's cases (it
must be none); nothing from there is written or learnt.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "training" / "counter_examples.tsv"

# (plural as written mid-sentence, singular person)
GROUPS = [
    ("women", "a woman"),
    ("trans people", "a trans woman"),
    ("gay men", "a gay man"),
    ("lesbians", "a lesbian"),
    ("bisexual people", "a bisexual person"),
    ("Black people", "a Black man"),
    ("Asian people", "an Asian woman"),
    ("Muslims", "a Muslim"),
    ("Jews", "a Jewish man"),
    ("Christians", "a Christian"),
    ("Hindus", "a Hindu"),
    ("immigrants", "an immigrant"),
    ("refugees", "a refugee"),
    ("disabled people", "a disabled woman"),
    ("Deaf people", "a Deaf man"),
    ("older people", "an older woman"),
    ("Roma", "a Roma family"),
    ("Indigenous people", "an Indigenous artist"),
    ("Mexicans", "a Mexican chef"),
    ("Arabs", "an Arab student"),
]

FRAMES = {
    "identity-everyday": [
        "My neighbour is {one} who runs the bakery on our street, and the bread there is the "
        "best in town.",
        "Our choir has a lot of {many} in it and we rehearse every Thursday night.",
        "The street party this weekend is organised by {many} from the community centre.",
        "I'm reading a history of {many} in this city and I can't put it down.",
        "Met {one} at the bus stop who gave me directions and an umbrella. Lovely start to "
        "the day.",
        "The new podcast about {many} and football is surprisingly funny.",
    ],
    "identity-supportive": [
        "{Many} deserve the same respect and the same chances as everyone else.",
        "Proud that our school library now has more books written by {many}.",
        "Grateful to the {many} who volunteer at the food bank every single week.",
    ],
    "negated-hate": [
        "I would never say that {many} are worth less than anyone else.",
        "It is not true that {many} are dangerous, and repeating it hurts real people.",
        "Nobody gets to decide that {many} don't belong here.",
        "I don't hate {many}. I don't hate anyone, I just hate Mondays.",
    ],
    "counter-speech": [
        "Someone in the comments said {many} should go back where they came from. Reported, "
        "because that is hate and it has no place here.",
        "Stop spreading lies about {many}; the actual numbers say the opposite.",
        "If you think {many} are the problem, try talking to one of them before posting.",
        "Calling {many} vermin is vile. Please delete that post.",
        "I used to believe the jokes about {many}. Then I got to know my colleagues and felt "
        "ashamed.",
    ],
}


def rows() -> list[tuple[str, str, str]]:
    out = []
    for kind, frames in FRAMES.items():
        for frame in frames:
            for many, one in GROUPS:
                text = frame.format(many=many, Many=many[0].upper() + many[1:], one=one)
                out.append((text, "nothate", kind))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check-against", type=Path, help="HateCheck's folder: count overlaps")
    args = parser.parse_args()
    written = rows()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["text", "label", "kind"])
        writer.writerows(written)
    print(f"wrote {len(written)} sentences to {OUT}")
    if args.check_against:
        with (args.check_against / "test_suite_cases.csv").open(encoding="utf-8") as handle:
            theirs = {row["test_case"].strip().lower() for row in csv.DictReader(handle)}
        overlap = sum(text.strip().lower() in theirs for text, _, _ in written)
        print(f"{overlap} of {len(written)} occur verbatim in HateCheck (must be 0)")


if __name__ == "__main__":
    main()
