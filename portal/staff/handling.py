"""Handling suggestions and proposals in the back office, ``/<lang>/staff/proposals/``: the queue
of what is overdue and due soon, the item's staff page with one form per step of its timeline,
and the forms to create and edit items.

Every step goes through :mod:`portal.proposals.services` (which appends the event, recomputes
the derived columns, raises the data version and audits it, with who did it) and is committed
once, at the edge of the request. A step the rules refuse is answered with its reason and changes
nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, NotFound
from wtforms.fields.choices import SelectChoice

from portal.db import get_session
from portal.errors import user_error
from portal.i18n import localized
from portal.pagination import check_page
from portal.params import int_param, text_param
from portal.proposals import labels, next_steps, queries, services
from portal.proposals.filters import MAX_PAGE
from portal.proposals.models import (
    Disclosure,
    HandlingRole,
    MeetingForm,
    ProposalItem,
    Satisfaction,
    Submitter,
)
from portal.proposals.presenters import item_view
from portal.proposals.rules import add_months, rules, today
from portal.proposals.timeline import Derived
from portal.proposals.visibility import current_viewer
from portal.proposals.web import item_or_404
from portal.roles import STAFF_ROLES, Actor, current_actor, roles_required
from portal.staff import handling_forms as forms
from portal.web import use_query

# -- the steps -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One kind of step staff record: its form, when it applies, and what it does."""

    name: str
    label: LazyString
    form: type[forms.StepForm]
    applies: Callable[[ProposalItem, Derived, set[str]], bool]
    record: Callable[[Session, ProposalItem, Any, Actor], Any]
    hint: LazyString | None = None


def _open(d: Derived) -> bool:
    return d.assigned_on is not None and d.closed_on is None


def _awaiting_reply(d: Derived) -> bool:
    current = d.current_round
    return _open(d) and current is not None and current.replied_on is None


def _can_extend(item: ProposalItem, d: Derived, _follow: set[str]) -> bool:
    if not _awaiting_reply(d) or d.first_replied_on is not None or d.rounds > 1:
        return False
    assert d.assigned_on is not None and d.reply_due is not None
    return add_months(d.assigned_on, rules().max_total_months) > d.reply_due


def _can_publish(item: ProposalItem, d: Derived, _follow: set[str]) -> bool:
    return item.role != HandlingRole.CO and any(s.replied_on for s in d.round_states.values())


def _can_give_feedback(item: ProposalItem, d: Derived, _follow: set[str]) -> bool:
    return next_steps.feedback_refusal(item.role, d) is None


def _can_rehandle(item: ProposalItem, d: Derived, _follow: set[str]) -> bool:
    return next_steps.rehandle_refusal(d) is None


def _can_close(item: ProposalItem, d: Derived, _follow: set[str]) -> bool:
    return next_steps.close_refusal(d) is None


