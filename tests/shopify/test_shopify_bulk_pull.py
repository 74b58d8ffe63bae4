"""A full pull as one Shopify bulk operation (``full_pull: bulk``) against the local store over loopback:
``bulkOperationRunQuery``, ``currentBulkOperation`` polled until ``COMPLETED``, the JSONL file read; the
same records as the paged pull, and the next run is incremental."""

from __future__ import annotations

import time

import pytest
import requests
from loopback import pulled_ids
from test_shopify_graphql_connector import VALID_IDS, graphql, touch

from connectors.base import ConnectorError
from connectors.shopify import GraphqlRunState

BULK = {"full_pull": "bulk", "bulk_poll_seconds": 0.05}


def test_a_full_pull_by_bulk_operation_reads_what_the_paged_pull_reads(shop):
    paged = list(shop.connector(page_size=4).pull(None))
    bulk = list(shop.connector(page_size=4, **BULK).pull(None))
    assert sorted(pulled_ids(bulk), key=int) == VALID_IDS
    by_page = {r.source_id: r.model_dump() for p in paged for r in p.records}
    by_bulk = {r.source_id: r.model_dump() for p in bulk for r in p.records}
    assert by_bulk == by_page  # the same fields, reshaped the same way
    assert [q.source_id for p in bulk for q in p.quarantined] == ["9"]
    # pages of at most page_size; until the last one a restart would pull everything again
    assert [len(p.records) + len(p.quarantined) for p in bulk] == [4, 4, 2]
    states = [GraphqlRunState.decode(p.cursor) for p in bulk]
    assert states[:-1] == [GraphqlRunState()] * 2 and states[-1].since is not None
    # the operation was submitted once and polled to completion
    answer = graphql(shop, "{ currentBulkOperation { status objectCount url } }")
    current = answer["data"]["currentBulkOperation"]
    assert current["status"] == "COMPLETED" and current["objectCount"] == "10"
    # the result file is a download link that needs no access token
    assert requests.get(current["url"], timeout=5).text.count("\n") == 10


def test_after_a_bulk_full_pull_the_next_run_reads_only_what_changed(shop):
    connector = shop.connector(page_size=50, **BULK)
    cursor = list(connector.pull(None))[-1].cursor
    touch(shop, 2, firstName="Grace")
    time.sleep(2.1)  # the watermark is the server's Date header, in whole seconds
    changed = list(connector.pull(cursor))
    assert pulled_ids(changed) == ["2"]


def test_a_bulk_operation_already_running_is_a_clear_pull_error(shop):
    query = "{ customers { edges { node { id } } } }"
    submit = "mutation($q: String!) { bulkOperationRunQuery(query: $q) { bulkOperation { id } } }"
    body = graphql(shop, submit, q=query)
    assert body["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    with pytest.raises(ConnectorError, match="already in progress"):
        list(shop.connector(**BULK).pull(None))
