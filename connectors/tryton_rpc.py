"""Tryton's JSON-RPC protocol, as the Tryton client and ``proteus`` speak it, over requests.

Every call is ``POST /<database>/`` with ``{"id", "method", "params"}``; ``common.db.login`` returns
``[user_id, session]`` and later calls carry ``Authorization: Session base64(login:user_id:session)``.
Model methods are ``model.<model>.<method>`` with the context as the last parameter; wizards are
``wizard.<name>.create|execute|delete``. Tryton's own JSON encoding marks dates, datetimes and decimals
as ``{"__class__": "datetime", "year": ...}`` objects (``trytond/protocols/jsonrpc.py``); ``decode`` and
``encode_datetime`` translate. Errors come back with HTTP 200 as ``{"error": [name, args]}``; a session
that expired gets HTTP 401 or 403, and the client logs in again once.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from connectors.base import ConnectorError
from connectors.credentials import Credentials
from connectors.http import HubSession, checked_request, json_body, transport


def decode(value: Any) -> Any:
    """Tryton's JSON objects (``__class__``) back into Python values, recursively."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, Mapping):
        return value
    kind = value.get("__class__")
    if kind == "datetime":
        return datetime(
            *(
                int(value.get(k, 0))
                for k in ("year", "month", "day", "hour", "minute", "second", "microsecond")
            )
        )
    if kind == "date":
        return date(int(value["year"]), int(value["month"]), int(value["day"]))
    if kind == "Decimal":
        return Decimal(str(value["decimal"]))
    return {key: decode(v) for key, v in value.items()}


def encode_datetime(moment: datetime) -> dict[str, Any]:
    """A naive UTC datetime in Tryton's JSON form (for domains on ``write_date``/``create_date``)."""
    return {
        "__class__": "datetime",
        "year": moment.year,
        "month": moment.month,
        "day": moment.day,
        "hour": moment.hour,
        "minute": moment.minute,
        "second": moment.second,
        "microsecond": moment.microsecond,
    }


def tryton_error(error: Any) -> str:
    """``UserError: The party ... must be inactive`` from Tryton's ``[name, args]`` error value."""
    if isinstance(error, list) and error:
        name, args = error[0], error[1] if len(error) > 1 else []
        words = args[0] if isinstance(args, list) and args else args
        return f"{name}: {words}".strip()
    return str(error)[:300]


class TrytonRpc:
    """One database of one Tryton server: login, then model and wizard calls."""

    def __init__(self, source: str, credentials: Credentials, database: str, session: HubSession):
        self.source, self.credentials, self.session = source, credentials, session
        self.url = f"{credentials.base_url().rstrip('/')}/{database}/"
        self.database = database
        self._auth: str | None = None
        self._ids = itertools.count(1)

    def model(
        self,
        operation: str,
        model: str,
        method: str,
        *args: Any,
        context: dict[str, Any] | None = None,
        record_id: str | None = None,
    ) -> Any:
        """``model.<model>.<method>(*args, context)``; the result decoded."""
        return decode(
            self.call(operation, f"model.{model}.{method}", [*args, context or {}], record_id=record_id)
        )

    def wizard(
        self,
        operation: str,
        wizard: str,
        data: dict[str, Any],
        state: str,
        context: dict[str, Any],
        record_id: str | None = None,
    ) -> None:
        """Run one transition of a wizard (create a session, execute ``state`` with ``data``, delete)."""
        session_id = self.call(operation, f"wizard.{wizard}.create", [context], record_id=record_id)[0]
        try:
            self.call(
                operation, f"wizard.{wizard}.execute", [session_id, data, state, context], record_id=record_id
            )
        finally:
            self.call(operation, f"wizard.{wizard}.delete", [session_id, context], record_id=record_id)

    def call(self, operation: str, method: str, params: list[Any], *, record_id: str | None = None) -> Any:
        """One JSON-RPC call, logged in first; a refused session logs in again once."""
        for attempt in (1, 2):
            response = transport(
                self.source,
                operation,
                method,
                lambda: self.session.post(
                    self.url,
                    json={"id": next(self._ids), "method": method, "params": params},
                    headers={"Authorization": self._login(operation)},
                ),
                record_id=record_id,
            )
            if response.status_code in (401, 403) and attempt == 1:
                self._auth = None  # the session expired or the server restarted
                continue
            return self._result(operation, method, response, record_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def _login(self, operation: str) -> str:
        if self._auth is None:
            login = self.credentials.login or ""
            params = [login, {"password": self.credentials.password or ""}, "en"]
            response = checked_request(
                self.source,
                operation,
                "common.db.login",
                lambda: self.session.post(
                    self.url, json={"id": next(self._ids), "method": "common.db.login", "params": params}
                ),
            )
            result = self._result(operation, "common.db.login", response, None)
            if not (isinstance(result, list) and len(result) == 2):
                raise ConnectorError(
                    self.source,
                    operation,
                    f"login refused for user {login!r} on database "
                    f"{self.database!r} (wrong login or password)",
                )
            token = base64.b64encode(f"{login}:{result[0]}:{result[1]}".encode()).decode()
            self._auth = f"Session {token}"
        return self._auth

    def _result(self, operation: str, method: str, response: Any, record_id: str | None) -> Any:
        if response.status_code >= 400:
            raise ConnectorError(
                self.source,
                operation,
                f"{method} -> HTTP {response.status_code}: {response.text[:200]}",
                record_id,
            )
        reply = json_body(self.source, operation, method, response, record_id=record_id)
        if not isinstance(reply, Mapping) or ("result" not in reply and "error" not in reply):
            raise ConnectorError(
                self.source, operation, f"{method}: not a JSON-RPC response: {str(reply)[:200]}", record_id
            )
        if reply.get("error"):
            raise ConnectorError(
                self.source, operation, f"{method}: {tryton_error(reply['error'])}", record_id
            )
        return reply["result"]
