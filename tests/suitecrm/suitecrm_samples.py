"""Hand-made SuiteCRM sample rows and their ids (a uniquely named module the tests import)."""

from __future__ import annotations

from seed_samples import CRM_CUSTOMERS, flat_record, seed_rows


def uid(number: int) -> str:
    return f"00000000-0000-4000-8000-{number:012d}"


def flat(number: int, updated_at: str, **values: str) -> dict[str, str]:
    return flat_record("suitecrm", uid(number), updated_at, **values)


#: Hand-made flat rows: several scripts, two organizations, one malformed e-mail (9).
SAMPLE_ROWS = seed_rows("suitecrm", CRM_CUSTOMERS, uid)
ACCOUNT_IDS = [uid(6), uid(7)]
CONTACT_IDS = [uid(i) for i in (5, 1, 2, 3, 4, 8, 10)]  # modified order (5 is 08:00:04 UTC)
VALID_IDS = {uid(i) for i in range(1, 11)} - {uid(9)}
