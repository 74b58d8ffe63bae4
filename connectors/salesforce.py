"""Connector for Salesforce: Contacts are persons, Accounts organizations.

Authentication (option ``auth``, else the connection's ``extra.auth``, else implied by its keys; see
:mod:`connectors.salesforce_oauth`): OAuth 2.0 with a connected app, by the client-credentials flow or
the JWT bearer flow. The token's ``instance_url`` is where every call goes and its access token is the
session for REST, Bulk API 2.0 and SOAP alike; when a call answers 401 / INVALID_SESSION_ID a new token
is fetched once and the call repeated. ``auth: soap_login`` keeps the SOAP ``login(username, password
+ security token)`` as a fallback for orgs below API 65.0, where Salesforce still offers it.

Pull: two streams, ``Account`` then ``Contact``. A stream without a position (first run, full refresh)
is read by one Bulk API 2.0 query job (option ``full_pull: pages``: REST query batches instead); Bulk 2.0
does not order rows, so until the last page the stream's position is ``{"bulk_job", "locator",
"greatest"}`` — a run stopped mid-job reads on from the next locator while Salesforce keeps the job
(7 days), else starts a new one — and the last page sets it to the greatest (SystemModstamp, Id) seen.
Incremental runs use the REST query API with keyset paging in SystemModstamp order::

    SELECT ... FROM Contact WHERE SystemModstamp > X OR (SystemModstamp = X AND Id > 'last id')
    ORDER BY SystemModstamp, Id

continued batch by batch through ``nextRecordsUrl`` (SOAP fallback: ``queryMore``), batch size
``page_size`` (Salesforce may answer with larger batches). SystemModstamp alone is not a safe watermark:
several records share one millisecond after a bulk load, so the position is the pair (SystemModstamp,
Id) of the last record delivered. The hub keeps one cursor per source, so the cursor is a JSON object
with one position per stream, ``{"Account": ["2024-03-01T08:00:00.000Z", "001..."], "Contact": null}``;
each page's cursor moves only its own stream, so a resume continues exactly after the last stored page.
A query locator that expired during a long run is replaced by a fresh keyset query from the same position.

Push: read the records (sObject Collections retrieve; SOAP ``retrieve``), compare, and upsert only
records whose values change (Salesforce moves SystemModstamp on every save, even an unchanged one, which
would re-pull the record forever) — sObject Collections upsert, 200 records a call, ``allOrNone: false``
so a refused record fails alone with Salesforce's status code in ``PushResult.failed``. The upsert
matches on ``Id`` by default (option ``upsert_key``: the golden id must tag *this* record, and an upsert
keyed on a not-yet-set external id would create a new one); the golden id goes into the custom field
``CRM_Golden_Id__c`` (option ``golden_id_field``), which the org can declare External ID so other
integrations can upsert by golden id.

Erasure (:meth:`SalesforceConnector.delete`, SOAP with the OAuth session): ``delete`` moves the records
to the Recycle Bin, where Salesforce keeps them 15 days, so ``emptyRecycleBin`` follows and removes them
for good (option ``empty_recycle_bin: false`` leaves them there). A record already in the bin
(ENTITY_IS_DELETED) is emptied from it; one the org does not know any more (INVALID_CROSS_REFERENCE_KEY)
counts as erased.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from zeep.exceptions import Fault

from connectors.base import ConnectorError, Page, PushResult, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.http import build_session, session_settings
from connectors.salesforce_cursor import ID_PATTERN as _ID
from connectors.salesforce_cursor import STAMP_PATTERN as _STAMP
from connectors.salesforce_cursor import STREAMS, decode_cursor, encode_cursor
from connectors.salesforce_oauth import Flow, Token, flow_of, request_token
from connectors.salesforce_rest import SalesforceRest
from connectors.soap import SoapCaller, SoapFaultError, build_soap_client, fault_detail, soap_session
from connectors.xml_damage import replacement_damage
from schemas import QuarantinedRecord, SourceConfig
from schemas.source_options import SalesforceOptions

PARTNER_BINDING = "{urn:partner.soap.sforce.com}SoapBinding"
SOBJECT_NS = "urn:sobject.partner.soap.sforce.com"
SOBJECT_TYPE = f"{{{SOBJECT_NS}}}sObject"
KEY_PREFIXES = {"001": "Account", "003": "Contact"}
RECORD_TYPES = {"Account": "organization", "Contact": "person"}
#: What the connector selects by default (the hub's default mapping reads these).
DEFAULT_FIELDS = {
    "Account": (
        "Id",
        "Name",
        "Phone",
        "BillingStreet",
        "BillingCity",
        "BillingPostalCode",
        "BillingCountryCode",
        "Tax_Id__c",
        "Website",
        "CRM_Golden_Id__c",
        "SystemModstamp",
    ),
    "Contact": (
        "Id",
        "FirstName",
        "LastName",
        "Email",
        "Phone",
        "MailingStreet",
        "MailingCity",
        "MailingPostalCode",
        "MailingCountryCode",
        "Birthdate",
        "AccountId",
        "CRM_Golden_Id__c",
        "SystemModstamp",
    ),
}
#: Never written back: Salesforce owns them (or the hub has no say in them).
READ_ONLY_FIELDS = frozenset({"Id", "SystemModstamp", "CreatedDate", "LastModifiedDate", "AccountId"})
MAX_UPSERT = 200  # Salesforce's limit per upsert call
#: Faults worth retrying: the org is busy, not the request wrong. "TotalRequests Limit exceeded" is a
#: 24-hour quota and is *not* retried; concurrency limits clear within seconds.
TRANSIENT_CODES = frozenset({"SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"})


def exception_code(error: BaseException) -> str | None:
    """The Partner API's ``exceptionCode`` of a fault (``INVALID_SESSION_ID`` ...)."""
    fault = error.fault if isinstance(error, SoapFaultError) else error
    return fault_detail(fault).get("exceptionCode") if isinstance(fault, Fault) else None


