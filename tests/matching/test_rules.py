"""Every decision rule has a two-record example that fails without it (issue 14).

One example per rule of ``matching.rules.RULES``, keyed by the rule's name: two records (three or more
where the rule acts in clustering), the pair's decision with the whole table, and the proof that the
rule matters: the same records matched with every rule but that one decide the pair otherwise (or
cluster otherwise). A new rule without an example fails ``test_every_rule_has_an_example``.

The records are the flat dicts of ``fixtures.py``; filler customers around them give the u estimation
random pairs of different people and never pair with the records under test. Each example trains one
model and matches with it twice, so the scores are the same and only the table differs. Whether the
data holds households (``matching.households``) is set on the model: an example says which it needs.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from matching import MatchModel, MatchResult, match_frame, train_model
from matching.conditions import Fact, Level, Not, all_of
from matching.rules import DOB_CLOSE, GIVEN_ONLY, RULES, Effect, Rule, table_fingerprint

ROOT = str(Path(__file__).resolve().parents[2])

Record = dict[str, str]


@dataclass(frozen=True)
class Example:
    """Records "1", "2" (...) and what the whole table makes of them."""

    records: tuple[Record, ...]
    #: The decision of ``pair`` with the whole table; ``None`` for a clustering rule (see ``together``).
    decision: str | None
    #: For a clustering rule: source ids the whole table puts into one cluster (not so without the rule).
    together: frozenset[str] = frozenset()
    households: bool = True
    #: The pair the rule fires on.
    pair: tuple[str, str] = ("1", "2")


def _person(source_id: str, system: str, *shared: dict[str, str], **fields: str) -> Record:
    """A flat record: the ``shared`` fields (a home, say), then its own."""
    record = dict(source_system=system, source_id=source_id)
    for part in shared:
        record |= part
    return record | fields


def _org(source_id: str, system: str, name: str, *shared: dict[str, str], **fields: str) -> Record:
    return _person(source_id, system, *shared, record_type="organization", organization_name=name, **fields)


def _pair(shared: dict[str, str], one: dict[str, str], two: dict[str, str]) -> tuple[Record, ...]:
    """Records "1" (erp) and "2" (webshop): the ``shared`` fields, then each one's own."""
    return _person("1", "erp", shared, one), _person("2", "webshop", shared, two)


CHICAGO = dict(street="12 Oak Street", postal_code="60601", city="Chicago", country="US")
MUNICH = dict(street="Bahnhofstraße 41", postal_code="80331", city="München", country="DE")
KHON_KAEN = dict(postal_code="40002", city="Khon Kaen", country="TH")
#: Family name, birthday and home of a Thai woman known by her nickname (or of twins).
PHETCHARAT = dict(KHON_KAEN, family_name="Phetcharat", date_of_birth="1984-02-11", street="7/95 Silom Road")
LEMON_TREE = dict(family_name="Webb", postal_code="3943", city="Lemon Tree Passage", country="AU")
#: The same name at one home, another birth date: father and son, or (without households) a typo.
SMITHS = _pair(
    dict(CHICAGO, full_name="Thomas Smith"),
    dict(date_of_birth="1950-03-01"),
    dict(date_of_birth="1978-07-21"),
)
SMITH_AND_MILLER = (dict(full_name="Thomas Smith"), dict(full_name="Jonathan Miller"))
WILHELM = dict(given_name="Wilhelm")

