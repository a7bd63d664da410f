"""The forms staff use to handle suggestions and proposals: the item itself, and one form per step
of its timeline. Every form carries the CSRF token and the number of steps the clerk saw (so a
step recorded meanwhile by a colleague is noticed, not overwritten by a stale page)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.validators import ValidationError as WTFValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.proposals.labels import (
    DISCLOSURE_LABELS,
    KIND_LABELS,
    MEETING_FORM_LABELS,
    ROLE_LABELS,
    SATISFACTION_LABELS,
)
from portal.proposals.models import HandlingRole, ItemKind
from portal.proposals.rules import today
from portal.spending.areas import AREAS

MAX_TEXT = 20_000
CODE_LIST = re.compile(r"^\s*(\d{3}|\d{5}|\d{7})(\s*[;；,，\s]\s*(\d{3}|\d{5}|\d{7}))*\s*$")


def _choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


def not_in_future(_form: FlaskForm, field: Field) -> None:
    if isinstance(field.data, date) and field.data > today():
        raise WTFValidationError(_l("The date cannot be in the future."))


def step_date(label: Any = None) -> DateField:
    return DateField(
        label or _l("Date"),
        default=today,
        validators=[InputRequired(_l("Enter the date, e.g. 2026-03-12.")), not_in_future],
        render_kw={"max": "9999-12-31"},
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StepForm(FlaskForm):
    """A step of the timeline: its date, and how many steps the page showed."""

    on = step_date()
    seen = HiddenField()
    submit = SubmitField(_l("Record"))


class AssignForm(StepForm):
    on = step_date(_l("Date of assignment (交办)"))


class ExtendForm(StepForm):
    on = step_date(_l("Date the extension was approved"))
    months = SelectField(
        _l("New due date"),
        coerce=int,
        choices=[
            SelectChoice(4, _l("4 months after assignment")),
            SelectChoice(5, _l("5 months after assignment")),
            SelectChoice(6, _l("6 months after assignment")),
        ],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("An extension needs a reason.")), Length(max=2000)],
    )
    reason_en = TextAreaField(_l("Reason in English (optional)"), validators=[Length(max=2000)])


class MeetForm(StepForm):
    on = step_date(_l("Date of the meeting or call"))
    form = SelectField(_l("Form"), choices=_choices(MEETING_FORM_LABELS))


class ReplyForm(StepForm):
    on = step_date(_l("Date of the reply"))
    document_number = StringField(
        _l("Document number"),
        validators=[DataRequired(_l("Enter the reply's document number.")), Length(max=100)],
    )
    reply_class = SelectField(_l("Class"), choices=[])
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(_l("Enter a summary of the reply.")), Length(max=MAX_TEXT)],
    )
    summary_en = TextAreaField(
        _l("Summary in English (optional)"), validators=[Length(max=MAX_TEXT)]
    )
    text = TextAreaField(
        _l("Full text"),
        validators=[DataRequired(_l("Enter the full text of the reply.")), Length(max=MAX_TEXT)],
    )
    text_en = TextAreaField(
        _l("Full text in English (optional)"), validators=[Length(max=MAX_TEXT)]
    )


class DisclosureForm(StepForm):
    on = step_date(_l("Date of the decision"))
    mode = RadioField(
        _l("Disclosure"),
        choices=_choices(DISCLOSURE_LABELS),
        validators=[InputRequired(_l("Choose how the reply is disclosed."))],
    )
    reason = TextAreaField(
        _l("Reason for not publishing (required when not published)"),
        validators=[Length(max=2000)],
    )
    reason_en = TextAreaField(_l("Reason in English (optional)"), validators=[Length(max=2000)])


class PaperFeedbackForm(StepForm):
    """Feedback the submitter returned on paper (征询意见表), recorded by staff."""

    on = step_date(_l("Date the feedback was given"))
    handling = RadioField(
        _l("Satisfaction with the handling"),
        choices=_choices(SATISFACTION_LABELS),
        validators=[InputRequired(_l("Choose the satisfaction with the handling."))],
    )
    result = RadioField(
        _l("Satisfaction with the result"),
        choices=_choices(SATISFACTION_LABELS),
        validators=[InputRequired(_l("Choose the satisfaction with the result."))],
    )
    comment = TextAreaField(_l("The submitter's comment"), validators=[Length(max=2000)])
    start_rehandling = BooleanField(
        _l("If not satisfied, start handling the item again now"), default=True
    )


class RehandleForm(StepForm):
    on = step_date(_l("Date handling starts again"))


class FollowUpForm(StepForm):
    on = step_date(_l("Date of the update"))
    text = TextAreaField(
        _l("Progress"),
        validators=[DataRequired(_l("A follow-up needs a text.")), Length(max=MAX_TEXT)],
    )
    text_en = TextAreaField(_l("Progress in English (optional)"), validators=[Length(max=MAX_TEXT)])


class CloseForm(StepForm):
    on = step_date(_l("Date closed"))
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=2000)])


def budget_codes(_form: FlaskForm, field: Field) -> None:
    if field.data and field.data.strip() and not CODE_LIST.match(field.data):
        raise WTFValidationError(
            _l("Enter budget codes of 3, 5 or 7 digits, separated by semicolons.")
        )


class ItemForm(FlaskForm):
    """What staff write about an item; everything else comes from its timeline."""

    session_label = StringField(
        _l("Session"),
        description=_l("e.g. 市十五届人大四次会议"),
        validators=[DataRequired(_l("Enter the session.")), Length(max=100)],
    )
    session_label_en = StringField(
        _l("Session in English (optional)"), validators=[Length(max=200)]
    )
    kind = SelectField(_l("Type"), choices=_choices(KIND_LABELS))
    number = StringField(
        _l("Number"),
        description=_l("The number within the session and type, e.g. 0123."),
        validators=[DataRequired(_l("Enter the item's number.")), Length(max=10)],
    )
    year = IntegerField(
        _l("Year"),
        default=lambda: today().year,
        validators=[
            InputRequired(_l("Enter the year, e.g. 2024.")),
            NumberRange(2000, 2100, _l("Enter a year between 2000 and 2100.")),
        ],
    )
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter the title.")), Length(max=300)]
    )
    title_en = StringField(_l("Title in English (optional)"), validators=[Length(max=400)])
    body = TextAreaField(
        _l("Text of the suggestion or proposal"), validators=[Length(max=MAX_TEXT)]
    )
    body_en = TextAreaField(_l("Text in English (optional)"), validators=[Length(max=MAX_TEXT)])
    lead = SelectField(
        _l("Lead submitter"),
        coerce=int,
        choices=[],
        validators=[InputRequired(_l("Choose the lead submitter."))],
    )
    cosigners = SelectMultipleField(_l("Co-signers"), coerce=int, choices=[])
    areas = MultiCheckboxField(
        _l("Areas"),
        choices=[SelectChoice(a.slug, a.name) for a in AREAS],
        validators=[InputRequired(_l("Choose at least one area."))],
    )
    role = RadioField(
        _l("The bureau's role"),
        choices=_choices(ROLE_LABELS),
        default=HandlingRole.SOLE.value,
        validators=[InputRequired(_l("Choose the bureau's role."))],
    )
    other_units = StringField(
        _l("Other units (optional)"),
        description=_l("The co-handling units, the lead unit, or the other units."),
        validators=[Length(max=300)],
    )
    other_units_en = StringField(
        _l("Other units in English (optional)"), validators=[Length(max=400)]
    )
    budget_codes = StringField(
        _l("Budget codes concerned (optional)"),
        description=_l("Codes of the classification of expenditure, e.g. 2050201; 21007."),
        validators=[Optional(), Length(max=200), budget_codes],
    )
    assigned_on = DateField(
        _l("Date of assignment (交办) (optional)"),
        description=_l("Fill it in when the item has already been assigned to the bureau."),
        validators=[Optional(), not_in_future],
    )
    submit = SubmitField(_l("Save"))

    def item_fields(self) -> dict[str, Any]:
        codes = re.findall(r"\d+", self.budget_codes.data or "")
        return {
            "session_label": self.session_label.data.strip(),
            "session_label_en": (self.session_label_en.data or "").strip(),
            "number": self.number.data.strip(),
            "kind": ItemKind(self.kind.data),
            "year": self.year.data,
            "title": self.title.data.strip(),
            "title_en": (self.title_en.data or "").strip(),
            "body": (self.body.data or "").strip(),
            "body_en": (self.body_en.data or "").strip(),
            "role": HandlingRole(self.role.data),
            "other_units": (self.other_units.data or "").strip(),
            "other_units_en": (self.other_units_en.data or "").strip(),
            "budget_codes": ";".join(dict.fromkeys(codes)),
        }
