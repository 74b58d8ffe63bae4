"""The whole matching pipeline on hand-made multilingual records."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from fixtures import BRIDGE, HOUSEHOLD, ORGANIZATIONS, PEOPLE, frame

from hub import json_codec
from matching import Constraints, FlatFrameError, MatchResult, match_frame, read_flat_csv, records_to_frame
from matching.engine import PAIR_COLUMNS
from schemas import CustomerRecord, MatchDecision, MatchingConfig, RecordKey

ALL_DECISIONS = ("match", "review", "distinct")


def _explanation(result: MatchResult, left_id: str, right_id: str) -> list[dict]:
    """The explanation entries of the pair (left_id, right_id), built on demand like the hub does."""
    for chunk in result.pair_rows(ALL_DECISIONS):
        for row in chunk:
            if (row["left_id"], row["right_id"]) == (left_id, right_id):
                return row["explanation"]
    raise AssertionError(f"no pair {left_id}-{right_id}")


def _rules(entries: list[dict]) -> set[str]:
    return {e["level"] for e in entries if e["field"] == "rule"}


def _groups(result: MatchResult, data: pl.DataFrame) -> dict[str, set[int]]:
    """truth_id -> set of cluster ids the engine gave its records."""
    joined = result.clusters.join(
        data.select("source_system", "source_id", "truth_id"), on=["source_system", "source_id"]
    )
    return {t: set(g["cluster_id"].to_list()) for (t,), g in joined.group_by("truth_id")}


def _assert_exact_clusters(result: MatchResult, data: pl.DataFrame) -> None:
    groups = _groups(result, data)
    assert all(len(ids) == 1 for ids in groups.values()), groups
    assert len({next(iter(ids)) for ids in groups.values()}) == len(groups), "two customers fused"


def test_duplicates_across_scripts_merge_and_nothing_else() -> None:
    data = frame(PEOPLE, ORGANIZATIONS[:2])
    result = match_frame(data)
    _assert_exact_clusters(result, data)
    assert result.clusters.height == data.height
    assert result.clusters["cluster_id"].dtype == pl.Int64


def test_name_and_postal_code_alone_go_to_review() -> None:
    # "Балкан Трейд ЕООД" vs "Balkan Trade EOOD": same name in two scripts, same postal code, nothing
    # else in common -> one agreeing identifying field is not enough for an automatic merge
    result = match_frame(frame(ORGANIZATIONS[2:]))
    assert result.pairs["decision"].to_list() == ["review"]
    [[row]] = list(result.pair_rows())
    assert "too_few_identifying_fields_agree" in _rules(row["explanation"])


def test_household_does_not_chain_into_one_customer() -> None:
    data = frame(HOUSEHOLD, BRIDGE)
    result = match_frame(data)
    groups = _groups(result, data)
    people = [next(iter(groups[t])) for t in ("anna", "peter", "lena")]
    assert all(len(groups[t]) == 1 for t in ("anna", "peter", "lena")), groups  # own duplicates merge
    assert len(set(people)) == 3, groups  # ... but the three stay three
    # sharing the landline and address never makes a match on its own
    household_pairs = [
        row for chunk in result.pair_rows(ALL_DECISIONS) for row in chunk if row["left_id"].startswith("H")
    ]
    assert household_pairs
    for row in household_pairs:
        levels = {e["field"]: e["level"] for e in row["explanation"]}
        if levels["name"] in ("else", "null") and levels["email"] != "exact":
            assert row["decision"] != "match", row


def test_shared_phone_alone_is_never_a_match() -> None:
    rows = [
        dict(
            source_system="erp", source_id="1", full_name="Maria Weber", phone="+49 89 1234567", country="DE"
        ),
        dict(
            source_system="webshop",
            source_id="2",
            full_name="Klaus Fischer",
            phone="089 1234567",
            country="DE",
        ),
    ]
    result = match_frame(pl.DataFrame(rows))
    assert result.pairs.height == 1
    assert result.pairs["decision"][0] == "distinct"
    assert result.clusters["cluster_id"].n_unique() == 2


def test_different_birth_date_is_strong_evidence_against() -> None:
    base = dict(full_name="Anna Schneider", postal_code="14193", city="Berlin", country="DE")
    rows = [
        {**base, "source_system": "erp", "source_id": "1", "date_of_birth": "1970-02-14"},
        {**base, "source_system": "webshop", "source_id": "2", "date_of_birth": "1993-11-30"},
    ]
    result = match_frame(pl.DataFrame(rows))
    assert result.pairs["decision"][0] != "match"


def test_cannot_link_is_honoured_even_transitively() -> None:
    data = frame(PEOPLE)
    chen = Constraints(cannot_link=[(RecordKey("legacy_db", "L1"), RecordKey("webshop", "W1"))])
    result = match_frame(data, constraints=chen)
    ids = dict(zip(result.clusters["source_id"], result.clusters["cluster_id"], strict=True))
    assert ids["L1"] != ids["W1"]  # never together, neither directly nor via E1
    assert ids["E1"] in (ids["L1"], ids["W1"])
    pair = result.pairs.filter((pl.col("left_id") == "L1") & (pl.col("right_id") == "W1"))
    if pair.height:
        assert pair["decision"][0] == "distinct"
        assert "steward_cannot_link" in _rules(_explanation(result, "L1", "W1"))


def test_must_link_merges_what_scores_would_not() -> None:
    rows = [
        dict(source_system="erp", source_id="1", full_name="Maria Weber", email="maria@example.de"),
        dict(source_system="webshop", source_id="2", full_name="Maria Becker", email="m.becker@example.de"),
    ]
    keys = (RecordKey("erp", "1"), RecordKey("webshop", "2"))
    alone = match_frame(pl.DataFrame(rows))
    assert alone.clusters["cluster_id"].n_unique() == 2
    forced = match_frame(pl.DataFrame(rows), constraints=Constraints(must_link=[keys]))
    assert forced.clusters["cluster_id"].n_unique() == 1
    assert forced.stats["constraints"]["must_link"] == 1


def test_review_pairs_are_not_merged() -> None:
    data = frame(PEOPLE)
    strict = MatchingConfig(match_threshold=0.999999999, review_threshold=0.5)
    result = match_frame(data, config=strict)
    review = result.pairs.filter(pl.col("decision") == "review")
    assert review.height > 0
    ids = dict(zip(result.clusters["source_id"], result.clusters["cluster_id"], strict=True))
    for row in review.iter_rows(named=True):
        assert ids[row["left_id"]] != ids[row["right_id"]]


def test_explanations_name_every_field_with_level_weight_and_values() -> None:
    result = match_frame(frame(PEOPLE))
    entries = {e["field"]: e for e in _explanation(result, "E1", "L1")}
    assert {"name", "email", "phone", "date_of_birth", "tax_id", "address"} <= set(entries)
    assert entries["name"]["left"] == "陳志明" and entries["name"]["right"] == "CHIH-MING CHEN"
    assert entries["name"]["level"] == "exact" and entries["name"]["weight"] > 0
    assert entries["date_of_birth"]["level"] == "exact"
    assert entries["tax_id"]["level"] == "null" and entries["tax_id"]["weight"] == 0
    models = result.pair_models()
    assert models and all(m.decision in (MatchDecision.MATCH, MatchDecision.REVIEW) for m in models)
    assert (
        any(c.field == "phone" and c.level == "exact" for c in models[0].comparisons) or models[0].comparisons
    )


def test_pair_rows_stream_match_and_review_pairs_as_the_hub_stores_them() -> None:
    result = match_frame(frame(PEOPLE, HOUSEHOLD))
    # the pairs frame is compact: a level code per comparison and a rule bit mask, no JSON per pair
    assert "explanation" not in result.pairs.columns
    assert result.pairs["level_name"].dtype == pl.UInt8 and result.pairs["rules"].dtype == pl.UInt64
    wanted = result.pairs.filter(pl.col("decision").is_in(["match", "review"]))
    chunks = list(result.pair_rows(chunk_size=2))
    assert wanted.height > 2 and all(1 <= len(c) <= 2 for c in chunks)
    rows = [row for chunk in chunks for row in chunk]
    assert [(r["left_id"], r["right_id"], r["decision"]) for r in rows] == list(
        wanted.select("left_id", "right_id", "decision").iter_rows()
    )
    keys = {"left_system", "left_id", "right_system", "right_id", "score", "decision", "explanation"}
    for row, name_level in zip(rows, wanted["level_name"], strict=True):
        assert set(row) == keys and isinstance(row["score"], float)
        fields = [e for e in row["explanation"] if e["field"] != "rule"]
        assert [e["field"] for e in fields][:1] == ["name"]
        assert fields[0]["level"] == result.explainer.comparisons[0].levels[name_level]
        assert all(set(e) == {"field", "level", "weight", "left", "right"} for e in row["explanation"])
    reviews = [row for chunk in result.pair_rows((MatchDecision.REVIEW,)) for row in chunk]
    assert reviews == [r for r in rows if r["decision"] == "review"]


def test_pair_frames_are_pair_rows_with_the_explanation_as_the_text_the_store_writes() -> None:
    result = match_frame(frame(PEOPLE, HOUSEHOLD, ORGANIZATIONS, BRIDGE))
    rows = [row for chunk in result.pair_rows(ALL_DECISIONS, chunk_size=7) for row in chunk]
    frames = list(result.pair_frames(ALL_DECISIONS, chunk_size=7))
    assert len(frames) > 1 and all(f.height <= 7 for f in frames)
    texts = pl.concat(frames)
    assert texts.columns == [*PAIR_COLUMNS, "explanation"] and texts["explanation"].dtype == pl.Utf8
    assert texts.drop("explanation").to_dicts() == [{k: r[k] for k in PAIR_COLUMNS} for r in rows]
    assert texts["explanation"].to_list() == [json_codec.dumps(r["explanation"]) for r in rows]
    entries = [e for r in rows for e in r["explanation"]]  # what the comparison covered
    assert any(e["field"] == "rule" for e in entries) and any(e["left"] is None for e in entries)
    assert any(e["weight"] < 0 for e in entries) and any(not str(e["left"]).isascii() for e in entries)
    among = (result.pairs["decision"] == "review").to_numpy()
    reviewed = pl.concat(result.pair_frames(among=among))
    assert reviewed.to_dicts() == texts.filter(pl.col("decision") == "review").to_dicts()


def test_write_creates_clusters_and_pairs_csv(tmp_path: Path) -> None:
    data = frame(PEOPLE)
    result = match_frame(data)
    clusters_path, pairs_path = result.write(tmp_path / "out")
    clusters = pl.read_csv(clusters_path, infer_schema=False)
    pairs = pl.read_csv(pairs_path, infer_schema=False)
    assert clusters.columns == ["source_system", "source_id", "golden_id"]
    assert clusters.height == data.height and clusters["golden_id"].str.starts_with("G").all()
    assert pairs.columns == ["left_system", "left_id", "right_system", "right_id", "score", "decision"]
    assert set(pairs["decision"]) <= {"match", "review", "distinct"}


def test_stats_report_stages_and_keys() -> None:
    result = match_frame(frame(PEOPLE, HOUSEHOLD))
    stats = result.stats
    assert stats["records"] == len(PEOPLE) + len(HOUSEHOLD)
    assert stats["candidate_pairs"] == result.pairs.height
    assert sum(stats["pairs_by_decision"].values()) == result.pairs.height
    assert {"normalize", "block", "compare", "score", "cluster"} <= set(stats["seconds"])
    assert stats["blocking_keys"]["email"] >= 1


def test_read_flat_csv_and_records_to_frame_agree(tmp_path: Path) -> None:
    path = tmp_path / "flat.csv"
    path.write_text(
        "source_system,source_id,full_name,email,phone,country\n"
        "erp,1,Иван Петров,ivan@example.bg;ivan.p@example.bg,02 123 4567,BG\n"
        "webshop,2,Ivan Petrov,,,\n",
        encoding="utf-8",
    )
    flat = read_flat_csv(path)
    assert flat.schema["date_of_birth"] == pl.Utf8 and flat["email"][1] is None
    record = CustomerRecord(
        source_system="erp",
        source_id="1",
        full_name="Иван Петров",
        country="BG",
        emails=["ivan@example.bg", "ivan.p@example.bg"],
        phones=["02 123 4567"],
    )
    from_records = records_to_frame([record])
    assert from_records["email"][0] == "ivan@example.bg;ivan.p@example.bg"
    assert from_records["phone"][0] == "+35921234567"
    # the same name in two scripts and nothing else: a steward decides, no automatic merge
    assert match_frame(flat).pairs["decision"].to_list() == ["review"]


def test_bad_input_is_refused_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(FlatFrameError, match="without source_system/source_id"):
        match_frame(pl.DataFrame([dict(source_system="erp", source_id=None, full_name="X")]))
    with pytest.raises(FlatFrameError, match="duplicate record key"):
        match_frame(pl.DataFrame([dict(source_system="erp", source_id="1")] * 2))
    path = tmp_path / "bad.csv"
    path.write_text("name,email\nx,y\n", encoding="utf-8")
    with pytest.raises(FlatFrameError, match="source_system and source_id"):
        read_flat_csv(path)


def test_father_and_son_with_jr_sr_stay_apart() -> None:
    # same name, address and landline; the ERP writes the suffix only in the full name
    home = dict(
        street="12 Oak Street", postal_code="60601", city="Chicago", country="US", phone="+13125550100"
    )
    rows = [
        dict(
            home,
            source_system="erp",
            source_id="1",
            given_name="Thomas",
            family_name="Smith",
            full_name="Thomas Smith Sr.",
            email="tsmith@example.com",
        ),
        dict(
            home,
            source_system="erp",
            source_id="2",
            given_name="Thomas",
            family_name="Smith",
            full_name="Thomas Smith Jr.",
            email="thomas.smith@example.com",
        ),
        dict(
            home,
            source_system="legacy_db",
            source_id="3",
            given_name="THOMAS",
            family_name="SMITH JR",
            email="THOMAS.SMITH@EXAMPLE.COM",
        ),
    ]
    result = match_frame(pl.DataFrame(rows))
    ids = dict(zip(result.clusters["source_id"], result.clusters["cluster_id"], strict=True))
    assert ids["1"] != ids["2"]
    assert ids["2"] == ids["3"]  # the son's own records still merge
    pair = result.pairs.filter((pl.col("left_id") == "1") & (pl.col("right_id") == "2"))
    entries = {e["field"]: e for e in _explanation(result, "1", "2")}
    assert entries["suffix"]["level"] == "different" and entries["suffix"]["weight"] < 0
    assert pair["decision"][0] == "distinct"


def test_different_birth_date_vetoes_even_with_everything_else_shared() -> None:
    base = dict(
        full_name="David Hall",
        street="3 Elm Road",
        postal_code="LS1 9SE",
        city="Leeds",
        country="GB",
        phone="+441132579510",
        email="",
    )
    rows = [
        {**base, "source_system": "erp", "source_id": "1", "date_of_birth": "1950-03-01"},
        {**base, "source_system": "webshop", "source_id": "2", "date_of_birth": "1978-07-21"},
    ]
    result = match_frame(pl.DataFrame(rows))
    assert result.pairs["decision"][0] == "distinct"
    assert "vetoed_by_disagreeing_field" in _rules(_explanation(result, "1", "2"))
    assert result.clusters["cluster_id"].n_unique() == 2


def test_sister_companies_with_own_tax_ids_stay_apart() -> None:
    shared = dict(record_type="organization", city="Sofia", country="BG", phone="+35929700100")
    rows = [
        dict(
            shared,
            source_system="erp",
            source_id="1",
            organization_name="Балкан Софт Юг АД",
            tax_id="BG131234567",
            email="office@balkansoft.bg",
            street="бул. Витоша 1",
            postal_code="1000",
        ),
        dict(
            shared,
            source_system="legacy_db",
            source_id="2",
            organization_name="BALKAN SOFT SERVICE OOD",
            tax_id="204567890",
            email="SALES@BALKANSOFT.BG",
            street="UL. RAKOVSKI 5",
            postal_code="1202",
        ),
        dict(
            shared,
            source_system="webshop",
            source_id="3",
            organization_name="Balkan Soft EOOD",
            tax_id="BG 205 111 222",
            email="info@balkansoft.bg",
            street="",
            postal_code="",
        ),
        dict(
            shared,
            source_system="legacy_csv",
            source_id="4",
            organization_name="BALKAN SOFT YUG AD",
            tax_id="131234567",
            email="",
            street="BUL. VITOSHA 1",
            postal_code="1000",
        ),
    ]
    result = match_frame(pl.DataFrame(rows))
    ids = dict(zip(result.clusters["source_id"], result.clusters["cluster_id"], strict=True))
    assert len({ids["1"], ids["2"], ids["3"]}) == 3
    assert ids["1"] == ids["4"]


def test_two_character_chinese_given_name_matches_its_romanisation() -> None:
    rows = [
        dict(
            source_system="erp",
            source_id="1",
            given_name="詩涵",
            family_name="黃",
            phone="+886912661446",
            date_of_birth="1962-01-17",
            country="TW",
        ),
        dict(
            source_system="legacy_db",
            source_id="2",
            given_name="SHIHAN",
            family_name="HUANG",
            phone="+886912661446",
            date_of_birth="1962-01-17",
            country="TW",
        ),
    ]
    result = match_frame(pl.DataFrame(rows))
    assert result.pairs["decision"][0] == "match"


def test_father_without_suffix_is_not_merged_into_the_son_on_name_and_address() -> None:
    home = dict(street="8 Queens Road", postal_code="EH8 8RQ", city="Edinburgh", country="GB")
    rows = [
        dict(home, source_system="erp", source_id="1", full_name="James Davis", email="jd.1@example.com"),
        dict(
            home, source_system="webshop", source_id="2", full_name="JAMES DAVIS SR", email="jd.2@example.com"
        ),
    ]
    result = match_frame(pl.DataFrame(rows))
    assert result.pairs["decision"][0] == "review"  # a steward tells father from son
    assert "contact_fields_disagree" in _rules(_explanation(result, "1", "2"))
    assert result.clusters["cluster_id"].n_unique() == 2


def test_namesakes_whose_contacts_disagree_are_not_queued_for_review() -> None:
    base = dict(full_name="Nguyen Van Anh", country="VN")
    rows = [
        dict(base, source_system="erp", source_id="1", email="anh.nguyen@example.vn", postal_code="700000"),
        dict(base, source_system="webshop", source_id="2", email="nva88@example.com", postal_code="100000"),
    ]
    # a low review threshold: the score alone would queue the pair
    result = match_frame(pl.DataFrame(rows), MatchingConfig(review_threshold=1e-6))
    assert result.pairs["decision"][0] == "distinct"
    assert "namesake_contact_fields_disagree" in _rules(_explanation(result, "1", "2"))
    assert list(result.pair_rows()) == []


def test_hong_kong_cantonese_spelling_meets_the_chinese_name() -> None:
    rows = [
        dict(
            source_system="erp",
            source_id="1",
            given_name="雅婷",
            family_name="蔡",
            phone="+852 9640 2942",
            date_of_birth="1990-03-04",
            country="HK",
        ),
        dict(
            source_system="legacy_csv",
            source_id="2",
            full_name="CHOI NGA TING",
            phone="9640 2942",
            date_of_birth="1990-03-04",
            country="HK",
        ),
    ]
    result = match_frame(pl.DataFrame(rows))
    entries = {e["field"]: e for e in _explanation(result, "1", "2")}
    assert entries["name"]["level"] in ("exact", "phonetic")
    assert result.pairs["decision"][0] == "match"


def test_same_given_name_and_birthday_with_other_contacts_is_not_a_match() -> None:
    base = dict(given_name="Anna", date_of_birth="1985-01-24", country="DE")
    rows = [
        dict(base, source_system="erp", source_id="1", family_name="Schulz", phone="089 24437131",
             street="Bahnhofstr. 7", postal_code="80474", city="München"),
        dict(base, source_system="webshop", source_id="2", family_name="Krüger", phone="0351 4806594",
             street="Hauptstr. 85", postal_code="01231", city="Dresden"),
    ]  # fmt: skip
    # a low threshold: the score alone (0.8 here, higher on a large data set) would merge the pair
    result = match_frame(pl.DataFrame(rows), MatchingConfig(match_threshold=0.3, review_threshold=0.1))
    assert result.pairs["decision"][0] == "review"
    assert "contact_fields_disagree" in _rules(_explanation(result, "1", "2"))
    assert result.clusters["cluster_id"].n_unique() == 2


def test_married_name_with_the_same_phone_still_merges() -> None:
    base = dict(given_name="Anna", date_of_birth="1985-01-24", country="DE", phone="089 24437131")
    rows = [
        dict(base, source_system="erp", source_id="1", family_name="Schulz", postal_code="80474"),
        dict(base, source_system="webshop", source_id="2", family_name="Krüger", postal_code="01231"),
    ]
    result = match_frame(pl.DataFrame(rows))
    assert result.pairs["decision"][0] == "match"


def test_german_nickname_and_bulgarian_c_for_ts() -> None:
    rows = [
        dict(source_system="erp", source_id="1", full_name="Katja Richter", phone="089 19482652",
             street="Bahnhofstraße 171a", postal_code="80600", city="München", country="DE"),
        dict(source_system="legacy_db", source_id="2", given_name="KATHARINA", family_name="RICHTER",
             phone="+49 89 19482652", street="BAHNHOFSTRASSE 171A", postal_code="80600", city="MUENCHEN",
             country="DE"),
        dict(source_system="erp", source_id="3", full_name="CVETELINA HRISTOVA", street="UL. SHIPKA 128",
             postal_code="1778", city="SOFIA", country="BG", date_of_birth="1954-02-06"),
        dict(source_system="webshop", source_id="4", given_name="TSVETELINA", family_name="HRISTOVA",
             street="ULITSA SHIPKA 128", postal_code="1778", city="SOFIA", country="BG",
             date_of_birth="1954-02-06"),
    ]  # fmt: skip
    labels = match_frame(pl.DataFrame(rows)).clusters["cluster_id"].to_list()
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def test_name_and_birthday_against_other_email_phone_and_address_go_to_review() -> None:
    base = dict(full_name="Oliver Williams", date_of_birth="1962-10-17", country="GB")
    rows = [
        dict(base, source_system="erp", source_id="1", email="owilliams@outlook.com", phone="020 7311 6556",
             street="10 Church Lane", postal_code="SW11 3BL", city="London"),
        dict(base, source_system="webshop", source_id="2", email="williams.oliver69@yahoo.co.uk",
             phone="0131 480 4241", street="170 Queens Road", postal_code="EH1 8HL", city="Edinburgh"),
    ]  # fmt: skip
    result = match_frame(pl.DataFrame(rows), MatchingConfig(match_threshold=0.3, review_threshold=0.1))
    assert result.pairs["decision"][0] == "review"
    assert "contact_fields_disagree" in _rules(_explanation(result, "1", "2"))
    # one contact field agreeing is the customer after a move
    rows[1]["phone"] = "020 7311 6556"
    assert match_frame(pl.DataFrame(rows)).pairs["decision"][0] == "match"


def _decision(rows: list[dict[str, str]]) -> str:
    [decision] = match_frame(pl.DataFrame(rows)).pairs["decision"].to_list()
    return decision


def _level(rows: list[dict[str, str]], field: str = "name") -> str:
    result = match_frame(pl.DataFrame(rows))
    [entry] = [e for e in _explanation(result, "1", "2") if e["field"] == field]
    return entry["level"]


def test_thai_nickname_with_the_family_name_and_email_merges() -> None:
    # ชื่อเล่น: "ต้น" has nothing in common with the official "Somsak"; the family name still agrees
    rows = [
        dict(
            source_system="webshop",
            source_id="1",
            given_name="ต้น",
            family_name="วงศ์สวัสดิ์",
            email="somsak.wongsawat7073@yahoo.co.th",
            country="TH",
        ),
        dict(
            source_system="legacy_db",
            source_id="2",
            full_name="SOMSAK WONGSAWAT",
            email="somsak.wongsawat7073@yahoo.co.th",
            country="TH",
        ),
    ]
    assert _level(rows) == "family_only"
    assert _decision(rows) == "match"


@pytest.mark.parametrize(
    ("name_1", "name_2", "level"),
    [
        ("He Wenjie", "He Wen-chieh", "phonetic"),  # pinyin / Wade-Giles: one part spelt alike
        ("Lihua Zheng", "Chih-Chiang Li", "else"),  # both "r snk", nothing spelt alike
        ("Wolfgang Schumacher", "Wolfgang Schuhmacher", "phonetic"),  # a long skeleton needs no help
    ],
)
def test_a_short_sound_skeleton_needs_a_name_part_spelt_alike(name_1: str, name_2: str, level: str) -> None:
    rows = [
        dict(source_system="a", source_id=str(i), full_name=name) for i, name in ((1, name_1), (2, name_2))
    ]
    assert _level(rows) == level


@pytest.mark.parametrize(
    ("given", "family", "level"),
    [
        ("Emiily", None, "given_only"),  # a given name alone, however rare its spelling, is half a name
        (None, "Brummer-Archer", "exact"),  # a family name alone still names the family
        ("Emiily", "Brummer-Archer", "exact"),
    ],
)
def test_a_given_name_alone_is_half_a_name(given: str | None, family: str | None, level: str) -> None:
    rows = [
        dict(source_system="a", source_id=i, given_name=given, family_name=family, country="AU") for i in "12"
    ]
    assert _level(rows) == level


@pytest.mark.parametrize(
    ("postal_2", "street_2", "level"),
    [
        ("5013", "9 Tunney Crescent", "same_street"),  # transposed postal code digits, same town and street
        ("5013", "11 Tunney Crescent", "same_city"),  # ... a neighbour's street number: the town only
        ("5113", "9 Tunney Crescent", "same_city"),  # two keystrokes: another postal area
    ],
)
def test_a_mistyped_postal_code_keeps_the_street(postal_2: str, street_2: str, level: str) -> None:
    place = dict(source_system="a", given_name="Timothy", family_name="Twigger", city="Toorak", country="AU")
    rows = [
        dict(place, source_id="1", street="9 Tunney Crescent", postal_code="5031"),
        dict(place, source_id="2", street=street_2, postal_code=postal_2),
    ]
    assert _level(rows, "address") == level


def _strangers(count: int = 200, country: str = "TH") -> list[dict[str, str]]:
    """Unrelated customers, so that u is estimated on pairs of different people (not on the pair tested)."""
    return [
        dict(
            source_system="c",
            source_id=f"s{i}",
            given_name=f"Given{i:04d}",
            family_name=f"Family{i:04d}",
            email=f"someone{i}@example.com",
            street=f"{i + 1} Main Road",
            postal_code=str(2000 + i),
            country=country,
            date_of_birth=f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}",
        )
        for i in range(count)
    ]


def test_a_name_no_reading_matches_across_scripts_merges_on_the_same_email() -> None:
    # a typo in the Thai name (รัน for รัต) that no romanisation repairs; the mailbox is the same
    thai = dict(source_system="webshop", source_id="1", full_name="มาลี เพชรรันต์", country="TH")
    latin = dict(
        source_system="legacy_db", source_id="2", given_name="MALEE", family_name="PHETCHARAT", country="TH"
    )
    email = "mphetcharat9026@hotmail.com"
    rows = [dict(thai, email=email), dict(latin, email=email.upper()), *_strangers()]
    assert _decision_of(rows, "1", "2") == "match"
    # in one script two other names on one mailbox are a household sharing it, not one customer
    household = [
        dict(latin, source_id="1", given_name="SOMCHAI", family_name="WONGSAWAT", email=email),
        rows[1],
    ]
    assert _decision_of([*household, *_strangers()], "1", "2") != "match"


@pytest.mark.parametrize(("system_2", "decision"), [("erp", "match"), ("webshop", "review")])
def test_a_second_record_in_one_system_with_contacts_of_its_own_is_reviewed(
    system_2: str, decision: str
) -> None:
    # across systems one customer keeps other e-mails (work, private); inside one web shop a second
    # account with its own e-mail at the same address is as often the son with his father's name
    home = dict(
        given_name="Edward",
        family_name="Phillips",
        street="168 Kingsway",
        postal_code="SW11 5EB",
        country="GB",
    )
    rows = [
        dict(home, source_system="webshop", source_id="1", email="edwardphillips@yahoo.co.uk"),
        dict(home, source_system=system_2, source_id="2", email="edward.phillips@btinternet.com"),
    ]
    assert _decision(rows) == decision
    # ... unless something of the customer's own agrees (here the birth date)
    born = [dict(row, date_of_birth="1968-09-22") for row in rows]
    assert _decision(born) == "match"


def _twin_rows(email_2: str | None) -> list[dict[str, str | None]]:
    home = dict(
        family_name="Phetcharat",
        date_of_birth="1984-02-11",
        street="7/95 Silom Road",
        postal_code="40002",
        city="Khon Kaen",
        country="TH",
    )
    return [
        dict(home, source_system="erp", source_id="1", given_name="Malee", email="malee.p@hotmail.com"),
        dict(home, source_system="webshop", source_id="2", given_name="Lek", email=email_2),
    ]


def _parents(rows: list[dict[str, str | None]]) -> list[dict[str, str | None]]:
    """The twins' parents at the same home: the households that make twins possible in the data."""
    parents = [("Somchai", "1956-05-03"), ("Ratana", "1959-10-21")]
    return [
        dict(rows[0], source_system="erp", source_id=f"p{i}", given_name=given, date_of_birth=dob, email=None)
        for i, (given, dob) in enumerate(parents)
    ]


