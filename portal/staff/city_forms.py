"""The city facts form: the city's and the bureau's names, the source document, and one row per
year (population in 万人, general public budget expenditure in 万元). Numbers are read as exact
decimals from the text typed, never through a float, with a message per field when they are not."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.spending.city import CityFacts
from portal.spending.queries import CityFigures, CityNames

#: Years a form takes at most (rows beyond are not read); new years get a few empty rows.
MAX_YEARS = 60
EMPTY_ROWS = 3
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: At most this many digits before the decimal point (far more than any city has).
MAX_WHOLE_DIGITS = 12
NUMBER = re.compile(r"([0-9]+)(?:\.([0-9]+))?")  # ASCII: Decimal() takes any script's digits
AMOUNT_ERROR = _l(
    "Enter the amount in 10,000 yuan as a number with at most six decimal places, e.g. 5760000.00."
)


def _year(text: str) -> int | None:
    """A year typed as four ASCII digits (``str.isdigit()`` also takes ``𐩀``, which ``int()``
    refuses)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def exact_decimal(text: str, places: int) -> Decimal:
    """*text* as an exact decimal of at most *places* decimal places (thousands separators and
    spaces are allowed); ``ValueError`` if it is anything else (a sign, an exponent, NaN …)."""
    cleaned = re.sub(r"[\s,，]", "", text)
    match = NUMBER.fullmatch(cleaned)
    if match is None or len(match.group(1)) > MAX_WHOLE_DIGITS:
        raise ValueError(cleaned)
    if match.group(2) and len(match.group(2)) > places:
        raise ValueError(cleaned)
    return Decimal(cleaned)


class ExactDecimalField(StringField):
    """A number typed as text and kept exact (``data`` is a :class:`~decimal.Decimal` or
    ``None`` when empty); *message* is the error for anything that is not such a number."""

    def __init__(self, label: Any, places: int, message: Any, **kwargs: Any) -> None:
        super().__init__(label, filters=[_strip], validators=[Length(max=40)], **kwargs)
        self.places = places
        self.message = message
        self.number: Decimal | None = None

    def pre_validate(self, form: Any) -> None:
        self.number = None
        if self.data:
            try:
                self.number = exact_decimal(self.data, self.places)
            except ValueError:
                raise ValidationError(str(self.message)) from None


