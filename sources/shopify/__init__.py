"""Local Shopify store with customers behind the REST Admin API (source system ``shopify``)."""

from sources.shopify.system import API_VERSION, GOLDEN_ID_KEY, GOLDEN_ID_NAMESPACE, ShopifySystem

__all__ = ["API_VERSION", "GOLDEN_ID_KEY", "GOLDEN_ID_NAMESPACE", "ShopifySystem"]
