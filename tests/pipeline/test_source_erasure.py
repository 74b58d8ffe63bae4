"""Each connector erases at its system the way the system allows, against the local systems on loopback
(issue 17 item 3): what a repeated erasure does, the options that block or anonymise instead of
deleting, a system that refuses, and an erasure the hub cannot carry out, which stays visibly pending
in the summary, the CLI, the workbench and the API — never "0 failed"."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from connectors.base import ErasureUnsupportedError, SourceConnector
from connectors.credentials import credentials_from_env
from connectors.registry import build_connector
from schemas import SourceConfig
from sources.run import start_local_sources

REPO = Path(__file__).resolve().parents[2]
SOURCES = {s["name"]: s for s in yaml.safe_load((REPO / "config" / "crmhub-all.yaml").read_text())["sources"]}


@pytest.fixture(scope="module")
def systems(tmp_path_factory):
    local = start_local_sources(tmp_path_factory.mktemp("sources"), records=60, seed=21, extra=True)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in local.env().items():
            patch.setenv(name, value)
        yield local
    local.stop()


def _connector(name: str, **options) -> SourceConnector:
    """The system's connector as the hub builds it from config/crmhub-all.yaml (and ``options``)."""
    source = {**SOURCES[name], "options": {**SOURCES[name].get("options", {}), **options}}
    config = SourceConfig.model_validate(source)
    return build_connector(config, credentials_from_env(config.connection_id))


@pytest.fixture(scope="module")
def take(systems):
    """``take(system, n)``: ids of n records of that system no other test has used (tests erase them)."""
    pools = {name: [r.source_id for page in _connector(name).pull(None) for r in page.records]
             for name in SOURCES}

    def ids(name: str, count: int = 1) -> list[str]:
        chosen, pools[name] = pools[name][:count], pools[name][count:]
        assert len(chosen) == count, f"{name} has too few records for the tests"
        return chosen

    return ids


def test_a_web_shop_customer_is_deleted_for_good_and_deleting_again_is_harmless(systems, take):
    [customer] = take("webshop")
    shop = _connector("webshop")
    assert shop.delete([customer]).pushed == [customer]
    assert systems.systems["webshop"].inspect(customer) is None
    assert shop.delete([customer]).pushed == [customer]  # gone already: still erased, no error


def test_a_wrong_web_shop_path_is_a_failure_not_an_erasure(systems, take):
    [customer] = take("webshop")
    config = SourceConfig.model_validate(SOURCES["webshop"])
    credentials = replace(credentials_from_env(config.connection_id), schema="wp-json/wc/v2-typo")
    result = build_connector(config, credentials).delete([customer])
    assert result.pushed == [] and customer in result.failed
    assert systems.systems["webshop"].inspect(customer) is not None


def test_shopify_refuses_a_customer_with_orders_and_says_why(systems, take):
    first, second = take("shopify", 2)
    systems.systems["shopify"].store.update_customer(int(first), {"tags": "vip, has-orders"})
    result = _connector("shopify").delete([first, second])
    assert result.pushed == [second] and "existing orders" in result.failed[first]
    assert systems.systems["shopify"].inspect(second) is None


def test_salesforce_empties_the_recycle_bin_unless_told_not_to(systems, take):
    kept, purged = take("salesforce", 2)
    org = systems.systems["salesforce"]
    assert _connector("salesforce", empty_recycle_bin=False).delete([kept]).pushed == [kept]
    assert org.inspect(kept) is None and org.store.in_recycle_bin(kept)
    assert _connector("salesforce").delete([kept, purged]).pushed == [kept, purged]
    assert not org.store.in_recycle_bin(kept) and not org.store.in_recycle_bin(purged)
    assert org.inspect(purged) is None


def test_odoo_unlinks_or_archives_the_partner_emptied(systems, take):
    unlinked, archived = take("odoo", 2)
    odoo = systems.systems["odoo"]
    before = odoo.inspect(archived)
    assert _connector("odoo").delete([unlinked]).pushed == [unlinked]
    assert odoo.inspect(unlinked) is None
    assert _connector("odoo", erasure="archive").delete([archived]).pushed == [archived]
    after = odoo.inspect(archived)
    assert after["active"] is False and after["name"] == "[erased]"
    assert not {v for k, v in before.items() if k in ("email", "phone", "street") and v} & set(after.values())


