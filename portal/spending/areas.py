"""The seven priority areas. Fixed: their slugs are part of the public URL contract."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Area:
    slug: str
    name: LazyString
    tagline: LazyString
    #: One fixed colour per area (Okabe–Ito; wine from Paul Tol's palette instead of black, which
    #: read as missing), colour-blind safe, the same on every page and chart.
    colour: str
    #: The national function (see data/national.csv) this area sits in, for the national context.
    national_function: str | None


AREAS: tuple[Area, ...] = (
    Area("childcare", _l("Childcare"), _l("Young children are cared for"), "#E69F00", None),
    Area("education", _l("Education"), _l("Every child learns"), "#0072B2", "education"),
    Area(
        "employment",
        _l("Employment and income"),
        _l("Work is rewarded"),
        "#009E73",
        "social_security",
    ),
    Area("healthcare", _l("Health care"), _l("The sick are treated"), "#D55E00", "health"),
    Area(
        "elderly-care",
        _l("Elderly care"),
        _l("The elderly are looked after"),
        "#CC79A7",
        "social_security",
    ),
    Area("housing", _l("Housing"), _l("Everyone has a home"), "#56B4E9", None),
    Area(
        "social-assistance",
        _l("Support for vulnerable groups"),
        _l("The vulnerable are supported"),
        "#882255",
        "social_security",
    ),
)

AREAS_BY_SLUG: dict[str, Area] = {area.slug: area for area in AREAS}
AREA_SLUGS: tuple[str, ...] = tuple(AREAS_BY_SLUG)
