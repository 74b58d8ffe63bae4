"""Connector for the SAP-style ERP customer service (SOAP 1.1, WSDL at ``<endpoint>?wsdl``).

Pull pages through ``ListChangedCustomers``; the cursor is the service's own page token, which points
just after the last customer of a page in (change time, KUNNR) order. Resuming from it neither loses
nor repeats a customer, and a customer changed later sorts after it, so the same cursor also serves the
next incremental run. Push reads the customers, writes ``ZZ_GOLDEN_ID`` and the surviving fields, and
skips the write when nothing would change (so pushing twice does not bump the ERP's change time). The
ERP's UpsertCustomer writes every field it is given, with no condition, so the read is needed; both go
100 customers a call through the bulk operations ``GetCustomers``/``UpsertCustomers`` (per-item
results: one refused customer fails alone). A service whose WSDL lacks them is pushed one by one.
Up to option ``push_concurrency`` chunks of 100 (default 2) are in flight at once
(:mod:`connectors.in_flight`): the hub builds and reads one chunk's XML while the ERP, another process,
answers another, instead of each waiting for the other. Results stay in chunk order, a chunk whose
bulk call fails is still pushed one by one on its own, and each thread sends through its own HTTP
session (:class:`connectors.soap.ThreadSessionTransport`).
Every write moves the change stamp, so the pipeline reads a push back right after it
(``reads_back_pushes``, see ``SyncPipeline._read_back``) instead of the next extract re-reading it.
Replies that carry customers are read as plain data (``SoapCaller.plain``): zeep's objects cost more
than the rest of a bulk read, and the data is the same.

NAME1/NAME2 mean different things per account group (KTOKD): family/given name for persons, company
name for organizations (NAME3 holds a person's full name). The connector therefore adds a ``derived``
section to every row (record type, names by meaning, UTC change time) that the default mapping reads;
the SAP fields stay as delivered.

Erasure (:meth:`ErpSoapConnector.delete_one`): an ERP must keep customers its documents point to, so
it is not deleted but blocked the way SAP's simplified blocking and deletion (SAP ILM) does it, with
``BlockCustomer``: option ``erasure: anonymize`` (the default) also overwrites every personal field at
once, ``erasure: block`` keeps them until the retention period ends (the ERP then destroys them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

from connectors.base import ConnectorError, Page, PushResult, PushUpdate, SourceConnector
from connectors.credentials import Credentials
from connectors.http import session_settings
from connectors.in_flight import chunked, in_chunk_order
from connectors.mapping import LIST_FIELDS
from connectors.soap import SoapCaller, SoapFaultError, build_soap_client, soap_sessions, soap_text
from connectors.wsdl_facets import field_limits, split_fitting
from schemas import QuarantinedRecord, SourceConfig
from schemas.source_options import ErpOptions

NAME_FIELDS = ("derived.family_name", "derived.given_name", "derived.full_name", "derived.organization_name")
#: Never written back: the ERP owns identity, account group and change time.
READ_ONLY_FIELDS = frozenset({"KUNNR", "KTOKD", "AEDAT", "AEZET", "derived.record_type",
                              "derived.updated_at"})
#: Customers per GetCustomers/UpsertCustomers call (the WSDL's maxOccurs).
BULK_SIZE = 100


class ErpSoapConnector(SourceConnector):
    """Options: :class:`schemas.source_options.ErpOptions` (WSDL, time-outs and retries, golden-id
    field, account groups, erasure mode, chunks of a push in flight at once)."""

    default_mapping = {
        "KUNNR": "source_id",
        "derived.record_type": "record_type",
        "derived.family_name": "family_name",
        "derived.given_name": "given_name",
        "derived.organization_name": "organization_name",
        "derived.full_name": "full_name",
        "derived.updated_at": "updated_at",
        "STRAS": "street",
        "PSTLZ": "postal_code",
        "ORT01": "city",
        "LAND1": "country",
        "TELF1": "phone",
        "TELF2": "phone",
        "SMTP_ADDR": "email",
        "STCD1": "tax_id",
        "GBDAT": "date_of_birth",
    }

    #: Every write moves the customer's change stamp, so a push comes back through ListChangedCustomers.
    reads_back_pushes = True

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.options = ErpOptions.for_source(config.name, config.options)
        self.field_limits: dict[str, int] = {}  # from the WSDL when it is loaded (see ``call``)
        self.has_bulk = False  # whether the WSDL offers GetCustomers/UpsertCustomers (see ``call``)

    @property
    def golden_id_field(self) -> str:
        return self.options.golden_id_field

    @property
    def account_groups(self) -> dict[str, str]:
        return dict(self.options.account_groups)

    @cached_property
    def call(self) -> SoapCaller:
        """Loads the WSDL on first use, so building a connector never touches the network."""
        options = self.options
        if not self.credentials.host and not options.wsdl_path:
            raise ConnectorError(self.name, "connect", "no host in the connection and no options.wsdl_path")
        endpoint = self.credentials.base_url() if self.credentials.host else None
        wsdl = options.wsdl_path or f"{endpoint}?wsdl"
        sessions = soap_sessions(**session_settings(options))  # a push's batches run on several threads
        try:
            client = build_soap_client(wsdl, self.credentials, sessions, load_timeout=options.timeout,
                                       operation_timeout=options.timeout, strict=options.strict,
                                       password_digest=options.password_digest)
        except Exception as exc:  # zeep raises many types while loading a WSDL; all mean "cannot connect"
            raise ConnectorError(self.name, "load_wsdl", f"{type(exc).__name__}: {exc}") from exc
        service = client.service
        if options.wsdl_path and endpoint:
            # A WSDL from a file or another host: talk to the endpoint of *this* connection instead.
            service = client.create_service(next(iter(client.wsdl.bindings)), endpoint)
        self.field_limits = field_limits(client, "Customer")  # maxLength facets zeep does not keep
        self.has_bulk = {"GetCustomers", "UpsertCustomers"} <= {
            name for binding in client.wsdl.bindings.values() for name in binding._operations}
        return SoapCaller(self.name, service, attempts=options.fault_attempts, backoff=options.backoff)

    def check(self) -> None:
        self.call("ListChangedCustomers", pageSize=1)

    def pull(self, cursor: str | None) -> Iterator[Page]:
        token = cursor
        while True:
            response = self.call.plain("ListChangedCustomers", pageToken=token,
                                       pageSize=self.config.page_size)
            customers = response["customer"] or []
            if not customers:
                return
            token = response["nextPageToken"]
            yield self.to_page([self.row(customer) for customer in customers], token)
            if not response["moreAvailable"]:
                return

    def to_page(self, rows: Sequence[dict[str, Any]], cursor: str | None) -> Page:
        """As the base class, but a row the ERP could not transmit intact is quarantined, not mapped."""
        damaged = {id(row): reason for row in rows if (reason := transmission_damage(row))}
        page = super().to_page([row for row in rows if id(row) not in damaged], cursor)
        page.quarantined.extend(
            QuarantinedRecord(source_system=self.name, source_id=row.get("KUNNR"), reason=damaged[id(row)],
                              payload=row)
            for row in rows if id(row) in damaged
        )
        return page

    def row(self, customer: Mapping[str, Any]) -> dict[str, Any]:
        """A Customer as plain data (``SoapCaller.plain``) -> the SAP fields as text plus the
        ``derived`` section the mapping reads."""
        fields = {name: soap_text(value) for name, value in customer.items()}
        person = self.account_groups.get(fields.get("KTOKD") or "") != "organization"
        # Left as text for the record's validation: migrated customers can carry an impossible AEDAT.
        changed = f"{fields['AEDAT']}T{fields.get('AEZET') or '00:00:00'}Z" if fields.get("AEDAT") else None
        fields["derived"] = {
            # An unknown account group stays visible so the record is quarantined, not mis-typed.
            "record_type": self.account_groups.get(fields.get("KTOKD") or "", fields.get("KTOKD")),
            "family_name": fields.get("NAME1") if person else None,
            "given_name": fields.get("NAME2") if person else None,
            "full_name": fields.get("NAME3") if person else None,
            "organization_name": None if person else fields.get("NAME1"),
            "updated_at": changed,
        }
        return fields

    def push(self, updates: Sequence[PushUpdate]) -> PushResult:
        """100 customers a round trip when the service has the bulk operations, else one by one; up to
        option ``push_concurrency`` chunks in flight at once (:mod:`connectors.in_flight`), results in
        chunk order."""
        self.call  # noqa: B018 - loads the WSDL, which says whether the bulk operations exist
        if not self.has_bulk:
            return super().push(updates)
        result = PushResult()
        chunks = chunked(updates, BULK_SIZE)
        concurrency = self.options.push_concurrency
        for part in in_chunk_order(self._push_chunk_or_each, chunks, concurrency, f"{self.name}-push"):
            result.add(part)
        return result

    def _push_chunk_or_each(self, chunk: Sequence[PushUpdate]) -> PushResult:
        """The chunk in two bulk calls; when a call as a whole fails (transport, fault), the chunk's
        customers one by one, so each failure is that customer's alone."""
        try:
            return self._push_chunk(chunk)
        except ConnectorError:
            return super().push(chunk)

    def _push_chunk(self, chunk: Sequence[PushUpdate]) -> PushResult:
        """GetCustomers of the customers whose update writes fields, then one UpsertCustomers of every
        customer with a change; per-item errors are those customers' failures only, reported in the
        chunk's order.

        Read before write only where the write needs it: which of a customer's fields an update
        changes depends on what the customer holds now (someone may have changed it since the
        extract). An update of the golden id alone (most of a first sync) writes one field that only
        the hub writes, the same value however often it is sent, so it goes without a read -- the
        ERP refuses it for a customer that is gone or blocked, and such a customer is then read, so
        that its failure says why as a read first would have."""
        reading = [u.source_id for u in chunk if u.fields]
        current, why = self._current(reading)
        sending: list[tuple[str, dict[str, str]]] = []
        parked: dict[str, str] = {}
        for update in chunk:
            sid = update.source_id
            if sid in why:
                continue
            try:
                if update.fields:
                    kunnr, wanted = current[sid]["KUNNR"], self.source_changes(update, current[sid])
                else:
                    kunnr, wanted = sid, self.golden_id_change(update)
                changes, parked_because = split_fitting(wanted, self.field_limits)
            except Exception as exc:  # noqa: BLE001 - this record's failure, the others go on
                why[sid] = f"{self.name}: push {sid}: {type(exc).__name__}: {exc}"
                continue
            if parked_because:
                parked[sid] = parked_because
            if changes:
                sending.append((sid, {"KUNNR": kunnr, **changes}))
        refused: dict[str, str] = {}
        if sending:
            answer = self.call.plain("UpsertCustomers", customer=[customer for _, customer in sending])
            for item in answer or []:  # zeep unwraps a response of one element: the result list
                if item["status"] != "OK":
                    sid = sending[item["index"]][0]
                    refused[sid] = (f"{self.name}.UpsertCustomer record {sid}: {item['code']}: "
                                    f"{item['message']}")
        unread = [sid for sid in refused if sid not in current]
        if unread:  # written without a read and refused: gone or blocked says a read, else the write
            refused.update(self._current(unread, quiet=True)[1])
        why.update(refused)
        result = PushResult()
        for update in chunk:
            sid = update.source_id
            if sid in why:
                result.failed[sid] = why[sid]
            else:
                result.pushed.append(sid)
                if sid in parked:
                    result.parked[sid] = parked[sid]
        return result

    def _current(self, kunnrs: Sequence[str], quiet: bool = False) -> tuple[dict[str, dict], dict[str, str]]:
        """GetCustomers of ``kunnrs``: the customers by number, and why each missing one is missing.
        ``quiet``: a call that fails as a whole gives nothing instead of raising (only a reason is
        asked for)."""
        if not kunnrs:
            return {}, {}
        try:
            response = self.call.plain("GetCustomers", KUNNR=list(kunnrs))
        except ConnectorError:
            if quiet:
                return {}, {}
            raise
        current = {row["KUNNR"]: row for row in map(self.row, response["customer"] or [])}
        missing = {}
        for item in response["missing"] or []:
            sid = kunnrs[item["index"]]
            missing[sid] = f"{self.name}.GetCustomer record {sid}: {item['code']}: {item['message']}"
        return current, missing

    def golden_id_change(self, update: PushUpdate) -> dict[str, str]:
        """What an update of the golden id alone writes."""
        text = soap_text(update.golden_id)
        return {} if text is None else {self.golden_id_field: text}

    def push_one(self, update: PushUpdate) -> str | None:
        """GetCustomer, then UpsertCustomer of the changed fields that fit the WSDL's field lengths; a
        value that does not fit is not sent (the ERP would refuse the whole record) and is parked."""
        current = self.row(self.call.plain("GetCustomer", record_id=update.source_id, KUNNR=update.source_id))
        changes, parked = split_fitting(self.source_changes(update, current), self.field_limits)
        if changes:
            self.call("UpsertCustomer", record_id=update.source_id,
                      customer={"KUNNR": current["KUNNR"], **changes})
        return parked

    def delete_one(self, source_id: str) -> None:
        mode = self.options.erasure.upper()  # the ERP's spelling: ANONYMIZE | BLOCK
        try:
            self.call("BlockCustomer", record_id=source_id, KUNNR=source_id, mode=mode)
        except SoapFaultError as exc:
            if exc.code != "CUSTOMER_NOT_FOUND":
                raise  # gone already otherwise: nothing to erase

    def source_changes(self, update: PushUpdate, current: Mapping[str, Any]) -> dict[str, str]:
        """SAP fields whose value the update changes (``None`` values never clear anything)."""
        wanted = self.mapping.to_source(update.fields)
        wanted.update(self._spread_list_fields(update.fields))
        names = {key.removeprefix("derived."): wanted.pop(key) for key in NAME_FIELDS if key in wanted}
        if current["derived"]["record_type"] == "organization":
            name_fields = {"NAME1": names.get("organization_name")}
        else:
            name_fields = {"NAME1": names.get("family_name"), "NAME2": names.get("given_name"),
                           "NAME3": names.get("full_name")}
        wanted.update({field: value for field, value in name_fields.items() if value is not None})
        wanted[self.golden_id_field] = update.golden_id
        changes = {}
        for field, value in wanted.items():
            text = soap_text(value)
            if field in READ_ONLY_FIELDS or text is None or text == current.get(field):
                continue
            changes[field] = text
        return changes

    def _spread_list_fields(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Several SAP fields fed one list (TELF1, TELF2 -> phones): write the values back in order
        instead of the primary value into each of them; fields beyond the list stay untouched (None)."""
        spread: dict[str, Any] = {}
        for canonical in ("emails", "phones"):
            values = fields.get(canonical)
            sources = [s for s, t in self.mapping.mapping.items() if LIST_FIELDS.get(t) == canonical]
            if len(sources) > 1 and isinstance(values, list):
                spread.update({s: values[i] if i < len(values) else None for i, s in enumerate(sources)})
        return spread


def transmission_damage(row: Mapping[str, Any]) -> str | None:
    """The service sends characters XML cannot carry (control characters) as U+FFFD: the stored value
    is unknown, so the record must not be matched on what arrived."""
    damaged = [name for name, value in row.items() if isinstance(value, str) and "\ufffd" in value]
    if not damaged:
        return None
    return (f"{', '.join(damaged)}: holds characters the ERP could not send (U+FFFD in place of control "
            "characters); fix the customer in the ERP")
