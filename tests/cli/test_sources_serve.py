"""``crmhub sources serve``: each local system with a server runs in a process of its own."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.peak_rss import descendants
from crmhub.loopback import free_port, wait_for_port

CRMHUB = str(Path(sys.executable).with_name("crmhub"))


def _serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, int]]:
    ports = {"erp": free_port(), "webshop": free_port()}
    command = [CRMHUB, "sources", "serve", "--data-dir", str(data_dir), "--records", "40",
               "--erp-port", str(ports["erp"]), "--webshop-port", str(ports["webshop"])]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    for port in ports.values():
        wait_for_port(port, seconds=120, process=server)
    return server, ports


def _listening(port: int) -> bool:
    try:
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    except requests.ConnectionError:
        return False
    return True


def _gone(pids: list[int], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_each_system_is_served_by_its_own_process_which_ends_with_the_command(tmp_path):
    server, ports = _serve(tmp_path)
    try:
        children = descendants(server.pid)
        assert len(children) == 2  # the ERP and the web shop; the legacy systems are files
        wsdl = requests.get(f"http://127.0.0.1:{ports['erp']}/sap/bc/srt/customer?wsdl", timeout=10)
        assert wsdl.ok and b"UpsertCustomers" in wsdl.content
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert _gone(children)
    assert not any(_listening(port) for port in ports.values())


def test_a_killed_command_leaves_no_server_behind(tmp_path):
    server, ports = _serve(tmp_path)
    children = descendants(server.pid)
    server.kill()
    server.wait()
    assert _gone(children)
    assert not any(_listening(port) for port in ports.values())
