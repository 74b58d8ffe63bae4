"""How legacy systems write names: company legal forms in a native word's romanisation, names cut at a
fixed field width, Chinese names in pinyin with the family name first and the syllables apart."""

from __future__ import annotations

from fixtures import frame

from matching import match_frame
from matching.normalize import name_tokens, split_organization


def _org(source_id: str, system: str, name: str, **fields: str) -> dict[str, str]:
    return dict(
        truth_id="x", source_system=system, source_id=source_id, record_type="organization",
        organization_name=name, **fields,
    )  # fmt: skip


def _decision(rows: list[dict[str, str]]) -> tuple[str, str]:
    result = match_frame(frame(rows))
    [pair] = result.pairs.iter_rows(named=True)
    level = result.pairs["level_name"][0]
    return pair["decision"], ("null", "exact", "phonetic", "fuzzy", "partial", "given_only", "family_only",
                              "else")[level]  # fmt: skip


def test_a_native_legal_form_read_in_latin_letters_is_that_form() -> None:
    native = split_organization("瑞豐食品有限公司")
    assert split_organization("RUI FENG SHI PIN YOU XIAN GONG SI") == native  # pinyin, 食品 is "food"
    assert split_organization("JUI FENG SHIH PIN YU HSIEN KUNG SSU")[1] == native[1] == "ltd"  # Wade-Giles


def test_a_legal_form_cut_at_the_field_width_is_still_the_form() -> None:
    assert split_organization("RUI FENG SHI PIN YOU XIAN") == split_organization("瑞豐食品有限公司")
    assert split_organization("MINH PHAT CONG TY TNHH MOT THANH") == ("minh phat", "sole ltd")
    # a complete shorter form is that form, not the cut longer one
    assert split_organization("Minh Phat Cong Ty TNHH") == ("minh phat", "ltd")


def test_company_with_romanised_legal_form_merges_across_scripts() -> None:
    rows = [
        _org("1", "erp", "瑞豐食品有限公司", phone="+886 7 555 1234", postal_code="807", street="中山路8號",
             country="TW"),
        _org("2", "legacy", "RUI FENG SHI PIN YOU XIAN", phone="07 555 1234", postal_code="807",
             street="ZHONG SHAN LU 8", country="TW"),
    ]  # fmt: skip
    assert _decision(rows) == ("match", "exact")


def test_a_name_cut_inside_a_word_is_the_start_of_the_full_name() -> None:
    common = dict(
        phone="+49 89 1234567", postal_code="80331", street="Hauptstr. 5", city="München", country="DE"
    )
    full = _org("1", "erp", "Schneider Maschinenbau und Anlagentechnik GmbH", **common)
    assert _decision([full, _org("2", "legacy", "SCHNEIDER MASCHINENBAU UN", **common)]) == ("match", "fuzzy")
    # cut at a word boundary it may be a sister company's own shorter name: no name agreement from it
    _, level = _decision([full, _org("2", "legacy", "SCHNEIDER MASCHINENBAU", **common)])
    assert level != "fuzzy"
    # too short a start says nothing
    _, level = _decision([full, _org("2", "legacy", "SCHNEIDER MA", **common)])
    assert level != "fuzzy"


def test_a_pinyin_name_family_first_with_syllables_apart_is_the_native_name() -> None:
    # 鍾俊賢 (given name 俊賢) against a legacy export "ZHONG JUN XIAN": the family name first, the given
    # name's syllables apart, and "JUN" (俊) a syllable, not the suffix "jun." (junior)
    native = dict(truth_id="x", source_system="erp", source_id="1", given_name="俊賢", family_name="鍾",
                  country="TW", postal_code="450")  # fmt: skip
    legacy = dict(truth_id="x", source_system="legacy", source_id="2", full_name="ZHONG JUN XIAN      ",
                  country="TW", postal_code="450")  # fmt: skip
    assert _decision([native, legacy])[1] == "phonetic"
    assert name_tokens("ZHONG JUN XIAN") == ["zhong", "jun", "xian"]
    assert name_tokens("Thomas Smith jun.") == ["thomas", "smith"]
