"""The local SuiteCRM as one object the runner can seed, serve and inspect (see ``sources/run.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from sources.connection import airflow_connection
from sources.suitecrm.api import OAuthSettings, TokenIssuer, build_app, resource
from sources.suitecrm.fields import GOLDEN_ID_FIELD, record_from_flat
from sources.suitecrm.records import RecordStore
from sources.webshop.faults import Faults

DEFAULT_PORT = 8083


class SuiteCrmSystem:
    """SuiteCRM's Accounts and Contacts in SQLite under ``data_dir``, behind its JSON:API V8 with OAuth2.

    Settings: ``client_id``/``client_secret`` (the OAuth2 client an admin creates), ``username``/
    ``password`` (the API user), ``token_ttl`` (seconds an access token lives, default 3600), ``port``.
    """

    name = "suitecrm"

    def __init__(self, data_dir: Path, **settings: Any):
        self.data_dir = Path(data_dir)
        self.store = RecordStore(self.data_dir / "suitecrm.sqlite")
        self.faults = Faults()
        self.oauth = OAuthSettings(
            client_id=settings.get("client_id", "9b1c2d3e-0000-4000-8000-crmhub000001"),
            client_secret=settings.get("client_secret", "suitecrm-local-client-secret"),
            username=settings.get("username", "crmhub"),
            password=settings.get("password", "suitecrm-local-password"),
            token_ttl=int(settings.get("token_ttl", 3600)),
        )
        self.tokens = TokenIssuer(self.oauth)
        self.port = int(settings.get("port", DEFAULT_PORT))

    def seed(self, rows: Iterable[Mapping[str, str]]) -> int:
        """Store this system's rows as Accounts (organizations) and Contacts (persons).

        Idempotent: records already stored are kept as they are (with golden ids pushed back). Returns
        the number of rows of this system. A row that cannot be a SuiteCRM record raises ``ValueError``.
        """
        by_module: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
        count = 0
        for index, row in enumerate(rows):
            if (row.get("source_system") or self.name) != self.name:
                continue
            try:
                module, record_id, attributes = record_from_flat(row)
            except ValueError as exc:
                raise ValueError(f"row {index}: {exc}") from None
            by_module.setdefault(module, []).append((record_id, record_id, attributes))
            count += 1
        for module, records in by_module.items():
            self.store.insert(module, records)
        return count

    def app(self) -> FastAPI:
        return build_app(self.store, self.faults, self.tokens)

    def connection(self, base_url: str | None = None) -> dict[str, Any]:
        """Airflow connection: login/password are the API user; the OAuth2 client goes in ``extra``."""
        return airflow_connection(
            base_url or f"http://127.0.0.1:{self.port}",
            login=self.oauth.username,
            password=self.oauth.password,
            client_id=self.oauth.client_id,
            client_secret=self.oauth.client_secret,
        )

    def inspect(self, source_id: str) -> dict[str, Any] | None:
        """The record as the API shows it (JSON:API resource), plus ``module`` and ``golden_id``."""
        module = self.store.module_of(str(source_id))
        if module is None:
            return None
        attributes = self.store.get(module, str(source_id)) or {}
        shown = resource(module, str(source_id), attributes)
        return {**shown, "module": module, "golden_id": attributes.get(GOLDEN_ID_FIELD) or None}

    def expire_tokens(self) -> None:
        """Expire every issued access token (the connector must re-authenticate once)."""
        self.tokens.expire_all()
