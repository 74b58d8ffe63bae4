"""SOAP replies read straight into plain Python data, for operations that return many records.

zeep turns every element of a reply into a ``CompoundValue`` (signature processing per object) and the
connectors turn those back into dicts with ``serialize_object``: for a page of 500 customers of 17
fields that is most of what a bulk read costs the hub (the 100k sync profile: ~32 s of zeep parsing
in the ERP's extract and read-before-write). :class:`PlainReader` reads the reply's payload element
with lxml, guided by the WSDL's own types as zeep parsed them, and returns exactly what
``serialize_object(<zeep's result>, dict)`` returns: the same keys, ``None`` for an absent optional
element and ``[]`` for an absent repeated one, values converted by the type's own zeep
``pythonvalue`` (dates, booleans, decimals, integers), and zeep's unwrapping of a reply with a single
child element.

It reads only what it can read exactly as zeep does -- a document/literal reply whose types are
sequences of plain elements, no attributes anywhere (``xsi:nil``, ``xsi:type``), children in schema
order, no required element missing, nothing left over, every value convertible -- and hands anything
else to zeep on the same parsed document, so an unusual reply still gets zeep's result or zeep's
error. Everything before the payload (HTTP status, faults, WS-Security, plugins) stays zeep's own
``process_reply``, see :class:`PlainReply`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lxml import etree
from zeep.helpers import serialize_object
from zeep.wsdl.messages.soap import DocumentMessage
from zeep.xsd import ComplexType, Element, Sequence
from zeep.xsd.types.builtins import String
from zeep.xsd.types.simple import AnySimpleType

#: What zeep would read differently from a plain element tree: attributes (xsi:type, xsi:nil ...) and
#: nodes that are not elements (comments are dropped by zeep's parser already).
_UNUSUAL_NODES = etree.XPath("boolean(descendant-or-self::*/@* | descendant::processing-instruction()"
                             " | descendant::comment())")


class _Unusual(Exception):
    """The reply leaves the plain shape: zeep reads it."""


@dataclass(frozen=True)
class PlainField:
    """One child element of a plain sequence."""

    name: str
    tag: str
    required: bool
    many: bool
    limit: int | None  # maxOccurs, None when unbounded
    convert: Callable[[str], Any] | None  # a simple type's zeep pythonvalue; None: the text as it is
    shape: PlainShape | None  # a complex type's shape
    element: Element  # zeep's element (what a request is rendered with, ``connectors.soap_plain_request``)


@dataclass(frozen=True)
class PlainShape:
    """A complex type that is a plain sequence of elements."""

    fields: tuple[PlainField, ...]

    @cached_property
    def names(self) -> frozenset[str]:
        """The fields' names (what a request may name), made once per type, not per value."""
        return frozenset(field.name for field in self.fields)


def plain_shape(xsd_type: Any, building: frozenset[int] = frozenset()) -> PlainShape | None:
    """The plain shape of a zeep complex type, or None when zeep parses it in a way this module does
    not repeat (choices, groups, any, attributes, simple content, SOAP-encoded arrays, recursion)."""
    if (type(xsd_type).parse_xmlelement is not ComplexType.parse_xmlelement or id(xsd_type) in building
            or xsd_type.attributes or getattr(xsd_type, "_array_type", None) is not None):
        return None
    sequence = xsd_type._element
    if type(sequence) is not Sequence or sequence.accepts_multiple or not sequence:
        return None
    fields = []
    for name, element in sequence.elements:
        if type(element) is not Element:
            return None
        field = _field(name, element, building | {id(xsd_type)})
        if field is None:
            return None
        fields.append(field)
    return PlainShape(tuple(fields))


def _field(name: str, element: Element, building: frozenset[int]) -> PlainField | None:
    convert, shape = None, None
    if isinstance(element.type, AnySimpleType):
        if type(element.type).parse_xmlelement is not AnySimpleType.parse_xmlelement:
            return None  # lists, unions ... parse themselves
        if type(element.type).pythonvalue is not String.pythonvalue:
            convert = element.type.pythonvalue
    else:
        shape = plain_shape(element.type, building)
        if shape is None:
            return None
    limit = None if element.max_occurs == "unbounded" else int(element.max_occurs)
    return PlainField(name=name, tag=element.qname.text, required=not element.is_optional,
                  many=element.accepts_multiple, limit=limit, convert=convert, shape=shape, element=element)


