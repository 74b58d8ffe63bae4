"""The data steward workbench: review queue, field conflicts, search, golden record pages (GET, never
changing state) and the decision endpoints (POST, steward role + CSRF check)."""

# No `from __future__ import annotations`: FastAPI must see the `Annotated` aliases.
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, RootModel

from hub.erasure_queue import ErasureQueue
from hub.pair_queue import SCORE_BANDS
from hub.parked_pushes import ParkedPushes
from schemas.steward import DecisionRequest, taken
from webapp.context import hub_of
from webapp.deps import Steward, User
from webapp.golden_refs import GoldenRef, golden_refs
from webapp.render import render
from webapp.unmerge import went_to


class DecisionBody(RootModel[DecisionRequest]):
    """A steward's decision as the page (or a script with a steward's token) sends it: one model per
    kind, chosen by ``kind``."""


class DecisionOut(BaseModel):
    decision_id: int
    golden_ids: list[str]  # the golden records the named source records now belong to
    golden: list[GoldenRef]  # the same, named and linked, for the workbench's answer


router = APIRouter(prefix="/steward", include_in_schema=True, tags=["steward workbench"])


@router.get("/", include_in_schema=False)
def home(request: Request, user: User) -> Response:
    """The workbench opens on the review clusters; the pair-by-pair queue lives on at ``/steward/pairs``
    (one link from the clusters page) for a steward who wants one pair's field-by-field explanation."""
    base = request.scope.get("root_path", "").rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{base}/steward/review{query}", status_code=303)


@router.get("/pairs", include_in_schema=False)
def queue(
    request: Request,
    user: User,
    source: str | None = None,
    country: str | None = None,
    band: str | None = None,
    at: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    source, country, band = source or None, country or None, band or None
    if band is not None and band not in SCORE_BANDS:
        raise HTTPException(422, f"unknown score band {band!r}")
    page = hub_of(request).queries.review_queue(source=source, country=country, band=band, limit=200)
    at = min(max(at, 0), max(page.total - 1, 0))
    filters = {"source": source or "", "country": country or "", "band": band or ""}
    return render(
        request,
        "queue.html",
        user,
        queue=page,
        item=page.items[at] if page.items else None,
        at=at,
        filters=filters,
        bands=SCORE_BANDS,
    )


@router.get("/conflicts", include_in_schema=False)
def conflicts(request: Request, user: User) -> Response:
    return render(request, "conflicts.html", user, conflicts=hub_of(request).queries.conflicts())


@router.get("/erasures", include_in_schema=False)
def erasures(request: Request, user: User) -> Response:
    queue = ErasureQueue(hub_of(request).store)
    return render(request, "erasures.html", user, waiting=queue.waiting(), counts=queue.counts())


@router.get("/parked", include_in_schema=False)
def parked(request: Request, user: User) -> Response:
    """Values left out of pushes because the source cannot hold them: a person must shorten the
    golden value (or widen the field); nothing retries them until the golden value changes."""
    return render(request, "parked.html", user, parked=ParkedPushes(hub_of(request).store).list())


@router.get("/search", include_in_schema=False)
def search(request: Request, user: User, q: str = "") -> Response:
    q = q[:200]
    hits = hub_of(request).queries.search(q) if q else []
    return render(request, "search.html", user, q=q, hits=hits)


@router.get("/golden/{golden_id}", include_in_schema=False)
def golden(request: Request, user: User, golden_id: str, unmerged: str = "") -> Response:
    """A golden record with its lineage, members and history; ``unmerged`` names the record just taken
    out (after the confirmation form), so the page can say where it went."""
    view = hub_of(request).queries.golden(golden_id)
    if view is None:
        return render(request, "missing.html", user, 404, golden_id=golden_id)
    if view.redirected:
        return RedirectResponse(
            str(request.url_for("golden", golden_id=view.golden.golden_id)), status_code=303
        )
    return render(request, "golden.html", user, view=view, unmerged=went_to(request, unmerged))


@router.post(
    "/decisions",
    response_model=DecisionOut,
    summary="Record a steward decision (same, not_same, field_override, unmerge)",
    description="Each kind takes its own fields; a field override's value has the field's type "
    "(a list of valid e-mails for `emails`, of E.164 numbers for `phones`). A decision that does "
    "not fit gets 422 and nothing is stored; one naming a record or golden record the hub does not "
    "hold, 404.",
)
def decide(request: Request, user: Steward, body: DecisionBody) -> DecisionOut:
    try:
        outcome = hub_of(request).stewardship.decide(taken(body.root, user.name))
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return DecisionOut(
        decision_id=outcome.decision_id,
        golden_ids=outcome.golden_ids,
        golden=golden_refs(request, outcome.golden_ids),
    )


@router.post("/undo", summary="Undo the caller's latest decision")
def undo(request: Request, user: Steward) -> dict[str, Any]:
    undone = hub_of(request).stewardship.undo_last(user.name)
    return {"undone": undone.model_dump(mode="json") if undone else None}
