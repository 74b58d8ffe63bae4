"""The search index filled on an empty table is built after its keys are in (``StagingRepository.
refresh_search_keys``): the same keys as when the index is kept up row by row, the index there
afterwards, and an index an interrupted refresh left missing built again by the next."""

from __future__ import annotations

from hub_staging import stage
from sqlalchemy import inspect, select

from hub.models import SearchKeyRow, core_table
from hub.store import HubStore

INDEX = "ix_search_keys_key"


def _keys(store: HubStore) -> list[tuple[str, str, str]]:
    table = core_table(SearchKeyRow)
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(table).order_by(*table.c))]


def _has_index(store: HubStore) -> bool:
    return INDEX in {index["name"] for index in inspect(store.engine).get_indexes("search_keys")}


def test_keys_filled_at_once_equal_keys_added_to_stored_ones(store_url, tmp_path, records):
    at_once = HubStore(store_url, upgrade=True)
    in_two = HubStore(f"sqlite:///{tmp_path}/in_two.db", upgrade=True)
    try:
        stage(at_once, records)
        assert at_once.staging.refresh_search_keys(chunk=100) == len(records)
        stage(in_two, records[:50])
        in_two.staging.refresh_search_keys()
        stage(in_two, records[50:])
        in_two.staging.refresh_search_keys(chunk=100)
        assert _has_index(at_once) and _has_index(in_two)
        assert len(_keys(at_once)) > 2 * len(records)
        assert _keys(at_once) == _keys(in_two)
    finally:
        at_once.close()
        in_two.close()


def test_a_missing_index_is_built_by_the_next_refresh_even_with_nothing_changed(store, records):
    stage(store, records[:40])
    store.staging.refresh_search_keys()
    with store.sessions.begin() as session:
        next(i for i in core_table(SearchKeyRow).indexes if i.name == INDEX).drop(session.connection())
    assert not _has_index(store)
    assert store.staging.refresh_search_keys() == 0
    assert _has_index(store)
