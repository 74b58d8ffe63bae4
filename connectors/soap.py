"""Reusable zeep plumbing for SOAP sources: a hardened client on the hub's session, and calls that retry
faults the server marks as transient.

Two retry layers, each for what it can judge: the HTTP session retries 429/502/503/504 and connection
errors; :class:`SoapCaller` retries SOAP faults whose detail says ``transient=true`` (a locked record,
a busy backend), with exponential back-off and jitter. HTTP 500 is *not* retried by the session
because SOAP 1.1 sends every fault, client errors included, as 500; the fault detail decides.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import requests
import tenacity
import zeep
from lxml import etree
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import Fault, TransportError
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from connectors.base import ConnectorError
from connectors.credentials import Credentials
from connectors.http import DEFAULT_TIMEOUT, HubSession, ThreadSessions, build_session
from connectors.soap_plain import PlainReader, PlainReply
from connectors.soap_plain_request import PlainRequest

#: Content of any ``<...:Password>``/``<password>`` element (WS-Security UsernameToken, login calls).
_PASSWORD_ELEMENT = re.compile(
    r"(<(?:[\w.-]+:)?password\b[^>]*>)[^<]*(</(?:[\w.-]+:)?password>)", re.IGNORECASE
)


class RedactPasswords(logging.Filter):
    """zeep logs every envelope at DEBUG, the WS-Security password included: blank it before any
    handler (console, Airflow task log) sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _PASSWORD_ELEMENT.sub(r"\1***\2", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


logging.getLogger("zeep.transports").addFilter(RedactPasswords())


class SoapFaultError(ConnectorError):
    """The service answered with a SOAP fault that retrying did not (or could not) fix."""

    def __init__(self, system: str, operation: str, fault: Fault, record_id: str | None = None):
        self.fault = fault
        self.detail = fault_detail(fault)
        self.code = self.detail.get("code") or str(fault.code)
        self.transient = is_transient(fault)
        message = f"SOAP fault {fault.code} ({self.code}): {fault.message}"
        super().__init__(system, operation, message, record_id)


def soap_text(value: Any) -> str | None:
    """A zeep value as text, the way the services store it (dates ISO 8601); empty means unknown."""
    if value is None or value == "":
        return None
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return str(value)


def fault_detail(fault: Fault) -> dict[str, str]:
    """Children of the fault's first detail element by local name (``{"code": ..., "transient": ...}``)."""
    detail = fault.detail
    if not isinstance(detail, etree._Element):
        return {}
    entries = [child for child in detail if isinstance(child.tag, str)]
    if not entries:
        return {}
    return {etree.QName(child).localname: (child.text or "").strip() for child in entries[0]
            if isinstance(child.tag, str)}


def is_transient(error: BaseException) -> bool:
    return isinstance(error, Fault) and fault_detail(error).get("transient", "").lower() in ("true", "1")


def soap_session(
    retries: int = 4,
    backoff_factor: float = 0.2,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    rate_limit: float | None = None,
) -> HubSession:
    """:func:`connectors.http.build_session` without the retry of HTTP 500 (see module docstring)."""
    session = build_session(retries=retries, backoff_factor=backoff_factor, timeout=timeout,
                            rate_limit=rate_limit)
    for adapter in session.adapters.values():
        retry = adapter.max_retries
        adapter.max_retries = retry.new(status_forcelist=frozenset(retry.status_forcelist or ()) - {500})
    return session


class ThreadSessionTransport(Transport):
    """zeep's Transport sending each thread's requests through that thread's own session.

    zeep's client and service proxy can be shared by threads -- its author: "the zeep object should be
    thread-safe ... the only thing I'm worrying about is the request session object" (python-zeep#612);
    the one per-call setting the connectors change, ``raw_response``, is thread-local in
    ``zeep.Settings``. The session is what must not be shared (:class:`connectors.http.ThreadSessions`).
    """

    def __init__(self, sessions: ThreadSessions, **options: Any):
        self.sessions = sessions
        super().__init__(session=sessions.get(), **options)

    @property  # type: ignore[override]
    def session(self) -> requests.Session:
        return self.sessions.get()

    @session.setter
    def session(self, session: requests.Session) -> None:
        """zeep's ``__init__`` stores the session it is given: the calling thread's, kept already."""


def soap_sessions(**settings: Any) -> ThreadSessions:
    """:func:`soap_session` per thread, each set up by zeep the way it sets up a session it is given
    (its User-Agent; ``file://`` WSDLs), for :class:`ThreadSessionTransport`."""

    def build() -> HubSession:
        session = soap_session(**settings)
        Transport(session=session)  # zeep's own set-up of the session; the transport is not kept
        return session

    return ThreadSessions(build)


def build_soap_client(
    wsdl: str,
    credentials: Credentials,
    session: requests.Session | ThreadSessions,
    *,
    load_timeout: float = 30,
    operation_timeout: float = 30,
    strict: bool = True,
    password_digest: bool = False,
) -> zeep.Client:
    """A zeep client that refuses DTDs, entities and external fetches, authenticates with a WS-Security
    UsernameToken when the credentials have a login, and sends everything through ``session`` (with
    :class:`ThreadSessions`: each thread's calls through its own, see :class:`ThreadSessionTransport`)."""
    settings = zeep.Settings(strict=strict, xml_huge_tree=False, forbid_dtd=True, forbid_entities=True,
                             forbid_external=True)
    timeouts = {"timeout": load_timeout, "operation_timeout": operation_timeout}
    transport = (ThreadSessionTransport(session, **timeouts) if isinstance(session, ThreadSessions)
                 else Transport(session=session, **timeouts))
    wsse = (UsernameToken(credentials.login, credentials.password, use_digest=password_digest)
            if credentials.login else None)
    return zeep.Client(wsdl, transport=transport, settings=settings, wsse=wsse)


class SoapCaller:
    """Calls operations of one zeep service proxy, retrying transient faults, raising ConnectorErrors."""

    def __init__(self, system: str, service: Any, attempts: int = 4, backoff: float = 0.2,
                 max_wait: float = 5.0, transient: Callable[[BaseException], bool] = is_transient):
        """``transient`` decides which errors are worth retrying: by default faults whose detail says
        ``transient=true``; systems with their own fault vocabulary (Salesforce) pass their rule."""
        self.system = system
        self.service = service
        self._readers: dict[str, PlainReader] = {}  # per operation, built on its first plain call
        self._requests: dict[str, PlainRequest] = {}
        self.retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(transient),
            # exponential back-off plus random jitter (spelled so it works on tenacity 8 and 9)
            wait=tenacity.wait_exponential(multiplier=backoff, max=max_wait)
            + tenacity.wait_random(0, backoff),
            stop=tenacity.stop_after_attempt(attempts),
            reraise=True,
        )

    def __call__(self, operation: str, record_id: str | None = None, **arguments: Any) -> Any:
        method: Callable[..., Any] = getattr(self.service, operation)
        return self._call(operation, record_id, method, arguments)

    def plain(self, operation: str, record_id: str | None = None, **arguments: Any) -> Any:
        """As calling the operation, but the reply as plain data, exactly what
        ``zeep.helpers.serialize_object(<the call's result>, dict)`` gives, read without zeep's
        objects where the reply allows it (:mod:`connectors.soap_plain`): for operations that return
        many records. The request, faults, retries and errors are those of a call."""
        return self._call(operation, record_id, functools.partial(self._plain, operation), arguments)

    def _plain(self, operation: str, **arguments: Any) -> Any:
        """The call with zeep's documented ``raw_response`` setting (thread-local, so concurrent calls
        of other threads keep parsed replies), its request rendered plainly where it can be
        (:mod:`connectors.soap_plain_request`), then zeep's own reply handling around a plain read."""
        client, binding = self.service._client, self.service._binding
        with client.settings(raw_response=True):
            response = self.request(operation).send(client, self.service._binding_options, arguments)
        return binding.process_reply(client, PlainReply(self.reader(operation)), response)

    def reader(self, operation: str) -> PlainReader:
        """The operation's reply reader, built from the WSDL on first use."""
        reader = self._readers.get(operation)
        if reader is None:
            reader = self._readers[operation] = PlainReader(self.service._binding.get(operation))
        return reader

    def request(self, operation: str) -> PlainRequest:
        """The operation's request writer, built from the WSDL on first use."""
        request = self._requests.get(operation)
        if request is None:
            binding = self.service._binding
            request = self._requests[operation] = PlainRequest(binding, binding.get(operation))
        return request

    def _call(self, operation: str, record_id: str | None, method: Callable[..., Any],
              arguments: dict[str, Any]) -> Any:
        try:
            return self.retrying(method, **arguments)
        except Fault as fault:
            raise SoapFaultError(self.system, operation, fault, record_id) from fault
        except TransportError as exc:
            raise ConnectorError(self.system, operation, f"HTTP {exc.status_code}: {exc.message}",
                                 record_id) from exc
        except (ZeepError, requests.RequestException, etree.XMLSyntaxError) as exc:
            raise ConnectorError(self.system, operation, f"{type(exc).__name__}: {exc}", record_id) from exc
