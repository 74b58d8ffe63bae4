"""When the web shop connector scans every customer, and where a scan stands (its cursor).

WooCommerce's customer list has no "modified since" filter, so the only complete way to see every
change is a scan of all pages. ``customer.*`` webhooks announce changes at once, but a delivery can be
missed (the hub was down, the webhook was deleted or disabled by WooCommerce after failed deliveries).
A serious hub therefore combines them: webhooks for freshness, a periodic full scan for completeness.
The scan's cursor carries when the last *complete* scan finished, so a sync can tell whether the next
one is due (option ``full_scan_every_seconds``); between scans it reads only the announced customers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.fixed_width_time import strptime

CURSOR_VERSION = "scan2"
#: The cursor before the completion time was kept (``scan1|<page>``): read, never written.
OLD_CURSOR_VERSION = "scan1"
#: The watermark cursor from when the local shop offered a modified filter: starts a new scan.
WATERMARK_VERSION = "wm1"
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
#: What the hub's receiver must get for a full picture between scans (webapp.webhooks).
WEBHOOK_TOPICS = ("customer.created", "customer.updated", "customer.deleted")
#: The end of the receiver's path, ``/api/v1/webhooks/woocommerce/<source>`` (webapp.webhooks); the
#: hub's public host is not known here, so a webhook counts when its delivery URL ends like this.
RECEIVER_PATH = "/webhooks/woocommerce/"


@dataclass(frozen=True)
class ScanCursor:
    """``scan2|<page>|<completed>``: the next page of the id-ordered scan (1: no scan under way) and
    when the last complete scan finished (empty: none known, so the next sync scans)."""

    page: int = 1
    completed: datetime | None = None

    def encode(self) -> str:
        stamp = self.completed.strftime(STAMP_FORMAT) if self.completed else ""
        return f"{CURSOR_VERSION}|{self.page}|{stamp}"

    @classmethod
    def decode(cls, cursor: str | None) -> ScanCursor:
        """Parse a cursor of any version this connector wrote; ``None`` (first sync, full refresh) is
        a new scan with no completed one known. ``ValueError`` saying what is expected otherwise."""
        if cursor is None:
            return cls()
        version, _, rest = cursor.partition("|")
        page, _, stamp = rest.partition("|")
        try:
            if version == WATERMARK_VERSION:
                return cls()
            if version == OLD_CURSOR_VERSION and page.isdigit() and int(page) >= 1 and not stamp:
                return cls(int(page))  # no completion time known: the next sync scans
            if version == CURSOR_VERSION and page.isdigit() and int(page) >= 1:
                return cls(int(page), _parse_stamp(stamp) if stamp else None)
        except ValueError:
            pass
        raise ValueError(f"invalid cursor {cursor!r}; expected '{CURSOR_VERSION}|<page>|<completed, "
                         f"YYYY-MM-DDTHH:MM:SSZ or empty>' or none for a full refresh")

    def next_page(self, page: int) -> ScanCursor:
        """Where a scan stands after reading ``page - 1``: the completion time of the last one kept."""
        return replace(self, page=page)

    def finished(self, now: datetime) -> ScanCursor:
        """After the scan's last page: the next scan starts at page 1, and it completed ``now``."""
        return ScanCursor(1, now.astimezone(UTC).replace(microsecond=0))


def _parse_stamp(stamp: str) -> datetime:
    return strptime(stamp, STAMP_FORMAT).replace(tzinfo=UTC)


def next_scan_due(position: ScanCursor, every: timedelta | None, now: datetime) -> datetime | None:
    """When the next full scan is due if this sync may leave it out; ``None``: this sync scans.

    It scans when no interval is configured (every sync scans), when a scan is under way (it resumes
    at its page), when no completed scan is known (first sync, full refresh, an old cursor), when the
    last one completed ``every`` or longer ago, and when its time lies in the future (a clock set back
    must not postpone the scan by that much).
    """
    if every is None or position.page > 1 or position.completed is None or position.completed > now:
        return None
    due = position.completed + every
    return due if now < due else None


def missing_webhooks(hooks: Iterable[Mapping[str, Any]], source: str) -> list[str]:
    """The ``customer.*`` topics that no active webhook of the shop delivers to the hub's receiver of
    ``source``: changes of those kinds are seen only by the next full scan. WooCommerce sets a webhook
    to ``disabled`` after repeated failed deliveries, so a hub that stopped receiving shows up here."""
    suffix = RECEIVER_PATH + source
    covered = {
        hook.get("topic")
        for hook in hooks
        if hook.get("status") == "active" and str(hook.get("delivery_url") or "").rstrip("/").endswith(suffix)
    }
    return [topic for topic in WEBHOOK_TOPICS if topic not in covered]
