"""An order from a source system (the web shop): the raw material of lifetime value and retention."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class OrderRecord(BaseModel):
    source_system: str
    order_id: str = Field(min_length=1, max_length=128)
    customer_source_id: str = Field(min_length=1, max_length=128)
    total: Decimal
    currency: str = Field(min_length=3, max_length=3)
    status: str | None = None
    ordered_at: datetime