def _decision_of(rows: list[dict[str, str | None]], left: str, right: str) -> str:
    pairs = match_frame(pl.DataFrame(rows)).pairs
    [decision] = pairs.filter(
        pl.col("left_id").is_in([left, right]) & pl.col("right_id").is_in([left, right])
    )["decision"].to_list()
    return decision


def test_family_name_birthday_and_home_merge_a_nickname_but_not_twins() -> None:
    # "Lek" is Malee's nickname or her twin sister's name, where the data holds households (here: their
    # parents at the same address): nothing tells which, so a steward decides ...
    assert _decision_of(_twin_rows(None) + _parents(_twin_rows(None)), "1", "2") == "review"
    twins = _twin_rows("lek.phetcharat@gmail.com")
    assert _decision_of(twins + _parents(twins), "1", "2") != "match"
    # ... unless a mailbox of her own agrees
    same_mailbox = _twin_rows("malee.p@hotmail.com")
    assert _decision_of(same_mailbox + _parents(same_mailbox), "1", "2") == "match"
    # a short form of the given name at the same home with the birth date is one customer
    willi = [
        dict(row, given_name=given) for row, given in zip(_twin_rows(None), ["Wilhelm", "Willi"], strict=True)
    ]
    assert _decision_of(willi + _parents(willi), "1", "2") == "match"
    # with no household at all in the data nobody can be a twin: a corrupted duplicate (FEBRL)
    assert _decision(twins) == "match"


