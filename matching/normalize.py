"""Normalisers: one function per field kind, turning values written in any script into comparable keys.

Names arrive in Thai, Vietnamese, Traditional Chinese, Persian, Bulgarian, English and German, in the
native script in one system and in upper-case ASCII in another. Everything here folds both spellings
onto the same ASCII key so that blocking joins and string comparisons see them as equal.

Each ``*_column`` function works on a whole polars column: cheap steps run natively in polars, the
Python step (transliteration) runs once per *distinct* value, never once per row or per pair.
"""

from __future__ import annotations

import json
import pkgutil
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import phonenumbers
import polars as pl
from anyascii import anyascii

from matching.parallel import submit_values

# --- script-specific folding before transliteration -------------------------------------------------

#: Arabic and Persian write the same letters with different code points (ي/ی, ك/ک); ZWNJ joins
#: word parts in Persian ("نوری‌زاده") but is often dropped when typed elsewhere.
_ARABIC_PERSIAN = str.maketrans(
    {
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ة": "ه",
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "\u200c": None,  # ZWNJ
        "\u200d": None,  # ZWJ
        "\u200f": None,  # RLM
        "\u200e": None,  # LRM
        "\u0640": None,  # tatweel
        # Persian pronounces these alike; romanised spellings follow the sound ("Rezaei" for رضایی).
        "ض": "ز",
        "ذ": "ز",
        "ظ": "ز",
        "ث": "س",
        "ص": "س",
        "ط": "ت",
        "ح": "ه",
        # ain and hamza: a glottal stop that romanised spellings drop or write as a vowel ("جعفری" =
        # "Jafari", "علی" = "Ali"); anyascii's apostrophe would split the word in two.
        "ع": "ا",
        "ء": None,
        "ئ": "ی",
        "ؤ": "و",
    }
)

#: Bulgarian romanisation (Streamlined System) differs from anyascii's Russian-style defaults.
_BULGARIAN = str.maketrans(
    {"х": "h", "Х": "H", "щ": "sht", "Щ": "Sht", "ъ": "a", "Ъ": "A", "ь": "y", "Ь": "Y"}
)

#: Chinese characters, as a regex both ``re`` and polars understand.
CJK_LETTERS = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
_CJK = re.compile(CJK_LETTERS)

#: Honorifics glued to the name in scripts that write no spaces (คุณสมชาย, 陳先生).
_NATIVE_TITLE_PREFIX = re.compile(
    r"(?:^|(?<=\s))(?:นางสาว|นาง|นาย|คุณ|ดร\.?|آقای|آقا|خانم|دکتر|سید(?=ه?\s)ه?)\s*"
)
_NATIVE_TITLE_SUFFIX = re.compile(r"(?:先生|女士|小姐|太太|博士)(?=\s|$)")

#: Honorifics after transliteration (compared as whole ASCII tokens).
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "mme",
        "mlle",
        "m",
        "herr",
        "frau",
        "fr",
        "hr",
        "dipl",
        "ing",
        "dott",
        "sig",
        "g-n",
        "g-zha",
        "g-ca",
        "gn",
        "gzha",
        "gospodin",
        "gospozha",
        "d-r",
        "ong",
        "ba",
        "aqay",
        "aqa",
        "agha",
        "khanm",
        "khanom",
        "doktor",
        "khun",
        "nai",
        "nang",
        "nangsaw",
    ]
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


#: Thai: a consonant (with its i/u vowel) under THANTHAKHAT is silent (สมศักดิ์ = "Somsak",
#: ศรีวงศ์ = "Sriwong"); ญ closing a syllable sounds "n" (บุญมา = "Boonma").
_THAI_SILENT = re.compile(r"[\u0e01-\u0e2e][\u0e34\u0e38]?\u0e4c")
_THAI_FINAL_YO = re.compile(r"ญ(?=[\u0e01-\u0e2e]|\s|$)")
#: Thai ทร opening a word is the sound "s" (ทรัพย์ = "Sap", ทรง = "Song"), not "thr".
_THAI_INITIAL_THOR_RUA = re.compile(r"(?<![\u0e01-\u0e4e])ทร(?=[\u0e01-\u0e4e])")
#: Persian: و and ی inside a word are mostly the vowels u/o and i ("داریوش" = "Dariush"), which
#: romanised spellings write as vowels; anyascii's "w"/"y" would make them consonants.
#: Alef is the long "a" that anyascii drops ("سارا" would become "sr", read as "Senior").
_PERSIAN_VOWEL = re.compile(r"(?<=[\u0620-\u06ffuia])([وی])|ا")
_PERSIAN_VOWELS = {"و": "u", "ی": "i"}
#: Thai รร (ro han) without a vowel of its own is "a" before a final consonant and "an" at the end
#: (วรรณ = "wan", กรรม = "kam", สวรร(ค์) = "sawan"); in เพชรรัตน์ the second ร carries a vowel.
_THAI_RO_HAN = re.compile(r"รร(?![\u0e30-\u0e3a\u0e47-\u0e4e])")


def _persian_vowel(match: re.Match[str]) -> str:
    return _PERSIAN_VOWELS[match.group(1)] if match.group(1) else "a"


def _ro_han(match: re.Match[str]) -> str:
    return "ั" if match.end() < len(match.string) and match.string[match.end()] in _THAI_CONSONANTS else "ัน"


_THAI_CONSONANTS = frozenset(chr(c) for c in range(0x0E01, 0x0E2F))
#: Thai writes the vowels เ แ โ ใ ไ before the consonant they follow in speech: letter by letter,
#: แสงทอง is "aesngthong"; read in spoken order it is "saengthong", as ASCII systems write it.
_THAI_LEADING_VOWEL = re.compile(r"([\u0e40-\u0e44])([\u0e01-\u0e2e])")


def fold_script(text: str) -> str:
    """NFKC + script fixes, so that the same name typed on different keyboards is the same string.

    ASCII text is returned as it is: NFKC keeps it, and every table and pattern of the fixes starts
    with a non-ASCII letter (a test holds them to that). Most names, streets and companies are ASCII,
    and the ten passes cost more than the rest of their normalising."""
    return text if text.isascii() else _fold_non_ascii(text)


