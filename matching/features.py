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
) -> pl.Series:
    """Split a ';'-joined cell, normalise every element (once per distinct value), drop unusable ones."""
    exploded = frame.select(
        pl.col("_row"), nz.split_multi(frame[column]).alias("v"), pl.col("country")
    ).explode("v")
    if with_country:
        text = pl.concat_str([pl.col("country").fill_null(""), pl.col("v")], separator="|")
        exploded = exploded.with_columns(text.alias("v"))
        mapped = nz.map_unique(exploded["v"], partial(_with_country, func))
    else:
        mapped = nz.map_unique(exploded["v"], func)
    return _lists_per_row(frame, exploded.with_columns(mapped.alias("v"))).alias(column)


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
    """One row per record (same order as ``frame``) with ``_row`` = position and normalised fields."""
    base = frame.with_row_index("_row").with_columns(_display_name())
    features = pl.DataFrame(
        {
            "_row": base["_row"],
            "record_type": base["record_type"],
            **_name_columns(base),
            **_contact_columns(base),
        }
    )
    return _derived_columns(features)


def _name_columns(base: pl.DataFrame) -> dict[str, pl.Series]:
    """Names of persons and organisations: keys, sounds, readings in other scripts, Jr./Sr., legal form."""
    is_org = base["record_type"] == "organization"
    name = base["name"]
    none = pl.Series([None] * len(name), dtype=pl.Utf8)
    org_name = name.zip_with(is_org, none)
    # persons: given and family folded separately (see nz.person_name); the full name only as fallback
    parts = base.select(
        pl.when(~is_org).then(
            pl.concat_str(
                [pl.col(c).fill_null("") for c in ("given_name", "family_name", "full_name")],
                separator=nz.PARTS_SEPARATOR,
            )
        )
    ).to_series()
    # Taiwanese names in one romanisation: a web shop's pinyin "Guoqiang Zheng" is the passport's
    # "KUO-CHIANG CHENG" (and the pinyin anyascii reads from 鄭國強)
    taiwan = (base["country"].str.to_uppercase() == "TW").fill_null(False)
    person_tokens = _in_taiwan_spelling(nz.map_unique(parts, nz.person_name), taiwan)
    # a second reading of Chinese-script names as the other side's system writes them: Wade-Giles in
    # Taiwan, Cantonese (Hong Kong Government romanisation) elsewhere
    wade_giles = nz.map_unique(parts, nz.wade_giles_name)
    reading = (
        wade_giles.zip_with(taiwan, nz.map_unique(parts, nz.cantonese_name))
        .fill_null(nz.map_unique(parts, nz.thai_name))  # and RTGS for Thai script
        .fill_null(nz.map_unique(org_name, nz.organization_reading))  # companies: Wade-Giles, RTGS
    )
    return {
        "name": name,
        "arabic_script": name.str.contains(nz.ARABIC_SCRIPT_PATTERN).fill_null(False),
        "non_latin": name.str.contains(nz.NON_LATIN_PATTERN).fill_null(False),
        "name_key": nz.map_unique(person_tokens, nz.tokens_key),
        # in written order without spaces: "amber black well" is "amber blackwell" mis-split
        "name_compact": person_tokens.str.replace_all(" ", "", literal=True),
        # ... and with its last word first: the family name leads in East Asian order and in legacy
        # exports ("ZHONG JUN XIAN" against 鍾俊賢 read given name first, its syllables split or not)
        "name_compact_turned": person_tokens.str.replace(r"^(.+) (\S+)$", "${2}${1}").str.replace_all(
            " ", "", literal=True
        ),
        "name_phon": nz.map_unique(person_tokens, nz.tokens_phonetic_key).fill_null(
            nz.map_unique(org_name, nz.organization_phonetic_key)
        ),
        "suffix": nz.map_unique(parts, nz.person_suffix),
        "reading_key": nz.map_unique(reading, nz.tokens_key),
        "reading_phon": nz.map_unique(reading, nz.tokens_phonetic_key),
        "family_key": _in_taiwan_spelling(
            nz.map_unique(base["family_name"].zip_with(~is_org, none), nz.name_part_key), taiwan
        ),
        "given_key": _in_taiwan_spelling(
            nz.map_unique(base["given_name"].zip_with(~is_org, none), nz.name_part_key), taiwan
        ),
        "org_key": nz.map_unique(org_name, nz.organization_key),
        "org_form": nz.map_unique(org_name, nz.legal_form),
        "org_written": nz.map_unique(org_name, nz.organization_written),
    }


def _contact_columns(base: pl.DataFrame) -> dict[str, pl.Series]:
    """E-mails, phones, birth date, tax id and address, normalised; the address also as written."""
    return {
        "emails": _normalised_list(base, "email", nz.email_key),
        "phones": _normalised_list(base, "phone", nz.phone_key, with_country=True),
        "dob": nz.map_unique(base["date_of_birth"], nz.date_key),
        "tax": nz.map_unique(base["tax_id"], nz.tax_key),
        "postal": nz.map_unique(base["postal_code"], nz.postal_key),
        "city": nz.map_unique(base["city"], nz.city_key),
        "street": nz.map_unique(base["street"], nz.street_key),
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


def _derived_columns(features: pl.DataFrame) -> pl.DataFrame:
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
    abjad = nz.map_unique(features["any_name_key"], nz.abjad_key)
    return features.with_columns(
        # consonant skeleton (see nz.abjad_key), compared only between Arabic-script and other names
        abjad.alias("abjad_key"),
        abjad.str.split(" ").alias("abjad_tokens"),
        pl.coalesce("reading_key", "any_name_key").alias("alt_name_key"),
        pl.coalesce("reading_phon", "name_phon").alias("alt_name_phon"),
        pl.coalesce("reading_key", "any_name_key").str.split(" ").alias("alt_name_tokens"),
    )