EXAMPLES: dict[str, Example] = {
    # ------------------------------------------------------------------------------------ vetoes
    # each would be a match on name and address without its veto
    "birth_dates_differ": Example(SMITHS, "distinct"),
    "suffixes_differ": Example(
        _pair(CHICAGO, dict(full_name="Thomas Smith Sr."), dict(full_name="Thomas Smith Jr.")), "distinct"
    ),
    "legal_forms_differ": Example(
        (
            _org("1", "erp", "Brandt Logistik GmbH", MUNICH),
            _org("2", "webshop", "Brandt Logistik AG", MUNICH),
        ),
        "distinct",
    ),
    "organization_tax_ids_differ": Example(
        (
            _org("1", "erp", "Brandt Logistik GmbH", MUNICH, tax_id="DE281127676"),
            _org("2", "webshop", "Brandt Logistik GmbH", MUNICH, tax_id="DE129273398"),
        ),
        "distinct",
    ),
    # the father-and-son records, in data without households: one man, the birth date mistyped
    "same_person_no_households": Example(SMITHS, "match", households=False),
    # ---------------------------------------------------------------------------- identifying
    # each the only identifying rule of a pair above the match threshold: review without it
    "name_and_more": Example(
        _pair(CHICAGO, dict(full_name="Thomas Smith"), dict(full_name="THOMAS SMITH")), "match"
    ),
    "email_and_more": Example(
        _pair(
            dict(CHICAGO, email="smiths@example.com"),
            dict(full_name="Thomas Smith"),
            dict(full_name="Mary Smith"),
        ),
        "match",
    ),
    "tax_id_and_more": Example(
        _pair(dict(tax_id="123-45-6789", date_of_birth="1961-07-09", country="US"), *SMITH_AND_MILLER),
        "match",
    ),
    "mobile_and_more": Example(
        _pair(
            dict(
                family_name="Wu",
                street="No. 95, Zhongshan North Road",
                postal_code="701",
                country="TW",
                phone="0928 089 780",
            ),
            dict(given_name="Winnie"),
            dict(given_name="Mei-hsin"),
        ),
        "match",
    ),
    "married_name": Example(
        _pair(
            dict(given_name="Anna", country="DE", phone="089 24437131"),
            dict(family_name="Schulz", date_of_birth="1985-01-24"),
            dict(family_name="Krüger", date_of_birth="1985-24-01"),
        ),
        "match",
    ),
    "mistyped_id_with_birth_date": Example(
        _pair(
            dict(date_of_birth="1961-07-09", postal_code="60601", country="US"),
            dict(full_name="Thomas Smith", tax_id="123-45-6789"),
            dict(full_name="Jonathan Miller", tax_id="123-45-6798"),
        ),
        "match",
    ),
    "same_id_in_postal_area": Example(
        _pair(
            dict(CHICAGO, tax_id="123-45-6789"),
            dict(full_name="Thomas Smith"),
            dict(full_name="Jonathan Miller", street="7 Elm Avenue"),
        ),
        "match",
    ),
    "person_at_home_name_unread": Example(
        _pair(dict(CHICAGO, date_of_birth="1961-07-09", phone="+1 312 555 0100"), *SMITH_AND_MILLER), "match"
    ),
    # a short form no nickname table folds, at home or on the landline, with the birth date
    "nickname_at_home": Example(
        _pair(
            dict(MUNICH, family_name="Becker", date_of_birth="1951-05-30"), WILHELM, dict(given_name="Willi")
        ),
        "match",
    ),
    "nickname_on_landline": Example(
        _pair(
            dict(family_name="Becker", date_of_birth="1951-05-30", phone="089 24437131", country="DE"),
            WILHELM,
            dict(given_name="Willi"),
        ),
        "match",
    ),
    "no_households_birth_date_at_home": Example(
        _pair(dict(CHICAGO, date_of_birth="1961-07-09"), *SMITH_AND_MILLER), "match", households=False
    ),
    "no_households_half_name_birth_date_in_town": Example(
        _pair(
            dict(LEMON_TREE, date_of_birth="1994-07-24"),
            dict(given_name="Keaton", street="2 Mckinley Circuit"),
            dict(given_name="Emalcene", street="14 Ocean Parade"),
        ),
        "match",
        households=False,
    ),
    "no_households_half_name_mistyped_id_at_home": Example(
        _pair(
            dict(LEMON_TREE, street="2 Mckinley Circuit"),
            dict(given_name="Keaton", tax_id="6702216"),
            dict(given_name="Emalcene", tax_id="6702261"),
        ),
        "match",
        households=False,
    ),
    "company_across_scripts": Example(
        (
            _org(
                "1",
                "erp",
                "ห้างหุ้นส่วนจำกัด เชียงใหม่เทรดดิ้ง",
                street="46/20 ถนนลาดพร้าว",
                tax_id="0105732431186",
                phone="053 495 741",
                postal_code="50200",
                country="TH",
            ),
            _org(
                "2",
                "legacy_db",
                "CHIANG MAI TRADING LIMITED PARTNERSHIP",
                street="46/20 LAT PHRAO ROAD",
                phone="053 495 741",
                postal_code="50200",
                country="TH",
            ),
        ),
        "match",
    ),
    "email_across_scripts": Example(
        (
            _person(
                "1", "webshop", full_name="มาลี เพชรรันต์", email="mphetcharat9026@hotmail.com", country="TH"
            ),
            _person(
                "2",
                "legacy_db",
                given_name="MALEE",
                family_name="PHETCHARAT",
                email="MPHETCHARAT9026@HOTMAIL.COM",
                country="TH",
            ),
        ),
        "match",
    ),
    # -------------------------------------------------------------------------- contradictions
    # each the only contradiction of a pair that would merge by score: a match without it
    "contacts_disagree": Example(
        _pair(
            dict(CHICAGO, full_name="Thomas Smith"),
            dict(email="tsmith@example.com", phone="+1 312 555 0100"),
            dict(email="thomas.smith@example.org", phone="+1 312 555 0199"),
        ),
        "review",
    ),
    "contact_disagrees_birth_date_near_miss": Example(
        _pair(
            dict(CHICAGO, full_name="Thomas Smith"),
            dict(email="tsmith@example.com", date_of_birth="1961-07-09"),
            dict(email="thomas.smith@example.org", date_of_birth="1961-07-19"),
        ),
        "review",
    ),
    "birth_date_near_miss_away_from_home": Example(
        _pair(
            dict(full_name="Thomas Smith"),
            dict(CHICAGO, date_of_birth="1961-07-09"),
            dict(date_of_birth="1961-09-07", country="US"),
        ),
        "review",
    ),
    "birth_date_typo_off_the_street": Example(
        _pair(
            dict(KHON_KAEN, given_name="Malee", family_name="Somboonphan"),
            dict(date_of_birth="1961-02-21", street="145/81 Mittraphap Road"),
            dict(date_of_birth="1961-02-12", street="28/3 Sri Chan Road"),
        ),
        "review",
    ),
    "father_or_son": Example(
        _pair(CHICAGO, dict(full_name="Thomas Smith"), dict(full_name="Thomas Smith Jr.")), "review"
    ),
    "second_record_in_one_system": Example(
        (
            _person("1", "webshop", CHICAGO, full_name="Edward Phillips", email="edwardphillips@yahoo.co.uk"),
            _person(
                "2", "webshop", CHICAGO, full_name="Edward Phillips", email="edward.phillips@btinternet.com"
            ),
        ),
        "review",
    ),
    "given_name_birth_date_contact_disagrees": Example(
        _pair(
            dict(MUNICH, given_name="Anna", date_of_birth="1985-01-24"),
            dict(family_name="Schulz", phone="089 24437131"),
            dict(family_name="Krüger", phone="0171 5523014"),
        ),
        "review",
    ),
    "given_name_birth_date_alone": Example(
        _pair(
            dict(MUNICH, given_name="Anna", date_of_birth="1985-01-24"),
            dict(family_name="Schulz"),
            dict(family_name="Krüger", street="Hauptstraße 7"),
        ),
        "review",
    ),
    "all_contacts_disagree": Example(
        _pair(
            dict(full_name="Oliver Williams", date_of_birth="1962-10-17", country="GB"),
            dict(
                email="owilliams@outlook.com",
                phone="020 7311 6556",
                street="10 Church Lane",
                postal_code="SW11 3BL",
                city="London",
            ),
            dict(
                email="williams.oliver69@yahoo.co.uk",
                phone="0131 480 4241",
                street="170 Queens Road",
                postal_code="EH1 8HL",
                city="Edinburgh",
            ),
        ),
        "review",
    ),
    "sound_alike_contacts_disagree": Example(
        _pair(
            dict(MUNICH, given_name="Stilla", date_of_birth="1953-12-26"),
            dict(family_name="Zan", email="stilla_zahn97@web.de", phone="089 4411 2030"),
            dict(family_name="Zahn", email="s.zahn@t-online.de", phone="0171 5523014"),
        ),
        "review",
    ),
    # Malee's nickname Lek, or her twin sister: a merge by nickname_at_home without the rule
    "twins_or_nickname": Example(
        _pair(PHETCHARAT, dict(given_name="Malee"), dict(given_name="Lek")), "review"
    ),
    "twins_keep_their_own": Example(
        _pair(
            dict(MUNICH, family_name="Becker", date_of_birth="1951-05-30"),
            dict(WILHELM, email="wilhelm.becker@web.de"),
            dict(given_name="Willi", email="willi.becker@gmx.de"),
        ),
        "review",
    ),
    # purchasing and accounting write their own e-mails and extensions: contacts_disagree lifted
    "company_at_its_address": Example(
        (
            _org(
                "1",
                "erp",
                "Brandt Logistik GmbH",
                MUNICH,
                email="einkauf@brandt-logistik.de",
                phone="089 4411 2030",
            ),
            _org(
                "2",
                "webshop",
                "BRANDT LOGISTIK GMBH",
                MUNICH,
                email="buchhaltung@brandt-logistik.de",
                phone="089 4411 2099",
            ),
        ),
        "match",
    ),
    # ------------------------------------------------------------------------- merges and review
    # renamed and moved: only the tax id is left, and it names the company
    "tax_id_names_holder": Example(
        (
            _org("1", "erp", "Brandt Logistik GmbH", MUNICH, tax_id="DE281127676"),
            _org(
                "2",
                "webshop",
                "Nordwind Spedition GmbH",
                tax_id="281127676",
                street="Hafenstraße 3",
                postal_code="20457",
                city="Hamburg",
                country="DE",
            ),
        ),
        "match",
    ),
    # each would go to review by score without it
    "namesake": Example(
        _pair(
            dict(full_name="Nguyen Van Anh", country="VN"),
            dict(email="anh.nguyen@example.vn"),
            dict(email="nva88@example.com"),
        ),
        "distinct",
    ),
    "half_name_household": Example(
        _pair(
            dict(
                family_name="Schneider",
                phone="030 5550 1234",
                street="Lindenweg 7",
                postal_code="14193",
                city="Berlin",
                country="DE",
            ),
            dict(given_name="Anna", date_of_birth="1970-02-14"),
            dict(given_name="Peter"),
        ),
        "distinct",
    ),
    # ------------------------------------------------------------------------------- clustering
    # "3" is Thomas with his birth date mistyped beyond recognition: the id and name of its links to "1"
    # and "2" outvote the veto of "4", which has no id
    "own_identifier": Example(
        (
            _person(
                "1",
                "erp",
                CHICAGO,
                full_name="Thomas Smith",
                tax_id="123-45-6789",
                date_of_birth="1961-07-09",
                email="tsmith@example.com",
            ),
            _person(
                "2",
                "webshop",
                CHICAGO,
                full_name="Thomas Smith",
                tax_id="123-45-6789",
                date_of_birth="1961-07-09",
            ),
            _person(
                "3",
                "legacy_db",
                CHICAGO,
                full_name="THOMAS SMITH",
                tax_id="123456789",
                date_of_birth="1916-03-02",
            ),
            _person(
                "4",
                "legacy_csv",
                CHICAGO,
                full_name="Thomas Smith",
                date_of_birth="1961-07-09",
                email="tsmith@example.com",
            ),
        ),
        None,
        together=frozenset("1234"),
        pair=("1", "3"),
    ),
    # "3", without a suffix and with his own e-mail, may be Harry senior: he would join junior through
    # "2" (junior's record without the suffix) without the rule
    "other_generation": Example(
        (
            _person("1", "erp", CHICAGO, full_name="Harry Hall Jr.", email="harry_hall6591@yahoo.com"),
            _person("2", "webshop", CHICAGO, full_name="Harry Hall", email="harry_hall6591@yahoo.com"),
            _person("3", "legacy_csv", CHICAGO, full_name="HARRY HALL", email="hallharry@aol.com"),
        ),
        None,
        together=frozenset("12"),
        pair=("1", "3"),
    ),
}


