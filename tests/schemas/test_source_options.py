"""Connector options are checked per kind: typos and wrong types fail at load naming source and key,
the shipped and documented configurations pass, connectors read the typed model, the README's table
is the one the models generate."""

from __future__ import annotations

import ast
import re
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.credentials import Credentials
from connectors.registry import CONNECTOR_CLASSES, build_connector
from schemas import ConfigError, HubConfig, SourceConfig, load_config
from schemas.config import SourceKind
from schemas.source_options import OPTIONS_BY_KIND, OptionsError, options_model
from schemas.source_options.table import markdown_table

REPO = Path(__file__).resolve().parents[2]
SOAP_REQUIRED = {"list_operation": "List", "page_token_argument": "token", "records_path": "records",
                 "next_token_path": "next"}
#: The least each kind needs; everything else has a default.
MINIMAL: dict[str, dict[str, Any]] = {
    "soap": SOAP_REQUIRED,
    "sql": {"table": "CUST_MASTER"},
    "fixed_width": {"fields": [["KDNR", 10], ["NAME", 30]]},
    "tryton": {"database": "crm"},
}


def minimal(kind: str) -> dict[str, Any]:
    return dict(MINIMAL.get(kind, {}))


def test_every_kind_has_one_options_model() -> None:
    assert set(OPTIONS_BY_KIND) == set(CONNECTOR_CLASSES) == set(typing.get_args(SourceKind))
    for model in OPTIONS_BY_KIND.values():
        assert model.model_config.get("extra") == "forbid", model


@pytest.mark.parametrize("kind", sorted(OPTIONS_BY_KIND))
def test_the_connector_of_each_kind_reads_its_typed_options(kind: str, tmp_path: Path) -> None:
    options = minimal(kind) | ({"export_dir": str(tmp_path), "import_dir": str(tmp_path)}
                               if kind in ("csv", "fixed_width") else {})
    config = SourceConfig(name="src", kind=kind, options=options)
    connector = build_connector(config, Credentials(host="127.0.0.1", port=9, conn_type="sqlite"))
    assert type(connector.options) is options_model(kind)


@pytest.mark.parametrize("kind", sorted(OPTIONS_BY_KIND))
def test_a_misspelt_option_names_source_key_the_likely_key_and_the_allowed_keys(kind: str) -> None:
    model = options_model(kind)
    intended = next(name for name, info in model.model_fields.items() if not info.is_required())
    typo = intended[:-1]  # the last letter forgotten
    with pytest.raises(OptionsError) as caught:
        model.for_source("crm_one", {**minimal(kind), typo: "x"})
    allowed = ", ".join(sorted(model.model_fields))
    assert str(caught.value) == (
        f"source 'crm_one': unknown option {typo!r} (did you mean {intended!r}? allowed: {allowed})"
    )


def test_the_issue_s_example_reads_as_the_issue_asks() -> None:
    with pytest.raises(OptionsError, match=re.escape(
        "source 'webshop': unknown option 'rate_limt' (did you mean 'rate_limit'? allowed: api_path, "
        "backoff, full_scan_every_seconds, page_concurrency, push_concurrency, push_fields, rate_limit, "
        "retries, timeout)"
    )):
        options_model("woocommerce").for_source("webshop", {"rate_limt": 2})


@pytest.mark.parametrize(
    ("kind", "options", "named"),
    [
        ("rest_shop", {"timeout": "soon"}, "option 'timeout': Input should be a valid number"),
        ("shopify", {"rate_limit": -1}, "option 'rate_limit': Input should be greater than 0"),
        ("soap_erp", {"erasure": "shred"}, "option 'erasure': Input should be 'anonymize' or 'block'"),
        ("soap_erp", {"account_groups": {"ZPER": "human"}}, "option 'account_groups.ZPER'"),
        ("sugarcrm", {"modules": ["Leads"]}, "option 'modules.0': Input should be 'Accounts' or 'Contacts'"),
        ("salesforce", {"extra_fields": {"Lead": ["X"]}}, "option 'extra_fields.Lead'"),
        ("odoo", {"push_fields": "perhaps"}, "option 'push_fields': Input should be a valid boolean"),
        ("sql", {"table": "T", "timezone": "Mars/Olympus"}, "option 'timezone': unknown time zone"),
        ("sql", {}, "set option 'table' (and/or 'query')"),
        ("csv", {"encoding": "klingon"}, "option 'encoding': unknown encoding 'klingon'"),
        ("fixed_width", {"fields": [["KDNR", 0]]}, "option 'fields.0.1': Input should be greater than 0"),
        ("fixed_width", {}, "option 'fields' is required"),
        ("soap", {**SOAP_REQUIRED, "record_type": {"fielld": "KTOKD", "values": {}}},
         "unknown option 'record_type.fielld' (did you mean 'field'? allowed: field, values)"),
        ("soap", {**SOAP_REQUIRED, "type_mappings": {"people": {}}}, "type_mappings keys are person"),
    ],
)
def test_wrong_values_are_refused_with_the_key_named(kind: str, options: dict, named: str) -> None:
    with pytest.raises(OptionsError) as caught:
        options_model(kind).for_source("src", options)
    assert str(caught.value).startswith("source 'src': ")
    assert named in str(caught.value)


