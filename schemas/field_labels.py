"""Field names in the words a data steward reads: the workbench pages and the golden-record history
show these labels, never the schema's attribute names (``date_of_birth`` -> "date of birth")."""

from __future__ import annotations

FIELD_LABELS: dict[str, str] = {
    "record_type": "person or organisation",
    "given_name": "given name",
    "family_name": "family name",
    "full_name": "full name",
    "organization_name": "organisation name",
    "email": "e-mail",
    "emails": "e-mails",
    "phone": "phone",
    "phones": "phones",
    "addresses": "addresses",
    "street": "street",
    "postal_code": "postal code",
    "city": "city",
    "country": "country",
    "date_of_birth": "date of birth",
    "tax_id": "tax number",
    "golden_id": "golden id",
}


def field_label(name: str) -> str:
    """The label of ``name``; a field without one is shown with spaces for underscores."""
    return FIELD_LABELS.get(name, name.replace("_", " "))
