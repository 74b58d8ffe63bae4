"""How many twins the data can hold: the prior behind the "family name + birthday + home" rule.

Two person records with the same family name, home and birth date but different given names are either
one customer written two ways (a nickname, a corrupted copy) or twins. Nothing in the pair tells which;
the data set does. Twins are household members, so their number is bounded by the households the data
holds: about 3 % of births are twins, so at most that share of co-resident family pairs can be twins.
The other household members show themselves as pairs with the same family name and home but another
given name *and* another birth date (spouses, parents and children, siblings).

"Another given name" means a clearly different one (``given_names_differ``): a typo, an initial or a
nickname of the same name is a corrupted copy of one customer, not a sibling. Counting those as twins
made a data set with many typing errors look like one without households (its "twins" outnumbered
the bound), and then every twin pair in it merged.

In a customer base with households (every real one) the bound stays high and a twin-like pair with an
e-mail, phone or id number of its own goes to the stewards. In a data set without any (FEBRL: every
such record is a corrupted duplicate) the bound is near zero, and the same pair is one customer.
This is a record-level statistic (a few group-bys, no candidate pairs), learnt with the rest of the
model so that incremental runs decide exactly like a rebuild.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from matching.codes import column_codes

#: Upper bound of the share of co-resident family-member pairs who are twins (about 3 % of births).
TWIN_SHARE_OF_HOUSEHOLD_PAIRS = 0.03
#: What co-resident family members share: the family name and the home (street key and postal code).
_HOME = ("family_key", "street", "postal")
#: Below this Jaro-Winkler similarity two given-name keys are two names, not a typo or a short form of one
#: ("faisy"/"daisy" 0.87, "willi"/"wilhelm" 0.85, "chris"/"christopher" 0.89; "lek"/"malee" 0).
DIFFERENT_GIVEN_NAMES = 0.75


def given_names_differ(left: pl.Series, right: pl.Series) -> np.ndarray:
    """True where both given-name keys are known and name two people: neither a typo of the other
    (``DIFFERENT_GIVEN_NAMES``) nor an initial of it. Nicknames are folded into the keys already
    (``normalize.NICKNAMES``); a nickname no table knows (Thai ชื่อเล่น) differs, which is the point:
    from the names alone it cannot be told from a twin."""
    known = (left.is_not_null() & right.is_not_null()).to_numpy()
    a, b = left.fill_null("").to_numpy(), right.fill_null("").to_numpy()
    # on every core (as ``compare`` does): a million records' pairs hold 1.6M pairs of differing names
    similar = process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity, dtype=np.float32, workers=-1)
    initial = (
        (
            (left.str.len_chars().eq(1) | right.str.len_chars().eq(1))
            & (left.str.slice(0, 1) == right.str.slice(0, 1))
        )
        .fill_null(False)
        .to_numpy()
    )
    differ: np.ndarray = known & (similar < DIFFERENT_GIVEN_NAMES) & ~initial
    return differ


def twin_share(features: pl.DataFrame) -> float:
    """Upper bound of the share of twin-like pairs (see module docstring) that are really twins.

    ``min(1, 0.03 * household_pairs / twin_like_pairs)``; 1.0 when the data has no twin-like pairs at
    all (nothing to learn: the conservative answer). The persons are joined on their columns' integer
    codes (``matching.codes``, shared with the comparisons): a million records' string self-join on
    the home was most of the time.
    """
    codes = {column: column_codes(features, column) for column in ("record_type", *_HOME, "given_key", "dob")}
    known = codes["record_type"].codes == codes["record_type"].code_of("person")
    for column in (*_HOME, "given_key", "dob"):
        known &= codes[column].codes >= 0
    rows = np.flatnonzero(known)
    persons = pl.DataFrame(
        {"_i": rows, **{column: codes[column].codes[rows] for column in (*_HOME, "given_key", "dob")}}
    )
    pairs = persons.join(persons, on=list(_HOME), suffix="_r").filter(
        (pl.col("_i") < pl.col("_i_r")) & (pl.col("given_key") != pl.col("given_key_r"))
    )
    given = features["given_key"]
    differ = given_names_differ(given.gather(pairs["_i"]), given.gather(pairs["_i_r"]))
    same_birthday = (pairs["dob"] == pairs["dob_r"]).to_numpy()[differ]
    twin_like = int(same_birthday.sum())
    household_pairs = len(same_birthday) - twin_like
    if twin_like == 0:
        return 1.0
    return min(1.0, TWIN_SHARE_OF_HOUSEHOLD_PAIRS * household_pairs / twin_like)