def _febrl_like_home() -> list[dict[str, str | None]]:
    """One customer written four ways at one home (FEBRL-style corruption), a dozen strangers around."""
    home = dict(
        family_name="Webb",
        street="2 Mckinley Circuit",
        postal_code="3943",
        city="Lemon Tree Passage",
        country="AU",
    )
    copies = [
        ("1", "Keaton", "1994-07-24", {"tax_id": "6702216"}),
        ("2", "Keaton", "1985-03-28", {}),  # birth date replaced
        ("3", "Emalcene", "1994-07-24", {"street": "14 Ocean Parade"}),  # given name and street replaced
        ("4", "Kenton", "1994-07-24", {}),  # given name mistyped beyond the fuzzy level
        ("6", "Emalcene", "1994-07-24", {}),  # given name replaced (a typo says nothing about households)
    ]
    return [
        *(
            dict(home, source_system="a", source_id=i, given_name=given, date_of_birth=dob, **extra)
            for i, given, dob, extra in copies
        ),
        *_strangers(12, country="AU"),
    ]


def test_without_households_in_the_data_the_family_guards_are_lifted() -> None:
    rows = _febrl_like_home()
    result = match_frame(pl.DataFrame(rows))
    assert result.model.twin_share < 0.05
    # half the name and the birth date in the same postal area: nobody else could be born that day there
    assert _decision_of(rows, "1", "3") == "match"
    # the same name at the same home with another birth date: a typo, not a father (no veto; the FS
    # weights still count the birth date, so the stewards decide)
    assert _decision_of(rows, "1", "2") == "review"
    assert "vetoed_by_disagreeing_field" not in _rules(_explanation(result, "1", "2"))
    # where households exist, both guards stand
    with_parents = rows + _parents(rows)
    assert _decision_of(with_parents, "1", "3") == "review"
    assert _decision_of(with_parents, "1", "2") == "distinct"


