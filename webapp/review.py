"""Review clusters over HTTP: the JSON API (``/api/v1/review/...``) and the workbench page
(``/steward/review``). Both read through :class:`hub.review_clusters.ReviewClusters` (paged in SQL) and
act through :func:`hub.review_actions.apply_action` (typed steward decisions)."""

# No `from __future__ import annotations`: FastAPI must see the `Annotated` aliases.
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from hub.review_actions import ActionRefused, ClusterAction, apply_action
from hub.review_clusters import QueueCursor, ReviewCluster, ReviewClusters, ReviewSummary
from hub.store.review_items import BANDS
from schemas.steward import SourceRecord
from webapp.context import hub_of
from webapp.deps import Steward, User
from webapp.golden_refs import GoldenRef, golden_refs
from webapp.render import render
from webapp.review_window import PAGE_SIZE, QueueView


class ItemOut(BaseModel):
    item_id: str
    golden_ids: list[str]
    names: list[str | None]
    links: int
    best_score: float
    uncertainty: float


class QueueOut(BaseModel):
    items: list[ItemOut]
    total: int
    offset: int
    limit: int
    next: str | None = None  # send as ``after`` for the following page (keyset paging); None: the end


class MemberOut(BaseModel):
    source_system: str
    source_id: str
    name: str


class LinkOut(BaseModel):
    pair_id: int
    left: MemberOut
    right: MemberOut
    score: float
    explanation: list[dict[str, object]]


class ClusterOut(ItemOut):
    members: dict[str, list[MemberOut]]  # golden id -> candidate members
    link_list: list[LinkOut]
    why: list[str]  # plain words: why this item is uncertain


class ActionIn(BaseModel):
    """What the steward does with an item; ``member`` names the record for ``remove``/``move``."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["merge", "keep_apart", "remove", "move", "skip"]
    member: SourceRecord | None = None
    comment: str | None = Field(default=None, max_length=2000)


class ActionOut(BaseModel):
    action: str
    golden_ids: list[str]  # the golden records the named records belong to afterwards
    golden: list[GoldenRef]  # the same, named and linked, for the workbench's answer


def _clusters(request: Request) -> ReviewClusters:
    matching = hub_of(request).config.matching
    return ReviewClusters(hub_of(request).store, matching.review_threshold, matching.match_threshold)


def _item_out(s: ReviewSummary) -> ItemOut:
    return ItemOut(
        item_id=s.item_id,
        golden_ids=list(s.golden_ids),
        names=list(s.names),
        links=s.links,
        best_score=s.best_score,
        uncertainty=s.uncertainty,
    )


def _cluster_out(c: ReviewCluster) -> ClusterOut:
    names = {m.key: m.name for ms in c.members.values() for m in ms}

    def member(key) -> MemberOut:  # type: ignore[no-untyped-def]
        return MemberOut(source_system=key.source_system, source_id=key.source_id, name=names.get(key, ""))

    return ClusterOut(
        **_item_out(c.summary).model_dump(),
        members={g: [member(m.key) for m in ms] for g, ms in c.members.items()},
        link_list=[
            LinkOut(
                pair_id=link.pair_id,
                left=member(link.left),
                right=member(link.right),
                score=link.score,
                explanation=link.explanation,
            )
            for link in c.links
        ],
        why=c.why,
    )


router = APIRouter(tags=["review clusters"])
Band = Annotated[Literal["low", "mid", "high"] | None, Query()]


def _load(request: Request, item_id: str) -> ReviewCluster:
    cluster = _clusters(request).item(item_id)
    if cluster is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no open review item {item_id}")
    return cluster


@router.get("/api/v1/review/items", response_model=QueueOut, summary="Review items, most uncertain first")
def queue_api(
    request: Request,
    user: User,
    source: Annotated[str | None, Query(max_length=64)] = None,
    band: Band = None,
    limit: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0)] = 0,
    after: Annotated[str | None, Query(max_length=300, description="``next`` of the previous page")] = None,
) -> QueueOut:
    cursor = QueueCursor.parse(after)
    page = _clusters(request).page(source=source, band=band, limit=limit, offset=offset, after=cursor)
    last = page.items[-1].cursor if len(page.items) == limit else None
    return QueueOut(
        items=[_item_out(i) for i in page.items],
        total=page.total,
        offset=offset,
        limit=limit,
        next=None if last is None else str(last),
    )


@router.get("/api/v1/review/items/{item_id}", response_model=ClusterOut, summary="One review item")
def item_api(request: Request, user: User, item_id: str) -> ClusterOut:
    return _cluster_out(_load(request, item_id))


@router.post(
    "/api/v1/review/items/{item_id}/action",
    response_model=ActionOut,
    summary="merge / keep_apart the two proposals, remove or move a member, or skip",
    description="Stored as typed steward decisions (same, not_same, unmerge) that every later sync honours.",
)
def act(request: Request, user: Steward, item_id: str, body: ActionIn) -> ActionOut:
    cluster = _load(request, item_id)
    if body.action == "skip":
        return _answer(request, "skip", list(cluster.summary.golden_ids))
    try:
        after = apply_action(
            hub_of(request).stewardship,
            cluster,
            ClusterAction(body.action),
            user.name,
            body.member,
            body.comment,
        )
    except ActionRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return _answer(request, body.action, after)


def _answer(request: Request, action: str, golden_ids: list[str]) -> ActionOut:
    return ActionOut(action=action, golden_ids=golden_ids, golden=golden_refs(request, golden_ids))


@router.get("/steward/review", include_in_schema=False)
def page(
    request: Request,
    user: User,
    source: str | None = None,
    band: str | None = None,
    after: str | None = None,
    i: Annotated[int, Query(ge=0, lt=PAGE_SIZE)] = 0,
    at: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """The queue in windows of ``PAGE_SIZE`` items after the cursor ``after`` (keyset paging), with the
    window's ``i``-th item open. ``at`` (an absolute position, the older links) still works."""
    source, band = source or None, band or None
    if band is not None and band not in BANDS:
        raise HTTPException(422, f"unknown score band {band!r}")
    view = QueueView(_clusters(request), source, band)
    if at is not None:
        view.open_position(at)
    else:
        view.open(QueueCursor.parse(after), i)
    return render(
        request,
        "review.html",
        user,
        queue=view.queue,
        at=view.at,
        window=view.window,
        hrefs=view.hrefs(),
        cluster=view.cluster(),
        filters={"source": source or "", "band": band or ""},
        bands=BANDS,
    )