def _fold_non_ascii(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_ARABIC_PERSIAN).translate(_BULGARIAN)
    text = _NATIVE_TITLE_SUFFIX.sub("", _NATIVE_TITLE_PREFIX.sub(" ", text))
    text = _THAI_FINAL_YO.sub("น", _THAI_SILENT.sub("", text))
    text = _THAI_INITIAL_THOR_RUA.sub("ซ", text)
    text = _THAI_RO_HAN.sub(_ro_han, text)
    return _PERSIAN_VOWEL.sub(_persian_vowel, text)


def _cjk_run(match: re.Match[str]) -> str:
    """Chinese names have no spaces: family name = first syllable, given name = the rest joined.

    陳志明 becomes "chen zhiming", which is how an ASCII system writes it ("CHEN Zhi-Ming").
    """
    syllables = [anyascii(ch) for ch in match.group(0)]
    if 2 <= len(syllables) <= 4:
        return f" {syllables[0]} {''.join(syllables[1:])} "
    return " " + " ".join(syllables) + " "


def _cjk_joined(match: re.Match[str]) -> str:
    """A CJK run inside ONE name part (given or family) is one word: 詩涵 -> "shihan" like "SHIH-HAN"."""
    return " " + "".join(anyascii(ch) for ch in match.group(0)) + " "


def _cjk_syllables(match: re.Match[str]) -> str:
    """Company names: one token per character ("泰和" -> "tai he" like "TAI HO" in Wade-Giles)."""
    return " " + " ".join(anyascii(ch) for ch in match.group(0)) + " "


THAI_LETTERS = r"[\u0e01-\u0e4e]+"
_THAI_WORD = re.compile(THAI_LETTERS)


@lru_cache(maxsize=1)
def _thai_romanizer() -> Callable[[str], str]:
    """PyThaiNLP's Royal Institute (RTGS) romanisation, the system Thai ASCII systems write names in.

    Required (a dependency, not optional): skipping it when missing made match results differ by
    environment. Imported here rather than at module level because importing pythainlp is slow and
    only Thai names need it. Its word dictionary is a ``thai_words.WordSet`` (see there why).
    """
    from pythainlp.transliterate import romanize

    from matching.thai_words import use_default_words

    use_default_words()
    return lambda word: romanize(word, engine="royin")


@lru_cache(maxsize=200_000)
def _thai_word(word: str) -> str:
    return _thai_romanizer()(word)


def _romanize_thai_names(text: str) -> str:
    """สุขสวัสดิ์ -> "sukswat" (RTGS: final ส is "t", silent letters dropped) rather than anyascii's
    letter-by-letter "sukhswas". Names only: ~0.6 ms per distinct word is fine for names, not streets."""
    if not _THAI_WORD.search(text):
        return text
    text = _NATIVE_TITLE_PREFIX.sub(" ", unicodedata.normalize("NFKC", text))
    text = _THAI_INITIAL_THOR_RUA.sub("ซ", text)
    return _THAI_WORD.sub(lambda m: f" {_thai_word(m.group(0))} ", text)


def thai_name(parts: str) -> str | None:
    """ "given<US>family<US>full" in Thai script -> RTGS tokens (``_romanize_thai_names``), a second
    reading next to the hand-written rules of ``fold_script``: each gets some names right that the other
    gets wrong (RTGS: สุขสวัสดิ์ "sukswat"; the rules: เพชรรัตน์ "phetcharat"). ``None`` without Thai."""
    text = " ".join(parts.split(PARTS_SEPARATOR)[:2]).strip() or parts.split(PARTS_SEPARATOR)[-1]
    if not _THAI_WORD.search(text):
        return None
    return " ".join(name_tokens(_romanize_thai_names(text))) or None


#: Name parts, streets and company names of a million records are ~500k distinct strings. The whole-value
#: normalisers (``person_name``, ``thai_name``, ``cantonese_name``, ``wade_giles_name``,
#: ``organization_reading``, ``abjad_key``) run once per distinct value already (``map_unique``) and
#: keep no cache of their own.
_FOLD_CACHE = 1_000_000


_INNER_PUNCTUATION = re.compile(r"(?<=[a-z])['\-.](?=[a-z])")


@lru_cache(maxsize=_FOLD_CACHE)
def ascii_fold(text: str, cjk_part: bool = False, cjk_syllables: bool = False) -> str:
    """Any script -> lower-case ASCII words separated by single spaces (hyphens and dots removed).

    ``cjk_part``: the text is a single name part, so a CJK run is not split into family + given.
    """
    folded = fold_script(text)
    if not folded.isascii():  # the CJK and Thai patterns and anyascii keep ASCII text as it is
        folded = _CJK.sub(_cjk_syllables if cjk_syllables else _cjk_joined if cjk_part else _cjk_run, folded)
        folded = anyascii(_THAI_LEADING_VOWEL.sub(r"\2\1", folded))
    folded = _INNER_PUNCTUATION.sub("", folded.casefold())  # Chih-Ming, O'Neil, g-n
    return " ".join(_NON_ALNUM.sub(" ", folded).split())


_UMLAUT_SPELLING = re.compile(r"([aou])e")


#: Generational suffixes. They are NOT titles: "Thomas Smith Sr." and "Thomas Smith Jr." are father and
#: son, so the suffix is kept apart from the name and compared as its own (disagreement) signal.
SUFFIXES: dict[str, str] = {
    "jr": "jr",
    "junior": "jr",
    "jun": "jr",
    "sr": "sr",
    "senior": "sr",
    "sen": "sr",
    "ii": "ii",
    "2nd": "ii",
    "iii": "iii",
    "3rd": "iii",
    "iv": "iv",
}


