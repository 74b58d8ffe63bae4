"""Search keys: what finds a customer however a steward spells them.

The matcher already reads every name in the scripts and romanisations the systems use (Cyrillic as
"chono nikolov", 蔡佳欣 as pinyin "cai jiaxin" and as Taiwan's Wade-Giles "tsai chiahsin", Thai in
RTGS...). The same normalisers turn each staged source record into a handful of keys and a steward's
query into the same kind of keys, and a plain indexed lookup (``search_keys.key``) finds the records
whatever order, script or spelling either side used. Chinese names are also keyed by character, so a
one-character surname ("蔡") finds its customers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

from matching import normalize as nz
from matching.features import build_features
from matching.frame import conform
from schemas import RecordKey

#: Keys longer than this are cut (the column is sized for them; a longer word finds nothing more).
MAX_KEY = 160
#: Name words shorter than this are no key (initials); a Chinese character is one on its own.
MIN_WORD = 2
#: Sound keys shorter than this say too little ("s" is every Sun, Song and Sato) to look up.
MIN_SOUND = 3
#: Countries a query is also read for: their systems romanise Chinese names their own way.
QUERY_COUNTRIES = (None, "TW", "HK")
_NAME_FIELDS = ("given_name", "family_name", "full_name", "organization_name")


#: The Chinese characters keyed one by one (``c:``): the unified ideographs, extension A, compatibility.
_CJK_RANGES = (("\u4e00", "\u9fff"), ("\u3400", "\u4dbf"), ("\uf900", "\ufaff"))
#: The same ranges as a regular-expression class, for the column-wise keys (``key_rows``).
_CJK = "[" + "".join(f"{low}-{high}" for low, high in _CJK_RANGES) + "]"


def is_cjk(ch: str) -> bool:
    return any(low <= ch <= high for low, high in _CJK_RANGES)


def _words(values: Iterable[str | None]) -> set[str]:
    return {f"n:{w}" for v in values if v for w in v.split() if len(w) >= MIN_WORD and not w.isdigit()}


def _split(column: pl.Expr) -> pl.Expr:
    """``str.split()`` of each value, as a list: runs of whitespace separate, none at either end."""
    return column.str.replace_all(r"\s+", " ").str.strip_chars(" ").str.split(" ")


def _tagged(frame: pl.DataFrame, column: pl.Expr, tag: str, min_length: int = 1) -> pl.DataFrame:
    """(row, key) for each value of the list ``column`` at least ``min_length`` characters long."""
    values = frame.select("row", column.alias("value")).explode("value")
    values = values.filter(pl.col("value").str.len_chars() >= min_length)
    return values.select("row", key=pl.lit(tag) + pl.col("value"))


def _not_numbers(words: pl.DataFrame) -> pl.DataFrame:
    """Drop the name words made of digits only (``str.isdigit``, asked once per distinct word: it
    takes every script's digits, which a regular expression's ``\\d`` does not quite)."""
    distinct = words["key"].unique()
    numbers = {word for word in distinct.to_list() if word[2:].isdigit()}
    return words.filter(~pl.col("key").is_in(list(numbers))) if numbers else words


def key_rows(features: pl.DataFrame, raw_names: pl.DataFrame) -> pl.DataFrame:
    """Every record's search keys as (``row``: its row in ``features``, ``key``), distinct, over the
    columns at once (``raw_names``: the record's name fields as written, row for row).

    The keys: each word of the name readings (``n:``, initials left out), each word of their sounds
    (``p:``, the short ones left out), each e-mail (``e:``), phone (``t:``) and tax id (``x:``), and
    each Chinese character of the names as written (``c:``); cut to ``MAX_KEY`` characters."""
    frame = features.select(
        "name_tokens", "alt_name_tokens", "name_phon", "alt_name_phon", "emails", "phones", "tax"
    ).with_columns(raw=raw_names.select(pl.concat_str(pl.all().fill_null(""), separator=" ")).to_series())
    frame = frame.with_row_index("row")
    tokens = pl.concat_list(pl.col("name_tokens").fill_null([]), pl.col("alt_name_tokens").fill_null([]))
    sounds = pl.concat_list(pl.col("name_phon"), pl.col("alt_name_phon"))
    words = frame.select("row", tokens.alias("value")).explode("value").drop_nulls()
    parts = [
        _not_numbers(_tagged(words, _split(pl.col("value")), "n:", MIN_WORD)),
        _tagged(frame.select("row", sounds.alias("value")).explode("value").drop_nulls(),
                _split(pl.col("value")), "p:", MIN_SOUND),
        _tagged(frame, pl.col("emails"), "e:"),
        _tagged(frame, pl.col("phones"), "t:"),
        _tagged(frame, pl.concat_list(pl.col("tax")), "x:"),
        _tagged(frame, pl.col("raw").str.extract_all(_CJK), "c:"),
    ]  # fmt: skip
    keys = pl.concat(parts).with_columns(pl.col("key").str.slice(0, MAX_KEY))
    return keys.unique().sort("row", "key")


def frame_keys(frame: pl.DataFrame) -> dict[RecordKey, set[str]]:
    """Search keys of each record of a flat frame (``matching.frame``), over its columns at once."""
    if not frame.height:
        return {}
    frame = conform(frame)
    return feature_keys(frame, build_features(frame))


def feature_keys(frame: pl.DataFrame, features: pl.DataFrame) -> dict[RecordKey, set[str]]:
    """:func:`frame_keys` of a flat frame whose features (``build_features``, row for row) the caller
    has already: the sync's match plan normalises every changed record anyway, and normalising is
    most of what search keys cost (at 100k records ~12 s a second time)."""
    keys: dict[RecordKey, set[str]] = {key: set() for key in _record_keys(frame)}
    for system, source_id, key in feature_key_frame(frame, features).iter_rows():
        keys[RecordKey(system, source_id)].add(key)
    return keys


def feature_key_frame(frame: pl.DataFrame, features: pl.DataFrame | None = None) -> pl.DataFrame:
    """:func:`feature_keys` as the rows of ``hub.search_keys`` (``source_system``, ``source_id``,
    ``key``), sorted: what the store writes, without a Python set per record. Without ``features``
    the frame is normalised here (``build_features``)."""
    frame = conform(frame)  # idempotent: the raw name columns as frame_keys reads them
    if features is None:
        features = build_features(frame)
    records = frame.select("source_system", "source_id").with_row_index("row")
    keys = key_rows(features, frame.select(_NAME_FIELDS))
    return records.join(keys, on="row").select("source_system", "source_id", "key").sort(pl.all())


def _record_keys(frame: pl.DataFrame) -> list[RecordKey]:
    return [RecordKey(s, i) for s, i in frame.select("source_system", "source_id").iter_rows()]


def _first(*values: str | None) -> str | None:
    """SQL's COALESCE: the first value that is not None (an empty string counts, as in polars)."""
    return next((v for v in values if v is not None), None)


def _apply(func: Callable[[str], str | None], value: str | None) -> str | None:
    return None if value is None else func(value)


def _name_reading(name: str, country: str | None, organization: bool) -> dict[str, str | None]:
    """The name columns of ``matching.features`` (``build_features``) for one record whose only name
    is ``name``: the person's tokens and sound, the reading in the other side's romanisation, and the
    organisation's key (see the frame version there: these are the same normalisers, per value)."""
    taiwan = country == "TW"
    parts = None if organization else nz.PARTS_SEPARATOR * 2 + name
    org = name if organization else None
    tokens = _apply(nz.person_name, parts)
    if taiwan and tokens is not None:
        tokens = _first(nz.taiwan_spelling(tokens), tokens)
    reading = _apply(nz.wade_giles_name if taiwan else nz.cantonese_name, parts)
    reading = _first(reading, _apply(nz.thai_name, parts), _apply(nz.organization_reading, org))
    name_key, org_key = _apply(nz.tokens_key, tokens), _apply(nz.organization_key, org)
    name_phon = _first(_apply(nz.tokens_phonetic_key, tokens), _apply(nz.organization_phonetic_key, org))
    any_key = _first(name_key, org_key)
    return {
        "tokens": any_key,
        "alt_tokens": _first(_apply(nz.tokens_key, reading), any_key),
        "phon": name_phon,
        "alt_phon": _first(_apply(nz.tokens_phonetic_key, reading), name_phon),
    }


def query_keys(query: str) -> set[str]:
    """The keys a query can meet: read as a person's and as a company's name, in each country's
    romanisation, and as an e-mail, a phone or an id when it looks like one.

    Per value, with the matcher's normalisers (the same ``frame_keys`` applies column-wise to source
    records): a polars frame for six one-row readings costs ~100 ms of per-operation overhead, which
    is the whole budget of a search."""
    query = " ".join(query.split())
    if not query:
        return set()
    keys = {f"c:{ch}" for ch in query if is_cjk(ch)}
    values = [v.strip() for v in query.split(";") if v.strip()]
    for country in QUERY_COUNTRIES:
        for organization in (False, True):
            name = _name_reading(query, country, organization)
            keys |= _words((name["tokens"] or "").split(" ")) | _words((name["alt_tokens"] or "").split(" "))
            keys |= {
                f"p:{w}"
                for p in (name["phon"], name["alt_phon"])
                if p
                for w in p.split()
                if len(w) >= MIN_SOUND
            }
        keys |= {f"t:{p}" for v in values if (p := nz.phone_key(v, country)) is not None}
    if "@" in query:
        keys |= {f"e:{e}" for v in values if (e := nz.email_key(v)) is not None}
    if any(ch.isdigit() for ch in query) and (tax := nz.tax_key(query)):
        keys.add(f"x:{tax}")
    return {k[:MAX_KEY] for k in keys}
