"""Write `training/sensitive_examples.tsv`: training sentences of our own for the scores no
public data set here covers well (self-harm, sexual content, threats) and for their look-alikes
(figures of speech, everyday words that share a stem, everyday complaints however fed up).
Written for happybot from phrases and frames of our own, independently of
`training/sensitive_eval.tsv` (which measures them and is never learnt).

    python scripts/write_sensitive_examples.py

Mild on purpose: a model needs the topic, not graphic detail. The gate's word lists add one
framed sentence per self-harm and sexual term (`happybot.datasets.lexicon_examples`).
"""

from __future__ import annotations

import csv
import itertools
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "training" / "sensitive_examples.tsv"

# someone speaking of hurting or ending themselves, or asking how to
SELF_HARM = [
    "i do not want to wake up tomorrow",
    "i keep thinking everyone would be better if i was not here",
    "i have been hurting myself again when it gets bad",
    "i wrote goodbye letters to my family last night",
    "i am saving up my pills so i can take them all at once",
    "i just want the pain to stop for good",
    "tonight is the night i finally end things",
    "what is the most painless way to go",
    "i have started cutting my arms again",
    "i stood on the bridge for an hour thinking about jumping",
    "i cannot see any future for me so i am done living",
    "nobody would even notice if i disappeared forever",
    "i burned myself on purpose so i could feel something",
    "i am tired of being alive",
    "i keep googling how many tablets it takes",
    "i have a plan and i am going to do it this weekend",
    "i deserve to be hurt so i hurt myself",
    "every night i wish i would just not exist anymore",
    "i gave away my things because i will not need them",
    "life is pointless and i want out",
    "i starve myself to punish my body",
    "the razor is the only thing that helps",
    "i tried to take my own life last year and i want to try again",
    "i am going to walk into the sea and not come back",
]
SELF_HARM_FRAMES = [
    "{}",
    "honestly {}",
    "{} and i mean it",
    "i need to say it: {}",
    "{}. sorry everyone",
    "not joking, {}",
    "{} #makeithappy",
    "{} 😞",
    "it is 3am and {}",
    "{}, please do not tell my mum",
]

# explicit sexual content, solicitation, porn promotion
SEXUAL = [
    "send me nudes",
    "dm me for my spicy pics and videos",
    "i want to sleep with you tonight, no strings",
    "new explicit video on my page, subscribe for more",
    "looking for a hookup right now, who is horny",
    "i want to rip your clothes off and have sex with you",
    "she sent him naked photos of herself",
    "watch me strip live on cam",
    "rate my body, full nude in the link",
    "what are you wearing right now baby, take it off",
    "hot singles in your area want to have sex",
    "i get so turned on when you talk dirty to me",
    "free porn, click here",
    "sexting anyone? i am bored and horny",
    "we had sex in the back of the car last night",
    "buy my used underwear",
    "my onlyfans is up, come see everything",
    "show me your boobs",
    "i want you naked in my bed",
    "he keeps sending me pictures of his privates",
]
SEXUAL_FRAMES = [
    "{}",
    "{} 😉",
    "hey {}",
    "{} lol",
    "{} ;)",
    "ok so {}",
    "{} #makeithappy",
    "{} 🔥🔥",
]

# a threat of violence against someone (hate when it names a group; this is the threat itself)
THREAT = [
    "i know where you live and i am coming for you",
    "watch your back tonight, you will not make it home",
    "i am going to beat you until you cannot stand",
    "say that again and i will break your jaw",
    "someone should put a bullet in that guy",
    "we will burn your shop down with you in it",
    "i will find your kids after school",
    "you are going to bleed for this",
    "keep talking and you end up in a ditch",
    "i am bringing a knife to your door tomorrow",
    "that judge deserves to be hanged and i will help",
    "meet me outside and i will stab you",
    "i will make sure you never walk again",
    "your whole family is going to get hurt",
]
THREAT_FRAMES = ["{}", "{}. remember that", "{} 🔪", "listen, {}", "{} and that is a promise"]