#: Short forms of given names that name one full form, so "Dave Williams" meets "WILLIAMS DAVID".
#: Only unambiguous ones (not Chris, Alex, Sam, Pat, Ted); applied to every name token, so none of these
#: may be a common family name.
NICKNAMES: dict[str, str] = {
    "dave": "david", "davy": "david", "jim": "james", "jimmy": "james", "jamie": "james",
    "bill": "william", "billy": "william", "will": "william", "willy": "william", "liam": "william",
    "bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert", "bert": "robert",
    "tom": "thomas", "tommy": "thomas", "beth": "elizabeth", "liz": "elizabeth", "lizzie": "elizabeth",
    "betty": "elizabeth", "eliza": "elizabeth", "becky": "rebecca", "becca": "rebecca", "ed": "edward",
    "eddie": "edward", "ned": "edward", "mike": "michael", "mick": "michael", "mikey": "michael",
    "kate": "katherine", "katie": "katherine", "kathy": "katherine", "catherine": "katherine",
    "lottie": "charlotte", "charlie": "charles", "chuck": "charles", "dan": "daniel", "danny": "daniel",
    "joe": "joseph", "joey": "joseph", "jen": "jennifer", "jenny": "jennifer", "matt": "matthew",
    "nick": "nicholas", "tony": "anthony", "steve": "steven", "stephen": "steven", "andy": "andrew",
    "drew": "andrew", "peggy": "margaret", "maggie": "margaret", "meg": "margaret", "sue": "susan",
    "susie": "susan", "harry": "henry", "hank": "henry", "jack": "john", "johnny": "john",
    "rick": "richard", "dick": "richard", "rich": "richard", "ricky": "richard", "greg": "gregory",
    "ben": "benjamin", "benny": "benjamin", "tim": "timothy", "jeff": "jeffrey", "geoff": "geoffrey",
    "ken": "kenneth", "kenny": "kenneth", "larry": "lawrence", "ron": "ronald", "don": "donald",
    "doug": "douglas", "fred": "frederick", "freddie": "frederick", "gerry": "gerald", "jerry": "gerald",
    "pete": "peter", "phil": "philip", "ray": "raymond", "sandy": "alexandra", "abby": "abigail",
    "vicky": "victoria", "debbie": "deborah", "deb": "deborah", "sally": "sarah", "nancy": "ann",
    "annie": "ann", "anne": "ann", "emily": "emily", "em": "emma", "jo": "joanna", "mandy": "amanda",
    "pam": "pamela", "sepp": "josef", "hansi": "hans", "uli": "ulrich", "fritz": "friedrich",
    "jupp": "josef", "vanya": "ivan", "sasha": "aleksandar", "mitko": "dimitar", "gosho": "georgi",
    "ollie": "oliver", "hal": "henry", "trish": "patricia", "jess": "jessica", "kathi": "katharina",
    "katja": "katharina", "uschi": "ursula", "matze": "matthias", "micha": "michael", "thomy": "thomas",
    "bine": "sabine",
}  # fmt: skip


@lru_cache(maxsize=200_000)
def _token_key(token: str) -> str:
    """One name word's key; cached because the same few hundred thousand words make up every name."""
    return _UMLAUT_SPELLING.sub(r"\1", NICKNAMES.get(token, token))


def name_tokens(text: str, cjk_part: bool = False) -> list[str]:
    """ASCII tokens of a personal name without honorifics and generational suffixes.

    German ASCII systems spell ü as "ue" while anyascii gives "u"; folding "ue"->"u" on both sides makes
    "Müller" and "MUELLER" one key (symmetric, so names that really contain "ue" are unaffected in effect).
    """
    return list(_name_tokens(text, cjk_part))


@lru_cache(maxsize=200_000)
def _name_tokens(text: str, cjk_part: bool) -> tuple[str, ...]:
    """``name_tokens`` as a tuple, cached: ``person_name`` folds given and family name apart, and a
    million records have some ten times fewer distinct given (or family) names than full names."""
    if "." in text:  # the only suffixes taken out before folding are dotted ones
        text = _DOTTED_SUFFIX.sub(" ", text)
    return tuple(
        _token_key(t)
        for t in ascii_fold(text, cjk_part).split()
        if t not in TITLES and (t not in SUFFIXES or t in _DOT_ONLY_SUFFIXES)
    )


#: A suffix is written in Latin letters ("Jr.", "SR", "III"); "jun"/"sen" only with their dot, since
#: undotted they are also given names and readings (Vietnamese Sen, 俊 = "jun", 森 = "sen": a legacy
#: export's "ZHONG JUN XIAN" lost its middle syllable when every "jun" was dropped as a suffix).
_SUFFIX_WORD = re.compile(
    r"(?<![^\W_])(jr|junior|sr|senior|ii|iii|iv|2nd|3rd|jun(?=\.)|sen(?=\.))(?![^\W_])", re.IGNORECASE
)
_DOT_ONLY_SUFFIXES = frozenset({"jun", "sen"})
_DOTTED_SUFFIX = re.compile(r"(?<![^\W_])(?:jun|sen)\.", re.IGNORECASE)


def name_suffix(text: str) -> str | None:
    """The generational suffix ("jr", "sr", "ii", ...) written anywhere in a name, else ``None``.

    Read off the text as written (a regex, no transliteration: it runs once per distinct name)."""
    found = {SUFFIXES[m.casefold()] for m in _SUFFIX_WORD.findall(text)}
    return "/".join(sorted(found)) or None


PARTS_SEPARATOR = "\x1f"


def person_name(parts: str) -> str | None:
    """ "given<US>family<US>full" -> space-joined ASCII name tokens (no titles, no suffix).

    Given and family name are folded separately (a two-character Chinese given name stays one word);
    the full name is used only when neither part is known.
    """
    given, family, full = (parts.split(PARTS_SEPARATOR) + ["", "", ""])[:3]
    if given.strip() or family.strip():
        tokens = _name_tokens(given, True) + _name_tokens(family, True)
    else:
        tokens = _name_tokens(full, False)
    return " ".join(tokens) or None


@lru_cache(maxsize=1)
def _cantonese_readings() -> dict[str, list[str]]:
    """Character -> Hong Kong Government Cantonese romanisations (package cantonese-romanisation).

    Required (a dependency): without it HK names would compare on their pinyin only and results
    would differ by environment, so a missing package fails here rather than being skipped.
    """
    data = pkgutil.get_data("cantoroman", "data/charToRoman.json")
    if not data:
        raise RuntimeError("cantonese-romanisation installed without its data/charToRoman.json")
    readings: dict[str, list[str]] = json.loads(data)
    return readings