def test_without_households_a_persons_equal_id_number_identifies_like_a_companys() -> None:
    # name and birth date replaced, moved house: only the id number is left (FEBRL's soc_sec_id)
    moved = dict(
        source_system="b",
        source_id="5",
        given_name="Jakib",
        family_name="Clarke",
        street="47 Leven Street",
        postal_code="5062",
        country="AU",
        date_of_birth="1997-03-24",
        tax_id="6702216",
    )
    rows = [*_febrl_like_home(), moved]
    result = match_frame(pl.DataFrame(rows))
    assert _decision_of(rows, "1", "5") == "match"
    assert "same_tax_id_holder" in _rules(_explanation(result, "1", "5"))
    # in a customer base with households a parent's number on a child's account is not the child
    assert _decision_of([*rows, *_parents(rows)], "1", "5") != "match"


def _org(source_system: str, source_id: str, name: str, **fields: str | None) -> dict[str, str | None]:
    return dict(
        source_system=source_system,
        source_id=source_id,
        record_type="organization",
        organization_name=name,
        **fields,
    )


def _company_rows(name_2: str, tax_2: str | None = None) -> list[dict[str, str | None]]:
    home = dict(phone="053 495 741", postal_code="50200", country="TH")
    return [
        _org(
            "erp",
            "1",
            "ห้างหุ้นส่วนจำกัด เชียงใหม่เทรดดิ้ง",
            street="46/20 ถนนลาดพร้าว",
            tax_id="0105732431186",
            **home,
        ),
        _org("legacy_db", "2", name_2, street="46/20 LAT PHRAO ROAD", tax_id=tax_2, **home),
    ]


