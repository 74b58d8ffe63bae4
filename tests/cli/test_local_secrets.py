"""No shared secrets: the local ones are generated once (0600) and reused, the scripts no longer carry
the published JWT secret, and production mode (``CRMHUB_ENV=production``) refuses to start with a
published or short secret."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from crmhub.local_secrets import FERNET_KEY, JWT_SECRET, KNOWN_SECRETS, WEB_SECRET, ensure_secrets_file

REPO = Path(__file__).resolve().parents[2]
OLD_DEMO_SECRET = "crmhub-local-demo-secret-change-me-in-production-0123456789abcdef"
SERVE = "import sys; from crmhub.cli import main; sys.exit(main(['serve', '--port', '0']))"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "CRMHUB"))}
    return {**env, "PYTHONPATH": str(REPO), **extra}


def test_the_secrets_file_is_created_once_private_and_reused(tmp_path):
    path = tmp_path / "var" / "secrets.env"
    first = ensure_secrets_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(first) == {JWT_SECRET, FERNET_KEY, WEB_SECRET}
    assert len(first[JWT_SECRET]) >= 64 and not set(first.values()) & KNOWN_SECRETS
    assert ensure_secrets_file(path) == first
    assert ensure_secrets_file(tmp_path / "other.env")[JWT_SECRET] != first[JWT_SECRET]


def _airflow_env(secrets_file: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    script = 'source scripts/airflow-env.sh && echo "$AIRFLOW__API_AUTH__JWT_SECRET" "$AIRFLOW__API__HOST"'
    return subprocess.run(
        ["bash", "-ec", script],
        cwd=REPO,
        env=_clean_env(CRMHUB_SECRETS_FILE=str(secrets_file), **extra),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_airflow_env_uses_a_generated_secret_and_loopback(tmp_path):
    secrets_file = tmp_path / "secrets.env"
    first = _airflow_env(secrets_file)
    assert first.returncode == 0, first.stderr
    secret, host = first.stdout.split()
    assert secret != OLD_DEMO_SECRET and len(secret) >= 64
    assert host == "127.0.0.1"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert _airflow_env(secrets_file).stdout.split()[0] == secret  # the same on every start


def test_airflow_env_refuses_a_published_secret_in_production(tmp_path):
    result = _airflow_env(tmp_path / "secrets.env", CRMHUB_ENV="production", **{JWT_SECRET: OLD_DEMO_SECRET})
    assert result.returncode != 0
    assert "published default secret" in result.stderr
    assert not (tmp_path / "secrets.env").exists()  # production never falls back to a generated file


@pytest.mark.parametrize(
    ("secret", "reason"),
    [("test-secret-not-for-production", "published"), ("short-but-new", "shorter than"), ("", "not set")],
)
def test_serve_in_production_mode_exits_with_a_clear_message(tmp_path, secret, reason):
    env = _clean_env(
        CRMHUB_ENV="production",
        CRMHUB_WEB_USERS="ann:steward:steward-token-0123456789",
        CRMHUB_DATABASE_URL=f"sqlite:///{tmp_path}/hub.db",
        **({WEB_SECRET: secret} if secret else {}),
    )
    result = subprocess.run(
        [sys.executable, "-c", SERVE], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "refusing to start" in result.stderr and reason in result.stderr
    assert WEB_SECRET in result.stderr
