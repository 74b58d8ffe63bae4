"""Refresh the README's workbench screenshots (``make screenshots``): headless Chromium against the demo
data, PNGs under docs/screenshots/.

The demo's hub store (``var/crmhub.db`` after ``make demo``, or ``--store URL``) is copied to a temporary
file first, so taking the pictures never changes it. Without a demo store, the four local source systems
are started with the demo's seed and synced once into a temporary store.

    .venv/bin/python scripts/screenshots.py [--store sqlite:///var/crmhub.db] [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.pipeline import SyncPipeline  # noqa: E402
from hub.quarantine import QuarantineBook  # noqa: E402
from hub.store import HubStore  # noqa: E402
from schemas import HubConfig, load_config  # noqa: E402
from sources.serve import serve_in_thread  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.auth import StandaloneAuth, parse_users  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@contextmanager
def demo_store(url: str | None, work: Path) -> Iterator[tuple[HubStore, HubConfig]]:
    """A throw-away copy of the demo's store, or a store synced from freshly started local systems."""
    config = load_config(REPO / "config" / "crmhub.yaml")
    demo_db = REPO / "var" / "crmhub.db"
    if url is None and demo_db.exists():
        url = f"sqlite:///{demo_db}"
    if url is not None:
        if not url.startswith("sqlite:///"):
            sys.exit("--store: give the demo's SQLite store (it is copied, never changed)")
        copy = work / "hub.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        config = config.model_copy(update={"database_url": f"sqlite:///{copy}"})
        store = HubStore(config.database_url, upgrade=True)
        yield store, config
        store.close()
        return
    import os

    from sources.run import start_local_sources

    local = start_local_sources(work / "sources")
    os.environ.update(local.env())
    config = config.model_copy(update={"database_url": f"sqlite:///{work}/hub.db"})
    pipeline = SyncPipeline(config, HubStore(config.database_url, upgrade=True))
    try:
        pipeline.run(run_id="screenshots")
        yield pipeline.store, config
    finally:
        pipeline.store.close()
        local.stop()


def biggest_golden(store: HubStore) -> str:
    """The golden record with the most source records (the page with the most to show)."""
    sizes = Counter(store.golden.membership().values())
    return max(sorted(sizes), key=lambda g: sizes[g])


def take(store: HubStore, config: HubConfig, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    token = secrets.token_hex(16)
    auth = StandaloneAuth(parse_users(f"steward:steward:{token}"), secret=secrets.token_bytes(32))
    server = serve_in_thread(create_app(lambda: store, config, auth))
    golden_id = biggest_golden(store)
    member = store.golden.members(golden_id)[-1]
    quarantined = QuarantineBook(store).entries()
    shots = {
        "review-clusters.png": ("/steward/review", 1280),
        "review-800px.png": ("/steward/review", 800),
        "golden-record.png": (f"/steward/golden/{golden_id}", 1280),
        "unmerge-confirm.png": (f"/steward/golden/{golden_id}/unmerge?member={quote(str(member))}", 1280),
        "field-conflicts.png": ("/steward/conflicts", 1280),
    }
    if quarantined:
        shots["quarantine-entry.png"] = (f"/steward/quarantine/{quarantined[0].id}", 1280)
    written = []
    with ExitStack() as stack:
        stack.callback(server.stop)
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{server.url}/login")
        page.fill("input[name=username]", "steward")
        page.fill("input[name=token]", token)
        with page.expect_navigation():
            page.click("button[type=submit]")
        for name, (path, width) in shots.items():
            page.set_viewport_size({"width": width, "height": 860})
            page.goto(f"{server.url}{path}")
            page.screenshot(path=str(out / name), full_page=True)
            written.append(out / name)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", help="the demo's hub store URL (sqlite:///…), copied first")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="crmhub-screenshots-") as work,
        demo_store(args.store, Path(work)) as (store, config),
    ):
        for path in take(store, config, args.out):
            print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)


if __name__ == "__main__":
    main()
