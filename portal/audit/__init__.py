"""Who did what, when: every change is written to the audit log in the same transaction."""

from __future__ import annotations

import json
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry


def _json(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record_audit(
    session: Session,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | int | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: str | None = None,
    actor_id: int | None = None,
) -> AuditEntry:
    """Append an entry. The actor and address come from the request when there is one; command
    line tools pass ``actor`` (e.g. ``"cli:editor@example.org"``)."""
    ip = None
    if has_request_context():
        ip = request.remote_addr
        if actor is None and current_user.is_authenticated:
            actor, actor_id = current_user.email, current_user.id
    entry = AuditEntry(
        actor=actor or ("anonymous" if has_request_context() else "system"),
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        summary=summary,
        before=_json(before),
        after=_json(after),
        ip=ip,
    )
    session.add(entry)
    session.flush()
    return entry