def _hk_reading(match: re.Match[str]) -> str:
    out = []
    for ch in match.group(0):
        readings = _cantonese_readings().get(ch)
        if not readings:
            out.append(anyascii(ch))
            continue
        # HK government spelling writes unaspirated initials as k/ch/t/p (KWOK, KA, TAK) and a final
        # long "a" as "ah" (WAH): prefer those
        reading = next((r for r in readings if r[0] not in "gjdb"), readings[0])
        out.append(reading + "h" if reading.endswith("a") and reading + "h" in readings else reading)
    return " " + " ".join(out) + " "


def cantonese_name(parts: str) -> str | None:
    """ "given<US>family<US>full" written in Chinese characters -> Cantonese tokens, one per syllable.

    蔡雅婷 is "cai yating" in pinyin but "CHOI NGA TING" in a Hong Kong system; this gives
    "nga ting choi" (order does not matter, keys are sorted). ``None`` for names without CJK.
    """
    if parts.isascii():  # most names: no CJK, and the split and search cost more than this check
        return None
    given, family, full = (parts.split(PARTS_SEPARATOR) + ["", "", ""])[:3]
    text = f"{given} {family}" if given.strip() or family.strip() else full
    if not _CJK.search(text):
        return None
    return " ".join(name_tokens(_CJK.sub(_hk_reading, text))) or None


_WG_WHOLE = {
    "zhi": "chih", "chi": "chih", "shi": "shih", "ri": "jih", "zi": "tzu", "ci": "tzu", "si": "ssu",
    "he": "ho", "ge": "ko", "ke": "ko",  # 何 "HO", 葛 "KO", 柯 "KO"
    "you": "yu", "ye": "yeh", "yue": "yueh",  # 游 "YU", 葉 "YEH", 岳 "YUEH"; 有限 "YU HSIEN"
}  # fmt: skip
_WG_INITIAL = re.compile(r"^(zh|ch|sh|z|c|j|q|x|r|b|d|g)")
_WG_INITIALS = {
    "zh": "ch", "ch": "ch", "sh": "sh", "z": "ts", "c": "ts", "j": "ch", "q": "ch", "x": "hs", "r": "j",
    "b": "p", "d": "t", "g": "k",
}  # fmt: skip
_WG_FINALS = (("iong", "iung"), ("ong", "ung"), ("ian", "ien"), ("ie", "ieh"), ("yan", "yen"))


@lru_cache(maxsize=4096)
def wade_giles(syllable: str) -> str:
    """One pinyin syllable in Wade-Giles as Taiwanese systems write it, without apostrophes:
    "zhi" -> "chih", "qiang" -> "chiang", "xie" -> "hsieh", "cai" -> "tsai", "guo" -> "kuo"."""
    if syllable in _WG_WHOLE:
        return _WG_WHOLE[syllable]
    out = _WG_INITIAL.sub(lambda m: _WG_INITIALS[m.group(1)], syllable)
    for old, new in _WG_FINALS:
        if out.endswith(old):
            return out[: -len(old)] + new
    return out


