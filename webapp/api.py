"""Golden-record REST API for back-office systems: read-only, token-authenticated, OpenAPI-documented."""

# No `from __future__ import annotations`: FastAPI must see the `Annotated` aliases.
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from hub.erasure_queue import ErasureQueue
from hub.parked_pushes import ParkedPushes
from schemas import GoldenRecord
from webapp.context import hub_of
from webapp.deps import User


class GoldenHit(BaseModel):
    golden_id: str
    display_name: str | None
    country: str | None
    sources: list[str]


class Change(BaseModel):
    seq: int
    at: datetime
    change: str  # create | update | merge | split | delete
    golden_id: str
    related_id: str | None  # merge: the retired id; split: the id the record split from
    run_id: str | None
    payload: dict[str, Any] | None  # the golden record after the change


class PendingErasure(BaseModel):
    source_system: str
    source_id: str
    status: str  # pending (not tried yet) | failed (retried by every publish) | unsupported (by hand)
    reason: str
    erased_at: datetime  # when the hub forgot the person


class ErasureStatus(BaseModel):
    pending: list[PendingErasure]  # erasures not carried out at their source yet, oldest first
    by_source: dict[str, dict[str, int]]  # source -> state -> erased records


class ParkedPushOut(BaseModel):
    source_system: str
    source_id: str
    golden_id: str
    reason: str  # which values the system cannot hold, and its limit
    run_id: str
    parked_at: datetime


class ChangePage(BaseModel):
    changes: list[Change]
    next: int  # send this back as ``since`` for the following page
    head: int
    has_more: bool


router = APIRouter(prefix="/api/v1", tags=["golden records"])


@router.get("/golden/search", response_model=list[GoldenHit], summary="Search golden records")
def search(
    request: Request,
    user: User,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="a name in any script, order or spelling (one Chinese character will do), "
            "e-mail, phone, id or source id",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> list[GoldenHit]:
    return [GoldenHit(**vars(hit)) for hit in hub_of(request).queries.search(q, limit)]


@router.get("/golden", response_model=GoldenRecord, summary="Look up by source system and source id")
def lookup(
    request: Request,
    user: User,
    source_system: Annotated[str, Query(max_length=64)],
    source_id: Annotated[str, Query(max_length=128)],
) -> GoldenRecord:
    hub = hub_of(request)
    golden_id = hub.queries.lookup(source_system, source_id)
    golden = hub.store.golden.get_golden(golden_id) if golden_id else None
    if golden is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no golden record for {source_system}:{source_id}")
    return golden


@router.get(
    "/golden/{golden_id}",
    response_model=GoldenRecord,
    summary="Get a golden record",
    responses={308: {"description": "The id was retired by a merge: follow to the survivor"}},
)
def get_golden(request: Request, user: User, golden_id: str) -> Any:
    golden = hub_of(request).store.golden.get_golden(golden_id)
    if golden is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no golden record {golden_id}")
    if golden.golden_id != golden_id:
        url = request.url_for("get_golden", golden_id=golden.golden_id)
        return RedirectResponse(str(url), status_code=status.HTTP_308_PERMANENT_REDIRECT)
    return golden


@router.get("/changes", response_model=ChangePage, summary="Change feed (outbox), paged")
def changes(
    request: Request,
    user: User,
    since: Annotated[int, Query(ge=0, description="the `next` of the previous page; 0 = from the start")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ChangePage:
    page = hub_of(request).queries.changes(since, limit)
    return ChangePage(
        changes=[Change(**c) for c in page.changes],
        next=page.next,
        head=page.head,
        has_more=page.has_more,
    )


@router.get(
    "/erasures",
    response_model=ErasureStatus,
    summary="Erasures (GDPR art. 17) still pending at the source systems, with the reason",
)
def erasures(request: Request, user: User) -> ErasureStatus:
    queue = ErasureQueue(hub_of(request).store)
    pending = [
        PendingErasure(
            source_system=w.key.source_system,
            source_id=w.key.source_id,
            status=w.status,
            reason=w.reason,
            erased_at=w.erased_at,
        )
        for w in queue.waiting()
    ]
    return ErasureStatus(pending=pending, by_source=queue.counts())


@router.get(
    "/parked-pushes",
    response_model=list[ParkedPushOut],
    summary="Values left out of pushes because the source cannot hold them (retried when they change)",
)
def parked_pushes(
    request: Request,
    user: User,
    source: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ParkedPushOut]:
    found = ParkedPushes(hub_of(request).store).list(source, limit)
    return [ParkedPushOut(**vars(p)) for p in found]