def _assign(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.assign(session, item, on=form.on.data, actor=actor)


def _extend(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.extend(
        session,
        item,
        on=form.on.data,
        months=form.months.data,
        reason=form.reason.data.strip(),
        reason_en=(form.reason_en.data or "").strip(),
        actor=actor,
    )


def _meet(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.record_meeting(
        session, item, on=form.on.data, form=MeetingForm(form.form.data), actor=actor
    )


def _reply(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.record_reply(
        session,
        item,
        on=form.on.data,
        document_number=form.document_number.data.strip(),
        reply_class=form.reply_class.data or None,
        summary=form.summary.data.strip(),
        summary_en=(form.summary_en.data or "").strip(),
        text=form.text.data.strip(),
        text_en=(form.text_en.data or "").strip(),
        actor=actor,
    )


def _disclose(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.publish(
        session,
        item,
        on=form.on.data,
        mode=Disclosure(form.mode.data),
        reason=(form.reason.data or "").strip(),
        reason_en=(form.reason_en.data or "").strip(),
        actor=actor,
    )


def _feedback(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.give_feedback(
        session,
        item,
        submitter_id=item.lead_submitter_id,
        handling=Satisfaction(form.handling.data),
        result=Satisfaction(form.result.data),
        comment=(form.comment.data or "").strip(),
        on=form.on.data,
        actor=actor,
        start_rehandling=bool(form.start_rehandling.data),
    )


def _rehandle(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.rehandle(session, item, on=form.on.data, actor=actor)


def _follow_up(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.follow_up(
        session,
        item,
        on=form.on.data,
        text=form.text.data.strip(),
        text_en=(form.text_en.data or "").strip(),
        actor=actor,
    )


def _close(session: Session, item: ProposalItem, form: Any, actor: Actor) -> Any:
    return services.close(
        session, item, on=form.on.data, note=(form.note.data or "").strip(), actor=actor
    )


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "assign",
            _l("Record the assignment"),
            forms.AssignForm,
            lambda item, d, f: d.assigned_on is None,
            _assign,
            LazyString(labels.assignment_hint),
        ),
        Step(
            "meet",
            _l("Record a meeting with the submitter"),
            forms.MeetForm,
            lambda item, d, f: _open(d),
            _meet,
        ),
        Step(
            "extend",
            _l("Record an approved extension"),
            forms.ExtendForm,
            _can_extend,
            _extend,
            LazyString(labels.extension_hint),
        ),
        Step(
            "reply",
            _l("Record the reply"),
            forms.ReplyForm,
            lambda item, d, f: _awaiting_reply(d),
            _reply,
        ),
        Step(
            "disclose",
            _l("Decide the disclosure of the reply"),
            forms.DisclosureForm,
            _can_publish,
            _disclose,
            _l(
                "Publish the reply in full or as a summary, or withhold it with a reason. "
                "A later decision replaces an earlier one."
            ),
        ),
        Step(
            "feedback",
            _l("Record the submitter's feedback"),
            forms.PaperFeedbackForm,
            _can_give_feedback,
            _feedback,
            _l("For feedback the submitter returned on paper rather than on this site."),
        ),
        Step(
            "rehandle",
            _l("Start handling the item again"),
            forms.RehandleForm,
            _can_rehandle,
            _rehandle,
            LazyString(labels.rehandling_hint),
        ),
        Step(
            "follow_up",
            _l("Record progress"),
            forms.FollowUpForm,
            lambda item, d, follow: _open(d) and d.reply_class in follow,
            _follow_up,
            _l("For items replied as being solved or planned."),
        ),
        Step("close", _l("Close the item"), forms.CloseForm, _can_close, _close),
    )
}


def step_forms(
    session: Session, item: ProposalItem, derived: Derived, bound: tuple[str, Any] | None = None
) -> list[tuple[Step, Any]]:
    """The steps that apply to the item now, each with its form (the submitted one, if any)."""
    follow = services.follow_up_classes(session)
    shown = []
    for step in STEPS.values():
        if bound is not None and bound[0] == step.name:
            form = bound[1]
        elif step.applies(item, derived, follow):
            form = step.form(formdata=None)
        else:
            continue
        form.seen.data = str(len(item.events))
        _ids_of_their_own(form, step.name)
        if isinstance(form, forms.ReplyForm):
            form.reply_class.choices = reply_class_choices(session, item)
        shown.append((step, form))
    return shown


def _ids_of_their_own(form: Any, prefix: str) -> None:
    """Several step forms share a page and their field names (``on``, ``seen``, ``submit``…):
    give each field an id of its own, and its label with it, so ids are unique and every label
    focuses its field. The names, which the server reads, stay as they are."""
    for field in form:
        if not field.id.startswith(f"{prefix}-"):
            field.id = f"{prefix}-{field.id}"
            field.label.field_id = field.id


def reply_class_choices(session: Session, item: ProposalItem) -> list[SelectChoice]:
    if item.role == HandlingRole.CO:
        return [SelectChoice("", _("None: an opinion to the lead unit has no class"))]
    return [
        SelectChoice(c.code, f"{c.code} {localized(c.name_zh, c.name_en)}")
        for c in queries.reply_classes(session)
    ]


def render_item(
    item: ProposalItem,
    *,
    bound: tuple[str, Any] | None = None,
    refused: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    session = get_session()
    view = item_view(session, item, current_viewer(), today(), queries.reply_classes(session))
    return (
        render_template(
            "staff/proposals/item.html",
            item=item,
            view=view,
            steps=step_forms(session, item, view.derived, bound),
            open_step=bound[0] if bound else None,
            refused=refused,
            proposals_sample=item.sample,
            show_actors=True,
        ),
        status,
    )


# -- pages ---------------------------------------------------------------------------------------


@roles_required(*STAFF_ROLES)
def proposals() -> str:
    queue = request.args.get("list", "").strip() or "overdue"
    if queue not in queries.QUEUES:
        raise user_error(BadRequest, _("There is no list of that name."))
    q = text_param("q")
    page_number = int_param("page", 1, low=1, high=MAX_PAGE, example="2") or 1
    use_query({"list": queue, **({"q": q} if q else {})})
    session = get_session()
    soon = rules().due_soon_days
    page = queries.queue_page(session, queue, today(), q=q, page=page_number, soon_days=soon)
    check_page(page.page, page.pages)
    return render_template(
        "staff/proposals/queue.html",
        queue=queue,
        q=q,
        page=page,
        counts=queries.queue_counts(session, today(), soon),
        today=today(),
        classes=queries.reply_classes(session),
    )


@roles_required(*STAFF_ROLES)
def proposal(item_id: int) -> ResponseReturnValue:
    return render_item(item_or_404(item_id))


@roles_required(*STAFF_ROLES)
def proposal_step(item_id: int, step_name: str) -> ResponseReturnValue:
    step = STEPS.get(step_name)
    if step is None:
        raise user_error(NotFound, _("There is no step of that kind."))
    session = get_session()
    item = item_or_404(item_id)
    form = step.form()
    if isinstance(form, forms.ReplyForm):
        form.reply_class.choices = reply_class_choices(session, item)
    if not form.validate_on_submit():
        return render_item(item, bound=(step.name, form), status=400)
    if form.seen.data != str(len(item.events)):
        message = _(
            "Someone recorded a step on this item after you opened the page. Nothing was "
            "saved: look at the timeline again, then record your step if it still applies."
        )
        return render_item(item, bound=(step.name, form), refused=message, status=409)
    try:
        step.record(session, item, form, current_actor())
    except services.ProposalError as error:
        session.rollback()
        item = item_or_404(item_id)
        return render_item(item, bound=(step.name, form), refused=str(error.message), status=409)
    flash(_("Recorded: %(step)s.", step=step.label))
    return redirect(url_for("staff.proposal", item_id=item.id, _anchor="timeline-heading"), 303)


def submitter_choices(session: Session) -> list[SelectChoice]:
    submitters = session.scalars(select(Submitter).order_by(Submitter.kind, Submitter.name))
    return [
        SelectChoice(
            s.id,
            f"{localized(s.name, s.name_en)} ({localized(s.affiliation, s.affiliation_en)})"
            if s.affiliation
            else localized(s.name, s.name_en),
        )
        for s in submitters
    ]


def _save(item: ProposalItem | None) -> ResponseReturnValue:
    session = get_session()
    if item is not None and request.method == "GET":
        form = forms.ItemForm(
            obj=item,
            lead=item.lead_submitter_id,
            cosigners=[s.id for s in item.cosigners],
            areas=item.area_slugs,
            kind=item.kind.value,
            role=item.role.value,
            budget_codes="; ".join(item.code_list),
        )
    else:
        form = forms.ItemForm()
    choices = submitter_choices(session)
    form.lead.choices = [SelectChoice(0, _("Choose…")), *choices]
    form.cosigners.choices = choices
    if item is not None:
        del form.assigned_on
    refused = None
    if form.validate_on_submit():
        submitters = {s.id: s for s in session.scalars(select(Submitter))}
        try:
            lead = submitters.get(form.lead.data or 0)
            if lead is None:
                raise services.ProposalError(_l("Choose the lead submitter."))
            saved = services.save_item(
                session,
                item,
                fields=form.item_fields(),
                areas=list(form.areas.data or []),
                lead=lead,
                cosigners=[submitters[i] for i in form.cosigners.data or [] if i in submitters],
                actor=current_actor(),
            )
            assigned_on = getattr(form, "assigned_on", None)
            if item is None and assigned_on is not None and assigned_on.data:
                services.assign(session, saved, on=assigned_on.data, actor=current_actor())
        except services.ProposalError as error:
            session.rollback()
            refused = str(error.message)
        else:
            flash(_("The item is saved.") if item else _("The item is created."))
            return redirect(url_for("staff.proposal", item_id=saved.id), 303)
    status = 409 if refused else (400 if form.errors else 200)
    return (
        render_template("staff/proposals/edit.html", item=item, form=form, refused=refused),
        status,
    )


@roles_required(*STAFF_ROLES)
def proposal_new() -> ResponseReturnValue:
    return _save(None)


@roles_required(*STAFF_ROLES)
def proposal_edit(item_id: int) -> ResponseReturnValue:
    return _save(item_or_404(item_id))


def add_routes(staff: Blueprint) -> None:
    """Put these pages on the back office's blueprint (called where it is made, so that they
    share its prefix, its language and its endpoint names: ``staff.proposal`` …)."""
    staff.add_url_rule("/proposals/", view_func=proposals, methods=["GET"])
    staff.add_url_rule("/proposals/<int:item_id>", view_func=proposal, methods=["GET"])
    staff.add_url_rule(
        "/proposals/<int:item_id>/steps/<step_name>", view_func=proposal_step, methods=["POST"]
    )
    staff.add_url_rule("/proposals/new", view_func=proposal_new, methods=["GET", "POST"])
    staff.add_url_rule(
        "/proposals/<int:item_id>/edit", view_func=proposal_edit, methods=["GET", "POST"]
    )
