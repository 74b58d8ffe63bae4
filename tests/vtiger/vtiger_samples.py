"""Hand-made vTiger sample rows and their ids (a uniquely named module the tests import)."""

from __future__ import annotations


def flat(crmid: int, updated_at: str, **values: str) -> dict[str, str]:
    return {"source_system": "vtiger", "source_id": str(crmid), "record_type": "person",
            "updated_at": updated_at, **values}


#: Hand-made flat rows: several scripts, two organizations, one malformed e-mail (crmid 9).
SAMPLE_ROWS = [
    flat(1, "2024-01-01T10:00:00Z", given_name="Иван", family_name="Петров", email="ivan.petrov@example.bg",
         phone="088 123 4567", street="ул. Витоша 12", postal_code="1000", city="София", country="BG",
         date_of_birth="1980-05-17"),
    flat(2, "2024-01-01T10:00:01Z", given_name="สมชาย", family_name="ใจดี", email="somchai@example.co.th",
         phone="081 234 5678", city="กรุงเทพมหานคร", country="TH"),
    flat(3, "2024-01-01T10:00:02Z", given_name="志明", family_name="陳", email="chen.zm@example.com.tw",
         phone="0912 345 678", city="台北市", country="TW"),
    flat(4, "2024-01-01T10:00:03Z", given_name="Văn An", family_name="Nguyễn", email="an.nguyen@example.vn",
         phone="091 234 56 78", city="Hà Nội", country="VN"),
    flat(5, "2024-01-01T10:00:04+02:00", given_name="Jürgen", family_name="Müller",
         email="J.Mueller@Example.de;juergen@work.example.de", phone="030 1234567;0171 1234567",
         street="Hauptstraße 5", postal_code="10115", city="Berlin", country="DE"),
    flat(6, "2024-01-01T10:00:05Z", record_type="organization", organization_name="Müller Bau GmbH",
         email="info@muellerbau.example.de", phone="030 7654321", country="DE", tax_id="DE123456789"),
    flat(7, "2024-01-01T10:00:06Z", record_type="organization", organization_name="台積電股份有限公司",
         email="contact@tsmc.example.com.tw", city="新竹市", country="TW"),
    flat(8, "2024-01-01T10:00:07Z", given_name="محمد", family_name="رضایی", email="m.rezaei@example.ir",
         country="IR"),
    flat(9, "2024-01-01T10:00:08Z", given_name="Broken", family_name="Mail", email="broken@@example",
         country="GB"),
    flat(10, "2024-01-01T10:00:09Z", given_name="Olivia", family_name="Brown", email="olivia@example.co.uk",
         country="GB"),
]
ACCOUNT_IDS = ["11x6", "11x7"]
CONTACT_IDS = ["12x5", "12x1", "12x2", "12x3", "12x4", "12x8", "12x10"]  # modified order (5 is 08:00:04 UTC)
VALID_IDS = {*ACCOUNT_IDS, *CONTACT_IDS}