class PlainReader:
    """Reads one operation's reply payload into plain data (see the module docstring)."""

    def __init__(self, operation: Any):
        self.operation = operation
        self.zeep_reads = 0  #: replies handed to zeep because they left the plain shape
        output = operation.output
        self.tag: str | None = None
        self.shape: PlainShape | None = None
        if (isinstance(output, DocumentMessage) and output.envelope is not None
                and output.header is not None and not output.header.type._element
                and not output._is_body_wrapped
                and isinstance(output.body, Element) and not isinstance(output.body.type, AnySimpleType)):
            self.shape = plain_shape(output.body.type)
            self.tag = output.body.qname.text
        self.envelope_tag = f"{{{operation.nsmap['soap-env']}}}Envelope"
        self.body_tag = f"{{{operation.nsmap['soap-env']}}}Body"

    def read(self, envelope: etree._Element) -> Any:
        """``serialize_object(operation.process_reply(envelope), dict)``, the fast way when it can."""
        try:
            return self._read(envelope)
        except _Unusual:
            self.zeep_reads += 1
            return serialize_object(self.operation.process_reply(envelope), dict)

    def _read(self, envelope: etree._Element) -> Any:
        if self.shape is None or envelope.tag != self.envelope_tag:
            raise _Unusual
        body = envelope.find(self.body_tag)
        payload = list(body) if body is not None else []
        if len(payload) != 1 or payload[0].tag != self.tag or _UNUSUAL_NODES(payload[0]):
            raise _Unusual
        values = _values(payload[0], self.shape)
        # zeep's DocumentMessage.deserialize: a payload of one element is that element's value, and a
        # value of a type with one element is that element's value.
        if len(self.shape.fields) > 1:
            return values
        only, value = self.shape.fields[0], next(iter(values.values()))
        if isinstance(value, dict) and only.shape is not None and len(only.shape.fields) == 1:
            return value[only.shape.fields[0].name]
        return value


def _values(node: etree._Element, shape: PlainShape) -> dict[str, Any]:
    """A complex element's fields, consumed in schema order as zeep's Sequence does."""
    children = list(node)
    if not children:
        raise _Unusual  # zeep: None for an empty element, the type's defaults for the payload
    values: dict[str, Any] = {}
    at, count = 0, len(children)
    for field in shape.fields:
        if field.many:
            items = []
            while at < count and children[at].tag == field.tag and (field.limit is None
                                                                     or len(items) < field.limit):
                items.append(_value(children[at], field))
                at += 1
            if field.required and not items:
                raise _Unusual
            values[field.name] = items
        elif at < count and children[at].tag == field.tag:
            values[field.name] = _value(children[at], field)
            at += 1
        elif field.required:
            raise _Unusual
        else:
            values[field.name] = None
    if at < count:
        raise _Unusual  # out of order, unknown or too many: zeep raises or keeps them raw
    return values


def _value(node: etree._Element, field: PlainField) -> Any:
    if field.shape is not None:
        return _values(node, field.shape)
    text = node.text
    if text is None or field.convert is None:
        return text
    try:
        return field.convert(text)
    except (TypeError, ValueError):
        raise _Unusual from None  # zeep logs it and keeps None


class PlainReply:
    """Stands in for a zeep operation in ``binding.process_reply``: zeep checks the HTTP status, the
    XML, WS-Security, plugins and faults as for any call, and only the payload is read plainly."""

    def __init__(self, reader: PlainReader):
        self.reader = reader

    def __getattr__(self, name: str) -> Any:  # plugins see the real operation's name, input, output
        return getattr(self.reader.operation, name)

    def process_reply(self, envelope: etree._Element) -> Any:
        return self.reader.read(envelope)
