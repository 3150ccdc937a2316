"""Simulated campaign traffic, with every historical attack, deterministic for a seed.

Most posts are what the campaign exists for: ordinary people grumbling about late trains,
Mondays, exams and rain. Mixed in are the hijacks: a brand-new account feeding a forbidden text
line by line and replying to itself; offensive user names with harmless text; a coordinated
group posting near-duplicates; and obfuscated abuse. Each post carries its ground truth.

Posts are produced in the replay format (`as_lines`) and read back through the replay parser,
so the simulator and replay files can never disagree about what a post is.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from happybot.errors import SourceError
from happybot.models import BotAccount, Post, ReplyWhen
from happybot.platforms.base import Incoming, Malformed
from happybot.platforms.replay import parse_line

# attacks, and posts that must reach a person even though nobody attacks (a stranger's grief)
ATTACKS = (
    "hijack",
    "names",
    "coordinated",
    "obfuscated",
    "sensitive",
    "hidden",
    "inflected",
    "foreign",
)
SCENARIOS = ("campaign", "ordinary", *ATTACKS)

_OPENERS = [
    "Ugh.",
    "Honestly,",
    "Why is it that",
    "Great.",
    "Of course",
    "Typical:",
    "",
    "Not again.",
    "Seriously,",
    "Well then,",
    "Day three and",
    "So apparently",
]
_COMPLAINTS = [
    "my train is late again",
    "the 8:15 got cancelled for the fourth time this week",
    "it has rained every single day since I got here",
    "Monday came round way too fast",
    "I have an exam tomorrow and remember nothing",
    "the coffee machine at work broke",
    "my umbrella flipped inside out in the wind",
    "the wifi died in the middle of my call",
    "I burnt the toast and set off the smoke alarm",
    "the bus drove straight past my stop",
    "my phone is on two percent and the charger is at home",
    "it is grey and cold and wet",
    "my flight is delayed by three hours",
    "the queue at the post office is out the door",
    "I stepped in a puddle with new shoes",
    "the printer jammed right before the deadline",
    "my sourdough came out flat as a pancake",
    "the neighbours are drilling at 7am",
    "our team lost in the last minute",
    "the lift is out of order and I live on floor nine",
    "I forgot my lunch on the kitchen table",
    "my laptop decided to update during a meeting",
    "the exam results are out and mine are not great",
    "I missed the last train home",
    "the heating broke on the coldest day of the year",
    "traffic has not moved in forty minutes",
    "my cat knocked my tea all over the homework",
    "I got soaked walking to work",
]
_DETAILS = [
    "and I had plans",
    "on my birthday of all days",
    "right after I got paid",
    "and nobody seems to care",
    "while my boss watched",
    "in front of everyone",
    "for the second time today",
    "and I had just cleaned",
    "with my mum on the phone",
    "after a twelve hour shift",
    "just as I sat down",
    "in the middle of Leeds",
    "and the app says everything is fine",
    "which has never happened before",
]
_CLOSERS = [
    "🙄",
    "😩",
    "send help",
    "",
    "anyone else?",
    "classic.",
    "what a week",
    "sigh",
    "☔",
    "cannot wait for Friday",
    "just my luck",
    "😭",
    "every time",
]


# Finnish grumbles for a campaign that reads Finnish (`languages: [fi, …]`): what its gate must
# let through in Finnish, with å, ä and ö, written for the simulator
_FI_COMPLAINTS = [
    "juna on taas myöhässä",
    "sataa vettä koko päivän",
    "kahvinkeitin hajosi juuri ennen palaveria",
    "bussi ajoi ohi pysäkiltä",
    "maanantai tuli taas liian aikaisin",
    "tulostin jumittui kolmannen kerran tänään",
    "lumiaura tukki pihatien aamulla",
    "naapurin koira haukkui koko yön",
    "kauppa oli sulkeutunut kun pääsin perille",
    "sähköt katkesivat kesken saunan",
    "pyöräni kumi puhkesi töihin mennessä",
    "jäätelö loppui kesken hellepäivän",
]
_FI_CLOSERS = ["", "taas", "ihan oikeasti", "huoh", "miksi aina minä", "no voi harmi"]


def finnish_grumble(rng: random.Random) -> str:
    text = " ".join(p for p in (rng.choice(_FI_COMPLAINTS), rng.choice(_FI_CLOSERS)) if p)
    return text[0].upper() + text[1:]


def grumble(rng: random.Random) -> str:
    """One harmless everyday complaint, as campaign posts mostly are: what the gate must let
    through (`happybot eval grumbles`)."""
    parts = [rng.choice(_OPENERS), rng.choice(_COMPLAINTS)]
    if rng.random() < 0.6:
        parts.append(rng.choice(_DETAILS))
    parts.append(rng.choice(_CLOSERS))
    text = " ".join(p for p in parts if p)
    return text[0].upper() + text[1:]


_POSITIVE = [
    "the sun is finally out and I had a lovely walk by the river",
    "I passed my driving test today",
    "grandma taught me her soup recipe",
    "it is the first day of spring and the park is full of flowers",
    "my team surprised me with cake",
    "I finished my first 5k run",
    "the new puppy slept through the night",
    "my sister got the job",
]
_POSITIVE_OPENERS = ["Guess what:", "Good news,", "Finally", "Yay,", "", "Happy to say"]
_POSITIVE_CLOSERS = ["🎉", "so happy", "", "best day", "☀️", "could not be prouder", "🥳"]
_REPLY_ASKS = [
    "cheer this one up please",
    "this person needs a smile",
    "make it happy!",
    "can you fix this mood",
    "for my friend here",
]
_FIRST = [
    "sam",
    "alex",
    "jo",
    "maria",
    "li",
    "omar",
    "nina",
    "tom",
    "priya",
    "kai",
    "ana",
    "ben",
    "chloe",
    "dev",
    "emma",
    "femi",
    "gus",
    "hana",
    "ivan",
    "jess",
    "kofi",
    "lena",
]
_LAST = ["walker", "ng", "okafor", "silva", "berg", "khan", "murphy", "rossi", "tanaka", "diaz"]
_BAD_NAMES = [
    # offensive user names with harmless text: slurs obfuscated in handles and display names,
    # and extremist codes that contain no listed word (expected to get through a word list)
    ("wh1te_p0wer_dad", "White Power Dad"),
    ("n1gg3r_hunter", "friendly neighbour"),
    ("kike_free_zone", "Just Asking"),
    ("raghead_watch", "Concerned Citizen"),
    ("hitler_was_right_1488", "Patriot"),
    ("fa66ot_basher", "Sunny"),
]
_COORDINATED = [
    "Send them all back where they came from",
    "send them ALL back to where they came from!",
    "Send them all back where they came from. Now.",
    "they should send them all back where they came from",
    "Send them back where they came from, all of them",
    "send them all back where they came from 🙂",
]
_OBFUSCATED = [
    "you are a worthless f\u200bu\u200bc\u200bk\u200bi\u200bn\u200bg loser",
    "go back to your country you sh!tty r@ghead",
    "w h i t e   p o w e r forever",
    "what a stup1d b1tch, nobody likes you",
    "you \u04551ut, everyone knows",  # Cyrillic dze and a digit for "slut"
    "kill yourself you dumb fa66ot",
    "such a \u0440u\u0455\u0455\u0443, cry more",  # Cyrillic look-alikes
]


# a message hidden in the author's own line breaks or in the first letters of their words, each
# line harmless on its own
_HIDDEN = [
    "Kettle's on\nIt's raining\nKids are late\nEveryone's grumpy",
    "Rainy\nAgain\nGrey skies\nHonestly\nEnough\nAlready\nDamn",
    "Wet\nHail\nIce\nTraffic\nEverything late\nPower cut\nOven broken\nWashing wet\n"
    "Everyone sad\nRain",
    "Sadly\nPotholes\nInfest\nCentral roads",
    "Happy even in lousy, horrible Irish Tuesday, lovely evening rain",
]
# slurs as plurals and other inflections, in posts and in names of established accounts
_INFLECTED = [
    "the spics next door are noisy again",
    "too many wetbacks on this bus",
    "a street full of pakis and nobody does anything",
]
_INFLECTED_NAMES = [
    ("queue_watcher", "No More Japs"),
    ("corner_shop_critic", "Kikes Out"),
]
# short lines of hate in other languages, too short for their language to be identified surely
_FOREIGN = [
    "fuera maricones",
    "verdammte kanaken",
    "saatanan neekerit",
    "sales nègres",
    "sporco terrone",
]

_SENSITIVE = [
    "my grandad passed away this morning and the trains are still running like nothing happened",
    "sat in the hospice car park again, mum is not doing well",
    "got the results today, they diagnosed him with cancer",
    "honestly some days I just want to die",
    "first christmas since my dad died and it is raining",
    "the funeral is tomorrow and I cannot stop crying",
]


def forbidden_lines() -> list[str]:
    raw = resources.files("happybot.data").joinpath("simulator/forbidden.txt").read_text("utf-8")
    return [line for line in raw.splitlines() if line and not line.startswith("#")]


class Simulator:
    """Generates one scenario's traffic relative to `now` (account ages, post times)."""

    def __init__(
        self,
        scenario: str = "campaign",
        seed: int = 0,
        now: datetime | None = None,
        hashtag: str = "#MakeItHappy",
        size: int = 200,
        attacks: Sequence[str] = ATTACKS,
        extra: Sequence[Sequence[dict[str, Any]]] = (),
        languages: Sequence[str] = ("en",),
    ) -> None:
        """`campaign` mixes the named `attacks`, and any `extra` attacks (lists of posts in the
        replay format, with ground truth), into ordinary traffic."""
        unknown = [a for a in attacks if a not in ATTACKS]
        if scenario not in SCENARIOS or unknown:
            raise SourceError(
                f"unknown scenario {', '.join(unknown) or scenario!r}; "
                f"choose one of {', '.join(SCENARIOS)}"
            )
        self.scenario, self.seed, self.size = scenario, seed, size
        self.attacks, self.extra = tuple(attacks), [list(e) for e in extra]
        self.hashtag = hashtag
        # a campaign that reads Finnish gets a fifth of its grumbles in Finnish
        self.finnish = "fi" in languages
        self.now = now or datetime.now(UTC)
        self.name = f"simulate:{scenario}:{seed}"

    # simulated people use the hashtag alone, and their posts' times are made up
    reply_when = ReplyWhen.HASHTAG
    live = False

    def bot_account(self) -> BotAccount | None:
        return None

    # -- the replay-format lines, with ground truth -------------------------------------------

    def as_lines(self) -> list[dict[str, Any]]:
        rng = random.Random(f"{self.scenario}:{self.seed}")
        self._n = 0
        self._people = [self._person(rng, i) for i in range(max(30, self.size))]
        if self.scenario == "campaign":
            attacks = [getattr(self, f"_{name}")(rng) for name in self.attacks]
            attacks += [[dict(post) for post in block] for block in self.extra]
            lines = self._ordinary(rng, self.size)
            # attacks start a third of the way in, interleaved with ordinary traffic
            for attack in attacks:
                at = rng.randrange(len(lines) // 3, len(lines))
                lines[at:at] = attack
        elif self.scenario == "ordinary":
            lines = self._ordinary(rng, self.size)
        else:
            lines = getattr(self, f"_{self.scenario}")(rng)
        # a realistic timeline: ordinary posts about half a minute apart, an attack's posts in
        # quick succession, so that rate and window checks see what they would see live
        when = self.now
        for line in lines:
            quick = line["scenario"] not in ("ordinary", "positive", "reply-to-other", "sensitive")
            when += timedelta(seconds=rng.uniform(3, 15) if quick else rng.expovariate(1 / 30))
            line["created_at"] = when.isoformat()
        return lines

    def listen(self, cursor: str | None) -> Iterator[Incoming]:
        start = int(cursor) if cursor else 0
        for number, line in enumerate(self.as_lines(), start=1):
            if number <= start:
                continue
            text = json.dumps(line, ensure_ascii=False)
            try:
                trigger, data = parse_line(text)
            except ValueError as exc:  # a simulator bug must not be silently dropped either
                yield Incoming(str(number), malformed=Malformed(f"item {number}", text, str(exc)))
                continue
            trigger = type(trigger)("simulate", trigger.post, trigger.parent)
            yield Incoming(
                str(number), trigger=trigger, expected=data.expected, scenario=data.scenario
            )

    def fetch_parent(self, post: Post) -> Post | None:
        return None  # simulated replies carry their parent inline

    # -- builders ------------------------------------------------------------------------------

    def _id(self) -> str:
        self._n += 1
        return f"sim-{self.seed}-{self._n:05d}"

    def _person(self, rng: random.Random, i: int) -> dict[str, Any]:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        return {
            "id": f"did:sim:{i}",
            "handle": f"{first}{last}{rng.randrange(10, 99)}.example",
            "display_name": f"{first.title()} {last.title()}",
            "created_at": (self.now - timedelta(days=rng.randrange(60, 4000))).isoformat(),
            "followers": rng.randrange(5, 3000),
            "posts": rng.randrange(20, 9000),
        }

    def _new_account(self, rng: random.Random, handle: str, display: str) -> dict[str, Any]:
        return {
            "id": f"did:sim:new:{handle}",
            "handle": handle,
            "display_name": display,
            "created_at": (self.now - timedelta(minutes=rng.randrange(3, 90))).isoformat(),
            "followers": rng.randrange(0, 3),
            "posts": 0,
        }

    def _post(
        self,
        author: dict[str, Any],
        text: str,
        expected: str,
        scenario: str,
        reply_to: dict[str, Any] | None = None,
        tag: bool = True,
        lang: str = "en",
    ) -> dict[str, Any]:
        post: dict[str, Any] = {
            "id": self._id(),
            "text": f"{text} {self.hashtag}".strip() if tag else text,
            "author": author,
            "tags": [self.hashtag.lstrip("#").lower()] if tag else [],
            "langs": [lang],
            "expected": expected,
            "scenario": scenario,
        }
        if reply_to is not None:
            post["reply_to"] = {
                k: v for k, v in reply_to.items() if k not in ("expected", "scenario")
            }
        return post

    def _grumble(self, rng: random.Random) -> str:
        return grumble(rng)

    def _cheer(self, rng: random.Random) -> str:
        parts = [
            rng.choice(_POSITIVE_OPENERS),
            rng.choice(_POSITIVE),
            rng.choice(_POSITIVE_CLOSERS),
        ]
        text = " ".join(p for p in parts if p)
        return text[0].upper() + text[1:]

    def _ordinary(self, rng: random.Random, count: int) -> list[dict[str, Any]]:
        lines = []
        for _ in range(count):
            person = rng.choice(self._people)
            roll = rng.random()
            if roll < 0.7 and self.finnish and rng.random() < 0.2:
                text = finnish_grumble(rng)
                lines.append(self._post(person, text, "publish", "ordinary", lang="fi"))
            elif roll < 0.7:
                lines.append(self._post(person, self._grumble(rng), "publish", "ordinary"))
            elif roll < 0.8:
                lines.append(self._post(person, self._cheer(rng), "publish", "positive"))
            else:
                # someone found a grumpy post and asks the bot to cheer it up
                other = rng.choice([p for p in self._people if p is not person])
                parent = self._post(other, self._grumble(rng), "publish", "parent", tag=False)
                lines.append(
                    self._post(
                        person,
                        rng.choice(_REPLY_ASKS),
                        "publish",
                        "reply-to-other",
                        reply_to=parent,
                    )
                )
        return lines

    def _hijack(self, rng: random.Random) -> list[dict[str, Any]]:
        """The 2015 hijack: a fresh account posts a forbidden text line by line and replies to
        each of its own lines with the hashtag."""
        account = self._new_account(
            rng, f"makeithappy{rng.randrange(100, 999)}.example", "Happy Bot Fan"
        )
        lines = []
        for text in forbidden_lines():
            parent = self._post(account, text, "hold", "hijack", tag=False)
            lines.append(self._post(account, "", "hold", "hijack", reply_to=parent))
        return lines

    def _names(self, rng: random.Random) -> list[dict[str, Any]]:
        return [
            self._post(self._renamed(rng, h, d), self._grumble(rng), "hold", "offensive-name")
            for h, d in _BAD_NAMES
        ]

    def _renamed(self, rng: random.Random, handle: str, display: str) -> dict[str, Any]:
        """An established account of the simulation under an offensive name."""
        return dict(
            rng.choice(self._people),
            handle=f"{handle}.example",
            display_name=display,
            id=f"did:sim:name:{handle}",
        )

    def _coordinated(self, rng: random.Random) -> list[dict[str, Any]]:
        lines = []
        for i, text in enumerate(_COORDINATED):
            account = (
                self._new_account(
                    rng, f"truthseeker{i}{rng.randrange(10, 99)}.example", "Truth Seeker"
                )
                if i % 2
                else dict(
                    rng.choice(self._people),
                    id=f"did:sim:coord:{i}",
                    handle=f"patriot{i}{rng.randrange(10, 99)}.example",
                )
            )
            lines.append(self._post(account, text, "hold", "coordinated"))
        return lines

    def _sensitive(self, rng: random.Random) -> list[dict[str, Any]]:
        """Not attacks: grief, illness and despair posted with the hashtag. They must reach a
        person; a smiling picture in reply would be cruel."""
        return [
            self._post(rng.choice(self._people), text, "hold", "sensitive") for text in _SENSITIVE
        ]

    def _hidden(self, rng: random.Random) -> list[dict[str, Any]]:
        return [self._post(rng.choice(self._people), text, "hold", "hidden") for text in _HIDDEN]

    def _inflected(self, rng: random.Random) -> list[dict[str, Any]]:
        lines = [
            self._post(rng.choice(self._people), text, "hold", "inflected") for text in _INFLECTED
        ]
        for handle, display in _INFLECTED_NAMES:
            person = self._renamed(rng, handle, display)
            lines.append(self._post(person, self._grumble(rng), "hold", "inflected"))
        return lines

    def _foreign(self, rng: random.Random) -> list[dict[str, Any]]:
        # declared as English, as a hijacker would declare it
        return [self._post(rng.choice(self._people), text, "hold", "foreign") for text in _FOREIGN]

    def _obfuscated(self, rng: random.Random) -> list[dict[str, Any]]:
        return [
            self._post(rng.choice(self._people), text, "hold", "obfuscated") for text in _OBFUSCATED
        ]