def test_company_in_two_scripts_merges_on_legal_form_switchboard_and_street() -> None:
    assert _decision(_company_rows("CHIANG MAI TRADING LIMITED PARTNERSHIP")) == "match"
    # a different legal form, or a tax id of its own, is a sister company at the same address
    assert _decision(_company_rows("CHIANG MAI TRADING CO., LTD.")) != "match"
    assert _decision(_company_rows("CHIANG MAI TRADING LP", tax_2="0105732431999")) != "match"


def test_twins_never_share_their_own_email() -> None:
    # "Lek" with Malee's e-mail but a mobile of her own: one customer, even where twins are possible
    rows = _twin_rows("malee.p@hotmail.com")
    rows[1]["phone"] = "081 234 5678"
    rows[0]["phone"] = "089 765 4321"
    assert _decision_of(rows + _parents(rows), "1", "2") == "match"


def test_an_organisations_equal_tax_id_merges_across_scripts_and_a_move() -> None:
    rows = _company_rows("CHIANG MAI TRADING LP", tax_2="0105732431186")
    rows[1].update(phone=None, street="88 NIMMANHAEMIN ROAD", postal_code="50300")
    result = match_frame(pl.DataFrame(rows))
    [decision] = result.pairs["decision"].to_list()
    assert decision == "match"
    assert "same_tax_id_holder" in _rules(_explanation(result, "1", "2"))
    # another tax id at that other address is another company
    rows[1]["tax_id"] = "0105732431999"
    assert match_frame(pl.DataFrame(rows)).clusters["cluster_id"].n_unique() == 2


