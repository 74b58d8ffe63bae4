"""Quarantine in the API (``/api/v1/quarantine``) and the workbench (``/steward/quarantine``).

Reading needs any user; fixing, releasing and discarding need the steward role. The page's forms post
without JavaScript, so their CSRF token travels as a form field (the API takes the usual header or a
bearer token)."""

# No `from __future__ import annotations`: FastAPI must see the `Annotated` aliases.
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from hub.quarantine import QuarantineBook, QuarantineEntry, QuarantineError
from hub.store.quarantine_rows import OPEN
from schemas import SourceConfig
from webapp.context import hub_of
from webapp.deps import Steward, User, check_form_steward
from webapp.render import render


class QuarantineOut(BaseModel):
    id: int
    source_system: str
    source_id: str | None
    where: str  # the record id, or file and line
    reason: str
    payload: dict[str, Any]  # the raw row as the source delivered it (with a steward's fixes)
    status: str  # open | released | staged | discarded
    seen_count: int  # how often syncs met this row
    first_seen_at: datetime
    last_seen_at: datetime
    history: list[dict[str, Any]]


class FixIn(BaseModel):
    fields: dict[str, Any] = Field(min_length=1, description="payload fields to set; null removes one")


class DiscardIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def _out(entry: QuarantineEntry) -> QuarantineOut:
    return QuarantineOut(**{k: v for k, v in vars(entry).items()}, where=entry.where)


router = APIRouter(tags=["quarantine"])


def book(request: Request) -> QuarantineBook:
    return QuarantineBook(hub_of(request).store)


def source_of(request: Request, entry_id: int) -> SourceConfig:
    entry = found(lambda: book(request).get(entry_id))
    return hub_of(request).config.source(entry.source_system)


def found(action: Any) -> Any:
    """Run a book action, turning its refusals into HTTP answers."""
    try:
        return action()
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except QuarantineError as exc:
        raise HTTPException(422, str(exc)) from exc


# ---- API -------------------------------------------------------------------------------------


@router.get("/api/v1/quarantine", response_model=list[QuarantineOut], summary="Quarantined source rows")
def listing(
    request: Request,
    user: User,
    source: str | None = None,
    status_: Annotated[str | None, Query(alias="status")] = OPEN,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[QuarantineOut]:
    return [_out(e) for e in book(request).entries(source, status_ or None, limit, offset)]


@router.get("/api/v1/quarantine/{entry_id}", response_model=QuarantineOut, summary="One entry")
def one(request: Request, user: User, entry_id: int) -> QuarantineOut:
    return _out(found(lambda: book(request).get(entry_id)))


@router.post(
    "/api/v1/quarantine/{entry_id}/fix",
    response_model=QuarantineOut,
    summary="Set payload fields; 422 with the reasons when the row would still not validate",
)
def fix(request: Request, user: Steward, entry_id: int, body: FixIn) -> QuarantineOut:
    source = source_of(request, entry_id)
    return _out(found(lambda: book(request).fix(entry_id, source, body.fields, user.name)))


@router.post(
    "/api/v1/quarantine/{entry_id}/release",
    response_model=QuarantineOut,
    summary="Hand the row to the next sync of its source (it must validate)",
)
def release(request: Request, user: Steward, entry_id: int) -> QuarantineOut:
    source = source_of(request, entry_id)
    return _out(found(lambda: book(request).release(entry_id, source, user.name)))


@router.post(
    "/api/v1/quarantine/{entry_id}/discard", response_model=QuarantineOut, summary="Discard with a reason"
)
def discard(request: Request, user: Steward, entry_id: int, body: DiscardIn) -> QuarantineOut:
    return _out(found(lambda: book(request).discard(entry_id, user.name, body.reason)))


# ---- workbench -------------------------------------------------------------------------------


@router.get("/steward/quarantine", include_in_schema=False)
def page(request: Request, user: User, status_: Annotated[str, Query(alias="status")] = OPEN) -> Response:
    entries = book(request).entries(status=status_ or None)
    return render(request, "quarantine.html", user, entries=entries, status=status_)


@router.get("/steward/quarantine/{entry_id}", include_in_schema=False)
def entry_page(request: Request, user: User, entry_id: int, msg: str = "", error: str = "") -> Response:
    try:
        entry = book(request).get(entry_id)
    except LookupError:
        return render(request, "missing.html", user, 404, golden_id=f"quarantine {entry_id}")
    return render(request, "quarantine_entry.html", user, entry=entry, msg=msg, error=error)


def back(request: Request, entry_id: int, **query: str) -> Response:
    from urllib.parse import urlencode

    url = str(request.url_for("entry_page", entry_id=entry_id))
    return RedirectResponse(f"{url}?{urlencode(query)}", status_code=303)


def attempt(request: Request, entry_id: int, done: str, action: Any) -> Response:
    try:
        action()
    except QuarantineError as exc:
        return back(request, entry_id, error=str(exc))
    return back(request, entry_id, msg=done)


@router.post("/steward/quarantine/{entry_id}/fix", include_in_schema=False)
async def fix_form(request: Request, user: User, entry_id: int) -> Response:
    form = await request.form()
    check_form_steward(request, user, str(form.get("csrf", "")))
    source = source_of(request, entry_id)
    current = book(request).get(entry_id).payload
    changes: dict[str, Any] = {}
    for name, value in form.multi_items():
        if name.startswith("field:"):
            field, text = name.removeprefix("field:"), str(value)
            old = current.get(field)
            if text != ("" if old is None else str(old)):
                changes[field] = text or None
    if not changes:
        return back(request, entry_id, error="nothing changed")
    return attempt(
        request,
        entry_id,
        "Fixed: the row now validates. Release it to stage it.",
        lambda: book(request).fix(entry_id, source, changes, user.name),
    )


@router.post("/steward/quarantine/{entry_id}/release", include_in_schema=False)
def release_form(request: Request, user: User, entry_id: int, csrf: Annotated[str, Form()] = "") -> Response:
    check_form_steward(request, user, csrf)
    source = source_of(request, entry_id)
    return attempt(
        request,
        entry_id,
        "Released: the next sync stages this row.",
        lambda: book(request).release(entry_id, source, user.name),
    )


@router.post("/steward/quarantine/{entry_id}/discard", include_in_schema=False)
def discard_form(
    request: Request,
    user: User,
    entry_id: int,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    check_form_steward(request, user, csrf)
    return attempt(
        request, entry_id, "Discarded.", lambda: book(request).discard(entry_id, user.name, reason)
    )
