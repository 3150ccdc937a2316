"""happybot: a hashtag-campaign bot that turns posts into happy text art, safely."""

__version__ = "0.1.0"