def test_a_generic_company_form_does_not_contradict_a_specific_one() -> None:
    # "Công ty TNNHH": the mistyped TNHH leaves only "Công ty" (a company of some form)
    office = dict(
        email="info4565@saigonxanhtransport.com.vn",
        street="165 Hai Bà Trưng",
        postal_code="12698",
        city="Hà Nội",
        country="VN",
    )
    rows = [
        _org("webshop", "1", "Công ty TNNHH Vận tải Sài Gòn Xanh", **office),
        _org("erp", "2", "Công ty TNHH Vận tải Sài Gòn Xanh", **office),
    ]
    result = match_frame(pl.DataFrame(rows))
    levels = {e["field"]: e["level"] for e in _explanation(result, "1", "2")}
    assert levels["legal_form"] == "null"
    assert result.pairs["decision"].to_list() == ["match"]
    # two specific forms still differ: a JSC is not the LLC of the same name
    rows[0]["organization_name"] = "Công ty Cổ phần Vận tải Sài Gòn Xanh"
    assert _decision(rows) != "match"


def _email_level(email_1: str, email_2: str) -> str:
    rows = [
        dict(source_system="erp", source_id="1", full_name="James Davis", email=email_1, country="GB"),
        dict(source_system="webshop", source_id="2", full_name="James Davis", email=email_2, country="GB"),
    ]
    result = match_frame(pl.DataFrame(rows))
    return {e["field"]: e["level"] for e in _explanation(result, "1", "2")}["email"]


