"""A SOAP connector configured entirely from YAML: any WSDL, operation names, paging and push-back named
in ``options``, with a WS-Security UsernameToken whenever the connection has a login.

Most SOAP customer services page the same way: a list operation takes a page token and a page size,
and answers with the records and the token of the next page. The options name those parts; the
connector does the rest (zeep client on the hub's hardened session, retries, quarantine, cursor).
Every option, with its default: :class:`schemas.source_options.GenericSoapOptions`.

Example (the local ERP, reached without its dedicated connector)::

    kind: soap
    options:
      list_operation: ListChangedCustomers
      page_token_argument: pageToken      # request field that takes the cursor
      page_size_argument: pageSize        # request field that takes page_size
      records_path: customer              # response path to the list of records
      next_token_path: nextPageToken      # response path to the next page's token
      more_path: moreAvailable            # optional: boolean "there is more"
      record_type: {field: KTOKD, values: {ZPER: person, ZORG: organization}}
      type_mappings:                      # fields whose meaning depends on the record type
        person: {NAME1: family_name, NAME2: given_name, NAME3: full_name}
        organization: {NAME1: organization_name}
      computed: {changed_at: "{AEDAT}T{AEZET}Z"}   # -> derived.changed_at, for the mapping
      id_field: KUNNR
      get_operation: GetCustomer          # optional: read before writing, to send only changes
      upsert_operation: UpsertCustomer
      upsert_argument: customer
      golden_id_field: ZZ_GOLDEN_ID
      read_only_fields: [KTOKD, AEDAT, AEZET]
      transient_fault_codes: [ENQUEUE_LOCKED]
      delete_operation: BlockCustomer     # optional: erasure (without it an erasure waits for a person)
      delete_arguments: {mode: ANONYMIZE} # fixed arguments of that call, beside the id
      gone_fault_codes: [CUSTOMER_NOT_FOUND]   # faults that mean "not there": counts as erased

The cursor is the service's own next-page token: it must point just after the last record of a page
and stay valid for later incremental runs (as a (change time, id) keyset token does). When a service
sends no token with its last page, that page's cursor stays the previous token: the next run re-reads
that page (the hub's upsert absorbs the repeat) rather than starting over.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from functools import cached_property
from typing import Any

from zeep.exceptions import Fault
from zeep.helpers import serialize_object

from connectors.base import (
    ConnectorError,
    ErasureUnsupportedError,
    Page,
    PushResult,
    PushUpdate,
    SourceConnector,
)
from connectors.credentials import Credentials
from connectors.http import session_settings
from connectors.mapping import LIST_FIELDS, FieldMapping, get_path
from connectors.nested_push import changed_leaves, list_paths, nest
from connectors.soap import (
    SoapCaller,
    SoapFaultError,
    build_soap_client,
    fault_detail,
    is_transient,
    soap_session,
    soap_text,
)
from connectors.xml_damage import replacement_damage
from schemas import QuarantinedRecord, SourceConfig
from schemas.source_options import GenericSoapOptions, RecordTypeRule


class GenericSoapConnector(SourceConnector):
    """See the module docstring for the options; credentials: host/port/schema = the SOAP endpoint,
    login/password = the WS-Security UsernameToken (omitted when the connection has no login)."""

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        super().__init__(config, credentials)
        self.options = GenericSoapOptions.for_source(config.name, config.options)
        for mapping in self.options.type_mappings.values():
            try:
                FieldMapping(mapping)  # raises naming the unknown canonical fields
            except ValueError as exc:
                raise ConnectorError(config.name, "configure", f"options.type_mappings: {exc}") from None
        derived = {
            f"derived.{canonical}": canonical
            for mapping in self.options.type_mappings.values()
            for canonical in mapping.values()
        }
        self.mapping = FieldMapping({"derived.record_type": "record_type", **derived, **config.mapping})

    @cached_property
    def call(self) -> SoapCaller:
        """Loads the WSDL on first use, so building a connector never touches the network."""
        options = self.options
        if not self.credentials.host and not options.wsdl_path:
            raise ConnectorError(self.name, "connect", "no host in the connection and no options.wsdl_path")
        endpoint = self.credentials.base_url() if self.credentials.host else None
        session = soap_session(**session_settings(options))
        credentials = self.credentials
        if options.auth == "basic":
            session.auth = (credentials.login or "", credentials.password or "")
        elif options.auth == "bearer":
            session.headers["Authorization"] = f"Bearer {credentials.password or ''}"
        if options.auth != "ws_security":
            credentials = replace(credentials, login=None)  # no UsernameToken in the SOAP header
        try:
            client = build_soap_client(
                options.wsdl_path or f"{endpoint}?wsdl",
                credentials,
                session,
                load_timeout=options.timeout,
                operation_timeout=options.timeout,
                strict=options.strict,
                password_digest=options.password_digest,
            )
            service = client.service
            if endpoint and (options.wsdl_path or options.binding):
                # A WSDL from a file or another host: talk to the endpoint of *this* connection instead.
                service = client.create_service(options.binding or next(iter(client.wsdl.bindings)), endpoint)
        except Exception as exc:  # zeep raises many types while loading a WSDL; all mean "cannot connect"
            raise ConnectorError(self.name, "load_wsdl", f"{type(exc).__name__}: {exc}") from exc
        self._check_operations(service)
        return SoapCaller(
            self.name,
            service,
            attempts=options.fault_attempts,
            backoff=options.backoff,
            transient=self._transient,
        )

    def _check_operations(self, service: Any) -> None:
        """Operation names come from YAML: a typo must say which names the WSDL offers."""
        offered = {name for name, _ in service}  # ServiceProxy iterates (name, operation)
        options = self.options
        named = [
            options.list_operation,
            options.get_operation,
            options.upsert_operation,
            options.delete_operation,
        ]
        missing = [name for name in named if name and name not in offered]
        if missing:
            raise ConnectorError(
                self.name,
                "configure",
                f"the WSDL has no operation {', '.join(missing)}; it offers {', '.join(sorted(offered))}",
            )

    def _transient(self, error: BaseException) -> bool:
        """Faults marked ``transient=true`` in their detail, or whose code the options list."""
        if not isinstance(error, Fault):
            return False
        detail = fault_detail(error)
        code = detail.get("code") or detail.get("exceptionCode") or str(error.code).rpartition(":")[2]
        return is_transient(error) or code in self.options.transient_fault_codes

    def check(self) -> None:
        self._list({}, 1)

    def _list(self, arguments: Mapping[str, Any], size: int) -> dict[str, Any]:
        arguments = {**self.options.list_arguments, **arguments}
        if self.options.page_size_argument:
            arguments[self.options.page_size_argument] = size
        response = _plain(serialize_object(self.call(self.options.list_operation, **arguments), dict))
        return response if isinstance(response, dict) else {"": response}

    def _records(self, response: dict[str, Any]) -> list[Any]:
        records = _path(response, self.options.records_path)
        if records is None:
            return []
        return records if isinstance(records, list) else [records]

    def pull(self, cursor: str | None) -> Iterator[Page]:
        if self.options.paging == "change_time":
            yield from self._pull_by_change_time(cursor)
            return
        options, token = self.options, cursor
        while True:
            response = self._list(
                {options.page_token_argument: token} if token is not None else {}, self.config.page_size
            )
            records = self._records(response)
            if not records:
                return
            next_token = _path(response, options.next_token_path)
            rows = [self.row(record) for record in records]
            yield self.to_page(rows, str(next_token) if next_token not in (None, "") else token)
            more = _path(response, options.more_path) if options.more_path else True
            if not more or next_token in (None, "", token):
                return
            token = str(next_token)

    def _pull_by_change_time(self, cursor: str | None) -> Iterator[Page]:
        """Records in change-time order from the cursor's time on; the offset skips only the records
        of that same time already delivered (a plain offset over a changing list skips records when
        one delivered earlier changes and moves to the end). The cursor is the last change time: the
        next run re-reads that time's records, which the hub recognises as unchanged."""
        options, since, ties, size = self.options, cursor, 0, self.config.page_size
        while True:
            arguments = {options.offset_argument: ties}
            if since is not None:
                arguments[options.since_argument] = since
            records = self._records(self._list(arguments, size))
            if not records:
                return
            times = [soap_text(_path(r, options.change_time_path)) for r in records]
            if None in times:
                raise ConnectorError(
                    self.name,
                    "pull",
                    f"a record has no change time at "
                    f"{options.change_time_path!r}: cannot page by change time",
                )
            last = times[-1]
            ties = (ties if last == since else 0) + times.count(last)
            since = last
            yield self.to_page([self.row(record) for record in records], last)
            if len(records) < size:
                return

    def row(self, record: Any) -> dict[str, Any]:
        """A record as plain data plus the ``derived`` section: record type, type-dependent fields
        under their canonical names, and the ``computed`` templates."""
        fields = dict(record) if isinstance(record, dict) else {"value": record}
        rule = self.options.record_type
        if isinstance(rule, RecordTypeRule):
            raw_type = fields.get(rule.field)
            # An unknown value stays visible so the record is quarantined, not mis-typed.
            record_type = rule.values.get(str(raw_type), raw_type)
        else:
            record_type = rule
        derived: dict[str, Any] = {"record_type": record_type}
        for source_field, canonical in self.options.type_mappings.get(str(record_type), {}).items():
            derived[canonical] = get_path(fields, source_field)
        for name, template in self.options.computed.items():
            derived[name] = _fill(template, fields)
        fields["derived"] = derived
        return fields

    def to_page(self, rows: Sequence[dict[str, Any]], cursor: str | None) -> Page:
        """As the base class; with ``reject_replacement_character`` a row holding U+FFFD (a value
        the service could not transmit) is quarantined instead of matched on what arrived."""
        if not self.options.reject_replacement_character:
            return super().to_page(rows, cursor)
        damaged = {id(row): reason for row in rows if (reason := replacement_damage(row, self.name))}
        page = super().to_page([row for row in rows if id(row) not in damaged], cursor)
        page.quarantined.extend(
            QuarantinedRecord(
                source_system=self.name,
                source_id=self.mapping.source_id_of(row),
                reason=damaged[id(row)],
                payload=row,
            )
            for row in rows
            if id(row) in damaged
        )
        return page

    def push(self, updates: Sequence[PushUpdate]) -> PushResult:
        options = self.options
        if not (options.upsert_operation and options.id_field and options.golden_id_field):
            raise ConnectorError(
                self.name, "push", "push needs options upsert_operation, id_field and golden_id_field"
            )
        return super().push(updates)

    def push_one(self, update: PushUpdate) -> None:
        options = self.options
        current: dict[str, Any] = {}
        if options.get_operation:
            argument = options.get_id_argument or options.id_field
            response = _plain(
                serialize_object(
                    self.call(
                        options.get_operation, record_id=update.source_id, **{argument: update.source_id}
                    ),
                    dict,
                )
            )
            found = _path(response, options.get_response_path) if options.get_response_path else response
            current = self.row(found if isinstance(found, dict) else {})
        changes = self.source_changes(update, current)
        if not changes:
            return
        record = {options.id_field: update.source_id, **nest(changes, current)}
        arguments = {options.upsert_argument: record} if options.upsert_argument else record
        self.call(options.upsert_operation, record_id=update.source_id, **arguments)

    def delete_one(self, source_id: str) -> None:
        """Erase through the configured ``delete_operation`` (a delete, block or anonymise call)."""
        options = self.options
        if not options.delete_operation:
            raise ErasureUnsupportedError(
                f"{self.name}: no options.delete_operation names the service's delete/anonymise call; "
                "erase the person in the system by hand"
            )
        argument = options.delete_id_argument or options.id_field or "id"
        try:
            self.call(
                options.delete_operation,
                record_id=source_id,
                **{**options.delete_arguments, argument: source_id},
            )
        except SoapFaultError as exc:
            if exc.code not in options.gone_fault_codes:
                raise

    def source_changes(self, update: PushUpdate, current: Mapping[str, Any]) -> dict[str, Any]:
        """Source paths whose value the update changes (dotted for nested elements, a list for an
        array the record holds as one); ``None`` never clears anything."""
        wanted: dict[str, Any] = self.mapping.to_source(update.fields)
        wanted.update(spread_list_fields(self.mapping, update.fields))
        for path in list_paths(self.mapping.mapping, current, set(LIST_FIELDS)):
            values = update.fields.get(LIST_FIELDS[self.mapping.mapping[path]])
            if isinstance(values, list):
                wanted[path] = values  # an array element takes the whole list
        record_type = (current.get("derived") or {}).get("record_type")
        by_canonical = {c: s for s, c in self.options.type_mappings.get(str(record_type), {}).items()}
        for key in [k for k in wanted if k.startswith("derived.")]:
            value = wanted.pop(key)
            source_field = by_canonical.get(key.removeprefix("derived."))
            if source_field and value is not None:
                wanted[source_field] = value
        wanted[self.options.golden_id_field] = update.golden_id
        read_only = {self.options.id_field, *self.options.read_only_fields}
        writable = {path: value for path, value in wanted.items() if path not in read_only}
        return changed_leaves(writable, current, soap_text)


