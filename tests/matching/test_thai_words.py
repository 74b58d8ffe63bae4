"""The word set the RTGS romaniser cuts Thai names with answers exactly as PyThaiNLP's own trie."""

from __future__ import annotations

import random
import re

import pytest
from pythainlp.corpus import thai_words
from pythainlp.tokenize import newmm
from pythainlp.util.trie import Trie

from matching import normalize as nz
from matching.thai_words import WordSet, default_words

NAMES = [
    "สมชาย ใจดี",
    "สมศักดิ์ เพชรรัตน์",
    "มาลี บุญมา",
    "กนกวรรณ",
    "วงศ์สวัสดิ์",
    "บริษัท สยามฟู้ด จำกัด (มหาชน)",
    "ห้างหุ้นส่วนจำกัด เชียงใหม่เทรดดิ้ง",
    "ถนนสุขุมวิท ขอนแก่น",
]


@pytest.fixture(scope="module")
def trie() -> Trie:
    return Trie(thai_words())


def test_prefixes_equal_the_tries_at_every_position(trie):
    texts = NAMES + random.Random(7).sample(sorted(thai_words()), 3_000)
    texts += ["".join(random.Random(n).sample(texts, 3)) for n in range(300)]  # runs of several words
    words = default_words()
    assert all(words.prefixes(t, i) == trie.prefixes(t, i) for t in texts for i in range(len(t) + 1))
    assert all(newmm.segment(t, words) == newmm.segment(t, trie) for t in texts)
    assert len(words) == len(trie) and set(words) == set(trie)


def test_a_word_set_behaves_as_a_trie_of_the_same_words():
    words, trie = WordSet([" ab", "abc", "b"]), Trie([" ab", "abc", "b"])
    words.add("abcd ")
    trie.add("abcd ")
    words.remove("b")
    trie.remove("b")
    assert [words.prefixes("xabcde", 1), "ab" in words, "b" in words, len(words)] == [
        trie.prefixes("xabcde", 1),
        "ab" in trie,
        "b" in trie,
        len(trie),
    ]
    assert not WordSet([]) and WordSet([]).prefixes("abc") == []


def test_the_romaniser_reads_names_as_with_pythainlps_trie(trie, monkeypatch):
    nz._thai_romanizer()
    assert newmm.word_dict_trie() is default_words()
    runs = [run for name in NAMES for run in re.findall(nz.THAI_LETTERS, name)]
    ours = [nz._thai_word.__wrapped__(run) for run in runs]
    monkeypatch.setattr(newmm, "word_dict_trie", lambda: trie)
    assert [nz._thai_word.__wrapped__(run) for run in runs] == ours