def test_an_email_typo_is_fuzzy_but_a_numbered_mailbox_is_another_person() -> None:
    assert _email_level("james.davis@gmail.com", "james.dvis@gmail.com") == "fuzzy"
    # the provider numbered the second James Davis's mailbox: two people
    assert _email_level("james.davis@gmail.com", "james.davis7@gmail.com") == "else"
    # ... and so did the one that hands out the name without its dot: the father's and the son's
    assert _email_level("curtis.williams@yahoo.co.uk", "curtiswilliams@yahoo.co.uk") == "else"


def test_the_fathers_unmarked_record_does_not_join_junior_through_the_sons_records() -> None:
    home = dict(street="172 Sunset Boulevard", postal_code="98145", city="Seattle", country="US")
    son = dict(home, email="harry_hall6591@yahoo.com")
    rows = [
        dict(son, source_system="erp", source_id="1", full_name="Harry Hall Jr.", date_of_birth="1983-11-07"),
        dict(son, source_system="webshop", source_id="2", full_name="Harry Hall"),
        dict(son, source_system="legacy_csv", source_id="3", full_name="HARRY HALL"),
        # the father: same name and home, an e-mail of his own, no suffix written
        dict(home, source_system="webshop", source_id="4", full_name="Harry Hall", email="hallharry@aol.com"),
    ]
    clusters = match_frame(pl.DataFrame(rows)).clusters
    cluster_of = dict(zip(clusters["source_id"], clusters["cluster_id"], strict=True))
    assert cluster_of["1"] == cluster_of["2"] == cluster_of["3"]
    assert cluster_of["4"] != cluster_of["1"]


def _born_swapped(street_2: str, postal_2: str, city_2: str) -> list[dict[str, str]]:
    base = dict(given_name="Sabine", family_name="Bauer", country="DE")
    return [
        dict(base, source_system="erp", source_id="1", date_of_birth="1979-06-09", phone="030 22741190",
             street="Hauptstraße 12", postal_code="10115", city="Berlin"),
        dict(base, source_system="webshop", source_id="2", date_of_birth="1979-09-06", phone="0171 5523014",
             street=street_2, postal_code=postal_2, city=city_2),
    ]  # fmt: skip


def test_day_and_month_swapped_at_the_same_home_is_one_customer_with_another_phone() -> None:
    # one system wrote 09.06., the other 06/09: at one home a namesake born that year would be a twin
    assert _decision(_born_swapped("Hauptstr. 12", "10115", "Berlin")) == "match"
    # in another city the swapped date with another phone is as likely a namesake: the stewards decide
    assert _decision(_born_swapped("Lindenallee 3", "20095", "Hamburg")) == "review"


def _department_rows(street_2: str) -> list[dict[str, str | None]]:
    home = dict(postal_code="80331", city="München", country="DE")
    return [
        _org("erp", "1", "Brandt Logistik GmbH", street="Bahnhofstraße 41",
             email="einkauf@brandt-logistik.de", phone="089 4411 2030", **home),
        _org("webshop", "2", "BRANDT LOGISTIK GMBH", street=street_2, email="buchhaltung@brandt-logistik.de",
             phone="089 4411 2099", **home),
    ]  # fmt: skip


def test_a_company_at_its_address_is_one_customer_whatever_its_departments_write() -> None:
    # purchasing and accounting give their own e-mails and extensions; name, legal form and address agree
    assert _decision(_department_rows("Bahnhofstr. 41")) == "match"
    # the same name at another street address with other contacts stays with the stewards
    assert _decision(_department_rows("Schillerstraße 7")) != "match"


def test_a_name_sounding_alike_in_another_country_is_another_name() -> None:
    # one sound skeleton ("prn sn") for a German and an American name: across a border no phonetic level
    rows = [
        dict(source_system="erp", source_id="1", given_name="Evelyne", family_name="Johann",
             date_of_birth="1977-10-15", country="DE"),
        dict(source_system="legacy_db", source_id="2", given_name="SHANNON", family_name="O'BRIEN",
             date_of_birth="1977-10-15", country="US"),
    ]  # fmt: skip
    assert _level(rows) != "phonetic"
    assert _decision(rows) != "match"
    # ... while a name spelt alike keeps its level across the border (a customer who moved abroad)
    rows[1].update(given_name="EVELYNE", family_name="JOHANN")
    assert _level(rows) == "exact"


def _born_near(street_2: str, date_of_birth_2: str = "1961-02-12") -> list[dict[str, str]]:
    base = dict(
        given_name="Malee", family_name="Somboonphan", postal_code="40002", city="Khon Kaen", country="TH"
    )
    return [
        dict(base, source_system="erp", source_id="1", date_of_birth="1961-02-21",
             street="145/81 Mittraphap Road"),
        dict(base, source_system="webshop", source_id="2", date_of_birth=date_of_birth_2, street=street_2),
    ]  # fmt: skip


