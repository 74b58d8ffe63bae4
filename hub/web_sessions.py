"""The repository of workbench sessions: open on login, look up on every request, close on logout.

Why server-side: a signed cookie stays valid until it expires, whatever the user does; a session id
checked against the store on each request ends the moment it is deleted (logout) or its user's token
changes (rotation)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from hub.db import rows_affected
from hub.models import WebSessionRow
from hub.store import HubStore


@dataclass(frozen=True)
class LiveSession:
    user_name: str
    token_fingerprint: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class WebSessions:
    def __init__(self, store: HubStore):
        self.store = store

    def open(self, user_name: str, token_fingerprint: str, seconds: int) -> str:
        """Store a new session and return its id (the cookie value); expired sessions are swept here."""
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.store.sessions.begin() as db:
            db.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
            db.add(
                WebSessionRow(
                    id_hash=_hash(session_id),
                    user_name=user_name,
                    token_fingerprint=token_fingerprint,
                    created_at=now,
                    expires_at=now + timedelta(seconds=seconds),
                )
            )
        return session_id

    def live(self, session_id: str) -> LiveSession | None:
        """The session behind a cookie value, or ``None`` if unknown, closed or expired."""
        with self.store.sessions() as db:
            row = db.scalar(select(WebSessionRow).where(WebSessionRow.id_hash == _hash(session_id)))
        if row is None or row.expires_at.replace(tzinfo=row.expires_at.tzinfo or UTC) < datetime.now(UTC):
            return None
        return LiveSession(row.user_name, row.token_fingerprint)

    def close(self, session_id: str) -> None:
        with self.store.sessions.begin() as db:
            db.execute(delete(WebSessionRow).where(WebSessionRow.id_hash == _hash(session_id)))

    def close_user(self, user_name: str) -> int:
        """End every session of a user (e.g. after revoking them); returns how many ended."""
        with self.store.sessions.begin() as db:
            return rows_affected(db, delete(WebSessionRow).where(WebSessionRow.user_name == user_name))
