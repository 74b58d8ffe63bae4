"""Local web shop with a WooCommerce-style REST JSON API (source system ``webshop``)."""

from sources.webshop.faults import Faults
from sources.webshop.system import GOLDEN_ID_META_KEY, WebShopSystem

__all__ = ["GOLDEN_ID_META_KEY", "Faults", "WebShopSystem"]