def _filler(count: int = 200) -> list[Record]:
    """Customers unrelated to the examples: the random pairs u is estimated on."""
    born = datetime.date(1930, 1, 1)
    return [
        _person(
            f"f{i}",
            "filler",
            given_name=f"Given{i:04d}",
            family_name=f"Family{i:04d}",
            email=f"someone{i}@example.com",
            street=f"{i + 1} Main Road",
            postal_code=str(2000 + i),
            country="GB",
            date_of_birth=(born + datetime.timedelta(days=97 * i)).isoformat(),
        )
        for i in range(count)
    ]


def _frame(example: Example) -> pl.DataFrame:
    rows = [*example.records, *_filler()]
    columns = sorted({key for row in rows for key in row})
    return pl.DataFrame(
        [{c: row.get(c) for c in columns} for row in rows], schema=dict.fromkeys(columns, pl.Utf8)
    )


def _model(data: pl.DataFrame, example: Example) -> MatchModel:
    """One model for both runs; households present (twin share 1) or absent (0) as the example says."""
    return train_model(data).model_copy(update={"twin_share": 1.0 if example.households else 0.0})


def _match(data: pl.DataFrame, model: MatchModel, rules: tuple[Rule, ...]) -> MatchResult:
    return match_frame(data, model=model, rules=rules)