def test_loading_the_configuration_reports_every_problem_by_source(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "config" / "crmhub.yaml").read_text(encoding="utf-8"))
    data["sources"][0]["options"] = {"timeout": "soon"}
    data["sources"][1]["options"] = {"rate_limt": 2}
    data["sources"][2]["pagesize"] = 10
    path = tmp_path / "crmhub.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "source 'erp': option 'timeout': Input should be a valid number, unable to parse string as a number "
        "(got 'soon')",
        "source 'webshop': unknown option 'rate_limt' (did you mean 'rate_limit'? allowed: api_path, "
        "backoff, full_scan_every_seconds, page_concurrency, push_concurrency, push_fields, rate_limit, "
        "retries, timeout)",
        "source 'legacy_db': unknown key 'pagesize' (did you mean 'page_size'? allowed: connection_id, "
        "enabled, kind, mapping, name, options, page_size, push_back, push_fields, push_overwrite, trust)",
    ]
    assert str(caught.value).startswith(f"invalid configuration {path}:\n  source 'erp'")


@pytest.mark.parametrize("name", ["crmhub.yaml", "crmhub-all.yaml"])
def test_the_shipped_configurations_are_accepted(name: str) -> None:
    config = load_config(REPO / "config" / name)
    for source in config.sources:
        options_model(source.kind).for_source(source.name, source.options)


def test_the_generic_soap_example_is_accepted() -> None:
    data = yaml.safe_load((REPO / "tests" / "soap_generic" / "erp_generic.yaml").read_text(encoding="utf-8"))
    assert SourceConfig.model_validate(data).options["list_operation"] == "ListChangedCustomers"


def readme_yaml_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)


def test_the_readme_s_configuration_examples_are_accepted() -> None:
    checked = 0
    for block in readme_yaml_blocks():
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "sources" in data:
            checked += len(HubConfig.model_validate(data).sources)
        elif isinstance(data, list) and all(isinstance(s, dict) and "kind" in s for s in data):
            checked += len([SourceConfig.model_validate(s) for s in data])
    assert checked >= 3  # the configuration section's source and the two "YAML only" systems


def test_the_readme_shows_the_option_table_the_models_generate() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- options:begin -->\n", 1)[1].split("\n<!-- options:end -->", 1)[0]
    stale = "README's option table is stale: paste `python -m schemas.source_options`"
    assert shown == markdown_table(), stale


def test_connectors_read_typed_attributes_not_dictionary_lookups() -> None:
    lookups = []
    for path in sorted((REPO / "connectors").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr in ("get", "__getitem__")
                    and isinstance(node.value, ast.Attribute) and node.value.attr == "options"):
                lookups.append(f"{path.name}:{node.lineno}")
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                    and node.value.attr == "options"):
                lookups.append(f"{path.name}:{node.lineno}")
    assert not lookups, lookups


def test_http_options_reach_the_session_of_every_http_kind() -> None:
    for kind in ("rest_shop", "shopify", "sugarcrm", "vtiger", "odoo"):
        config = SourceConfig(name="src", kind=kind, options={"timeout": 7, "retries": 1, "rate_limit": 2})
        session = build_connector(config, Credentials(host="127.0.0.1", port=9)).session
        assert session.default_timeout == (5.0, 7.0), kind
        assert session.limiter.interval == 0.5, kind
        assert {adapter.max_retries.total for adapter in session.adapters.values()} == {1}, kind


def test_a_csv_option_set_in_yaml_wins_over_the_connection_and_the_connection_over_the_default(
    tmp_path: Path,
) -> None:
    folders = {"export_dir": str(tmp_path), "import_dir": str(tmp_path)}
    connection = Credentials(extra={"encoding": "cp1251", "delimiter": ","})
    from_connection = build_connector(SourceConfig(name="csv", kind="csv", options=folders), connection)
    assert (from_connection.encoding, from_connection.delimiter) == ("cp1251", ",")
    from_yaml = build_connector(
        SourceConfig(name="csv", kind="csv", options={**folders, "encoding": "latin-1", "delimiter": ";"}),
        connection,
    )
    assert (from_yaml.encoding, from_yaml.delimiter) == ("iso8859-1", ";")
    default = build_connector(SourceConfig(name="csv", kind="csv", options=folders), Credentials())
    assert (default.encoding, default.delimiter) == ("utf-8-sig", ";")