@pytest.mark.parametrize("name", ["suitecrm", "vtiger"])
def test_a_crm_record_is_emptied_before_the_delete_that_only_flags_it(systems, take, name):
    [record] = take(name)
    crm = systems.systems[name]
    before = crm.inspect(record)
    personal = {v for v in _values(before) if "@" in v or any(c.isalpha() for c in v) and " " in v}
    assert personal
    assert _connector(name).delete([record]).pushed == [record]
    after = crm.inspect(record)  # SuiteCRM keeps the flagged row (deleted = 1), emptied; vTiger's is gone
    assert after is None or (after["attributes"]["deleted"] == "1" and not personal & set(_values(after)))
    assert _connector(name).delete([record]).pushed == [record]  # gone (or flagged deleted): harmless


def _values(data: object) -> list[str]:
    if isinstance(data, dict):
        return [v for value in data.values() for v in _values(value)]
    return [data] if isinstance(data, str) and data else []


def test_the_legacy_table_deletes_or_anonymises_by_option(systems, take):
    deleted, anonymised = take("legacy_db", 2)
    legacy = systems.systems["legacy_db"]
    assert _connector("legacy_db").delete([deleted, "no-such-id"]).pushed == [deleted, "no-such-id"]
    assert legacy.inspect(deleted) is None
    anonymising = _connector("legacy_db", erasure="anonymise", erasure_values={"LNAME": "ERASED"})
    assert anonymising.delete([anonymised]).pushed == [anonymised]
    row = legacy.inspect(anonymised)
    assert row["LNAME"] == "ERASED" and row["EMAIL"] is None and row["FNAME"] is None and row["TEL"] is None
    assert row["CUST_TYPE"] in ("P", "F")  # a NOT NULL code stays


def test_the_erp_blocks_like_sap_ilm_and_anonymises_by_default(systems, take):
    blocked, anonymised = take("erp", 2)
    erp = systems.systems["erp"]
    assert _connector("erp", erasure="block").delete([blocked]).pushed == [blocked]
    kept = erp.inspect(blocked)
    assert kept["CVP_XBLCK"] == "X" and kept["NAME1"]  # kept for the retention period, but blocked:
    assert blocked not in [r.source_id for page in _connector("erp").pull(None) for r in page.records]
    assert _connector("erp").delete([anonymised]).pushed == [anonymised]
    row = erp.inspect(anonymised)
    assert row["CVP_XBLCK"] == "X"
    assert not any(row[f] for f in ("NAME1", "NAME2", "NAME3", "SMTP_ADDR", "TELF1", "STRAS", "STCD1"))
    assert _connector("erp").delete(["0009999999"]).pushed == ["0009999999"]  # unknown: nothing to erase


def test_the_generic_soap_connector_erases_only_through_a_configured_operation(systems, take):
    erp_generic = yaml.safe_load((REPO / "tests" / "soap_generic" / "erp_generic.yaml").read_text())
    [customer] = take("erp")
    credentials = credentials_from_env("crmhub_erp")
    without = build_connector(SourceConfig.model_validate(erp_generic), credentials)
    with pytest.raises(ErasureUnsupportedError, match="delete_operation"):
        without.delete([customer])
    erp_generic["options"] |= {"delete_operation": "BlockCustomer", "delete_arguments": {"mode": "ANONYMIZE"},
                               "gone_fault_codes": ["CUSTOMER_NOT_FOUND"]}
    configured = build_connector(SourceConfig.model_validate(erp_generic), credentials)
    assert configured.delete([customer, "0009999998"]).pushed == [customer, "0009999998"]
    assert systems.systems["erp"].inspect(customer)["NAME1"] is None


def test_the_csv_system_gets_a_formula_safe_erasure_file_and_push_back_files_forget_the_ids(systems, take):
    branch = systems.systems["legacy_csv"]
    first, second = take("legacy_csv", 2)
    pushed = branch.import_dir / "golden_ids_20240101T000000000000Z.csv"
    pushed.write_text(f"KDNR;GOLDEN_ID;EMAIL\r\n{first};G-1;a@example.com\r\n{second};G-2;b@example.com\r\n",
                      encoding="utf-8-sig")
    hostile = "=HYPERLINK(\"http://evil\")"
    assert _connector("legacy_csv").delete([first, hostile]).pushed == [first, hostile]
    [erasure] = [p for p in branch.import_dir.glob("erase_*.csv")]
    rows = list(csv.reader(erasure.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows[0] == ["KDNR", "ACTION"] and [first, "DELETE"] in rows
    assert ["'" + hostile, "DELETE"] in rows  # a spreadsheet shows it as text, never runs it
    left = pushed.read_text(encoding="utf-8-sig")
    assert first not in left and "a@example.com" not in left and second in left
    assert branch.inspect(first) is None  # the branch system's import job deleted the customer
    assert branch.inspect(second) is not None
