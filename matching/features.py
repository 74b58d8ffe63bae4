"""From a conformed flat frame to the normalised feature columns that blocking and comparison use."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import polars as pl

from matching import normalize as nz
from matching.phones import mobile_mask


def _display_name() -> pl.Expr:
    given_family = pl.concat_str(
        [pl.col("given_name").fill_null(""), pl.col("family_name").fill_null("")], separator=" "
    ).str.strip_chars()
    person = pl.when(given_family != "").then(given_family).otherwise(pl.col("full_name"))
    org = pl.coalesce("organization_name", "full_name", given_family.replace("", None))
    return pl.when(pl.col("record_type") == "organization").then(org).otherwise(person).alias("name")


def _normalised_list(
    frame: pl.DataFrame, column: str, func: Callable[..., Any], with_country: bool = False
) -> Callable[[], pl.Series]:
    """Split a ';'-joined cell, normalise every element (once per distinct value), drop unusable ones;
    started now, got by calling what this returns (see ``nz.map_unique_later``)."""
    exploded = frame.select(
        pl.col("_row"), nz.split_multi(frame[column]).alias("v"), pl.col("country")
    ).explode("v")
    if with_country:
        text = pl.concat_str([pl.col("country").fill_null(""), pl.col("v")], separator="|")
        exploded = exploded.with_columns(text.alias("v"))
        func = partial(_with_country, func)
    pending = nz.map_unique_later(exploded["v"], func)
    return lambda: _lists_per_row(frame, exploded.with_columns(pending()[0].alias("v"))).alias(column)


def _with_country(func: Callable[[str, str | None], str | None], value: str) -> str | None:
    """``func(value, country)`` for a "country|value" cell (a module-level function: it goes to the
    worker processes of ``matching.parallel`` by reference)."""
    country, _, text = value.partition("|")
    return func(text, country or None)


def _lists_per_row(frame: pl.DataFrame, values: pl.DataFrame) -> pl.Series:
    """``(_row, v)`` rows back into one list per row of ``frame``: nulls dropped, repeats kept once, in
    order; a row without any value gets null."""
    lists = values.group_by("_row", maintain_order=True).agg(
        pl.col("v").drop_nulls().unique(maintain_order=True)
    )
    return frame.select("_row").join(lists, on="_row", how="left")["v"]


def _mobiles(features: pl.DataFrame) -> pl.Series:
    """The mobile numbers of each record's phone list (see ``phones.mobile_mask``)."""
    numbers = features.select("_row", pl.col("phones").alias("v")).explode("v")
    return _lists_per_row(features, numbers.filter(mobile_mask(numbers["v"]))).alias("mobiles")


def _in_taiwan_spelling(tokens: pl.Series, taiwan: pl.Series) -> pl.Series:
    """``tokens`` with the Taiwanese rows folded by ``nz.taiwan_spelling`` (see there why only those)."""
    return nz.map_unique(
        tokens.zip_with(taiwan, pl.Series([None] * len(tokens), dtype=pl.Utf8)), nz.taiwan_spelling
    ).fill_null(tokens)


def build_features(frame: pl.DataFrame) -> pl.DataFrame:
    """One row per record (same order as ``frame``) with ``_row`` = position and normalised fields.

    Every column's per-value normalisers are submitted to the worker pool before any result is
    awaited, so the workers go from one column to the next while this process prepares the rest."""
    base = frame.with_row_index("_row").with_columns(_display_name())
    names = _name_columns(base)
    contacts = _contact_columns(base)
    name_columns = names()
    # the consonant skeleton needs the name keys only: started before the contacts are awaited
    abjad = nz.map_unique_later(name_columns["name_key"].fill_null(name_columns["org_key"]), nz.abjad_key)
    features = pl.DataFrame(
        {
            "_row": base["_row"],
            "record_type": base["record_type"],
            **name_columns,
            **contacts(),
        }
    )
    return _derived_columns(features, abjad()[0])


