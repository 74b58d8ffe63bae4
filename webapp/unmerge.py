"""Unmerge from the golden record page, behind a real confirmation step that needs no JavaScript.

Taking a record out of a golden record changes a golden id downstream, so the page's *Unmerge* is a
link to a confirmation page (which record, out of which golden record, what follows, a reason box); only
its form's POST (CSRF token as a form field, steward role) stores the decision. The golden record page
then says where the record went, with a link (``?unmerged=SYSTEM:ID``)."""

# No `from __future__ import annotations`: FastAPI must see the `Annotated` aliases.
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from schemas import RecordKey
from schemas.steward import UnmergeRequest, taken
from webapp.context import hub_of
from webapp.deps import User, check_form_steward
from webapp.golden_refs import GoldenRef, golden_refs
from webapp.render import render

router = APIRouter(prefix="/steward/golden", include_in_schema=False)


@dataclass
class Unmerged:
    key: str  # "system:id" of the record taken out
    golden: GoldenRef | None  # the golden record it is in now


def record_key(text: str) -> RecordKey | None:
    system, _, source_id = text.partition(":")
    return RecordKey(system, source_id) if system and source_id else None


def went_to(request: Request, text: str) -> Unmerged | None:
    """Where the record ``text`` (``system:id``) is now, for the golden page's answer."""
    key = record_key(text[:200])
    golden_id = hub_of(request).store.golden.golden_id_of(key) if key else None
    if key is None or golden_id is None:
        return None
    return Unmerged(str(key), golden_refs(request, [golden_id])[0])


@router.get("/{golden_id}/unmerge")
def confirm(request: Request, user: User, golden_id: str, member: str = "") -> Response:
    view = hub_of(request).queries.golden(golden_id)
    key = record_key(member)
    record = next(
        (m for m in (view.members if view else []) if key == (m["source_system"], m["source_id"])), None
    )
    if view is None or record is None:
        return render(request, "missing.html", user, 404, golden_id=f"{golden_id} with {member}")
    return render(request, "unmerge_confirm.html", user, view=view, member=record, key=member)


@router.post("/{golden_id}/unmerge")
def unmerge(
    request: Request,
    user: User,
    golden_id: str,
    member: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> Response:
    check_form_steward(request, user, csrf)
    try:
        named = {"left": record_key(member), "golden_id": golden_id, "comment": comment or None}
        decision = UnmergeRequest.model_validate({"kind": "unmerge", **named})
        hub_of(request).stewardship.decide(taken(decision, user.name))
    except ValidationError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, exc.errors(include_url=False)) from exc
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    base = request.scope.get("root_path", "").rstrip("/")
    target = f"{base}/steward/golden/{quote(golden_id)}?{urlencode({'unmerged': member})}"
    return RedirectResponse(target, status_code=303)
