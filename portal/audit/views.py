"""The audit log for administrators: ``/<lang>/staff/audit``, filtered and paged."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import render_template
from sqlalchemy import Select, select

from portal.audit.models import AuditEntry
from portal.db import distinct_values, get_session
from portal.pagination import check_page, paginate
from portal.params import date_param, int_param, text_param
from portal.roles import Role, roles_required
from portal.web import language_blueprint, use_query

audit = language_blueprint("audit", __name__, "/staff/audit")
PAGE_SIZE = 50


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
@roles_required(Role.ADMIN)
def index() -> str:
    session = get_session()
    filters: dict[str, object] = {
        "action": text_param("action"),
        "actor": text_param("actor"),
        "target": text_param("target"),
        "since": date_param("since"),
        "until": date_param("until"),
    }
    page = int_param("page", 1, low=1, example="2") or 1
    listed = paginate(
        session,
        filtered(select(AuditEntry), filters).order_by(AuditEntry.id.desc()),
        page,
        PAGE_SIZE,
    )
    check_page(listed.page, listed.pages)
    actions = distinct_values(session, AuditEntry.action)
    targets = distinct_values(session, AuditEntry.target_type)
    args = use_query({k: str(v) for k, v in filters.items() if v})
    return render_template(
        "audit/list.html",
        entries=listed.items,
        filters=filters,
        actions=actions,
        targets=sorted(t for t in targets if t),
        page=listed.page,
        pages=listed.pages,
        total=listed.total,
        args=args,
    )
