"""The local vTiger CRM as one object the runner can seed, serve and inspect (see ``sources/run.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sources.connection import airflow_connection
from sources.suitecrm.records import RecordStore
from sources.vtiger.api import Sessions, WsSettings, build_app, ws_record
from sources.vtiger.fields import GOLDEN_ID_FIELD, PREFIXES, record_from_flat, split_ws_id
from sources.webshop.faults import Faults

DEFAULT_PORT = 8084


class VtigerSystem:
    """vTiger's Accounts and Contacts in SQLite under ``data_dir``, behind ``webservice.php``.

    Settings: ``username``/``access_key`` (the webservice user and the access key from "My
    Preferences"), ``session_ttl`` (seconds a session lives, default 1800), ``port``.
    """

    name = "vtiger"

    def __init__(self, data_dir: Path, **settings: Any):
        self.data_dir = Path(data_dir)
        self.store = RecordStore(self.data_dir / "vtiger.sqlite")
        self.faults = Faults()
        self.ws = WsSettings(username=settings.get("username", "crmhub"),
                             access_key=settings.get("access_key", "vtigerLocalAccessKey16"),
                             session_ttl=int(settings.get("session_ttl", 1800)))
        self.sessions = Sessions(self.ws)
        self.port = int(settings.get("port", DEFAULT_PORT))

    def seed(self, rows: Iterable[Mapping[str, str]]) -> int:
        """Store this system's rows as Accounts (organizations) and Contacts (persons).

        Source ids are crmids (digits) or webservice ids (``12x34``); crmids must be unique across both
        modules, as in vTiger. Idempotent: stored records keep their values (and pushed golden ids).
        """
        by_module: dict[str, list[tuple[str, int, dict[str, Any]]]] = {}
        crmids: dict[int, int] = {}
        count = 0
        for index, row in enumerate(rows):
            if (row.get("source_system") or self.name) != self.name:
                continue
            try:
                module, ws_id, crmid, fields = record_from_flat(row)
            except ValueError as exc:
                raise ValueError(f"row {index}: {exc}") from None
            if crmids.setdefault(crmid, index) != index:
                raise ValueError(f"row {index}: crmid {crmid} is already used by row {crmids[crmid]}")
            by_module.setdefault(module, []).append((ws_id, crmid, fields))
            count += 1
        for module, records in by_module.items():
            self.store.insert(module, records)
        return count

    def app(self) -> FastAPI:
        return build_app(self.store, self.faults, self.sessions)

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        """Airflow connection: ``login`` = webservice user, ``password`` = the user's access key."""
        return airflow_connection(
            base_url or f"http://127.0.0.1:{self.port}", login=self.ws.username, password=self.ws.access_key
        )

    def inspect(self, source_id: str) -> dict[str, Any] | None:
        """The record as ``retrieve`` returns it, plus ``module`` and ``golden_id``; takes ``12x34`` or a
        crmid."""
        source_id = str(source_id).strip()
        candidates = ([f"{prefix}x{source_id}" for prefix in PREFIXES.values()] if source_id.isdigit()
                      else [source_id])
        for ws_id in candidates:
            parsed = split_ws_id(ws_id)
            data = self.store.get(parsed[0], ws_id) if parsed else None
            if data is not None:
                return {**ws_record(ws_id, data), "module": parsed[0],
                        "golden_id": data.get(GOLDEN_ID_FIELD) or None}
        return None

    def expire_sessions(self) -> None:
        """Invalidate every session (the connector must log in again, once)."""
        self.sessions.expire_all()
