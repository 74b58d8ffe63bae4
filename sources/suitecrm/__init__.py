"""Local SuiteCRM (source system ``suitecrm``): Accounts and Contacts behind a JSON:API V8 with OAuth2."""

from sources.suitecrm.fields import GOLDEN_ID_FIELD
from sources.suitecrm.system import SuiteCrmSystem

__all__ = ["GOLDEN_ID_FIELD", "SuiteCrmSystem"]
