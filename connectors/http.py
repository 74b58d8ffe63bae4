"""One configured ``requests.Session`` per connector: timeouts, retries with back-off, rate limit.

Retries (urllib3 ``Retry``) cover connection errors, 429 (honouring ``Retry-After``) and 5xx with
exponential back-off and jitter, so no call site retries by hand. SOAP connectors hand the same
session to zeep's ``Transport``. What is still wrong after the retries (``transport``,
``check_status``, ``json_body``) becomes a ``ConnectorError`` naming the source, the call and the page.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from connectors.base import ConnectorError
from schemas.source_options.base import RetryOptions

RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
#: Largest response body read into memory (after decompression): a broken or hostile server streaming
#: without end must not exhaust the worker's memory. Pages of customers are far smaller.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class ResponseTooLarge(requests.RequestException):
    """The body exceeded the session's cap; connectors report it like any other failed request."""


class HubRetry(Retry):
    """urllib3 ``Retry`` that also reads a decimal ``Retry-After: 2.0`` (Shopify sends those); urllib3
    itself accepts only whole seconds or an HTTP date and would fail the request instead of waiting."""

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return max(float(retry_after), 0.0)
        except ValueError:
            return super().parse_retry_after(retry_after)


class RateLimiter:
    """At most ``per_second`` calls per second, shared by all threads using the session."""

    def __init__(self, per_second: float | None):
        self.interval = 1.0 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = max(0.0, self._next - now)
            self._next = max(now, self._next) + self.interval
        if delay:
            time.sleep(delay)


class HubSession(requests.Session):
    """A session with a default timeout, a rate limit and a response-size cap applied to every request."""

    def __init__(
        self,
        timeout: tuple[float, float],
        rate_limit: float | None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ):
        super().__init__()
        self.default_timeout = timeout
        self.limiter = RateLimiter(rate_limit)
        self.max_response_bytes = max_response_bytes

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        self.limiter.wait()
        if kwargs.get("stream") or not self.max_response_bytes:
            return super().request(method, url, *args, **kwargs)
        response = super().request(method, url, *args, **{**kwargs, "stream": True})
        self._read_capped(response, self.max_response_bytes)
        return response

    @staticmethod
    def _read_capped(response: requests.Response, cap: int) -> None:
        """Read the body as ``Response.content`` would, but stop (and fail) past ``cap`` bytes."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            response.close()
            message = f"response of {declared} bytes exceeds the cap of {cap}"
            raise ResponseTooLarge(message, response=response)
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > cap:
                response.close()
                raise ResponseTooLarge(f"response exceeds the cap of {cap} bytes", response=response)
            chunks.append(chunk)
        response._content = b"".join(chunks)  # what requests itself stores after reading the body
        response._content_consumed = True


class ThreadSessions:
    """One session per thread, all built alike and all behind one rate limiter.

    For calls a connector runs on several threads at once (:mod:`connectors.in_flight`). requests
    documents no thread safety for a ``Session`` and its maintainers advise one per thread
    (psf/requests#1871, #2766); a concrete hazard is the cookie jar, which preparing a request
    iterates without its lock while another thread's response may store a cookie (a load balancer's
    affinity cookie, a server's session). A connection serves one request at a time anyway, so a
    session per thread costs nothing that concurrent calls would not need. The rate limit is the
    system's, so every thread's session waits on the one :class:`RateLimiter` of the first.
    """

    def __init__(self, build: Callable[[], HubSession]):
        """``build`` makes a configured session (time-outs, retries, auth); the calling thread's is
        built at once, so the limiter exists before any other thread asks."""
        self._build = build
        self._local = threading.local()
        self._local.session = first = build()
        self.limiter = first.limiter

    def get(self) -> HubSession:
        """The calling thread's session, built on its first call."""
        session: HubSession | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._build()
            session.limiter = self.limiter
        return session


def build_session(
    retries: int = 4,
    backoff_factor: float = 0.2,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    rate_limit: float | None = None,
    retry_methods: frozenset[str] | None = None,
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
) -> HubSession:
    """A session that retries transient failures; ``retry_methods`` defaults to all methods because
    our pushes are idempotent (upserts keyed by source id)."""
    retry = HubRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=retry_methods or frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = HubSession(timeout, rate_limit, max_response_bytes)
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def session_settings(options: RetryOptions) -> dict[str, Any]:
    """:func:`build_session` arguments from a source's options, so every connector reads its
    ``timeout``, ``retries``, ``backoff`` and ``rate_limit`` the same way."""
    return {
        "retries": options.retries,
        "backoff_factor": options.backoff,
        "timeout": (DEFAULT_TIMEOUT[0], options.timeout),
        "rate_limit": options.rate_limit,
    }


def body_start(response: requests.Response) -> str:
    """The start of the body: the error text of a system without a structured error format."""
    return response.text[:200]


def transport(
    source: str,
    operation: str,
    what: str,
    request: Callable[[], requests.Response],
    *,
    where: str = "",
    record_id: str | None = None,
) -> requests.Response:
    """Run ``request`` (one call through the session); a connection that still fails -> ConnectorError.

    ``what`` names the call ("GET /customers", "sync_records"), ``where`` prefixes the message ("page 3: ").
    """
    try:
        return request()
    except requests.RequestException as exc:
        raise ConnectorError(source, operation, f"{where}{what} failed: {exc}", record_id) from None


def check_status(
    source: str,
    operation: str,
    what: str,
    response: requests.Response,
    *,
    where: str = "",
    record_id: str | None = None,
    message: Callable[[requests.Response], str] = body_start,
) -> requests.Response:
    """An HTTP error status -> ConnectorError with the system's own error ``message``."""
    if response.status_code >= 400:
        raise ConnectorError(
            source,
            operation,
            f"{where}{what} -> HTTP {response.status_code}: {message(response)}",
            record_id,
        )
    return response


def checked_request(
    source: str,
    operation: str,
    what: str,
    request: Callable[[], requests.Response],
    *,
    where: str = "",
    record_id: str | None = None,
    message: Callable[[requests.Response], str] = body_start,
) -> requests.Response:
    """``transport`` then ``check_status``: one call whose failed connection or HTTP error status is a
    ConnectorError (``message`` reads the system's own error text)."""
    response = transport(source, operation, what, request, where=where, record_id=record_id)
    return check_status(source, operation, what, response, where=where, record_id=record_id, message=message)


def delete_request(
    source: str,
    what: str,
    request: Callable[[], requests.Response],
    *,
    record_id: str,
    gone: Callable[[requests.Response], bool],
    message: Callable[[requests.Response], str] = body_start,
) -> None:
    """One erasing call (``DELETE``): a record the system says is not there (``gone``: its own
    "invalid id" answer, not any 404, which a wrong path gives too) counts as erased, so a repeated
    erasure is harmless; any other error status -> ConnectorError."""
    response = transport(source, "delete", what, request, record_id=record_id)
    if response.status_code in (404, 410) and gone(response):
        return
    check_status(source, "delete", what, response, record_id=record_id, message=message)


def json_body(
    source: str,
    operation: str,
    what: str,
    response: requests.Response,
    *,
    where: str = "",
    record_id: str | None = None,
) -> Any:
    """The response's JSON; anything else (a proxy's HTML page, a cut-off body) -> ConnectorError."""
    try:
        return response.json()
    except ValueError as exc:
        raise ConnectorError(
            source,
            operation,
            f"{where}malformed JSON from {what} ({len(response.content)} bytes, {exc})",
            record_id,
        ) from None