class CityYearRow(Form):
    """One year; a row left empty is ignored (the form offers a few for new years)."""

    year = StringField(_l("Year"), filters=[_strip], validators=[Length(max=10)])
    population_10k = ExactDecimalField(
        _l("Resident population (10,000 people)"),
        places=2,
        message=_l(
            "Enter the population in 10,000 people as a number with at most two decimal places, e.g. 452.10."
        ),
    )
    general_budget = ExactDecimalField(
        _l("General public budget expenditure, budget (10,000 yuan)"),
        places=6,
        message=AMOUNT_ERROR,
    )
    general_final = ExactDecimalField(
        _l("General public budget expenditure, final accounts (10,000 yuan)"),
        places=6,
        message=AMOUNT_ERROR,
    )

    @property
    def is_blank(self) -> bool:
        return not any(f.data for f in (self.year, *self.number_fields))

    @property
    def number_fields(self) -> tuple[ExactDecimalField, ...]:
        return (self.population_10k, self.general_budget, self.general_final)

    def validate(self, extra_validators: Any = None) -> bool:
        super().validate(extra_validators)
        if self.is_blank:
            return True
        year = self.year.data or ""
        if not year:
            self.year.errors.append(_("Enter the year of this row, or empty the row."))
        elif not FIRST_YEAR <= (_year(year) or 0) <= LAST_YEAR:
            self.year.errors.append(
                _("Enter a year between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
            )
        if not self.population_10k.data:
            self.population_10k.errors.append(_("Enter the resident population of this year."))
        elif self.population_10k.number is not None and self.population_10k.number <= 0:
            self.population_10k.errors.append(_("The population must be more than 0."))
        return not self.errors

    @property
    def year_number(self) -> int | None:
        return _year(self.year.data or "")

    def figures(self) -> CityFigures:
        return CityFigures(
            int(self.year.data or 0),
            self.population_10k.number or Decimal(0),
            self.general_budget.number,
            self.general_final.number,
        )


def _name_field(label: Any, required: Any | None = None) -> StringField:
    validators: list[Any] = [DataRequired(required)] if required else [Optional()]
    return StringField(label, filters=[_strip], validators=[*validators, Length(max=100)])


class CityFactsForm(FlaskForm):
    city_name_zh = _name_field(_l("City name in Chinese"), _l("Enter the city's name in Chinese."))
    city_name_en = StringField(
        _l("City name in English (optional)"), filters=[_strip], validators=[Length(max=200)]
    )
    bureau_name_zh = _name_field(
        _l("Finance bureau name in Chinese"), _l("Enter the finance bureau's name in Chinese.")
    )
    bureau_name_en = StringField(
        _l("Finance bureau name in English (optional)"),
        filters=[_strip],
        validators=[Length(max=200)],
    )
    source = TextAreaField(
        _l("Source document"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Name the document these figures come from.")),
            Length(max=2000),
        ],
    )
    source_en = TextAreaField(
        _l("Source document in English (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000)],
    )
    years = FieldList(FormField(CityYearRow), max_entries=MAX_YEARS)
    submit = SubmitField(_l("Save as a draft"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        seen: set[int] = set()
        for entry in self.years:
            row: CityYearRow = entry.form
            year = row.year_number
            if year is None or row.year.errors:
                continue
            if year in seen:
                row.year.errors.append(_("%(year)s is in the table twice.", year=year))
                valid = False
            seen.add(year)
        return valid

    def rows(self) -> list[CityYearRow]:
        return [entry.form for entry in self.years if not entry.form.is_blank]

    def facts(self) -> CityFacts:
        """What was entered (call after a successful ``validate``)."""
        names = CityNames(
            self.city_name_zh.data or "",
            self.city_name_en.data or "",
            self.bureau_name_zh.data or "",
            self.bureau_name_en.data or "",
        )
        return CityFacts.of(names, [row.figures() for row in self.rows()])

    def problems(self) -> list[tuple[str, str]]:
        """Every error as (id of the field, message naming the row and the field), in page order."""
        found: list[tuple[str, str]] = []
        for field in self:
            if field.name == "years":
                continue
            found += [(field.id, str(error)) for error in field.errors]
        for index, entry in enumerate(self.years, start=1):
            row: CityYearRow = entry.form
            where = (
                _("Year %(year)s", year=row.year.data)
                if row.year_number
                else _("Row %(number)s", number=index)
            )
            for field in (row.year, *row.number_fields):
                found += [
                    (
                        field.id,
                        _(
                            "%(row)s, %(field)s: %(error)s",
                            row=where,
                            field=field.label.text,
                            error=error,
                        ),
                    )
                    for error in field.errors
                ]
        return found


def fact_labels() -> dict[str, str]:
    """What each name and figure of the city facts is called (the preview of a version)."""
    return {
        "city_name_zh": _("City name in Chinese"),
        "city_name_en": _("City name in English"),
        "bureau_name_zh": _("Finance bureau name in Chinese"),
        "bureau_name_en": _("Finance bureau name in English"),
        "population_10k": _("Resident population (10,000 people)"),
        "general_budget": _("General public budget expenditure, budget (10,000 yuan)"),
        "general_final": _("General public budget expenditure, final accounts (10,000 yuan)"),
    }


def form_data(facts: CityFacts | None, source: str, source_en: str) -> dict[str, Any]:
    """The form's initial values: *facts* (the live version) and a few empty rows for new years."""
    names = facts.names if facts else None
    rows = [
        {
            "year": str(y.year),
            "population_10k": str(y.population_10k),
            "general_budget": "" if y.general_budget is None else str(y.general_budget),
            "general_final": "" if y.general_final is None else str(y.general_final),
        }
        for y in (facts.years if facts else ())
    ]
    return {
        "city_name_zh": names.city_name_zh if names else "",
        "city_name_en": names.city_name_en if names else "",
        "bureau_name_zh": names.bureau_name_zh if names else "",
        "bureau_name_en": names.bureau_name_en if names else "",
        "source": source,
        "source_en": source_en,
        "years": rows + [{} for _row in range(EMPTY_ROWS)],
    }
