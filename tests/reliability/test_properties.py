"""Property tests: the canonical schema and the normalisers never crash on arbitrary input.

A connector quarantines a row when validation raises ``ValidationError`` (or ``ValueError``); any
other exception would abort the whole source's extract. So the schema may only ever say "invalid",
and the normalisers, which see every stored value, must take any unicode text.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from matching import normalize
from schemas import CustomerRecord, QuarantinedRecord
from schemas.quarantine import describe_error

FIELDS = ("source_system", "source_id", "record_type", "given_name", "family_name", "full_name",
          "organization_name", "emails", "phones", "addresses", "country", "date_of_birth", "tax_id",
          "updated_at", "deleted", "raw")
scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
plausible = st.fixed_dictionaries(
    {"source_system": st.sampled_from(["erp", "webshop"]), "source_id": st.text(min_size=1, max_size=12)},
    optional={name: json_values for name in FIELDS[2:]},
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.one_of(plausible, st.dictionaries(st.sampled_from(FIELDS), json_values)))
def test_customer_record_only_ever_raises_validation_error(data):
    try:
        record = CustomerRecord.model_validate(data)
    except ValidationError as exc:
        reason = describe_error(exc)
        assert reason
        QuarantinedRecord(source_system="erp", source_id=None, reason=reason, payload={"x": repr(data)})
    else:
        assert record.display_name  # a valid record always has a name to show a steward
        CustomerRecord.model_validate(record.model_dump(mode="json"))  # and survives a store round trip


NORMALISERS = [
    normalize.fold_script, normalize.ascii_fold, normalize.name_tokens, normalize.person_name,
    normalize.name_key, normalize.phonetic_key, normalize.organization_key, normalize.legal_form,
    normalize.split_organization, normalize.email_key, normalize.phone_key, normalize.tax_key,
    normalize.postal_key, normalize.street_key, normalize.city_key, normalize.date_key,
]


@PROPERTY
@given(st.text(max_size=60))
def test_normalisers_take_any_unicode(text):
    for func in NORMALISERS:
        result = func(text)
        assert result is None or isinstance(result, str | list | tuple), func.__name__
