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


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff"


def _words(values: Iterable[str | None]) -> set[str]:
    return {f"n:{w}" for v in values if v for w in v.split() if len(w) >= MIN_WORD and not w.isdigit()}


def _keys_of_features(features: pl.DataFrame, raw_names: pl.DataFrame) -> list[set[str]]:
    """One key set per feature row (``raw_names``: the record's name fields as written)."""
    columns = features.select(
        "name_tokens", "alt_name_tokens", "name_phon", "alt_name_phon", "emails", "phones", "tax"
    )
    out = []
    for (tokens, alt, phon, alt_phon, emails, phones, tax), names in zip(
        columns.iter_rows(), raw_names.iter_rows(), strict=True
    ):
        keys = _words(tokens or []) | _words(alt or [])
        keys |= {f"p:{w}" for p in (phon, alt_phon) if p for w in p.split() if len(w) >= MIN_SOUND}
        keys |= {f"e:{e}" for e in emails or []} | {f"t:{p}" for p in phones or []}
        keys |= {f"x:{tax}"} if tax else set()
        keys |= {f"c:{ch}" for name in names if name for ch in name if is_cjk(ch)}
        out.append({k[:MAX_KEY] for k in keys})
    return out


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
    frame = conform(frame)  # idempotent: the raw name columns as frame_keys reads them
    keys = _keys_of_features(features, frame.select(_NAME_FIELDS))
    records = zip(frame["source_system"].to_list(), frame["source_id"].to_list(), strict=True)
    return {RecordKey(system, source_id): k for (system, source_id), k in zip(records, keys, strict=True)}


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
