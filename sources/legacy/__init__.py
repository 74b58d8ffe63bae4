"""Local legacy systems: an old SQL customer master and a branch system that only exchanges CSV files."""

from sources.legacy.csv_export import LegacyCsvSystem
from sources.legacy.db import LegacyDbSystem

__all__ = ["LegacyCsvSystem", "LegacyDbSystem"]
