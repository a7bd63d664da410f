"""The deputy's feedback form (Flask-WTF: CSRF on every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from portal.proposals.models import Satisfaction

MAX_COMMENT = 2000


def _choices() -> list[SelectChoice]:
    return [
        SelectChoice(Satisfaction.SATISFIED.value, _l("Satisfied")),
        SelectChoice(Satisfaction.BASIC.value, _l("Basically satisfied")),
        SelectChoice(Satisfaction.DISSATISFIED.value, _l("Not satisfied")),
    ]


class FeedbackForm(FlaskForm):
    round = HiddenField()
    handling = RadioField(
        _l("How the item was handled (contact, attitude, timeliness)"),
        choices=_choices(),
        validators=[InputRequired(_l("Choose how satisfied you are with the handling."))],
    )
    result = RadioField(
        _l("The result of the reply"),
        choices=_choices(),
        validators=[InputRequired(_l("Choose how satisfied you are with the result."))],
    )
    comment = TextAreaField(
        _l("Comment (optional)"),
        validators=[
            Length(max=MAX_COMMENT, message=_l("Keep the comment under 2,000 characters."))
        ],
    )
    submit = SubmitField(_l("Send feedback"))