def is_transient(error: BaseException) -> bool:
    if not isinstance(error, Fault):
        return False
    code = exception_code(error)
    message = fault_detail(error).get("exceptionMessage", "")
    return code in TRANSIENT_CODES or (code == "REQUEST_LIMIT_EXCEEDED" and "Concurrent" in message)


class SalesforceConnector(SourceConnector):
    """Options: :class:`schemas.source_options.SalesforceOptions` (``auth``, ``api_version``,
    ``full_pull``; ``extra_fields`` such as ``{Contact: [MobilePhone]}`` select more fields for a custom
    mapping; ``wsdl_path`` for the SOAP calls, default ``<scheme://host:port>/soap/wsdl.jsp?type=*``).
    Connection: host/port = login host (token endpoint); ``extra.consumer_key`` with
    ``extra.consumer_secret`` (client credentials) or ``extra.private_key_file_path`` / ``private_key``
    and the user name as login (JWT bearer). SOAP fallback: schema ``services/Soap/u/59.0``, login,
    password and ``extra.security_token`` (appended to the password, as Salesforce expects)."""

    default_mapping = {
        "Id": "source_id",
        "derived.record_type": "record_type",
        "SystemModstamp": "updated_at",
        "FirstName": "given_name",
        "LastName": "family_name",
        "Name": "organization_name",
        "Email": "email",
        "Phone": "phone",
        "MailingStreet": "street",
        "MailingPostalCode": "postal_code",
        "MailingCity": "city",
        "MailingCountryCode": "country",
        "BillingStreet": "street",
        "BillingPostalCode": "postal_code",
        "BillingCity": "city",
        "BillingCountryCode": "country",
        "Birthdate": "date_of_birth",
        "Tax_Id__c": "tax_id",
    }

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.options = SalesforceOptions.for_source(config.name, config.options)
        self._session_id: str | None = None
        self._instance_url: str | None = None
        self._server: SoapCaller | None = None

    @property
    def golden_id_field(self) -> str:
        return self.options.golden_id_field

    def fields(self, sobject: str) -> list[str]:
        extra = self.options.extra_fields.get(sobject, [])
        return list(dict.fromkeys([*DEFAULT_FIELDS[sobject], *extra]))

    # -- session ------------------------------------------------------------------------------------
    @cached_property
    def client(self):
        """Loads the WSDL on first use, so building a connector never touches the network."""
        options = self.options
        if not self.credentials.host and not options.wsdl_path:
            raise ConnectorError(self.name, "connect", "no host in the connection and no options.wsdl_path")
        parts = urlsplit(self.credentials.base_url())
        wsdl = options.wsdl_path or f"{parts.scheme}://{parts.netloc}/soap/wsdl.jsp?type=*"
        session = soap_session(**session_settings(options))
        try:
            # No WS-Security: the Partner API authenticates with login() and a SessionHeader instead.
            return build_soap_client(
                wsdl, Credentials(), session, load_timeout=options.timeout,
                operation_timeout=options.timeout, strict=options.strict,
            )
        except Exception as exc:  # zeep raises many types while loading a WSDL; all mean "cannot connect"
            raise ConnectorError(self.name, "load_wsdl", f"{type(exc).__name__}: {exc}") from exc

    def _caller(self, address: str) -> SoapCaller:
        return SoapCaller(
            self.name,
            self.client.create_service(PARTNER_BINDING, address),
            attempts=self.options.fault_attempts,
            backoff=self.options.backoff,
            transient=is_transient,
        )

    @cached_property
    def flow(self) -> Flow:
        """Resolved on first use, so building a connector never fails on its connection."""
        return flow_of(self.credentials, self.options.auth)

    @cached_property
    def session(self):
        """The HTTP session of the OAuth, REST and Bulk calls (timeouts, retries, rate limit)."""
        return build_session(**session_settings(self.options))

    @cached_property
    def rest(self) -> SalesforceRest:
        return SalesforceRest(
            self.name, self.session, self._token, self.options.api_version,
            poll_seconds=self.options.bulk_poll_seconds, job_timeout=self.options.bulk_timeout_seconds,
        )

    def _token(self, renew: bool) -> tuple[str, str]:
        if renew or self._session_id is None:
            self._session_id = None
            self.login()
        assert self._session_id is not None and self._instance_url is not None
        return self._instance_url, self._session_id

    def login(self) -> None:
        """A new session: an OAuth 2.0 token, or the SOAP ``login()`` when the connection says so."""
        if self.flow == "soap_login":
            self._soap_login()
            return
        token: Token = request_token(
            self.name, self.session, self.credentials, self.flow, self.options.jwt_audience
        )
        self._session_id, self._instance_url = token.access_token, token.instance_url
        self._server = None  # SOAP calls (erasure) go to the new instance URL with the new token

    def _soap_login(self) -> None:
        if not self.credentials.login or not self.credentials.password:
            raise ConnectorError(self.name, "login", "the connection needs a login and a password")
        token = self.credentials.extra.get("security_token", "")
        login_url = self.credentials.base_url()
        result = self._caller(login_url)(
            "login", username=self.credentials.login, password=self.credentials.password + token
        )
        self._session_id = result.sessionId
        self._server = self._caller(result.serverUrl)
        parts = urlsplit(result.serverUrl)
        self._instance_url = f"{parts.scheme}://{parts.netloc}"

    def call(
        self,
        operation: str,
        record_id: str | None = None,
        headers: Mapping[str, Any] | None = None,
        **arguments: Any,
    ) -> Any:
        """One Partner API call on the instance, logging in first and once more if the session ended."""
        for attempt in (1, 2):
            if self._session_id is None:
                self.login()
            soap_headers = {"SessionHeader": {"sessionId": self._session_id}, **(headers or {})}
            if self._server is None:  # an OAuth session: the Partner API endpoint of the instance
                version = self.options.api_version
                self._server = self._caller(f"{self._instance_url}/services/Soap/u/{version}")
            try:
                return self._server(operation, record_id, _soapheaders=soap_headers, **arguments)
            except SoapFaultError as exc:
                if exception_code(exc) != "INVALID_SESSION_ID" or attempt == 2:
                    raise
                self._session_id = None
        raise AssertionError("unreachable")

    def check(self) -> None:
        self.login()
        for sobject in STREAMS:  # also proves every selected field exists and is readable
            soql = f"SELECT {', '.join(self.fields(sobject))} FROM {sobject} LIMIT 1"
            if self.flow == "soap_login":
                self.call("query", queryString=soql)
            else:
                next(self.rest.query(soql, self.config.page_size), None)

    # -- pull ---------------------------------------------------------------------------------------
    def pull(self, cursor: str | None) -> Iterator[Page]:
        try:
            state = decode_cursor(cursor)
        except ValueError as exc:
            raise ConnectorError(self.name, "pull", str(exc)) from None
        for sobject in STREAMS:
            bulk = self.flow != "soap_login" and self.options.full_pull == "bulk"
            if isinstance(state[sobject], dict) or (state[sobject] is None and bulk):
                yield from self._bulk_pull(sobject, state)
                continue
            changed = self._changed if self.flow == "soap_login" else self._changed_rest
            for rows in changed(sobject, state[sobject]):
                last = rows[-1]
                state[sobject] = [last["SystemModstamp"], last["Id"]]
                yield self.to_page(rows, encode_cursor(state))

    def _bulk_pull(self, sobject: str, state: dict[str, Any]) -> Iterator[Page]:
        """All records of ``sobject`` by one Bulk API 2.0 query job. Rows come unordered, so until the
        last page the stream's position names the job and the locator of the next page (a resumed run
        reads on from there while Salesforce keeps the job); the last page sets it to the greatest
        (SystemModstamp, Id) of the job."""
        position = state[sobject]
        if isinstance(position, dict) and self.rest.bulk_job_exists(position["bulk_job"]):
            job, locator = position["bulk_job"], position["locator"]
            greatest = tuple(position["greatest"]) if position["greatest"] else None
        else:
            job = self.rest.start_bulk_query(f"SELECT {', '.join(self.fields(sobject))} FROM {sobject}")
            locator, greatest = "", None
        for raw, next_locator in self.rest.bulk_results(job, self.config.page_size, locator):
            rows = [self._checked({"type": sobject, **row}, sobject, "bulk_query") for row in raw]
            for row in rows:
                greatest = max(greatest or ("", ""), (row["SystemModstamp"], row["Id"]))
            if next_locator is None:
                state[sobject] = list(greatest) if greatest else None
            else:
                state[sobject] = {"bulk_job": job, "locator": next_locator, "greatest": greatest}
            if rows or (next_locator is None and greatest):
                yield self.to_page(rows, encode_cursor(state))

    def _changed_rest(self, sobject: str, position: list[str] | None) -> Iterator[list[dict[str, Any]]]:
        """As :meth:`_changed` over REST; an expired ``nextRecordsUrl`` restarts from the last row."""
        while True:
            try:
                for raw in self.rest.query(self.soql(sobject, position), self.config.page_size):
                    rows = [self._checked({"type": sobject, **row}, sobject, "query") for row in raw]
                    if rows:
                        position = [rows[-1]["SystemModstamp"], rows[-1]["Id"]]
                        yield rows
                return
            except ConnectorError as exc:
                if "INVALID_QUERY_LOCATOR" not in str(exc):
                    raise

    def _changed(self, sobject: str, position: list[str] | None) -> Iterator[list[dict[str, Any]]]:
        """Batches of rows after ``position``, restarting from the last delivered row when the
        server forgets the query locator."""
        headers = {"QueryOptions": {"batchSize": self.config.page_size}}
        result = self.call("query", headers=headers, queryString=self.soql(sobject, position))
        while True:
            rows = [self.row(record, sobject) for record in result.records or []]
            if rows:
                position = [rows[-1]["SystemModstamp"], rows[-1]["Id"]]
                yield rows
            if result.done or not result.queryLocator:
                return
            try:
                result = self.call("queryMore", headers=headers, queryLocator=result.queryLocator)
            except SoapFaultError as exc:
                if exception_code(exc) != "INVALID_QUERY_LOCATOR":
                    raise
                result = self.call("query", headers=headers, queryString=self.soql(sobject, position))

    def soql(self, sobject: str, position: list[str] | None) -> str:
        select = f"SELECT {', '.join(self.fields(sobject))} FROM {sobject}"
        where = ""
        if position:
            stamp, last_id = position
            where = f" WHERE SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > '{last_id}')"
        return f"{select}{where} ORDER BY SystemModstamp, Id"

    def row(self, record: Any, sobject: str) -> dict[str, Any]:
        """A zeep sObject -> ``{field: text}``; Salesforce sends every field but Id under xsd:any."""
        fields: dict[str, Any] = {"type": record.type or sobject, "Id": record.Id}
        for node in record._value_1 or []:
            if isinstance(node, etree._Element):
                fields[etree.QName(node).localname] = node.text if node.text not in (None, "") else None
        return self._checked(fields, sobject, "query")

    def _checked(self, fields: dict[str, Any], sobject: str, operation: str) -> dict[str, Any]:
        """A row with its Id and SystemModstamp (the cursor needs both) and its derived record type."""
        if not fields.get("Id") or not _STAMP.fullmatch(fields.get("SystemModstamp") or ""):
            raise ConnectorError(
                self.name,
                operation,
                f"{sobject} record without Id or SystemModstamp: {fields}",
                fields.get("Id"),
            )
        fields["derived"] = {"record_type": RECORD_TYPES.get(fields["type"], fields["type"])}
        return fields

    def to_page(self, rows: Sequence[dict[str, Any]], cursor: str | None) -> Page:
        """As the base class, but a row with U+FFFD (a value the org could not send in XML) is
        quarantined instead of matched on what arrived."""
        damaged = {id(row): reason for row in rows if (reason := replacement_damage(row, "Salesforce"))}
        page = super().to_page([row for row in rows if id(row) not in damaged], cursor)
        page.quarantined.extend(
            QuarantinedRecord(
                source_system=self.name, source_id=row["Id"], reason=damaged[id(row)], payload=row
            )
            for row in rows
            if id(row) in damaged
        )
        return page

    # -- push ---------------------------------------------------------------------------------------
    def push(self, updates: Sequence[PushUpdate]) -> PushResult:
        result = PushResult()
        by_object: dict[str, list[PushUpdate]] = {}
        for update in updates:
            sobject = KEY_PREFIXES.get(update.source_id[:3]) if _ID.fullmatch(update.source_id) else None
            if sobject is None:
                result.failed[update.source_id] = "not a Salesforce Account (001...) or Contact (003...) id"
            else:
                by_object.setdefault(sobject, []).append(update)
        for sobject, group in by_object.items():
            for start in range(0, len(group), MAX_UPSERT):
                self._push_chunk(sobject, group[start : start + MAX_UPSERT], result)
        return result

    def _push_chunk(self, sobject: str, updates: list[PushUpdate], result: PushResult) -> None:
        writable = [f for f in self.fields(sobject) if f not in READ_ONLY_FIELDS]
        try:
            current = self._retrieve(sobject, [u.source_id for u in updates], ["Id", *writable])
        except (SoapFaultError, ConnectorError) as exc:
            result.failed.update({u.source_id: str(exc) for u in updates})
            return
        changed: list[tuple[PushUpdate, dict[str, str]]] = []
        for update, record in zip(updates, current, strict=False):
            if record is None or not record.get("Id"):
                result.failed[update.source_id] = f"{sobject} {update.source_id} does not exist"
                continue
            changes = self.source_changes(update, record, writable)
            if changes:
                changed.append((update, changes))
            else:
                result.pushed.append(update.source_id)
        if changed:
            self._upsert(sobject, changed, result)

    def _retrieve(self, sobject: str, ids: list[str], fields: list[str]) -> list[dict[str, Any] | None]:
        if self.flow != "soap_login":
            return self.rest.retrieve(sobject, ids, fields)
        records = self.call("retrieve", fieldList=", ".join(fields), sObjectType=sobject, ids=ids)
        return [self.row_values(r) if r is not None and r.Id else None for r in records or []]

    def _upsert(
        self, sobject: str, changed: list[tuple[PushUpdate, dict[str, str]]], result: PushResult
    ) -> None:
        key = self.options.upsert_key
        try:
            if self.flow == "soap_login":
                outcomes = [
                    {"success": o.success, "errors": [vars_of(e) for e in o.errors or []]}
                    for o in self._soap_upsert(sobject, key, changed)
                ]
            else:
                records = [
                    {"Id": update.source_id, **({key: update.golden_id} if key != "Id" else {}), **changes}
                    for update, changes in changed
                ]
                outcomes = self.rest.upsert(sobject, key, records)
        except (SoapFaultError, ConnectorError) as exc:
            result.failed.update({update.source_id: str(exc) for update, _ in changed})
            return
        for (update, _), outcome in zip(changed, outcomes, strict=True):
            if outcome["success"]:
                result.pushed.append(update.source_id)
            else:
                reasons = "; ".join(f"{e['statusCode']}: {e['message']}" for e in outcome["errors"])
                result.failed[update.source_id] = f"{self.name}.upsert record {update.source_id}: {reasons}"

    def _soap_upsert(self, sobject: str, key: str, changed: list[tuple[PushUpdate, dict[str, str]]]) -> Any:
        factory = self.client.get_type(SOBJECT_TYPE)
        objects = [
            factory(type=sobject, Id=update.source_id, _value_1=[_element(k, v) for k, v in changes.items()])
            for update, changes in changed
        ]
        return self.call("upsert", externalIDFieldName=key, sObjects=objects)

    # -- erasure ------------------------------------------------------------------------------------
    def delete(self, source_ids: Sequence[str]) -> PushResult:
        result = PushResult()
        valid = [sid for sid in source_ids if _ID.fullmatch(sid) and sid[:3] in KEY_PREFIXES]
        for sid in set(source_ids) - set(valid):
            result.failed[sid] = "not a Salesforce Account (001...) or Contact (003...) id"
        for start in range(0, len(valid), MAX_UPSERT):
            chunk = valid[start : start + MAX_UPSERT]
            in_bin = self._per_record("delete", chunk, result, ok=("ENTITY_IS_DELETED",),
                                      gone=("INVALID_CROSS_REFERENCE_KEY",))
            if self.options.empty_recycle_bin and in_bin:
                self._per_record("emptyRecycleBin", in_bin, result)
            result.pushed.extend(sid for sid in in_bin if sid not in result.failed)
        return result

    def _per_record(self, operation: str, ids: list[str], result: PushResult, ok: tuple[str, ...] = (),
                    gone: tuple[str, ...] = ()) -> list[str]:
        """One call over ``ids``; returns those it succeeded for (or whose error code is in ``ok``),
        adds those ``gone`` to ``result.pushed`` and the others to ``result.failed``."""
        try:
            outcomes = self.call(operation, ids=ids)
        except SoapFaultError as exc:
            result.failed.update(dict.fromkeys(ids, str(exc)))
            return []
        succeeded = []
        for sid, outcome in zip(ids, outcomes or [], strict=False):
            codes = {e.statusCode for e in outcome.errors or []}
            if outcome.success or codes & set(ok):
                succeeded.append(sid)
            elif codes & set(gone):
                result.pushed.append(sid)
            else:
                reasons = "; ".join(f"{e.statusCode}: {e.message}" for e in outcome.errors or [])
                result.failed[sid] = f"{self.name}.{operation} record {sid}: {reasons}"
        return succeeded

    @staticmethod
    def row_values(record: Any) -> dict[str, str | None]:
        values = {"Id": record.Id}
        for node in record._value_1 or []:
            values[etree.QName(node).localname] = node.text or None
        return values

    def source_changes(
        self, update: PushUpdate, current: Mapping[str, Any], writable: list[str]
    ) -> dict[str, str]:
        """Fields of this object whose value the update changes (``None`` never clears anything)."""
        wanted = {k: v for k, v in self.mapping.to_source(update.fields).items() if k in writable}
        wanted[self.golden_id_field] = update.golden_id
        changes = {}
        for field, value in wanted.items():
            text = _text(value)
            if text is not None and text != current.get(field):
                changes[field] = text
        return changes


def vars_of(error: Any) -> dict[str, Any]:
    """A zeep Error of an upsert result as the REST API's error dict."""
    return {"statusCode": error.statusCode, "message": error.message}


def _element(name: str, value: str) -> etree._Element:
    node = etree.Element(f"{{{SOBJECT_NS}}}{name}")
    node.text = value
    return node


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)
