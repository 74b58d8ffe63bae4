"""Local vTiger CRM (source system ``vtiger``): Accounts and Contacts behind ``webservice.php``."""

from sources.vtiger.fields import GOLDEN_ID_FIELD
from sources.vtiger.system import VtigerSystem

__all__ = ["GOLDEN_ID_FIELD", "VtigerSystem"]