def spread_list_fields(mapping: FieldMapping, fields: Mapping[str, Any]) -> dict[str, Any]:
    """When several source fields feed one list (TELF1, TELF2 -> phones), write the values back in
    order instead of the primary value into each; fields beyond the list stay untouched (None)."""
    spread: dict[str, Any] = {}
    for canonical in ("emails", "phones"):
        values = fields.get(canonical)
        sources = [s for s, t in mapping.mapping.items() if LIST_FIELDS.get(t) == canonical]
        if len(sources) > 1 and isinstance(values, list):
            spread.update({s: values[i] if i < len(values) else None for i, s in enumerate(sources)})
    return spread


def _path(data: Any, path: str | None) -> Any:
    if not path:
        return data
    return get_path(data, path) if isinstance(data, Mapping) else None


def _fill(template: str, fields: Mapping[str, Any]) -> str | None:
    """``"{AEDAT}T{AEZET}Z"`` with the row's values; ``None`` when a referenced field is empty."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    values = {name: get_path(fields, name) for name in names}
    if any(value in (None, "") for value in values.values()):
        return None
    return template.format_map({name: str(value) for name, value in values.items()})


def _plain(value: Any) -> Any:
    """zeep's serialized objects -> dicts, lists and text (dates ISO 8601), as the mapping expects."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return value
