"""The demo part (``sources/``: imitated source systems and the data generator) is optional.

Why: the product wheel ships without it and without faker; commands that serve or read the
imitations import it through here, so a product-only install says what to install instead of
failing with a bare ModuleNotFoundError.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

#: the checkout an editable install runs from; the demo part sits beside the product's packages there
CHECKOUT = Path(__file__).resolve().parent.parent

HINT = (
    "this command needs the crmhub demo part (the local source-system imitations and the data "
    "generator): run it from a checkout of the repository with the demo extra, "
    "`uv pip install -e '.[demo]'`"
)


class DemoPartMissing(RuntimeError):
    """The demo part is not installed."""


def demo_module(name: str) -> ModuleType:
    """Import ``sources.<name>``, or raise :class:`DemoPartMissing` with what to install.

    From a checkout (an editable install) the demo part is the checkout's ``sources/``, which the
    product's package list leaves out of the import path: it is added here, and only here."""
    if (CHECKOUT / "sources" / "__init__.py").is_file() and str(CHECKOUT) not in sys.path:
        sys.path.append(str(CHECKOUT))
    try:
        return importlib.import_module(f"sources.{name}")
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == "sources" or exc.name.startswith("sources.")
                                     or exc.name == "faker"):
            raise DemoPartMissing(f"{HINT} (missing: {exc.name})") from exc
        raise