# look-alikes of any of them: figures of speech, body and health, everyday words, support
LOOKALIKES = [
    "this traffic is killing me",
    "my feet are killing me after that hike",
    "i nearly died laughing at the film",
    "i could die of embarrassment right now",
    "i am dying to see the new season",
    "my phone battery died again",
    "the plants on my balcony died in the heat",
    "i cut my hair short and i love it",
    "cut the onions finely and fry them in butter",
    "the band killed it on stage tonight",
    "this homework is the death of me",
    "i am so done with this week",
    "kill the lights when you leave please",
    "i burned the pasta, dinner is ruined",
    "i want to crawl into bed and sleep for a year",
    "i could murder a pizza right now",
    "breast cancer screening saved my aunt's life",
    "chicken breast with lemon and thyme for dinner",
    "sex education belongs in every school",
    "we went to bed early after the long drive",
    "my kitty is the softest cat in the world",
    "the rooster crows at five every morning",
    "it is so hot today, thirty degrees",
    "we moved to essex last spring",
    "nice pair of shoes you have there",
    "the nude colour lipstick sold out",
    "the museum has a room of classical nude statues",
    "if you are struggling please talk to someone, helplines are open tonight",
    "i lost my dad last month and i miss him every day",
    "my doctor changed my medication and i feel much better",
    "the exam was brutal but i survived",
    "i am in pain after the dentist but it will pass",
    "my heart broke when the match ended",
    "i am exhausted and need a holiday",
    "the cat threw up on the carpet again",
    "the film has a sad ending, i cried",
    "i am sick of the rain",
    "ending the meeting early, enjoy your afternoon",
    "the pills for my hay fever make me sleepy",
    "my wrist hurts from typing all day",
]
LOOKALIKE_FRAMES = [
    "{}",
    "honestly {}",
    "{} lol",
    "{} 😂",
    "ugh, {}",
    "{} #makeithappy",
    "{}, what a day",
    "so {}",
]


# everyday complaints, what a campaign's posts mostly are: none of the labels, however fed up
EVERYDAY = [
    "the dentist kept me waiting for an hour",
    "i got a parking ticket outside my own house",
    "i spilled soup all down my shirt before the interview",
    "the power went out halfway through dinner",
    "i dropped my phone and the screen cracked",
    "my landlord has ignored my emails for three weeks",
    "the washing machine leaked all over the kitchen floor",
    "we ran out of milk and the shop is shut",
    "i stubbed my toe on the bed frame again",
    "my hay fever is unbearable this year",
    "i missed the parcel delivery by two minutes",
    "i got locked out of my account after one wrong password",
    "both kids are sick and nobody slept",
    "the dog ate my sandwich while i was answering the door",
    "the roadworks on our street started at six this morning",
    "i have been on hold with the bank for fifty minutes",
    "my bike got a puncture on the way to work",
    "the zip on my coat broke in the snow",
    "my car will not start and i am already late",
    "my flatmate plays drums at midnight",
    "someone spoiled the ending of the show for me",
    "i lost my keys for the third time this month",
    "the internet is so slow i could scream",
    "i hate this weather so much",
    "i hate my commute, it takes forever",
    "mondays should be illegal",
    "my boss moved the deadline forward again",
    "the heatwave means nobody can sleep",
    "the mosquitoes ate me alive last night",
    "the shower went cold just as i got in",
    "my tax return is due and i cannot find anything",
    "i feel awful after that cold, still coughing",
    "the supermarket queue was a nightmare",
    "my football team is a disgrace this season",
    "this software update ruined my laptop",
    "the neighbours' car alarm went off all night",
    "i am so tired i could sleep for a week",
    "today has been one disaster after another",
    "i am fed up with everything going wrong today",
    "i could honestly cry, nothing is working",
]
EVERYDAY_FRAMES = [
    "{}",
    "ugh {}",
    "{} and i am so tired",
    "{}. i want to scream",
    "{} 😤",
    "{}, worst day ever",
    "why does this always happen to me, {}",
    "{} 😭😭",
    "{} send coffee",
    "so {} and i give up",
]


def _rows() -> list[tuple[str, int, int, int, str]]:
    rng = random.Random(20261126)
    rows: list[tuple[str, int, int, int, str]] = []
    # every phrase in three of its frames: enough variety without the frames becoming the signal
    for phrases, frames, self_harm, sexual, threat, kind in (
        (SELF_HARM, SELF_HARM_FRAMES, 1, 0, 0, "self-harm"),
        (SEXUAL, SEXUAL_FRAMES, 0, 1, 0, "sexual"),
        (THREAT, THREAT_FRAMES, 0, 0, 1, "threat"),
        (LOOKALIKES, LOOKALIKE_FRAMES, 0, 0, 0, "look-alike"),
        (EVERYDAY, EVERYDAY_FRAMES, 0, 0, 0, "everyday"),
    ):
        for phrase in phrases:
            for frame in rng.sample(frames, 3):
                text = frame.format(phrase)
                rows.append((text[0].upper() + text[1:], self_harm, sexual, threat, kind))
    # the same frames around the look-alikes too, so that a frame never tells the label
    for frame, phrase in itertools.islice(
        zip(itertools.cycle(SELF_HARM_FRAMES + SEXUAL_FRAMES + THREAT_FRAMES), LOOKALIKES * 2), 60
    ):
        text = frame.format(phrase)
        rows.append((text[0].upper() + text[1:], 0, 0, 0, "look-alike"))
    return sorted(set(rows))


def main() -> None:
    rows = _rows()
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["text", "self_harm", "sexual", "threat", "kind"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
