"""The normalisers' fast paths (an ASCII text has nothing to mix; repeated values are remembered)
give the same answers as the full checks, and a refused value is refused every time it comes."""

from __future__ import annotations

import pytest

from schemas.values import _mixed_script_word, clean_email, clean_phone, clean_text


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Anna Weber", None),
        ("Anna Grеta", ("Grеta", ["Cyrillic", "Latin"])),  # ASCII words beside a mixed one
        ("Ирина Pаvlova", ("Pаvlova", ["Cyrillic", "Latin"])),
        ("Ирина Павлова", None),
        ("Zoë Ωμέγα", None),  # one script per word: a Greek word beside a Latin one is fine
        ("Ζωή Zοe", ("Zοe", ["Greek", "Latin"])),
        ("Müller-Lüdenscheidt", None),
    ],
)
def test_mixed_scripts_are_found_in_any_text(text, found):
    assert _mixed_script_word(text) == found


def test_a_refused_value_is_refused_every_time_and_a_good_one_keeps_its_answer():
    for _ in range(3):
        with pytest.raises(ValueError, match="look-alike"):
            clean_text("Grеta")
        with pytest.raises(ValueError, match="invalid e-mail"):
            clean_email("greta.at.example.com")
        with pytest.raises(ValueError, match="phone"):
            clean_phone("call me", "DE")
        assert clean_text("  Zoë \t Weber ") == "Zoë Weber"
        assert clean_email("Zoe.Weber@Example.COM") == "zoe.weber@example.com"
        assert clean_phone("030 1234567", "DE") == "+49301234567"
        assert clean_phone("030 1234567", "AT") == "+43301234567"  # the country is part of the question
    assert clean_text(12345) == "12345"
