"""Every third-party import of a part of CRM Hub is declared for that part in pyproject.toml.

Why: a module that arrives only through another extra (scipy came in with ``bench``) works on the
developer's machine and fails in a clean install. Run as ``python scripts/check_imports.py``;
tests/packaging/test_declared_imports.py runs the same check.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("crmhub", "schemas", "connectors", "matching", "hub", "webapp")
#: the product's modules that run only inside Airflow (the airflow extra)
AIRFLOW_MODULES = ("connectors/airflow_hooks.py", "webapp/airflow_auth.py")
#: the local Celery cluster (scripts/celery-local.sh): Airflow's REST API over httpx, seeded demo systems
LOCAL_CLUSTER = ("crmhub/celery_local.py", "crmhub/celery_run.py", "crmhub/airflow_api.py")
#: files that run in another interpreter (Tryton's own venv, scripts/tryton-venv.sh)
OWN_VENV = ("sources/tryton/proteus_client.py",)
#: services the tests drive with a third-party framework from the dev extra (not the demo's)
TEST_SERVICES = ("sources/spyne_crm",)
#: folders or files, and the extras on top of the product's dependencies that their imports may use
PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "product": (PRODUCT, ()),
    "demo": (("sources",), ("demo",)),
    "airflow": (("dags", "plugins", *AIRFLOW_MODULES), ("airflow",)),
    "local cluster": (LOCAL_CLUSTER, ("airflow", "demo")),
    "test services": (TEST_SERVICES, ("demo", "dev")),
}
#: a declared meta-distribution -> the distributions it installs that provide importable modules
BRINGS = {"apache-airflow": {"apache-airflow-core", "apache-airflow-task-sdk"}}
LOCAL = {*PRODUCT, "sources", "dags", "plugins", "bench", "tests", "scripts"}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _canonical(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0])


def declared(extras: tuple[str, ...]) -> set[str]:
    """Distribution names of the product's dependencies plus those of ``extras``."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    names = {_requirement_name(r) for r in requirements}
    return names.union(*(BRINGS.get(name, set()) for name in names))


def imported_modules(folders: tuple[str, ...]) -> dict[str, str]:
    """``{top-level module: first file importing it}`` over the absolute imports under ``folders``."""
    found: dict[str, str] = {}
    for folder in folders:
        paths = [ROOT / folder] if folder.endswith(".py") else sorted((ROOT / folder).rglob("*.py"))
        for path in paths:
            relative = str(path.relative_to(ROOT))
            if relative in OWN_VENV or (folder in PRODUCT and relative in (*AIRFLOW_MODULES, *LOCAL_CLUSTER)):
                continue
            if folder not in TEST_SERVICES and relative.startswith(TEST_SERVICES):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], relative)
    return found


def undeclared(part: str) -> list[str]:
    """Third-party imports of ``part`` whose distribution is not declared for it, one line each."""
    folders, extras = PARTS[part]
    allowed = declared(extras)
    distributions = packages_distributions()
    problems = []
    for module, where in sorted(imported_modules(folders).items()):
        if module in sys.stdlib_module_names or module in LOCAL or module == "__future__":
            continue
        dists = {_canonical(d) for d in distributions.get(module, [])}
        if not dists:
            problems.append(f"{part}: {module} (imported in {where}) is not installed")
        elif not dists & allowed:
            problems.append(f"{part}: {module} (imported in {where}) is in {sorted(dists)}, undeclared")
    return problems


def main() -> int:
    problems = [line for part in PARTS for line in undeclared(part)]
    print("\n".join(problems) or "every import declared")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
