"""The shared parts of connector options: strict parsing with readable errors, and the option groups
several connectors have in common (HTTP retries and rate limit, SOAP calls, push of field values).

Each connector kind's model inherits the groups it uses instead of repeating their fields, so
``rate_limit`` means the same thing, with the same default and check, in every kind that has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.config_errors import describe_error


class OptionsError(ValueError):
    """The ``options`` of one source do not fit its kind; the message names the source and each key."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        super().__init__(f"source {source!r}: " + "; ".join(problems))


class SourceOptions(BaseModel):
    """Base of every kind's options: unknown keys are refused, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def for_source(cls, source: str, options: Mapping[str, Any]) -> Self:
        """Parse the YAML ``options`` of the source named ``source``; :class:`OptionsError` if they do
        not fit, naming the source, the key, a likely meant key and the keys allowed."""
        try:
            return cls.model_validate(dict(options))
        except ValidationError as exc:
            raise OptionsError(source, [describe_error(cls, e, "option") for e in exc.errors()]) from None


class RateLimitOptions(SourceOptions):
    rate_limit: float | None = Field(
        None, gt=0, description="most requests per second to this system; none = no limit"
    )


class RetryOptions(RateLimitOptions):
    """Time-outs and retries of the connector's HTTP session (:func:`connectors.http.build_session`)."""

    timeout: float = Field(30, gt=0, description="read time-out per request, seconds")
    retries: int = Field(4, ge=0, description="retries of a request after connection errors, 5xx and 429")
    backoff: float = Field(
        0.2, ge=0, description="back-off factor between retries, seconds (exponential, jittered)"
    )


class SoapOptions(RetryOptions):
    """A zeep client on the hub's session (:mod:`connectors.soap`)."""

    wsdl_path: str | None = Field(
        None, description="WSDL as URL or file (then calls still go to the connection's endpoint)"
    )
    fault_attempts: int = Field(
        4, ge=1, description="attempts of a call that fails with a transient SOAP fault"
    )
    strict: bool = Field(True, description="zeep's strict parsing of answers against the WSDL")


class WsSecurityOptions(SoapOptions):
    password_digest: bool = Field(
        False, description="WS-Security UsernameToken with a password digest instead of the plain text"
    )


class PushFieldsOption(SourceOptions):
    push_fields: bool = Field(
        True, description="write surviving field values back; false = the golden id only"
    )


class PageConcurrencyOption(SourceOptions):
    """For connectors that read numbered pages whose count the first answer gives (WooCommerce's
    ``X-WP-TotalPages``): the next pages are requested while one is staged, instead of one request
    per round trip. Across a WAN the round trips, not the hub, were most of a scan: at 50 ms an answer,
    4 took a 100k no-change re-sync from 18.2 to 5.3 s. One after another by default: with the hub
    and the system on the same two cores (the benchmark, a shop on the hub's machine) more at once
    only added work, and a shop may limit how many requests a client has open."""

    page_concurrency: int = Field(
        1,
        ge=1,
        le=8,
        description="page requests of a read in flight at once once the system has counted the pages, at "
        "most 8, never past the last page; 1 = one after another; 4 for a shop across a WAN",
    )


class PushConcurrencyOption(SourceOptions):
    """For connectors that push in batches (:mod:`connectors.in_flight`): the hub prepares one batch
    while the system writes another, instead of taking turns."""

    push_concurrency: int = Field(
        2,
        ge=1,
        le=8,
        description="batch calls of a push in flight at once, at most 8 (the hub builds one batch while the "
        "system writes another); 1 = one after another",
    )
