"""The back office's forms: the upload (file allow-list, year, stage, title, source document) and
the one-button forms that carry the CSRF token of publish, restore and withdraw."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.staff.reading import ALLOWED_EXTENSIONS


def stage_choices() -> list[tuple[str, object]]:
    return [
        ("budget", _l("Budget (预算)")),
        ("adjusted", _l("Adjusted budget (调整预算)")),
        ("final", _l("Final accounts (决算)")),
    ]


class UploadForm(FlaskForm):
    file = FileField(
        _l("Table file (CSV or .xlsx)"),
        validators=[
            FileRequired(_l("Choose the file to upload.")),
            FileAllowed(
                list(ALLOWED_EXTENSIONS),
                _l("Upload a CSV file (.csv) or an Excel workbook (.xlsx)."),
            ),
        ],
    )
    year = IntegerField(
        _l("Year"),
        validators=[
            InputRequired(_l("Enter the year, e.g. 2024.")),
            NumberRange(2000, 2100, _l("Enter a year between 2000 and 2100.")),
        ],
    )
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Enter a title for this version.")), Length(max=300)],
    )
    title_en = StringField(
        _l("Title in English (optional)"), validators=[Optional(), Length(max=300)]
    )
    source = TextAreaField(
        _l("Source document"),
        validators=[
            DataRequired(_l("Name the document these figures come from.")),
            Length(max=2000),
        ],
    )
    source_en = TextAreaField(
        _l("Source document in English (optional)"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Check the file"))


class SpendingUploadForm(UploadForm):
    stage = SelectField(_l("Stage"), choices=stage_choices, default="budget")


class LedgerUploadForm(UploadForm):
    """A ledger of proposals spans the years of its items: the year is only a check, if given."""

    year = IntegerField(
        _l("Year of the ledger (optional)"),
        validators=[Optional(), NumberRange(2000, 2100, _l("Enter a year between 2000 and 2100."))],
    )


class VersionActionForm(FlaskForm):
    """Publish, restore or withdraw: a button, and the CSRF token."""

    submit = SubmitField()