#: Read from a person's "given<US>family<US>full" parts (``nz.PARTS_SEPARATOR``), in one pass per value.
_PERSON_PARTS = (nz.person_name, nz.wade_giles_name, nz.cantonese_name, nz.person_suffix)
#: Read from an organisation's name, in one pass per value (they share ``nz.split_organization``).
_ORGANIZATION = (nz.organization_phonetic_key, nz.organization_key, nz.legal_form, nz.organization_written)


def _name_columns(base: pl.DataFrame) -> Callable[[], dict[str, pl.Series]]:
    """Names of persons and organisations: keys, sounds, readings in other scripts, Jr./Sr., legal form;
    started now, got by calling what this returns."""
    is_org = base["record_type"] == "organization"
    name = base["name"]
    none = pl.Series([None] * len(name), dtype=pl.Utf8)
    parts, org_name = _person_parts(base, is_org), name.zip_with(is_org, none)
    persons = nz.map_unique_later(parts, *_PERSON_PARTS)
    organizations = nz.map_unique_later(org_name, *_ORGANIZATION)
    thai = nz.map_unique_later(_only_in(parts, nz.THAI_LETTERS), nz.thai_name)
    org_reading = nz.map_unique_later(
        _only_in(org_name, f"{nz.CJK_LETTERS}|{nz.THAI_LETTERS}"), nz.organization_reading
    )
    family, given = (
        nz.map_unique_later(base[column].zip_with(~is_org, none), nz.name_part_key)
        for column in ("family_name", "given_name")
    )
    # Taiwanese names in one romanisation: a web shop's pinyin "Guoqiang Zheng" is the passport's
    # "KUO-CHIANG CHENG" (and the pinyin anyascii reads from 鄭國強)
    taiwan = (base["country"].str.to_uppercase() == "TW").fill_null(False)
    scripts = {
        "name": name,
        "arabic_script": name.str.contains(nz.ARABIC_SCRIPT_PATTERN).fill_null(False),
        "non_latin": name.str.contains(nz.NON_LATIN_PATTERN).fill_null(False),
    }

    def columns() -> dict[str, pl.Series]:
        org_phon, org_key, org_form, org_written = organizations()
        readings = (thai()[0], org_reading()[0])
        return {
            **scripts,
            **_person_columns(persons(), readings, org_phon, taiwan),
            "family_key": _in_taiwan_spelling(family()[0], taiwan),
            "given_key": _in_taiwan_spelling(given()[0], taiwan),
            "org_key": org_key,
            "org_form": org_form,
            "org_written": org_written,
        }

    return columns


def _only_in(column: pl.Series, letters: str) -> pl.Series:
    """``column`` where it has ``letters``, else null: for a reading that is ``None`` without them.

    The RTGS readings (``nz.thai_name``, ``nz.organization_reading``) romanise each Thai word with
    PyThaiNLP, ~0.7 ms a word, cached per process. Over the few values with those letters only, the
    list is mostly short enough to run in this process, each word once, while the workers normalise
    the rest; in the workers' passes each worker romanised the same words again."""
    has = column.str.contains(letters).fill_null(False)
    return column.zip_with(has, pl.Series([None] * len(column), dtype=pl.Utf8))


def _person_parts(base: pl.DataFrame, is_org: pl.Series) -> pl.Series:
    """Persons' "given<US>family<US>full": given and family folded separately (see nz.person_name),
    the full name only as fallback."""
    return base.select(
        pl.when(~is_org).then(
            pl.concat_str(
                [pl.col(c).fill_null("") for c in ("given_name", "family_name", "full_name")],
                separator=nz.PARTS_SEPARATOR,
            )
        )
    ).to_series()


