"""Local SAP-style ERP: customer master (KNA1 field names) over a real SOAP 1.1 service with a WSDL."""

from sources.erp.system import ErpSystem

__all__ = ["ErpSystem"]
