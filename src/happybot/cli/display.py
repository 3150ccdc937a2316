"""Words from posts, safe to print in a person's terminal.

A post can carry escape sequences that retitle the window, clear the screen or write to the
clipboard, and bidi controls that show words in another order than the screens read them. What
the CLI prints of a post shows each such character as an escape (`\\x1b`, `\\u202e`) instead, and
cannot be read as Rich markup either.
"""

from __future__ import annotations

import unicodedata

from rich.markup import escape

# every character that is not drawn as itself: C0 and C1 controls (ESC, CSI, BEL…), format
# characters (bidi overrides and isolates, zero-width ones), line and paragraph separators,
# surrogates, private use and unassigned code points
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def _escaped(char: str) -> str:
    cp = ord(char)
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def plain(text: str, *, one_line: bool = False) -> str:
    """`text` with every hidden character shown as its escape; with `one_line`, line breaks
    and tabs too, so that a post cannot forge a line of the CLI's own output."""
    # most posts hold nothing hidden; isprintable is False for every class of _HIDDEN (and for
    # spaces other than " ", which the loop keeps)
    if text.isprintable():
        shown = text
    else:
        shown = "".join(
            _escaped(c) if unicodedata.category(c) in _HIDDEN and c not in "\n\t" else c
            for c in text
        )
    if one_line:
        shown = shown.replace("\n", "\\n").replace("\t", "\\t")
    return shown


def shown(text: str, *, one_line: bool = True) -> str:
    """`plain(text)`, escaped for Rich markup: for text from posts inside a Rich print."""
    return escape(plain(text, one_line=one_line))
