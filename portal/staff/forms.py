"""The back office's forms: the upload (file allow-list, year, stage, title, source document) and
the one-button forms that carry the CSRF token of publish, restore and withdraw."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.datasets.labels import stage_choices
from portal.datasets.models import CITYWIDE, MUNICIPAL
from portal.roles import Actor
from portal.spending.upload.layout import column_index
from portal.spending.upload.vocabulary import STAGES
from portal.uploads.files import ALLOWED_EXTENSIONS
from portal.uploads.importing import ImportRequest
from portal.uploads.units import Unit


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

    def import_request(self, actor: Actor) -> ImportRequest:
        """What the form says about the file, for the import."""
        return ImportRequest(
            year=self.year.data,
            title=(self.title.data or "").strip(),
            title_en=(self.title_en.data or "").strip() or None,
            source_doc=(self.source.data or "").strip(),
            source_en=(self.source_en.data or "").strip() or None,
            created_by=actor,
        )


def unit_choices() -> list[tuple[str, object]]:
    return [
        ("", _l("As the table says (its unit row, e.g. 单位：万元)")),
        *[(unit.value, unit.label) for unit in Unit],
    ]


def level_choices() -> list[tuple[str, object]]:
    return [
        (CITYWIDE, _l("The whole city (全市)")),
        (MUNICIPAL, _l("The city government's own level (市本级)")),
        ("other", _l("A district or department (named below)")),
    ]


def column_letter_field(label: object) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=3)])


class SpendingUploadForm(UploadForm):
    stage = SelectField(_l("Stage"), choices=stage_choices, default="budget")
    unit = SelectField(_l("Unit of the amounts"), choices=unit_choices, default="")
    level = SelectField(_l("Whose spending"), choices=level_choices, default=CITYWIDE)
    level_name = StringField(
        _l("Name of the district or department"), validators=[Optional(), Length(max=100)]
    )
    code_column = column_letter_field(_l("Column of the codes (e.g. A)"))
    name_column = column_letter_field(_l("Column of the names (e.g. B)"))
    amount_column = column_letter_field(_l("Column of the amounts of the stage (e.g. C)"))
    header_row = IntegerField(
        _l("Row of the header (its first row)"),
        validators=[Optional(), NumberRange(1, 40, _l("A row from 1 to 40."))],
    )

    def validate_level_name(self, field: StringField) -> None:
        if self.level.data == "other" and not (field.data or "").strip():
            raise ValidationError(_l("Name the district or department the table belongs to."))

    def _validate_letter(self, field: StringField) -> None:
        if field.data and column_index(field.data) is None:
            raise ValidationError(_l("Give a column by its letter, e.g. A or C."))

    validate_code_column = validate_name_column = validate_amount_column = _validate_letter

    def import_request(self, actor: Actor) -> ImportRequest:
        return replace(
            super().import_request(actor),
            stage=STAGES[self.stage.data],
            unit=Unit(self.unit.data) if self.unit.data else None,
            level=self.chosen_level(),
            columns=self.chosen_columns(),
            header_row=self.header_row.data,
        )

    def chosen_level(self) -> str:
        if self.level.data == "other":
            return " ".join((self.level_name.data or "").split())
        return str(self.level.data)

    def chosen_columns(self) -> dict[str, int]:
        """Corrections of the columns (role → 0-based column); the amount is the stage's."""
        columns = {}
        for role, field in (("code", self.code_column), ("name", self.name_column)):
            index = column_index(field.data or "")
            if index is not None:
                columns[role] = index
        index = column_index(self.amount_column.data or "")
        if index is not None:
            columns[
                {"budget": "budget", "adjusted": "adjusted", "final": "executed"}[
                    self.stage.data or "budget"
                ]
            ] = index
        return columns


class LedgerUploadForm(UploadForm):
    """A ledger of proposals spans the years of its items: the year is only a check, if given."""

    year = IntegerField(
        _l("Year of the ledger (optional)"),
        validators=[Optional(), NumberRange(2000, 2100, _l("Enter a year between 2000 and 2100."))],
    )


class VersionActionForm(FlaskForm):
    """Publish, restore or withdraw: a button, and the CSRF token; a publish of flagged figures
    also carries the confirmation of exactly those flags."""

    confirm = HiddenField()
    confirmed = BooleanField(
        _l("I have checked these figures against the source document: they are right.")
    )
    submit = SubmitField()
