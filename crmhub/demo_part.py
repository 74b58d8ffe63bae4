"""The demo part (``sources/``: imitated source systems and the data generator) is optional.

Why: the product wheel ships without it and without faker; commands that serve or read the
imitations import it through here, so a product-only install says what to install instead of
failing with a bare ModuleNotFoundError.
"""

from __future__ import annotations

import importlib
from types import ModuleType

HINT = (
    "this command needs the crmhub demo part (the local source-system imitations and the data "
    "generator): run it from a checkout of the repository with the demo extra, "
    "`uv pip install -e '.[demo]'`"
)


class DemoPartMissing(RuntimeError):
    """The demo part is not installed."""


def demo_module(name: str) -> ModuleType:
    """Import ``sources.<name>``, or raise :class:`DemoPartMissing` with what to install."""
    try:
        return importlib.import_module(f"sources.{name}")
    except ModuleNotFoundError as exc:
        if exc.name is not None and (exc.name == "sources" or exc.name.startswith("sources.")
                                     or exc.name == "faker"):
            raise DemoPartMissing(f"{HINT} (missing: {exc.name})") from exc
        raise
