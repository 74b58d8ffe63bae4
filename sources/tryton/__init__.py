"""A real Tryton 7.0 LTS server beside the hub: not an imitation, the ERP itself, from PyPI.

It runs in its own virtualenv (``.venv-tryton``, made by ``scripts/tryton-venv.sh`` from
``sources/tryton/requirements.txt``: an ERP's dependencies are not the hub's) as a ``trytond``
subprocess on a loopback port, on an SQLite database in ``data_dir``, with the ``party`` and ``country``
modules activated by ``trytond-admin``. Parties are created and read back with proteus, Tryton's own
client library (``proteus_client.py``, run in that virtualenv): the third-party side of the tests.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from crmhub.loopback import free_port
from sources.connection import airflow_connection

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEFAULT_VENV = REPO / ".venv-tryton"
DATABASE = "crm"
PARTIES = HERE / "parties.json"
ADMIN = "admin"


class TrytonNotInstalledError(RuntimeError):
    """``.venv-tryton`` is missing: ``make install`` (or ``scripts/tryton-venv.sh``) makes it."""


class TrytonServer:
    """One Tryton database in ``data_dir``, served on loopback while started."""

    def __init__(self, data_dir: Path, venv: Path = DEFAULT_VENV):
        self.data_dir, self.venv = data_dir.resolve(), venv
        self.port: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.created = False  # whether start() created the database (then it is empty)
        if not (venv / "bin" / "trytond").exists():
            raise TrytonNotInstalledError(f"no Tryton in {venv}: run scripts/tryton-venv.sh (make install)")

    @property
    def password(self) -> str:
        path = self.data_dir / "admin.pass"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(16) + "\n", encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    def _config(self, port: int) -> Path:
        path = self.data_dir / "trytond.conf"
        path.write_text(
            f"[database]\nuri = sqlite://\npath = {self.data_dir}\n[web]\nlisten = 127.0.0.1:{port}\n"
            "[session]\ntimeout = 3600\n",
            encoding="utf-8",
        )
        return path

    def _admin(self, config: Path, *args: str) -> None:
        env = {**os.environ, "TRYTONPASSFILE": str(self.data_dir / "admin.pass")}
        self.password  # noqa: B018 - written on first use
        done = subprocess.run(
            [str(self.venv / "bin" / "trytond-admin"), "-c", str(config), "-d", DATABASE, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"trytond-admin {' '.join(args)} failed: {done.stderr[-2000:]}")

    def start(self) -> TrytonServer:
        """Create the database on first start (party + country modules), then serve it."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        config = self._config(self.port)
        database = self.data_dir / f"{DATABASE}.sqlite"
        if not database.exists():
            database.touch()
            self._admin(config, "--all", "--email", "admin@example.com")
            self._admin(config, "-u", "party", "country", "--activate-dependencies")
            self.created = True
        log = (self.data_dir / "trytond.log").open("ab")
        self.process = subprocess.Popen(
            [str(self.venv / "bin" / "trytond"), "-c", str(config)], stdout=log, stderr=log
        )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"trytond exited; see {self.data_dir / 'trytond.log'}")
            try:
                requests.post(
                    self.url, json={"id": 0, "method": "common.server.version", "params": []}, timeout=2
                )
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError(f"trytond did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def connection(self) -> dict[str, Any]:
        """The Airflow connection of the hub's ``kind: tryton`` source (``schema`` = the database)."""
        return airflow_connection(
            self.url, conn_type="tryton", login=ADMIN, password=self.password, schema=DATABASE
        )

    def proteus(self, command: str, data: Any = None) -> Any:
        """Run ``proteus_client.py COMMAND`` on this server's database and return its JSON answer."""
        target = f"trytond:{self.data_dir / 'trytond.conf'}:{DATABASE}"
        done = subprocess.run(
            [str(self.venv / "bin" / "python"), str(HERE / "proteus_client.py"), target, command],
            input=json.dumps(data) if data is not None else "",
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return json.loads(done.stdout)

    def seed(self, parties: list[dict[str, Any]]) -> list[int]:
        return self.proteus("seed", parties)

    def parties(self) -> list[dict[str, Any]]:
        return self.proteus("read")