def _without(name: str) -> tuple[Rule, ...]:
    return tuple(rule for rule in RULES if rule.name != name)


def _pair_row(result: MatchResult, pair: tuple[str, str]) -> dict[str, Any]:
    """The pair's row as the hub stores it, explanation included, whatever its decision."""
    for chunk in result.pair_rows(("match", "review", "distinct")):
        for row in chunk:
            if {row["left_id"], row["right_id"]} == set(pair):
                return row
    raise AssertionError(f"records {pair} are no candidate pair")


def _partition(result: MatchResult, ids: list[str]) -> set[frozenset[str]]:
    """The example records grouped by cluster."""
    cluster_of = dict(zip(result.clusters["source_id"], result.clusters["cluster_id"], strict=True))
    groups: dict[int, set[str]] = {}
    for source_id in ids:
        groups.setdefault(cluster_of[source_id], set()).add(source_id)
    return {frozenset(group) for group in groups.values()}


def test_every_rule_has_an_example() -> None:
    names = [rule.name for rule in RULES]
    assert sorted(EXAMPLES) == sorted(names), "a rule without an example, or an example of no rule"


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_rule_decides_its_example(name: str) -> None:
    example = EXAMPLES[name]
    data = _frame(example)
    model = _model(data, example)
    full = _match(data, model, RULES)
    ids = [record["source_id"] for record in example.records]
    # the filler customers never meet the records under test
    assert not full.pairs.filter(pl.col("left_id").is_in(ids) != pl.col("right_id").is_in(ids)).height
    row = _pair_row(full, example.pair)
    assert name in {e["level"] for e in row["explanation"] if e["field"] == "rule"}, row["explanation"]
    without = _match(data, model, _without(name))
    if example.decision is not None:
        assert row["decision"] == example.decision
        assert _pair_row(without, example.pair)["decision"] != example.decision
    else:  # a clustering rule: the pair's decision stays, the clusters change
        assert example.together in _partition(full, ids)
        assert _partition(without, ids) != _partition(full, ids)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_a_rule_says_why_in_words(rule: Rule) -> None:
    assert rule.reason.strip()


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_the_table_fingerprint_follows_conditions_and_effects_not_words(rule: Rule) -> None:
    def changed(**fields: Any) -> str:
        return table_fingerprint(tuple(replace(r, **fields) if r is rule else r for r in RULES))

    base = table_fingerprint()
    assert changed(when=Not(rule.when)) != base
    assert changed(when=all_of(rule.when, Fact("same_system"))) != base
    assert all(changed(effect=effect) != base for effect in Effect if effect is not rule.effect)
    # reasons and evidence are for people: rewording them must not send every model back to training
    assert changed(reason=rule.reason + " (reworded)", evidence=rule.evidence + " (more)") == base


def test_the_table_fingerprint_sees_one_level_changed_deep_inside_a_condition() -> None:
    [married] = [r for r in RULES if r.name == "married_name"]

    def married_name_with(birth_dates: set[str]) -> str:
        when = all_of(GIVEN_ONLY, Level("date_of_birth", frozenset(birth_dates)))
        return table_fingerprint(tuple(replace(r, when=when) if r is married else r for r in RULES))

    assert married_name_with(set(DOB_CLOSE)) == table_fingerprint()  # the same condition, built again
    assert married_name_with({"exact", "day_month_swapped"}) != table_fingerprint()


def test_the_table_fingerprint_is_the_same_in_every_process() -> None:
    code = "from matching.rules import table_fingerprint; print(table_fingerprint())"
    prints = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": ROOT},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(prints) == 1, prints