def _person_columns(
    persons: list[pl.Series], readings: tuple[pl.Series, pl.Series], org_phon: pl.Series, taiwan: pl.Series
) -> dict[str, pl.Series]:
    """The person name columns from the ``_PERSON_PARTS`` results and the Thai and organisation
    ``readings``, with the organisations' reading and sound where a row has no person name."""
    person, wade_giles, cantonese, suffix = persons
    thai, org_reading = readings
    person_tokens = _in_taiwan_spelling(person, taiwan)
    # a second reading of Chinese-script names as the other side's system writes them: Wade-Giles in
    # Taiwan, Cantonese (Hong Kong Government romanisation) elsewhere, RTGS for Thai script; companies:
    # Wade-Giles, RTGS
    reading = wade_giles.zip_with(taiwan, cantonese).fill_null(thai).fill_null(org_reading)
    person_keys = nz.map_unique_later(person_tokens, nz.tokens_key, nz.tokens_phonetic_key)
    reading_key, reading_phon = nz.map_unique_later(reading, nz.tokens_key, nz.tokens_phonetic_key)()
    name_key, name_phon = person_keys()
    return {
        "name_key": name_key,
        # in written order without spaces: "amber black well" is "amber blackwell" mis-split
        "name_compact": person_tokens.str.replace_all(" ", "", literal=True),
        # ... and with its last word first: the family name leads in East Asian order and in legacy
        # exports ("ZHONG JUN XIAN" against 鍾俊賢 read given name first, its syllables split or not)
        "name_compact_turned": person_tokens.str.replace(r"^(.+) (\S+)$", "${2}${1}").str.replace_all(
            " ", "", literal=True
        ),
        "name_phon": name_phon.fill_null(org_phon),
        "suffix": suffix,
        "reading_key": reading_key,
        "reading_phon": reading_phon,
    }


def _contact_columns(base: pl.DataFrame) -> Callable[[], dict[str, pl.Series]]:
    """E-mails, phones, birth date, tax id and address, normalised; the address also as written;
    started now, got by calling what this returns."""
    emails = _normalised_list(base, "email", nz.email_key)
    phones = _normalised_list(base, "phone", nz.phone_key, with_country=True)
    keys = {
        name: nz.map_unique_later(base[column], func)
        for name, column, func in (
            ("dob", "date_of_birth", nz.date_key),
            ("tax", "tax_id", nz.tax_key),
            ("postal", "postal_code", nz.postal_key),
            ("city", "city", nz.city_key),
            ("street", "street", nz.street_key),
        )
    }
    written = {
        # house numbers survive every script and abbreviation: "南京東路45號" / "NO. 45, NANJING E. RD."
        "house": nz.ascii_digit_column(base["street"])
        .str.extract_all(r"[0-9]+")
        .list.join(" ")
        .replace("", None),
        "country": base["country"].str.to_uppercase(),
        # as written, for explanations
        "address": base.select(
            pl.concat_str(["street", "postal_code", "city"], separator=", ", ignore_nulls=True).replace(
                "", None
            )
        ).to_series(),
    }
    return lambda: {
        "emails": emails(),
        "phones": phones(),
        **{name: pending()[0] for name, pending in keys.items()},
        **written,
    }


def _derived_columns(features: pl.DataFrame, abjad: pl.Series) -> pl.DataFrame:
    """Columns read off the others; ``abjad``: ``nz.abjad_key`` of ``any_name_key``."""
    # any_name_key / name_phon: the person key, or the organisation key without its legal form.
    # alt_*: the other reading where there is one, else the same as the primary name columns; a pair
    # with one Chinese-script side compared on alt_* is the Latin name against the other reading
    features = features.with_columns(
        pl.coalesce("name_key", "org_key").alias("any_name_key"),
        pl.coalesce("name_key", "org_key").str.split(" ").alias("name_tokens"),
        pl.col("emails").list.first().alias("email1"),
        # the mobiles among the phones: the person's own, where a landline is the household's
        _mobiles(features),
        pl.col("dob").str.slice(0, 4).alias("birth_year"),
    )
    return features.with_columns(
        # consonant skeleton (see nz.abjad_key), compared only between Arabic-script and other names
        abjad.alias("abjad_key"),
        abjad.str.split(" ").alias("abjad_tokens"),
        pl.coalesce("reading_key", "any_name_key").alias("alt_name_key"),
        pl.coalesce("reading_phon", "name_phon").alias("alt_name_phon"),
        pl.coalesce("reading_key", "any_name_key").str.split(" ").alias("alt_name_tokens"),
    )
