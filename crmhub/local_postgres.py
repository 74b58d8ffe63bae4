"""A throw-away PostgreSQL server from the Debian package: the store tests' second backend and the
metadata database of a local Celery cluster (:mod:`crmhub.celery_local`; CeleryExecutor cannot use SQLite).

initdb refuses to run as root, so as root the server runs as the ``postgres`` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from crmhub.loopback import free_port, wait_for_port


def _bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} not found: install the Debian package 'postgresql' (make install does it)"
        )
    return found


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="crmhub-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = ["runuser", "-u", "postgres", "--", *args] if self.as_root else list(args)
        subprocess.run(cmd, check=True, capture_output=True, text=True)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.root, "postgres")
            self.root.chmod(0o755)
        self._run(
            _bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "crmhub",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self._run(
            _bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        wait_for_port(self.port, 30)
        self._run(_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "crmhub", "crmhub_test")
        return self.url("crmhub_test")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://crmhub@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self._run(_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "crmhub", name)
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
