"""The service's reply payloads, written as XML text.

A page of 500 customers is ~7,000 field elements. Building an lxml element for each, only for lxml to
serialise them again, was most of the ERP's own work in a bulk sync (``customer_element`` 5.2 s of the
15.7 s the service spent answering in the 100k profile); writing the text directly costs about a
quarter of that. The text is byte for byte what lxml wrote for the same elements, escaping included
(tests/erp/test_erp_replies.py compares both and validates replies against the WSDL), so clients see
no difference.

A payload is one element in the ``erp`` namespace, declared on it (``payload``), holding elements
(``node``) and text fields (``leaf``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sources.erp.fields import CUSTOMER_FIELDS, NAMESPACE

#: Characters XML 1.0 cannot carry at all, not even as character references.
_NOT_XML = "[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
_NOT_XML_RE = re.compile(_NOT_XML)
#: What element text cannot hold as it is: markup characters, CR (a parser would turn it into LF, so
#: lxml writes it as a reference) and characters XML cannot carry.
_SPECIAL = re.compile(f"[&<>\r]|{_NOT_XML}")
_REFERENCES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}


def xml_safe(text: str) -> str:
    """Old data may hold control characters; one bad customer must not break every page it is on, so
    they go out as U+FFFD (as the WSDL documents) and the client can quarantine that customer."""
    return _NOT_XML_RE.sub("\ufffd", text)


def xml_text(text: str) -> str:
    """``text`` as element content, written as lxml writes it, characters XML cannot carry as U+FFFD."""
    return _SPECIAL.sub(lambda found: _REFERENCES.get(found.group(), "\ufffd"), text)


def leaf(name: str, text: str) -> str:
    """A text field (empty text is still written, as an empty element)."""
    return f"<erp:{name}>{xml_text(text)}</erp:{name}>"


def boolean(name: str, value: bool) -> str:
    return leaf(name, "true" if value else "false")


def node(tag: str, *children: str) -> str:
    return f"<erp:{tag}>{''.join(children)}</erp:{tag}>" if children else f"<erp:{tag}/>"


def payload(tag: str, *children: str) -> str:
    """The reply's single Body element, where the ``erp`` prefix is declared."""
    declared = f'erp:{tag} xmlns:erp="{NAMESPACE}"'
    return f"<{declared}>{''.join(children)}</erp:{tag}>" if children else f"<{declared}/>"


def customer(fields: Mapping[str, str | None], tag: str = "customer") -> str:
    """A Customer (XSD type) of the non-empty fields in XSD order. One check of all values first: nearly
    every customer needs no escaping, and that is the common case made cheap."""
    present = [(name, value) for name in CUSTOMER_FIELDS if (value := fields.get(name))]
    if _SPECIAL.search("".join(value for _, value in present)):
        present = [(name, xml_text(value)) for name, value in present]
    return node(tag, *(f"<erp:{name}>{value}</erp:{name}>" for name, value in present))
