"""How a decision's answer names the golden records it left: id, display name and the page to open,
so the workbench says "now in golden record Chono Nikolov (G-…)" with a link, not a bare "Saved"."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
from pydantic import BaseModel

from webapp.context import hub_of


class GoldenRef(BaseModel):
    golden_id: str
    name: str | None  # the golden record's display name (None when it has none)
    href: str  # its workbench page, under the app's mount prefix


def golden_refs(request: Request, golden_ids: Iterable[str]) -> list[GoldenRef]:
    """One reference per golden id, in the order given (a decision names one or two)."""
    golden = hub_of(request).store.golden
    base = request.scope.get("root_path", "").rstrip("/")
    refs = []
    for golden_id in dict.fromkeys(golden_ids):
        record = golden.get_golden(golden_id)
        name = record.display_name if record is not None else None
        href = f"{base}/steward/golden/{golden_id}"
        refs.append(GoldenRef(golden_id=golden_id, name=name or None, href=href))
    return refs