@lru_cache(maxsize=1)
def _pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable with a vowel: anyascii's readings of the CJK Unified Ideographs
    (~420; without the interjections "ng", "m", "hm", which would split Wade-Giles "jung" as "ju|ng")."""
    readings = (anyascii(chr(code)).lower() for code in range(0x4E00, 0xA000))
    return frozenset(r for r in readings if r.isascii() and r.isalpha() and re.search("[aeiouv]", r))


def _pinyin_split(word: str) -> list[str] | None:
    """ "guoqiang" -> ["guo", "qiang"]; ``None`` if the word is no run of pinyin syllables. A syllable
    after the first never starts with a vowel (pinyin writes "xi'an"), which keeps Wade-Giles words
    such as "chia" (not "chi|a") whole."""
    syllables = _pinyin_syllables()
    if not word:
        return []
    for end in range(min(len(word), 6), 0, -1):
        head = word[:end]
        if head in syllables and not (end < len(word) and word[end] in "aeiou"):
            rest = _pinyin_split(word[end:])
            if rest is not None:
                return [head, *rest]
    return None


@lru_cache(maxsize=100_000)
def _taiwan_word(word: str) -> str:
    syllables = _pinyin_split(word)
    return "".join(wade_giles(s) for s in syllables) if syllables else word


def taiwan_spelling(tokens: str) -> str | None:
    """Name tokens of a Taiwanese person in one romanisation: pinyin words folded to Wade-Giles as
    Taiwan writes them ("guoqiang zheng" -> "kuochiang cheng", the passport's "KUO-CHIANG CHENG");
    words that are no pinyin ("hsiuying", "tsai") are Wade-Giles already. Only for Taiwan: elsewhere
    "dina" is no 地那 and must not become "tina"."""
    return " ".join(_taiwan_word(t) for t in tokens.split()) or None


def _wg_syllables(text: str) -> list[str]:
    return [wade_giles(anyascii(ch).lower()) for ch in text]


def wade_giles_name(parts: str) -> str | None:
    """ "given<US>family<US>full" in Chinese characters -> Wade-Giles tokens as Taiwan writes names:
    志強 蔡 -> "chihchiang tsai" (like "TSAI CHIH-CHIANG"). ``None`` for names without CJK."""
    if parts.isascii():  # most names: no CJK (see ``cantonese_name``)
        return None
    given, family, full = (parts.split(PARTS_SEPARATOR) + ["", "", ""])[:3]
    if given.strip() or family.strip():
        runs = [given, family]
    else:
        runs = [full[:1], full[1:]] if 2 <= len(full) <= 4 and _CJK.fullmatch(full) else [full]
    if not any(_CJK.search(run) for run in runs):
        return None
    text = " ".join(_CJK.sub(lambda m: " " + "".join(_wg_syllables(m.group(0))) + " ", run) for run in runs)
    return " ".join(name_tokens(text)) or None


def name_part_key(text: str) -> str | None:
    """One name part (given or family) as written in its own field: "志明" -> "zhiming", "Anna-Lena" ->
    "annalena". Compared on its own so that a changed family name (marriage, a typo that rewrites it)
    still leaves the given name as evidence, and the other way round."""
    return " ".join(sorted(name_tokens(text, cjk_part=True))) or None


def person_suffix(parts: str) -> str | None:
    return name_suffix(parts.replace(PARTS_SEPARATOR, " "))


def tokens_key(tokens: str) -> str | None:
    """Order-insensitive key of already folded tokens ("chen zhiming" == "zhiming chen")."""
    return " ".join(sorted(tokens.split())) or None


def tokens_phonetic_key(tokens: str) -> str | None:
    return " ".join(sorted(filter(None, map(phonetic_token, tokens.split())))) or None


def name_key(text: str) -> str | None:
    """Order-insensitive key: sorted tokens ("Chen Zhiming" == "Zhiming CHEN")."""
    tokens = sorted(name_tokens(text))
    return " ".join(tokens) or None


# --- phonetic-ish key: survives romanisation systems (Wade-Giles vs pinyin, RTGS vs anyascii) --------

_DIGRAPHS = [
    ("sch", "s"),
    ("tch", "j"),
    ("sh", "s"),
    ("zh", "j"),
    ("ch", "j"),
    ("hs", "s"),
    ("ts", "j"),
    ("cv", "jv"),  # Bulgarian Ц as "c" (Cvetelina, Cvetkova) = "ts" (Tsvetelina)
    ("tz", "j"),
    ("ph", "p"),
    ("th", "t"),
    ("kh", "k"),
    ("gh", "g"),
    ("ck", "k"),
    ("dh", "d"),
    ("ae", "a"),
    ("oe", "o"),
    ("ue", "u"),
]
#: Labials are one class and "ph" is "p": Thai ph is an aspirated p, romanised "Petcharat" as often as
#: "Phetcharat" (RTGS), "Promma" as "Phromma"; in European names ph/f/v/w variants (Joseph/Josef,
#: Stephan/Stefan) meet all the same.
_LETTER_CLASS = str.maketrans("bpdtgkqfvwjzxsclrmn", "ppttkkkpppsssssrrmn")
_VOWELS = re.compile(r"[aeiouyh]")
_REPEATS = re.compile(r"(.)\1+")
_SOFT_C = re.compile(r"c(?=[eiy])")


@lru_cache(maxsize=200_000)
def phonetic_token(token: str) -> str:
    """Consonant skeleton with sound classes merged: "chihming" and "zhiming" both give "smnk".

    Deliberately lossy; it only feeds a weaker comparison level and a blocking key, never an exact one.
    """
    for old, new in _DIGRAPHS:
        token = token.replace(old, new)
    token = _SOFT_C.sub("s", token).replace("c", "k")
    token = _VOWELS.sub("", token.translate(_LETTER_CLASS))
    return _REPEATS.sub(r"\1", token)


def phonetic_key(text: str) -> str | None:
    return " ".join(sorted(filter(None, map(phonetic_token, _name_tokens(text, False))))) or None


# --- organisations ------------------------------------------------------------------------------------

#: Legal forms written in a native script, removed before transliteration because they are often glued
#: to the name (台積電股份有限公司, บริษัทสยามฟู้ดจำกัด). Longest first so "股份有限公司" wins over "公司".
_NATIVE_LEGAL_FORMS_AS_WRITTEN: dict[str, str] = {
    "股份有限公司": "inc",
    "有限公司": "co ltd",
    "公司": "co",
    "บริษัท": "co",
    "จำกัด (มหาชน)": "plc",
    "จำกัด(มหาชน)": "plc",
    "มหาชน": "plc",
    "จำกัด": "ltd",
    "ห้างหุ้นส่วนจำกัด": "lp",
    "شرکت": "co",
    "سهامی خاص": "jsc",
    "سهامی عام": "plc",
    "با مسئولیت محدود": "ltd",
    # single-owner forms are different legal entities from their multi-owner siblings
    "ЕООД": "sole ltd",
    "ООД": "ltd",
    "ЕАД": "sole jsc",
    "АД": "jsc",
    "ЕТ": "sole",
    "ООО": "ltd",
    "АО": "jsc",
}
#: Input is NFKC-normalised first (which decomposes Thai SARA AM), so the patterns must be too.
_NATIVE_LEGAL_FORMS = {unicodedata.normalize("NFKC", k): v for k, v in _NATIVE_LEGAL_FORMS_AS_WRITTEN.items()}


def _native_pattern(form: str) -> str:
    """Cyrillic forms (АД, ЕТ) are short enough to occur inside words; CJK and Thai have no spaces."""
    if re.search(r"[\u0400-\u04ff]", form):
        return rf"(?<!\w){re.escape(form)}(?!\w)"
    return re.escape(form)


_NATIVE_LEGAL_RE = re.compile(
    "|".join(_native_pattern(k) for k in sorted(_NATIVE_LEGAL_FORMS, key=len, reverse=True))
)

#: Legal forms after ASCII folding (Latin-script systems and Vietnamese).
_LEGAL_FORMS: dict[str, str] = {
    "cong ty co phan": "jsc",
    # a one-member LLC is another legal entity than its multi-member sibling (like ЕООД and ООД)
    "cong ty tnhh mot thanh vien": "sole ltd",
    "cong ty tnhh mtv": "sole ltd",
    "one member co ltd": "sole ltd",
    "one member limited liability company": "sole ltd",
    "limited partnership": "lp",
    "ltd partnership": "lp",
    "lp": "lp",
    "llp": "llp",
    "public jsc": "plc",
    "pjs": "jsc",
    "pjsc": "jsc",
    "cong ty tnhh": "ltd",
    "cong ty": "co",
    "tnhh": "ltd",
    "company limited": "co ltd",
    "co ltd": "co ltd",
    "pte ltd": "ltd",
    "pty ltd": "ltd",
    "limited": "ltd",
    "ltd": "ltd",
    "plc": "plc",
    "public company limited": "plc",
    "pcl": "plc",
    "llc": "ltd",
    "inc": "inc",
    "incorporated": "inc",
    "corp": "inc",
    "corporation": "inc",
    "gmbh co kg": "kg",
    "gmbh": "gmbh",
    "ggmbh": "gmbh",
    "ug haftungsbeschrankt": "ug",
    "ug haftungsbeschraenkt": "ug",
    "ag": "ag",
    "kg": "kg",
    "ohg": "ohg",
    "ev": "ev",
    "eood": "sole ltd",
    "ood": "ltd",
    "ead": "sole jsc",
    "ad": "jsc",
    "et": "sole",
    "jsc": "jsc",
    "ojsc": "jsc",
    "sa": "sa",
    "srl": "ltd",
    "bv": "ltd",
    "nv": "plc",
    "co": "co",
    "company": "co",
}
#: "co ltd" and "ltd" are one signal; "plc" vs "ltd" is not.
_FORM_RANK = (
    "plc",
    "sole jsc",
    "jsc",
    "ag",
    "sa",
    "kg",
    "ohg",
    "ev",
    "gmbh",
    "ug",
    "inc",
    "lp",
    "llp",
    "sole ltd",
    "co ltd",
    "ltd",
    "sole",
    "co",
)


#: Abbreviations that CSV exports use inside organisation names.
_ORG_WORDS = {
    "intl": "international",
    "hldgs": "holding",
    "hldg": "holding",
    "grp": "group",
    "jituan": "group",
}


#: Common business words, so that a translated name ("貿易" / "TRADING", "Xây dựng" / "CONSTRUCTION")
#: meets its English rendering. Native-script words are replaced before transliteration.
_NATIVE_ORG_WORDS_AS_WRITTEN: dict[str, str] = {
    "貿易": "trading",
    "電子": "electronics",
    "建設": "construction",
    "科技": "technology",
    "技術": "technology",
    "集團": "group",
    "控股": "holdings",
    "國際": "international",
    "實業": "industrial",
    "工業": "industrial",
    "食品": "food",
    "物流": "logistics",
    "工程": "engineering",
    "精密": "precision",
    "投資": "investment",
    "運輸": "transport",
    "醫療": "medical",
    "軟體": "software",
    "เทรดดิ้ง": "trading",
    "การค้า": "trading",
    "ฟู้ด": "food",
    "อาหาร": "food",
    "สตีล": "steel",
    "โลจิสติกส์": "logistics",
    "ทัวร์": "tour",
    "การช่าง": "engineering",
    "ก่อสร้าง": "construction",
    "โฮลดิ้ง": "holding",
    "เซอร์วิส": "service",
    "อินเตอร์": "inter",
    "กรุงเทพ": "bangkok",
    "ไทย": "thai",
    "بین‌الملل": "international",
    "بینالملل": "international",
    "بازرگانی": "trading",
    "تجارت": "trading",
    "صنعت": "industry",
    "فناوری": "technology",
    "ساختمان": "construction",
    "شرق": "east",
}
_NATIVE_ORG_WORDS = {fold_script(k): v for k, v in _NATIVE_ORG_WORDS_AS_WRITTEN.items()}
_NATIVE_ORG_RE = re.compile("|".join(re.escape(k) for k in sorted(_NATIVE_ORG_WORDS, key=len, reverse=True)))
#: The same words after ASCII folding (Vietnamese, German, transliterated spellings).
_ORG_PHRASES: dict[str, str] = {
    "thuc pham": "food",
    "xay dung": "construction",
    "thuong mai": "trading",
    "cong nghe": "technology",
    "dien tu": "electronics",
    "van tai": "transport",
    "dau tu": "investment",
    "quoc te": "international",
    "tap doan": "group",
    "mien nam": "southern",
    "mien bac": "northern",
    "du lich": "tour",
    "trade": "trading",
    "treyd": "trading",
    "treid": "trading",
    "handel": "trading",
    "foods": "food",
    "holdings": "holding",
    "services": "service",
    "tejarat": "trading",
    "sakhteman": "construction",
    "fanavari": "technology",
    "sanat": "industry",
    "stroy": "construction",
    "bau": "construction",
    "logistik": "logistics",
    "international": "international",
    "inter": "international",
}


def _latin_readings(native: str) -> set[str]:
    """How Latin-script systems write a native word: pinyin and Wade-Giles for Chinese, RTGS and
    letter by letter for Thai, letter by letter for Persian and Cyrillic (a legacy export's
    有限公司 is "YOU XIAN GONG SI", its บริษัท "BRISAT")."""
    readings = {ascii_fold(native, cjk_syllables=True), ascii_fold(_romanize_thai_names(native))}
    if _CJK.search(native):
        readings.add(" ".join(_wg_syllables(native)))
    return {r for r in (" ".join(x.split()) for x in readings) if len(r.replace(" ", "")) >= 4}


def _with_readings(forms: dict[str, str], native: dict[str, str]) -> dict[str, str]:
    """``forms`` plus the Latin readings of the ``native`` words (a reading never overrides a form)."""
    return {**{r: v for k, v in native.items() for r in _latin_readings(k)}, **forms}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(k) for k in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _OrgVocabulary:
    """Legal forms and business words with their Latin readings, and the patterns that find them.

    Built on first use, not at import: the readings call the Thai romaniser, which every process that
    imports the engine (each Airflow task, ``crmhub --help``) would otherwise load."""

    legal_forms: dict[str, str]
    legal_re: re.Pattern[str]
    #: A name cut at a legacy field width keeps the first words of a long legal form ("RUI FENG SHI PIN
    #: YOU XIAN" for 有限公司, "... CONG TY TNHH MOT THANH"): two or more leading words of a form of
    #: three or more, at the very end of the name, are that form.
    truncated: dict[str, str]
    truncated_re: re.Pattern[str]
    phrases: dict[str, str]
    phrase_re: re.Pattern[str]


@lru_cache(maxsize=1)
def _vocabulary() -> _OrgVocabulary:
    forms = _with_readings(_LEGAL_FORMS, _NATIVE_LEGAL_FORMS)
    truncated = {
        " ".join(words[:n]): form
        for key, form in forms.items()
        if len(words := key.split()) >= 3
        for n in range(2, len(words))
    }
    phrases = _with_readings(_ORG_PHRASES, _NATIVE_ORG_WORDS_AS_WRITTEN)
    return _OrgVocabulary(
        forms,
        re.compile(rf"(?:^|\s)({_alternation(forms)})(?=\s|$)"),
        truncated,
        re.compile(rf"(?:^|\s)({_alternation(truncated)})$"),
        phrases,
        re.compile(rf"(?<![a-z0-9])({_alternation(phrases)})(?![a-z0-9])"),
    )


@lru_cache(maxsize=200_000)
def split_organization(text: str) -> tuple[str | None, str | None]:
    """Organisation name -> (name key without legal forms, canonical legal form).

    "Công ty TNHH Minh Phát" and "MINH PHAT CO., LTD." both give ("minh phat", "ltd"): the name is
    compared on its own and the legal form is kept as a separate, weaker signal. Cached: the name key,
    its sound and the legal form are three feature columns of one split.
    """
    native, forms = _organization_native(text)
    return _organization_core(ascii_fold(native, cjk_syllables=True), forms, text)


def _organization_native(text: str) -> tuple[str, list[str]]:
    """Native-script legal forms taken out (and returned), native industry words translated.

    ASCII text is returned as it is (most company names): NFKC keeps it, and every native form and
    word has a non-ASCII letter (a test holds them to that), so the three passes would find nothing."""
    return (text, []) if text.isascii() else _organization_non_ascii(text)


def _organization_non_ascii(text: str) -> tuple[str, list[str]]:
    native = unicodedata.normalize("NFKC", text)
    forms = [_NATIVE_LEGAL_FORMS[m.group(0)] for m in _NATIVE_LEGAL_RE.finditer(native)]
    native = _NATIVE_LEGAL_RE.sub(" ", native)
    return _NATIVE_ORG_RE.sub(lambda m: f" {_NATIVE_ORG_WORDS[m.group(0)]} ", fold_script(native)), forms


def _organization_core(folded: str, forms: list[str], text: str) -> tuple[str | None, str | None]:
    words = _vocabulary()
    if (cut := words.truncated_re.search(folded)) and cut.group(1) not in words.legal_forms:
        forms = [*forms, words.truncated[cut.group(1)]]
        folded = folded[: cut.start()]
    found = [words.legal_forms[m.group(1)] for m in words.legal_re.finditer(folded)]
    forms = forms + found
    core = words.legal_re.sub(" ", folded) if found else folded  # no form found: nothing to take out
    core = words.phrase_re.sub(lambda m: words.phrases[m.group(1)], core)
    # word order differs between languages ("Xây dựng Thành Công" / "THANH CONG CONSTRUCTION")
    core = " ".join(sorted(_ORG_WORDS.get(t, t) for t in core.split()))
    form = next((f for f in _FORM_RANK if f in forms), forms[0] if forms else None)
    if form == "co ltd":
        form = "ltd"
    return core or folded or ascii_fold(text) or None, form


def _wg_run(match: re.Match[str]) -> str:
    return " " + " ".join(_wg_syllables(match.group(0))) + " "


def organization_reading(text: str) -> str | None:
    """A Chinese- or Thai-script company name's key as a Latin-script system would write the name:
    Wade-Giles syllables (瑞豐食品 -> "feng food jui" like "JUI FENG FOODS") and RTGS for Thai words.
    ``None`` when the name has neither script (the primary key is then the only reading)."""
    if not (_CJK.search(text) or _THAI_WORD.search(text)):
        return None
    native, forms = _organization_native(text)
    native = _CJK.sub(_wg_run, _romanize_thai_names(native))
    return _organization_core(ascii_fold(native), forms, text)[0]


#: Letters of the scripts CRM Hub transliterates (polars / Rust regex syntax).
NON_LATIN_PATTERN = r"[\p{Han}\p{Thai}\p{Arabic}\p{Cyrillic}\p{Hangul}\p{Hiragana}\p{Katakana}]"
#: Arabic-script letters (Arabic, Persian, Urdu), as a regex both ``re`` and polars understand.
ARABIC_SCRIPT_PATTERN = "[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"
#: Letters that Arabic script writes as vowels or not at all: و is "u", "o" or "v" ("Mousavi"), ی is
#: "i", "y" or "e"; short vowels are not written. Dropping them from both sides leaves the skeleton.
_ABJAD_VOWELS = re.compile(r"[vwy]")


def abjad_key(folded: str) -> str | None:
    """Consonant skeleton of folded name tokens, the way Arabic script spells them: "novin pakhsh" and
    "nuin pkhsh" (نوین پخش) both give "n pks", "mousavi"/"musui" (موسوی) both "ms". Very lossy: it is
    compared only between an Arabic-script name and a Latin one, where nothing finer is possible."""
    return " ".join(sorted(filter(None, map(_abjad_token, folded.split())))) or None


@lru_cache(maxsize=200_000)
def _abjad_token(token: str) -> str:
    """One token's skeleton; cached because the same words make up most names (as ``phonetic_token``)."""
    return phonetic_token(_ABJAD_VOWELS.sub("", token))


def organization_phonetic_key(text: str) -> str | None:
    core = split_organization(text)[0]
    return phonetic_key(core) if core else None


def organization_written(text: str) -> str | None:
    """An organisation's name as written, folded, words in order and legal form kept: a name cut at a
    legacy field width is a prefix of this (umlauts spelt one way: "MUELLER" is "Müller")."""
    return _UMLAUT_SPELLING.sub(r"\1", ascii_fold(text)) or None


def organization_key(text: str) -> str | None:
    return split_organization(text)[0]


def legal_form(text: str) -> str | None:
    return split_organization(text)[1]


# --- contact fields -----------------------------------------------------------------------------------


#: One "@", something before it, a dotted domain after it, no spaces: what can be a mailbox at all.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email_key(text: str) -> str | None:
    """The address case-folded, or None where it cannot be one ("x@@mail.com", "x@", "x at home"):
    such values are placeholders typed into a required field, and as keys they merged strangers."""
    email = text.strip().casefold()
    return email if _EMAIL_SHAPE.fullmatch(email) else None


@lru_cache(maxsize=512)
def _phone_prefix(country: str | None) -> tuple[str, str]:
    """(country calling code, national trunk prefix) for a region, from phonenumbers' metadata."""
    if not country:
        return "", ""
    code = phonenumbers.country_code_for_region(country.upper())
    meta = phonenumbers.PhoneMetadata.metadata_for_region(country.upper())
    trunk = (meta.national_prefix or "") if meta else ""
    return (str(code) if code else ""), trunk


@lru_cache(maxsize=1)
def _digit_table() -> dict[int, str]:
    """Every non-ASCII decimal digit of the Basic Multilingual Plane (Persian ۳, Arabic-Indic ٣, Thai ๓,
    full-width ３, ...) -> its ASCII digit: 360 of them, built in ~2 ms."""
    digits = ((code, unicodedata.decimal(chr(code), None)) for code in range(0x80, 0x10000))
    return {code: str(value) for code, value in digits if value is not None}


def ascii_digits(text: str) -> str:
    """Digits as ASCII: a Persian web shop's "پلاک ۳۹۶" and an ERP's "پلاک 396" name one house, and
    "۰۲۱ ۸۸۸۸ ۱۲۳۴" is "021 8888 1234"."""
    return text if text.isascii() else text.translate(_digit_table())


def ascii_digit_column(texts: pl.Series) -> pl.Series:
    """``ascii_digits`` over a whole column at once (one Aho-Corasick pass, no Python per value)."""
    table = _digit_table()
    return texts.str.replace_many([chr(code) for code in table], list(table.values()))


_NON_DIGITS = re.compile(r"\D")
_NON_ALNUM_UPPER = re.compile(r"[^0-9A-Z]")
_TAX_COUNTRY = re.compile(r"^[A-Z]{2}(?=\d{6,})")


def phone_key(text: str, country: str | None = None) -> str | None:
    """E.164 digits without validation: "+49 30 1234567", "030 1234567" (DE) and "0049301234567" agree.

    Validity is the connectors' job; here we only need equal numbers to produce equal keys, quickly.
    """
    text = ascii_digits(text.strip())
    digits = _NON_DIGITS.sub("", text)
    if len(digits) < 6:
        return None
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    code, trunk = _phone_prefix(country)
    if not code:
        return "+" + digits
    if trunk and digits.startswith(trunk):
        digits = digits[len(trunk) :]
    elif digits.startswith(code) and len(digits) > 10:
        return "+" + digits
    return f"+{code}{digits}"


def tax_key(text: str) -> str | None:
    """Alphanumerics only, without a leading ISO country prefix ("DE 123 456 789" == "123456789")."""
    key = _NON_ALNUM_UPPER.sub("", anyascii(unicodedata.normalize("NFKC", text)).upper())
    key = _TAX_COUNTRY.sub("", key)
    return key or None


def postal_key(text: str) -> str | None:
    key = _NON_ALNUM_UPPER.sub("", ascii_digits(text).upper())
    return key or None


_STREET_WORDS = {
    "str": "strasse",
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "blvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "pl": "place",
    "sq": "square",
    "e": "east",
    "w": "west",
    "n": "north",
    "s": "south",
    "duong": "duong",
    "ul": "ulitsa",
    "bul": "bulevard",
    "bulv": "bulevard",
    "khiyaban": "khiaban",
}


#: A captured number: ``split`` gives the text between numbers and the numbers in one pass.
_NUMBER = re.compile(r"(\d+)")
_GLUED_STREET = re.compile(r"(?<=[a-z])(strasse|str)\b")


def street_key(text: str) -> str | None:
    """The street as words and house numbers: "Invalidenstr. 7" == "INVALIDENSTRASSE 7".

    Every home has its own number but a town only a few dozen street names, so the words are folded
    once per street name (numbers stood in by "0", ``_street_words_key``) and the numbers put back."""
    pieces = _NUMBER.split(text)
    if len(pieces) == 1:
        return _street_words_key(text)
    numbers = pieces[1::2]
    key = _street_words_key("0".join(pieces[::2]))
    if key is None:
        return key
    parts = key.split("0")
    if len(parts) != len(numbers) + 1:  # a fold that moved a number: fold the whole text instead
        return _street_words_key(text)
    if not text.isascii():  # Persian, Arabic-Indic, full-width digits: put back as ASCII
        numbers = ["".join(str(unicodedata.digit(c)) for c in number) for number in numbers]
    return "".join(chain.from_iterable(zip(parts[:-1], numbers, strict=True))) + parts[-1]


@lru_cache(maxsize=100_000)
def _street_words_key(text: str) -> str | None:
    # German glues the street word on: "Invalidenstr." == "Invalidenstraße" == "INVALIDENSTRASSE"
    tokens = _GLUED_STREET.sub(r" \1", ascii_fold(text)).split()
    key = " ".join(_STREET_WORDS.get(t, t) for t in tokens)
    return key or None


def city_key(text: str) -> str | None:
    return ascii_fold(text) or None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def date_key(text: str) -> str | None:
    """ISO date (first 10 characters of an ISO date or datetime) or ``None`` when unparseable."""
    text = text.strip()[:10]
    return text if _ISO_DATE.fullmatch(text) else None


# --- column helpers -----------------------------------------------------------------------------------


def warm_up(thai: bool = True) -> None:
    """Load the vocabularies and transliteration dictionaries the normalisers read lazily, so forked
    workers (``matching.parallel``) share them rather than each building its own."""
    _vocabulary()
    _pinyin_syllables()
    _cantonese_readings()
    if thai:
        _thai_word.__wrapped__("สมชาย")  # loads PyThaiNLP's word list; not cached: a warm-up only


def map_unique(column: pl.Series, func: Callable[[str], str | None]) -> pl.Series:
    """Apply a Python normaliser once per distinct non-null value and broadcast the result back."""
    return map_unique_later(column, func)()[0]


def map_unique_later(column: pl.Series, *funcs: Callable[[str], str | None]) -> Callable[[], list[pl.Series]]:
    """``[map_unique(column, f) for f in funcs]``, started now (``parallel.submit_values``), got by
    calling what this returns.

    The functions go to the workers together: the values are found, sent and looked up once rather
    than once per function, and the caches the functions share (``split_organization``,
    ``ascii_fold``) are hit in the process that filled them.
    """
    uniques = column.drop_nulls().unique()
    pending = submit_values(funcs, uniques.to_list())

    def broadcast() -> list[pl.Series]:
        position = column.replace_strict(
            uniques, pl.int_range(len(uniques), dtype=pl.UInt32, eager=True), default=None
        )
        return [pl.Series(column.name, mapped, dtype=pl.Utf8).gather(position) for mapped in pending()]

    return broadcast


def split_multi(column: pl.Series) -> pl.Series:
    """ "a; b" -> ["a", "b"] (several e-mails or phones in one flat cell)."""
    return (
        column.str.split(";")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )
