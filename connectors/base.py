"""The connector contract every source system implements (after Singer/Airbyte: check, read, write).

A connector yields :class:`Page` objects. The caller stores a page's records and quarantined rows
*first* and commits ``page.cursor`` only afterwards, so the sync state never runs ahead of the data:
a crash between two pages resumes from the last stored page without loss or duplicates.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, TypeVar

from pydantic import ValidationError

from connectors.credentials import Credentials
from connectors.mapping import FieldMapping
from connectors.row_digest import content_paths, digest_salt, row_digest
from schemas import CustomerRecord, OrderRecord, QuarantinedRecord, SourceConfig


class ErasureUnsupportedError(NotImplementedError):
    """The system has no delete or anonymise API (or the connector is not configured to use one): the
    erasure stays pending, with this reason, for a person to carry out in the system."""


class ConnectorError(RuntimeError):
    """A source failed in a way retries did not fix; names the system, operation and record."""

    def __init__(self, system: str, operation: str, message: str, record_id: str | None = None):
        self.system, self.operation, self.record_id = system, operation, record_id
        where = f"{system}.{operation}" + (f" record {record_id}" if record_id else "")
        super().__init__(f"{where}: {message}")


@dataclass
class Page:
    """One page pulled from a source: valid records, rejected rows, and the cursor after this page."""

    records: list[CustomerRecord] = field(default_factory=list)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    cursor: str | None = None
    #: Source ids of rows with the digest of the row their stored record came from: not mapped, not
    #: validated, unchanged (:mod:`connectors.row_digest`); the records' row digests, to store.
    unchanged: list[str] = field(default_factory=list)
    row_digests: dict[str, str] = field(default_factory=dict)

    @classmethod
    def joined(cls, pages: Sequence[Page]) -> Page:
        """Consecutive pages as one, to be stored in one transaction: their rows in order (a later
        delivery of an id after an earlier one, as the pages had them), the last page's cursor."""
        return _joined(cls, pages)


@dataclass
class OrderPage:
    """One page of orders (systems that sell: web shops), with the cursor after it."""

    orders: list[OrderRecord] = field(default_factory=list)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)
    cursor: str | None = None

    @classmethod
    def joined(cls, pages: Sequence[OrderPage]) -> OrderPage:
        """Consecutive pages as one (see :meth:`Page.joined`)."""
        return _joined(cls, pages)


P = TypeVar("P", Page, OrderPage)


def _joined(cls: type[P], pages: Sequence[P]) -> P:
    """``pages`` as one of ``cls``: each list field the pages' lists one after another, each dict field
    merged (a later page's entry wins), the cursor the last one a page moved it to."""
    if len(pages) == 1:
        return pages[0]
    values: dict[str, Any] = {}
    for name in (f.name for f in fields(cls)):
        parts = [getattr(page, name) for page in pages]
        if name == "cursor":
            values[name] = next((cursor for cursor in reversed(parts) if cursor is not None), None)
        elif isinstance(parts[0], dict):
            values[name] = {key: value for part in parts for key, value in part.items()}
        else:
            values[name] = [item for part in parts for item in part]
    return cls(**values)


@dataclass(frozen=True)
class PushUpdate:
    """What the hub writes back to one source record: its golden id and the surviving field values.

    ``fields`` uses canonical field names (``given_name``, ``emails``, ``phones``, ``street`` ...);
    the connector maps them back to its own fields and ignores those the system does not have.
    """

    source_id: str
    golden_id: str
    fields: dict[str, Any]


@dataclass
class PushResult:
    pushed: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # source_id -> reason
    #: source_id -> why some values were not sent (the target cannot hold them); the rest was written,
    #: so these ids are in ``pushed`` too. Tried again only when the golden values change.
    parked: dict[str, str] = field(default_factory=dict)

    def add(self, part: PushResult) -> None:
        """Append the result of a later batch (a connector that pushes in batches adds them in order)."""
        self.pushed += part.pushed
        self.failed.update(part.failed)
        self.parked.update(part.parked)


class SourceConnector(ABC):
    """Base of all connectors: configured once from a :class:`SourceConfig` and credentials."""

    #: Canonical-field mapping used when the YAML gives none (source field -> canonical field).
    default_mapping: dict[str, str] = {}
    #: Whether :meth:`pull_orders` is implemented (order history for lifetime value and retention).
    supports_orders: bool = False
    #: Records pushed (or erased) at once by the one-by-one path: > 1 only for systems without a batch
    #: API whose client is safe to share between threads; kept small (the system is shared too).
    push_workers: int = 1
    #: Whether the connector reads :attr:`announced_ids` (records a webhook said changed) first in
    #: :meth:`pull`; the pipeline sets them from :mod:`hub.webhook_inbox` before each extract.
    reads_announced: bool = False
    announced_ids: Sequence[str] = ()
    #: Set by the pipeline before an (incremental) extract: the stored row digests of given source ids
    #: (:mod:`connectors.row_digest`); ``None``: every row is mapped and validated.
    known_digests: Callable[[Sequence[str]], Mapping[str, str]] | None = None
    #: Whether the system re-delivers the records a push wrote (their change stamp moves) from a change
    #: cursor: the publish step then reads them back at once, so the next sync's extract does not.
    reads_back_pushes: bool = False

    def __init__(self, config: SourceConfig, credentials: Credentials | None = None):
        self.config = config
        self.credentials = credentials or Credentials()
        self.mapping = FieldMapping({**self.default_mapping, **config.mapping})
        #: What the last :meth:`pull` says about how it read, for the extract step's stats and the
        #: sync summary: a connector that may leave out its scan says whether it scanned, so a skipped
        #: scan is never mistaken for "nothing changed" (the web shop: ``scan``, ``announced``).
        self.pull_notes: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self.config.name

    @abstractmethod
    def check(self) -> None:
        """Reach the system and authenticate; raise :class:`ConnectorError` with the reason if not."""

    @abstractmethod
    def pull(self, cursor: str | None) -> Iterator[Page]:
        """Yield pages of records changed since ``cursor`` (``None`` = full refresh)."""

    def push(self, updates: Sequence[PushUpdate]) -> PushResult:
        """Write golden ids and surviving fields back; idempotent (same update twice = no change).

        Default: one record at a time through :meth:`push_one`; a record that fails is reported with
        its reason and does not stop the others. Systems with batch writes override this method.
        """
        return self._one_by_one("push", [(u.source_id, u) for u in updates], self.push_one)

    def _one_by_one(self, verb: str, items: Sequence[tuple[str, Any]], action: Any) -> PushResult:
        """Run ``action`` per item; a failing record is reported with its reason, the others go on.

        With :attr:`push_workers` > 1 (systems without a batch API) up to that many items run at once:
        the first alone (it logs in), the rest on a small fixed thread pool; results keep the order."""
        outcomes = []
        if items:
            outcomes.append(self._attempt(verb, items[0], action))
        if self.push_workers > 1 and len(items) > 2:
            with ThreadPoolExecutor(self.push_workers, thread_name_prefix=f"{self.name}-{verb}") as pool:
                outcomes += pool.map(lambda item: self._attempt(verb, item, action), items[1:])
        else:
            outcomes += [self._attempt(verb, item, action) for item in items[1:]]
        result = PushResult()
        for (source_id, _), (failure, parked) in zip(items, outcomes, strict=True):
            if failure is not None:
                result.failed[source_id] = failure
                continue
            result.pushed.append(source_id)
            if isinstance(parked, str):
                result.parked[source_id] = parked
        return result

    def _attempt(self, verb: str, item: tuple[str, Any], action: Any) -> tuple[str | None, Any]:
        """``(None, what action returned)``, or ``(reason, None)`` when this record failed."""
        source_id, payload = item
        try:
            return None, action(payload)
        except ErasureUnsupportedError:
            raise
        except ConnectorError as exc:
            return str(exc), None
        except Exception as exc:  # noqa: BLE001 - any failure is this record's; the others go on
            # (a TypeError from a client library must not abort the publish step and lose the
            # record of what was already written)
            return f"{self.name}: {verb} {source_id}: {type(exc).__name__}: {exc}", None

    def push_problems(self) -> list[str]:
        """Configured push fields (and golden-id places) this system cannot take, one line each naming
        the source, the field and why. Checked before a sync starts, where each is a configuration
        error (``crmhub sync`` exits 2): a value the target has no place for must never be dropped
        while pushing and counted as written. Default: none known before writing."""
        return []

    def push_one(self, update: PushUpdate) -> str | None:
        """Bring one source record to the pushed state (writing nothing when it is there already);
        returns why values were left out when the system cannot hold them (they are parked), else None."""
        raise NotImplementedError(f"{self.name}: this connector pushes in batches or not at all")

    def pull_orders(self, cursor: str | None) -> Iterator[OrderPage]:
        """Yield pages of orders created since ``cursor``; only where :attr:`supports_orders`."""
        raise NotImplementedError(f"{self.name}: this connector has no order stream")

    def delete(self, source_ids: Sequence[str]) -> PushResult:
        """Erase records at the source (GDPR art. 17): ``pushed`` lists the ids erased, ``failed`` the
        ids still there with the reason (tried again at the next publish).

        Erasing means what the system offers: a delete, or blocking/anonymising where the system must
        keep the record (an ERP's retention duty); connectors say which in their docstring and option
        ``erasure``. A record that is already gone counts as erased, so a repeated delete is harmless.
        A system without such an API raises :class:`ErasureUnsupportedError` naming what a person
        must do; the hub then shows the erasure as pending with that reason, never as done.
        Default: one record at a time through :meth:`delete_one`.
        """
        return self._one_by_one("delete", [(sid, sid) for sid in source_ids], self.delete_one)

    def delete_one(self, source_id: str) -> None:
        """Erase one record at the source; nothing to do when it is gone already."""
        raise ErasureUnsupportedError(
            f"{self.name}: the {self.config.kind} connector cannot delete or anonymise records; "
            "erase the person in the system by hand"
        )

    def to_page(self, rows: Sequence[dict[str, Any]], cursor: str | None) -> Page:
        """Map raw source rows onto canonical records, quarantining each row that does not validate; a
        row whose digest is the stored one is counted unchanged instead (:mod:`connectors.row_digest`)."""
        page = Page(cursor=cursor)
        paths, salt = content_paths(self.mapping), self._digest_salt
        digests = [row_digest(paths, salt, row) for row in rows]
        ids = [self.mapping.source_id_of(row) for row in rows]
        known = self.known_digests([i for i in ids if i]) if self.known_digests else {}
        for row, source_id, digest in zip(rows, ids, digests, strict=True):
            if source_id is not None and known.get(source_id) == digest:
                page.unchanged.append(source_id)
                continue
            try:
                record = self.mapping.to_record(self.name, row)
            except (ValidationError, ValueError, TypeError) as exc:
                page.quarantined.append(QuarantinedRecord.from_error(self.name, source_id, exc, row))
                continue
            page.records.append(record)
            page.row_digests[record.source_id] = digest
        return page

    @cached_property
    def _digest_salt(self) -> str:
        return digest_salt(self)
