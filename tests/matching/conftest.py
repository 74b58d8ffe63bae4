"""Make ``import matching`` mean the engine package, not this test folder.

The suite's top-level conftest puts ``tests/`` on ``sys.path``, where ``tests/matching`` (no
``__init__.py``) would be picked up as a namespace package called ``matching`` and hide the real one.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
if getattr(sys.modules.get("matching"), "__file__", "") is None:  # the namespace impostor
    for name in [m for m in sys.modules if m == "matching" or m.startswith("matching.")]:
        del sys.modules[name]
