"""String noise and folding: what old systems and typing customers do to names.

Everything takes a ``random.Random`` so that output depends on the seed only. Typos stay inside the
string's own alphabet (a Thai name gets a Thai typo, never a stray ``@``), so noise never turns a
valid record into an invalid one — invalid records are made on purpose in :mod:`.malformed`.
"""

from __future__ import annotations

import random
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


@lru_cache(maxsize=4096)
def ascii_fold(text: str) -> str:
    """Plain ASCII without diacritics ("Nguyễn" -> "Nguyen", "Müller" -> "Muller")."""
    return anyascii(text)


@lru_cache(maxsize=4096)
def german_fold(text: str) -> str:
    """German ASCII convention for umlauts ("Müller" -> "Mueller", "Weiß" -> "Weiss")."""
    return anyascii(text.translate(_GERMAN))


@lru_cache(maxsize=4096)
def legacy_upper(text: str) -> str:
    """What a 1990s system stores: ASCII, upper case, no diacritics."""
    return anyascii(text).upper()


def typo(rng: random.Random, text: str, edits: int = 1) -> str:
    """Apply ``edits`` (1-2) random keyboard-style edits: drop, double, swap or replace a letter."""
    for _ in range(edits):
        # Leave letters that carry a combining mark (Thai vowels/tones) alone: editing them would
        # strand the mark on the wrong letter or at the start of the word.
        letters = [i for i, ch in enumerate(text) if ch.isalpha() and not _carries_mark(text, i)]
        if len(letters) < 3:
            return text
        i = rng.choice(letters)
        op = rng.random()
        if op < 0.3:
            text = text[:i] + text[i + 1 :]
        elif op < 0.5:
            text = text[:i] + text[i] + text[i:]
        elif op < 0.75 and i + 1 < len(text) and text[i + 1].isalpha() and text[i + 1] != text[i]:
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        else:
            donor = text[rng.choice(letters)]
            if donor.lower() == text[i].lower():
                donor = _neighbour(text[i])
            donor = donor.upper() if text[i].isupper() else donor.lower()
            text = text[:i] + donor + text[i + 1 :]
    return text


_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _carries_mark(text: str, i: int) -> bool:
    return i + 1 < len(text) and unicodedata.category(text[i + 1]).startswith("M")


def _neighbour(ch: str) -> str:
    """A key next to ``ch`` on a QWERTY keyboard (other scripts: a neighbouring code point)."""
    low = ch.lower()
    for row in _ROWS:
        pos = row.find(low)
        if pos >= 0:
            return row[pos - 1] if pos > 0 else row[pos + 1]
    candidate = chr(ord(ch) + 1)
    return candidate if candidate.isalpha() else chr(ord(ch) - 1)


def decompose(text: str) -> str:
    """NFD form: some browsers/OSes send "Nguyễn" as base letters plus combining marks."""
    return unicodedata.normalize("NFD", text)


def arabic_letters(text: str) -> str:
    """Persian typed on an Arabic keyboard layout: ی -> ي and ک -> ك (looks the same, compares different)."""
    return text.replace("ی", "ي").replace("ک", "ك")


def slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters/digits for e-mail local parts and domains."""
    out = [c for c in ascii_fold(text).lower().replace(" ", sep) if c.isalnum() or c == sep]
    return "".join(out).strip(sep)
