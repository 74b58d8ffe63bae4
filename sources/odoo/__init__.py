"""Local Odoo with ``res.partner`` behind Odoo's external JSON-RPC API (source system ``odoo``)."""

from sources.odoo.system import OdooSystem

__all__ = ["OdooSystem"]
