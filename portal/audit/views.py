"""The audit log for administrators: ``/<lang>/staff/audit``, filtered and paged."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from werkzeug.exceptions import BadRequest

from portal.accounts.permissions import roles_required
from portal.audit.models import AuditEntry
from portal.db import distinct_values, get_session
from portal.errors import user_error
from portal.web import language_blueprint

audit = language_blueprint("audit", __name__, "/staff/audit")
PAGE_SIZE = 50


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise user_error(
            BadRequest, _("“%(value)s” is not a date. Use the form 2026-11-26.", value=raw[:20])
        ) from None


def filtered(stmt: Select[Any], filters: dict[str, object]) -> Select[Any]:
    if filters["action"]:
        stmt = stmt.where(AuditEntry.action == filters["action"])
    if filters["actor"]:
        stmt = stmt.where(AuditEntry.actor.contains(str(filters["actor"]).lower()))
    if filters["target"]:
        stmt = stmt.where(AuditEntry.target_type == filters["target"])
    if isinstance(filters["since"], date):
        stmt = stmt.where(AuditEntry.at >= datetime.combine(filters["since"], datetime.min.time()))
    if isinstance(filters["until"], date):
        stmt = stmt.where(
            AuditEntry.at
            < datetime.combine(filters["until"] + timedelta(days=1), datetime.min.time())
        )
    return stmt


@audit.get("/")
@roles_required("admin")
def index() -> str:
    session = get_session()
    filters: dict[str, object] = {
        "action": request.args.get("action", "").strip(),
        "actor": request.args.get("actor", "").strip(),
        "target": request.args.get("target", "").strip(),
        "since": _date_arg("since"),
        "until": _date_arg("until"),
    }
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = session.scalar(filtered(select(func.count()).select_from(AuditEntry), filters)) or 0
    entries = session.scalars(
        filtered(select(AuditEntry), filters)
        .order_by(AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    actions = distinct_values(session, AuditEntry.action)
    targets = distinct_values(session, AuditEntry.target_type)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "audit/list.html",
        entries=entries,
        filters=filters,
        actions=actions,
        targets=sorted(t for t in targets if t),
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        args=args,
    )
