"""Hand-made vTiger sample rows and their ids (a uniquely named module the tests import)."""

from __future__ import annotations

from seed_samples import CRM_CUSTOMERS, flat_record, seed_rows


def flat(crmid: int, updated_at: str, **values: str) -> dict[str, str]:
    return flat_record("vtiger", str(crmid), updated_at, **values)


#: Hand-made flat rows: several scripts, two organizations, one malformed e-mail (crmid 9).
SAMPLE_ROWS = seed_rows("vtiger", CRM_CUSTOMERS)
ACCOUNT_IDS = ["11x6", "11x7"]
CONTACT_IDS = ["12x5", "12x1", "12x2", "12x3", "12x4", "12x8", "12x10"]  # modified order (5 is 08:00:04 UTC)
VALID_IDS = {*ACCOUNT_IDS, *CONTACT_IDS}
