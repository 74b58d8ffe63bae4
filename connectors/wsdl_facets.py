"""How long a value a SOAP service's fields take: the ``maxLength``/``length`` facets of its WSDL.

zeep reads a WSDL's types but keeps no facets, so a 17-character tax id goes out to a field declared
``maxLength 16`` and comes back as a schema-violation fault — on every run, for ever. The connector
checks values against these limits before sending and parks what does not fit, with the reason
(``PushResult.parked``). The limits come from the WSDL document itself (named simple types and inline
restrictions of its embedded schemas), parsed without DTDs, entities or network access.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

XSD = "http://www.w3.org/2001/XMLSchema"
LENGTH_FACETS = (f"{{{XSD}}}maxLength", f"{{{XSD}}}length")


def _limit(restriction: Any) -> int | None:
    for facet in restriction:
        if facet.tag in LENGTH_FACETS and str(facet.get("value", "")).isdigit():
            return int(facet.get("value"))
    return None


def _documents(client: Any) -> list[bytes]:
    """The WSDL as loaded (through the client's own transport: same session, auth and limits)."""
    location = client.wsdl.location
    return [client.transport.load(location)]


def named_type_limits(documents: list[bytes]) -> dict[str, int]:
    """``{simpleType name: length limit}`` and ``{element name: limit}`` for inline restrictions."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    limits: dict[str, int] = {}
    for document in documents:
        root = etree.fromstring(document, parser=parser)
        for simple in root.iter(f"{{{XSD}}}simpleType"):
            owner = simple.get("name") or simple.getparent().get("name")
            restriction = simple.find(f"{{{XSD}}}restriction")
            if owner and restriction is not None and (limit := _limit(restriction)) is not None:
                limits[owner] = limit
    return limits


def field_limits(client: Any, type_name: str) -> dict[str, int]:
    """``{field: max length}`` of the complex type ``type_name`` (local name, e.g. ``Customer``)."""
    limits = named_type_limits(_documents(client))
    found = [t for t in client.wsdl.types.types if getattr(t, "qname", None) is not None
             and t.qname.localname == type_name]
    if not found:
        return {}
    out: dict[str, int] = {}
    for name, element in found[0].elements:
        qname = getattr(element.type, "qname", None)
        limit = limits.get(qname.localname) if qname is not None else None
        limit = limit if limit is not None else limits.get(name)
        if limit is not None:
            out[name] = limit
    return out


def split_fitting(
    changes: Mapping[str, Any], limits: Mapping[str, int], source_of_limits: str = "WSDL maxLength"
) -> tuple[dict[str, Any], str | None]:
    """``changes`` without the texts longer than their field takes, and the reason for those (or None).
    Shared by the SOAP connectors (WSDL facets) and the SQL connector (column lengths)."""
    fitting, reasons = {}, []
    for field, value in changes.items():
        limit = limits.get(field)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            reasons.append(f"{field} {value!r} has {len(value)} characters, the field takes {limit}")
        else:
            fitting[field] = value
    return fitting, (f"{'; '.join(reasons)} ({source_of_limits}): not sent" if reasons else None)
