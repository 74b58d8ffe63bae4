"""PyThaiNLP's Thai word dictionary as a set: the same words, the same answers, built in 1/30 the time.

The RTGS romaniser (``normalize._thai_romanizer``) cuts a Thai name into words with PyThaiNLP's newmm
tokenizer, which builds its default dictionary on first use as a ``Trie`` of 62k words, one pure-Python
node per letter: ~0.7 s in the one process, before the worker pool forks (``normalize.warm_up``), in
every match with a Thai name or none (the Thai legal forms are romanised for the organisation
vocabulary). The tokenizer only asks its dictionary which words start at a position of a text
(``prefixes``), and a set of the same words answers that the same in the same order, shortest first,
at about the same speed for names; it takes ~25 ms to build. Importing this module imports PyThaiNLP
(slow): ``normalize`` does so only when it needs the romaniser.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from pythainlp.corpus import thai_words
from pythainlp.tokenize import newmm
from pythainlp.util.trie import Trie


class WordSet(Trie):
    """A ``Trie`` of ``words`` (stripped, as ``Trie.add`` does) kept as a set rather than as nodes."""

    def __init__(self, words: Iterable[str]) -> None:  # no Trie.__init__: it would build the nodes
        self._words = {word.strip() for word in words}
        self._longest = max(map(len, self._words), default=0)

    def add(self, word: str) -> None:
        self._words.add(word := word.strip())
        self._longest = max(self._longest, len(word))

    def remove(self, word: str) -> None:
        self._words.discard(word)

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        """The words ``text`` has at ``start``, shortest first (``Trie.prefixes``)."""
        words, stop = self._words, min(len(text), start + self._longest)
        return [text[start:end] for end in range(start + 1, stop + 1) if text[start:end] in words]

    def __contains__(self, key: object) -> bool:
        return key in self._words

    def __iter__(self) -> Iterator[str]:
        """The words, in no particular order (a ``Trie`` gives them depth first)."""
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)


@lru_cache(maxsize=1)
def default_words() -> Trie:
    """PyThaiNLP's default word list (``pythainlp.tokenize.word_dict_trie``) as a ``WordSet``."""
    return WordSet(thai_words())


def use_default_words() -> None:
    """Make ``default_words`` the dictionary newmm falls back on when given none, as the RTGS romaniser
    calls it: the one place PyThaiNLP builds its default trie for us."""
    # newmm imported the name rather than exporting it: the one place it looks the dictionary up
    newmm.word_dict_trie = default_words  # type: ignore[attr-defined]
