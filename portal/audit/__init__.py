"""Who did what, when: every change is written to the audit log in the same transaction, under
the :class:`~portal.roles.Actor` its caller names. The log depends on no other domain."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry
from portal.roles import Actor


def init_app(app: Flask) -> None:
    from portal.audit.views import audit

    app.register_blueprint(audit)


def _json(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def record_audit(
    session: Session,
    action: str,
    *,
    actor: Actor,
    target_type: str | None = None,
    target_id: str | int | None = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry made by *actor* (a view passes ``portal.roles.current_actor()``, a
    command ``Actor.system("cli")``)."""
    entry = AuditEntry(
        actor=actor.name,
        actor_id=actor.user_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        summary=summary,
        before=_json(before),
        after=_json(after),
        ip=actor.address,
    )
    session.add(entry)
    session.flush()
    return entry