def test_a_birth_date_a_keystroke_off_is_a_typo_only_on_the_same_street() -> None:
    # a whole town shares the postal code 40002: there a namesake born nine days later is likelier
    assert _decision(_born_near("28/3 Sri Chan Road")) == "review"
    assert _decision(_born_near("145/81 Mittraphap Rd.")) == "match"


def test_the_same_given_name_and_birthday_in_one_postal_area_is_no_married_name() -> None:
    rows = _born_near("28/3 Sri Chan Road", date_of_birth_2="1961-02-21")
    rows[1]["family_name"] = "Manirat"
    assert _decision(rows) != "match"
    # at the same street address it is one woman under her married name
    rows[1]["street"] = "145/81 MITTRAPHAP RD."
    assert _decision(rows) == "match"


def _sounding_alike(name_2: dict[str, str]) -> list[dict[str, str]]:
    base = dict(date_of_birth="1953-12-26", country="DE")
    return [
        dict(base, source_system="webshop", source_id="1", given_name="Stilla", family_name="Zan",
             email="stilla_zahn97@web.de", street="Mühlenweg 717", postal_code="50867", city="Köln"),
        dict(base, source_system="legacy_csv", source_id="2", email="s.zahn@t-online.de",
             street="Bahnhofstr. 1020", postal_code="22023", city="Hamburg", **name_2),
    ]  # fmt: skip


def test_a_name_only_sounding_alike_with_the_birthday_but_other_email_and_address_is_reviewed() -> None:
    # in one script "Zan" / "ZAHN" is a typo or another family; with another e-mail and address too the
    # stewards decide
    assert _level(_sounding_alike(dict(given_name="STILLA", family_name="ZAHN"))) in ("phonetic", "fuzzy")
    assert _decision(_sounding_alike(dict(given_name="STILLA", family_name="ZAHN"))) == "review"
    # spelt alike, the same birthday is enough against the other contacts
    assert _decision(_sounding_alike(dict(given_name="STILLA", family_name="ZAN"))) == "match"


def test_a_taiwanese_name_in_pinyin_meets_its_wade_giles_spelling() -> None:
    home = dict(date_of_birth="1956-09-20", postal_code="400", city="Taichung City", country="TW")
    rows = [
        dict(home, source_system="webshop", source_id="1", given_name="Guoqiang", family_name="Zheng",
             street="No. 1008, Minsheng East Road"),
        dict(home, source_system="legacy_db", source_id="2", given_name="KUO-CHIANG", family_name="CHENG",
             street="NO. 1008, MINSHENG E. RD."),
    ]  # fmt: skip
    assert _level(rows) == "exact"
    assert _decision(rows) == "match"
    # outside Taiwan the words are not read as pinyin: "Dina" stays no "Tina"
    rows = [dict(row, country="DE") for row in rows]
    assert _level(rows) != "exact"


def _sister_sites(street_2: str) -> list[dict[str, str | None]]:
    home = dict(phone="312 688 3062", postal_code="60635", city="Chicago", country="US")
    return [
        _org("erp", "1", "Goodwin Software Inc.", street="110 Oak Avenue",
             email="accounts@goodwinsoftware.com", **home),
        _org("webshop", "2", "goodwin software", street=street_2, email="sales@goodwinsoftware.com", **home),
    ]  # fmt: skip


def test_a_company_name_without_its_form_on_the_switchboard_at_another_site_is_not_merged() -> None:
    # "goodwin software" may be any of the group's sister companies, which share the switchboard
    assert _decision(_sister_sites("88 Lake Street")) != "match"
    # at the same street address it is the company itself
    assert _decision(_sister_sites("110 Oak Ave.")) == "match"


def _junior_and_unmarked(phone: str) -> list[dict[str, str]]:
    home = dict(street="1282 High Street", postal_code="EH8 7HA", city="Edinburgh", country="GB")
    return [
        dict(home, source_system="erp", source_id="1", full_name="Glenn Ho Jr.", date_of_birth="2006-09-22",
             email="glenn7419@yahoo.co.uk", phone=f"{phone};07400 250352"),
        dict(home, source_system="legacy_db", source_id="2", given_name="GLENN", family_name="HO",
             phone=phone),
    ]  # fmt: skip


def test_a_shared_mobile_tells_junior_from_his_father_a_shared_landline_does_not() -> None:
    # the unmarked record shares Glenn Jr.'s own mobile: his record without the suffix
    assert _decision(_junior_and_unmarked("07958 577776")) == "match"
    # ... the household's landline is his father's as much as his
    assert _decision(_junior_and_unmarked("0131 496 0617")) == "review"


def _english_name_at_home(phone: str) -> list[dict[str, str]]:
    home = dict(
        family_name="Wu",
        street="No. 95, Zhongshan North Road",
        postal_code="701",
        city="Tainan City",
        country="TW",
    )
    return [
        dict(home, source_system="webshop", source_id="1", given_name="Winnie", phone=phone),
        dict(home, source_system="legacy_db", source_id="2", given_name="Mei-hsin", phone=phone),
    ]  # fmt: skip


def test_half_a_name_with_a_shared_mobile_is_one_person_with_a_shared_landline_a_household() -> None:
    # an English first name in the web shop: her own mobile says it is her, like her own e-mail would
    assert _decision(_english_name_at_home("0928 089 780")) == "match"
    # the household's landline is shared by her parents and siblings
    assert _decision(_english_name_at_home("06 243 6291")) != "match"


def test_a_column_no_record_fills_is_compared_as_missing_everywhere() -> None:
    # a source without birth dates or tax ids (an ERP's company list, Tryton's parties): the codes of an
    # empty column index an empty table, and the comparisons still run and treat every pair as missing
    data = frame(PEOPLE).with_columns(
        pl.lit(None, dtype=pl.Utf8).alias(c) for c in ("date_of_birth", "tax_id")
    )
    result = match_frame(data)
    assert (
        set(result.pairs["level_date_of_birth"].to_list())
        == set(result.pairs["level_tax_id"].to_list())
        == {0}
    )
    assert result.pairs.filter(pl.col("decision") != "non_match").height > 0
