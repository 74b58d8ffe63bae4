"""The search's per-value query keys (``hub.search_index.query_keys``) are exactly the keys the
column-wise feature pipeline gives the same six readings of a query (the keys the source records are
indexed with come from that pipeline, so a difference would be a spelling search cannot find)."""

from __future__ import annotations

import polars as pl
import pytest

from hub.search_index import QUERY_COUNTRIES, feature_keys, is_cjk, query_keys
from matching.features import build_features
from matching.frame import conform
from sources.generator import generate_dataset

FIXED = [
    "Чоно Николов", "NIKOLOV, CHONO", "Chono Nikolov", "Cai Jiaxin", "CHIA-HSIN TSAI", "蔡", "蔡佳欣",
    "jiaxin.cai@example.tw", "+359 88 123 4567", "030 1234567", "DE281127676", "ACME GmbH",
    "Müller & Söhne KG", "สมชาย ใจดี", "محمد عبد الله", "鄭國強", "Kuo-Chiang Cheng", "a@b.c; d@e.f",
    "Anna Müller0", "SCHMIDT15", "eva.333334@example.org", "王", "O'Brien-Smith Jr.", "100%_", "zzqqxx",
]  # fmt: skip


def frame_query_keys(query: str) -> set[str]:
    """The reference: the six readings of the query as a frame through ``build_features``."""
    return frame_query_keys_of([query])[0]


def frame_query_keys_of(queries: list[str]) -> list[set[str]]:
    """``frame_query_keys`` of many queries in one frame (one ``build_features`` call: the pipeline
    works row by row, and ``test_one_frame_gives_each_query_its_own_keys`` holds it to that)."""
    queries = [" ".join(query.split()) for query in queries]
    rows = [
        {"source_system": "q", "source_id": f"{number}:{kind}{country}", "record_type": kind,
         name_field: query, "country": country, "email": query if "@" in query else None, "phone": query,
         "tax_id": query if any(ch.isdigit() for ch in query) else None}
        for number, query in enumerate(queries) if query
        for country in QUERY_COUNTRIES
        for kind, name_field in (("person", "full_name"), ("organization", "organization_name"))
    ]  # fmt: skip
    keys: list[set[str]] = [{f"c:{ch}" for ch in query if is_cjk(ch)} for query in queries]
    if not rows:
        return keys
    frame = conform(pl.DataFrame(rows, infer_schema_length=None))
    for record, row_keys in feature_keys(frame, build_features(frame)).items():
        keys[int(record.source_id.split(":")[0])] |= row_keys
    return keys


def _generated() -> list[str]:
    rows = generate_dataset(n_records=120, seed=11, malformed_rate=0.0).rows
    out = []
    for r in rows:
        out += [v for f in ("full_name", "organization_name", "email", "phone", "tax_id") if (v := r.get(f))]
        if r.get("given_name") or r.get("family_name"):
            out.append(f"{r.get('family_name') or ''} {r.get('given_name') or ''}")
    return out


@pytest.mark.parametrize("query", FIXED)
def test_same_keys_as_the_feature_pipeline(query: str) -> None:
    assert query_keys(query) == frame_query_keys(query)


def test_same_keys_for_generated_customers() -> None:
    queries = _generated()
    assert len(queries) > 200
    references = frame_query_keys_of(queries)
    differ = [q for q, keys in zip(queries, references, strict=True) if query_keys(q) != keys]
    assert not differ, differ[:5]


def test_one_frame_gives_each_query_its_own_keys() -> None:
    """The reference for many queries at once is the reference for each alone (no row sees another)."""
    queries = [*FIXED, "", *_generated()[:12]]
    assert frame_query_keys_of(queries) == [frame_query_keys_of([query])[0] for query in queries]
