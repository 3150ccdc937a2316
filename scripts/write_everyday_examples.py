"""Write `training/everyday_examples.tsv`: harmless everyday posts of our own making (complaints,
small joys, plain news, people such as neighbours, colleagues or the council mentioned in
passing), the kind of text a campaign mostly receives and the public hate-speech sets hardly
hold. Every label is "no". Written for happybot from phrases of our own, not from the
simulator's lists (`happybot eval grumbles` measures on those) nor any test suite.

    python scripts/write_everyday_examples.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "training" / "everyday_examples.tsv"

WHO = [
    "my neighbours", "the people upstairs", "my colleagues", "my flatmates", "the kids",
    "my in-laws", "the council", "the tourists", "my landlord", "the builders next door",
    "our manager", "the students on my street", "my parents", "the commuters", "the fans",
    "my cousins", "the dog walkers", "the delivery drivers", "my teammates",
    "the parents at school",
]  # fmt: skip
DOINGS = [
    "are having a barbecue again", "booked the meeting room for the whole day",
    "left the recycling out in the rain", "keep parking across my driveway",
    "sang karaoke until two in the morning", "forgot my birthday", "ate the last biscuit",
    "moved the bins to the wrong day", "filled the group chat with memes",
    "are hammering something since breakfast", "took every seat on the train",
    "keep asking me to fix their printer", "left the gate open and the cat got out",
    "painted their fence bright orange", "brought a trumpet on holiday",
    "cancelled the match at the last minute", "talked through the whole film",
    "queued in front of me for twenty minutes", "renamed the wifi again", "locked me out",
]  # fmt: skip
THINGS = [
    "the kettle", "my bike chain", "the dishwasher", "my headphones", "the car battery",
    "the boiler", "my favourite mug", "the garden hose", "the tv remote", "my glasses",
    "the ferry", "the self checkout", "my alarm", "the oven", "the train app",
]  # fmt: skip
FAILS = [
    "broke", "stopped working", "vanished", "is acting up again", "died on me",
    "made a horrible noise", "needs fixing again", "gave up this morning",
]  # fmt: skip
JOYS = [
    "finally finished the puzzle", "found a tenner in my old coat",
    "the bakery had one croissant left",
    "my tomatoes are ripe", "the sunset was unreal tonight", "we won the pub quiz",
    "my sister had her baby", "the library fines were cancelled", "the snow made everything quiet",
    "my grandad learnt to video call",
]  # fmt: skip
OPENERS = [
    "",
    "honestly",
    "well",
    "so",
    "guess what",
    "fun fact",
    "update",
    "tbh",
    "meanwhile",
    "lol",
]
CLOSERS = [
    "", "why", "of course", "every single week", "i give up", "could be worse", "haha",
    "🤦", "😅", "🙃", "❤️", "not my day", "amazing", "help", "brilliant",
]  # fmt: skip


def _rows(count: int = 1200) -> list[str]:
    rng = random.Random(20261127)
    texts: set[str] = set()
    while len(texts) < count:
        kind = rng.random()
        if kind < 0.45:
            core = f"{rng.choice(WHO)} {rng.choice(DOINGS)}"
        elif kind < 0.8:
            core = f"{rng.choice(THINGS)} {rng.choice(FAILS)}"
        else:
            core = rng.choice(JOYS)
        parts = [rng.choice(OPENERS), core, rng.choice(CLOSERS)]
        text = " ".join(p for p in parts if p)
        texts.add(text[0].upper() + text[1:])
    return sorted(texts)


def main() -> None:
    rows = _rows()
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["text", "kind"])
        writer.writerows([text, "everyday"] for text in rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
