"""The local vTiger speaks vTiger's webservice.php: challenge login, VTQL rules, error codes, update."""

from __future__ import annotations

import json

import pytest
import requests
from vtiger_samples import SAMPLE_ROWS

from sources.vtiger.vtql import VtqlError, parse


def call(crm, method: str, **params) -> dict:
    endpoint = f"{crm.url}/webservice.php"
    if method == "GET":
        response = requests.get(endpoint, params=params, timeout=5)
    else:
        response = requests.post(endpoint, data=params, timeout=5)
    assert response.status_code == 200  # vTiger reports errors in the body
    return response.json()


def test_login_needs_md5_of_challenge_and_access_key(crm):
    call(crm, "GET", operation="getchallenge", username="crmhub")
    wrong = call(crm, "POST", operation="login", username="crmhub", accessKey="0" * 32)
    assert wrong == {"success": False, "error": {"code": "INVALID_USER_CREDENTIALS",
                                                 "message": "Invalid username or password"}}
    assert call(crm, "GET", operation="query", sessionName="nope",
                query="SELECT * FROM Contacts;")["error"]["code"] == "INVALID_SESSIONID"


def test_queries_follow_vtql(crm):
    session = crm.session()
    rows = call(crm, "GET", operation="query", sessionName=session,
                query="SELECT firstname, lastname FROM Contacts WHERE modifiedtime >= '2024-01-01 10:00:07' "
                      "ORDER BY modifiedtime DESC LIMIT 0, 2;")["result"]
    assert rows == [{"firstname": "Olivia", "lastname": "Brown", "id": "12x10"},
                    {"firstname": "Broken", "lastname": "Mail", "id": "12x9"}]
    count = call(crm, "GET", operation="query", sessionName=session, query="SELECT count(*) FROM Accounts;")
    assert count["result"] == [{"count": "2"}]
    no_semicolon = call(crm, "GET", operation="query", sessionName=session, query="SELECT * FROM Contacts")
    assert no_semicolon["error"]["code"] == "QUERY_SYNTAX_ERROR"


def test_vtql_parser_handles_quotes_and_rejects_garbage():
    query = parse("select * from Contacts where lastname = 'O''Brien' and id > '12x3' "
                  "order by id limit 5, 10;")
    assert query.where == [("lastname", "=", "O'Brien"), ("id", ">", "12x3")]
    assert (query.order_by, query.offset, query.limit) == ("id", 5, 10)
    with pytest.raises(VtqlError):
        parse("SELECT * FROM Contacts; DROP TABLE x;")


def test_update_replaces_the_record_and_needs_mandatory_fields(crm):
    session = crm.session()
    partial = call(crm, "POST", operation="update", sessionName=session,
                   element=json.dumps({"id": "12x1", "firstname": "Ivan"}))
    assert partial["error"] == {"code": "MANDATORY_FIELDS_MISSING",
                                "message": "lastname does not have a value"}
    element = json.dumps({"id": "12x1", "lastname": "Petrov", "assigned_user_id": "19x1"})
    full = call(crm, "POST", operation="update", sessionName=session, element=element)["result"]
    assert (full["lastname"], full["firstname"], full["contact_no"]) == ("Petrov", "", "CON1")
    missing = call(crm, "GET", operation="retrieve", sessionName=session, id="12x404")
    assert missing["error"]["code"] == "RECORD_NOT_FOUND"


def test_seeding_is_idempotent_and_rejects_unusable_ids(crm):
    crm.touch("12x1", cf_crm_golden_id="G-1")
    assert crm.system.seed(SAMPLE_ROWS) == len(SAMPLE_ROWS)
    assert crm.system.inspect("12x1")["golden_id"] == "G-1"
    with pytest.raises(ValueError, match="row 0: vTiger ids are crmids"):
        crm.system.seed([{"source_system": "vtiger", "source_id": "11x5", "record_type": "person"}])
