"""The fixed-width reader answers exactly what ``datetime.strptime`` answers, errors included."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.fixed_width_time import _shape, strptime

FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y", "%Y%m%d",
           "%d.%m.%Y %H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%d %b %Y"]


def _same(text: str, fmt: str) -> None:
    try:
        expected: datetime | str = datetime.strptime(text, fmt)
    except ValueError as exc:
        expected = f"ValueError: {exc}"
    try:
        got: datetime | str = strptime(text, fmt)
    except ValueError as exc:
        got = f"ValueError: {exc}"
    assert got == expected, (text, fmt)
    if isinstance(got, datetime):
        assert got.tzinfo == expected.tzinfo  # type: ignore[union-attr]


@settings(max_examples=400, deadline=None)
@given(when=st.datetimes(min_value=datetime(1000, 1, 1)), fmt=st.sampled_from(FORMATS))
def test_every_written_timestamp_reads_back_alike(when, fmt):
    _same(when.strftime(fmt.replace("%z", "+0100")), fmt)


@settings(max_examples=600, deadline=None)
@given(text=st.text(alphabet="0123456789 .-:T t\u0661\u0662", max_size=22), fmt=st.sampled_from(FORMATS))
def test_any_text_gets_strptimes_answer_or_error(text, fmt):
    _same(text, fmt)


@pytest.mark.parametrize("text", ["2024-02-30 10:00:00", "2024-1-5 3:04:05", "2024-01-05  03:04:05",
                                  "2024-01-05t03:04:05", "2024-13-01 00:00:00", "2024-01-01 24:00:00",
                                  "2024-01-01 00:00:60", "0000-01-01 00:00:00", "２０２４-01-01 00:00:00",
                                  "2024-01-01 00:00:00.5", "2024-01-01 00:00:00.1234567"])
def test_edge_cases(text):
    for fmt in FORMATS:
        _same(text, fmt)


def test_only_plain_digit_formats_take_the_short_way():
    assert _shape("%Y-%m-%d %H:%M:%S") is not None and _shape("%d.%m.%Y") is not None
    assert _shape("%Y-%m-%dT%H:%M:%S%z") is None and _shape("%d %b %Y") is None
    assert _shape("%H:%M") is None and _shape("%Y-%m-%d %%") is None and _shape("%d.%m.%Y %d") is None
