"""Making the data findable: a DCAT catalogue of every published dataset at ``/api/v1/catalog``
(JSON-LD, DCAT-AP-like, for national data catalogues to harvest) and schema.org ``Dataset``
descriptions for the pages that show a dataset (``area_dataset_jsonld`` in templates, written into
a non-executable ``<script type="application/ld+json">`` block, which ``script-src 'self'`` lets
be: browsers do not run it).

Every URL is absolute at the public address (:func:`portal.urls.public_url_for`), never built from
the request's ``Host``: the documents are cached by data version. Names come in both languages as
language-tagged values, whatever ``?lang=`` says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, current_app, g, json
from flask_babel import force_locale
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from portal.datasets.labels import kind_label, stage_label
from portal.datasets.models import Dataset, DatasetKind, DatasetVersion, VersionStatus
from portal.db import get_session
from portal.i18n import LANGUAGES, current_lang, in_china, is_zh, localized
from portal.opendata import api_blueprint
from portal.opendata.feeds import data_page_url, dataset_name
from portal.opendata.files.sources import FILE_KINDS
from portal.spending.areas import Area
from portal.spending.queries import CityNames, Snapshot, YearSpending
from portal.spending.web import snapshot
from portal.urls import public_host, public_url_for
from portal.web import cached_by_data_version

catalog = api_blueprint("catalog", __name__, "/api/v1")

LICENSE = "https://creativecommons.org/licenses/by/4.0/"

#: DCAT-AP's vocabularies, by the prefixes the catalogue uses.
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}

#: How each download is described: its format's name and media type.
MEDIA_TYPES = {
    "csv": ("CSV", "text/csv"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("JSON", "application/json"),
    "zip": ("ZIP", "application/zip"),  # a (Fiscal) Data Package: datapackage.json and CSV
}
IANA = "https://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class Download:
    """One way to take a dataset version: where, in which format, and what it is called."""

    format: str
    url: str
    title: str


def both_languages(text: Callable[[], str]) -> list[dict[str, str]]:
    """*text* (a function of the current language) as JSON-LD values in zh and en."""
    values = []
    lang = g.get("lang")
    try:
        for tag, locale in LANGUAGES.items():
            g.lang = tag
            with force_locale(locale):
                values.append({"@language": tag, "@value": str(text())})
    finally:
        g.lang = lang
    return values


def iso(moment: datetime | None) -> dict[str, str] | None:
    if moment is None:
        return None
    return {"@value": in_china(moment).isoformat(timespec="seconds"), "@type": "xsd:dateTime"}


def city_names(snap: Snapshot) -> CityNames | None:
    return snap.city_profile


def publisher(snap: Snapshot) -> dict[str, Any]:
    city = city_names(snap)
    names = (
        [
            {"@language": "zh", "@value": city.bureau_name_zh},
            {"@language": "en", "@value": city.bureau_name_en or city.bureau_name_zh},
        ]
        if city
        else both_languages(lambda: _("Livelihood Spending Portal"))
    )
    return {"@type": "foaf:Agent", "foaf:name": names, "foaf:homepage": {"@id": home_url()}}


def home_url() -> str:
    return public_url_for("pages.home", lang="zh")


def spatial(snap: Snapshot) -> dict[str, Any] | None:
    city = city_names(snap)
    if city is None:
        return None
    return {
        "@type": "dct:Location",
        "skos:prefLabel": [
            {"@language": "zh", "@value": city.city_name_zh},
            {"@language": "en", "@value": city.city_name_en or city.city_name_zh},
        ],
    }


def temporal(year: int) -> dict[str, Any] | None:
    """A calendar year (China's fiscal year is the calendar year)."""
    if not year:
        return None
    return {
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": {"@value": f"{year}-01-01", "@type": "xsd:date"},
        "dcat:endDate": {"@value": f"{year}-12-31", "@type": "xsd:date"},
    }


def published_datasets(session: Session) -> list[tuple[Dataset, DatasetVersion, datetime | None]]:
    """Each dataset with a published version: the dataset, its live version, and when any of its
    versions was first published."""
    first = (
        select(DatasetVersion.dataset_id, func.min(DatasetVersion.published_at).label("issued"))
        .where(DatasetVersion.status == VersionStatus.PUBLISHED)
        .group_by(DatasetVersion.dataset_id)
        .subquery()
    )
    rows = session.execute(
        select(Dataset, DatasetVersion, first.c.issued)
        .join(DatasetVersion, Dataset.published_version_id == DatasetVersion.id)
        .outerjoin(first, first.c.dataset_id == Dataset.id)
        .options(contains_eager(Dataset.published_version))
        .order_by(Dataset.kind, Dataset.year.desc(), Dataset.stage, Dataset.level)
    )
    return [(d, v, issued) for d, v, issued in rows]


def version_downloads(version: DatasetVersion, lang: str = "zh") -> list[Download]:
    """The files of a version on the downloads page (:mod:`portal.opendata.files`), in each
    format; for the proposals ledger, the public content of the items as it stands."""
    kind = version.dataset.kind
    if kind == DatasetKind.PROPOSALS:
        return [
            Download(fmt, public_url_for("data.proposals_file", fmt=fmt, lang=lang), name)
            for fmt, (name, _type) in MEDIA_TYPES.items()
        ]
    if kind not in FILE_KINDS:
        return []
    return [
        Download(
            fmt,
            public_url_for("data.version_file", version_id=version.id, fmt=fmt, lang=lang),
            name,
        )
        for fmt, (name, _type) in MEDIA_TYPES.items()
    ]


def dcat_distribution(download: Download) -> dict[str, Any]:
    name, media_type = MEDIA_TYPES.get(download.format, (download.format.upper(), ""))
    distribution: dict[str, Any] = {
        "@type": "dcat:Distribution",
        "dct:title": download.title,
        "dct:format": name,
        "dcat:accessURL": {"@id": download.url},
        "dcat:downloadURL": {"@id": download.url},
        "dct:license": {"@id": LICENSE},
    }
    if media_type:
        distribution["dcat:mediaType"] = {"@id": IANA + media_type}
    return distribution


def dataset_description(dataset: Dataset, version: DatasetVersion) -> str:
    """The live version's title, number and source (and the sample flag): what a catalogue
    reader needs to tell one dataset from another and to trust it."""
    text = _(
        "%(title)s: version %(number)s, published by the finance bureau. Source: %(source)s.",
        title=localized(version.title, version.title_en).rstrip("."),
        number=version.number,
        source=localized(version.source, version.source_en).rstrip("."),
    )
    if version.sample:
        text += " " + _(
            "Sample data: illustrative figures of a made-up city, not any real city's data."
        )
    return text


def dcat_dataset(
    snap: Snapshot, dataset: Dataset, version: DatasetVersion, issued: datetime | None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@id": f"tag:{public_host()},2024:dataset:{dataset.id}",
        "@type": "dcat:Dataset",
        "dct:identifier": dataset_identifier(dataset),
        "dct:title": both_languages(lambda: dataset_name(dataset)),
        "dct:description": both_languages(lambda: dataset_description(dataset, version)),
        "dct:publisher": publisher(snap),
        "dct:license": {"@id": LICENSE},
        "dct:issued": iso(issued or version.published_at),
        "dct:modified": iso(version.published_at),
        "owl:versionInfo": str(version.number),
        "dcat:landingPage": {"@id": data_page_url(version, "zh")},
        "dcat:keyword": both_languages(lambda: kind_label(dataset.kind))
        + ([] if not dataset.stage else both_languages(lambda: stage_label(dataset.stage))),
        "dcat:theme": {"@id": "http://publications.europa.eu/resource/authority/data-theme/GOVE"},
        "dcat:distribution": [dcat_distribution(d) for d in version_downloads(version)],
    }
    for key, value in (("dct:temporal", temporal(dataset.year)), ("dct:spatial", spatial(snap))):
        if value is not None:
            item[key] = value
    return {k: v for k, v in item.items() if v is not None}


def dataset_identifier(dataset: Dataset) -> str:
    """E.g. ``spending-2024-final-citywide``: stable, readable, unique (the dataset's key)."""
    parts: list[str] = [dataset.kind.value]
    if dataset.year:
        parts.append(str(dataset.year))
    if dataset.stage:
        parts.append(dataset.stage.value)
    if dataset.level:
        parts.append(dataset.level)
    return "-".join(parts)


def catalog_document(session: Session, snap: Snapshot) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "@id": public_url_for("catalog.index"),
        "@type": "dcat:Catalog",
        "dct:title": both_languages(lambda: _("Livelihood Spending Portal")),
        "dct:description": both_languages(
            lambda: _(
                "How much the city budgets and spends on the seven livelihood areas, year by "
                "year, with every figure traced to its source."
            )
        ),
        "dct:publisher": publisher(snap),
        "dct:license": {"@id": LICENSE},
        "dct:language": [
            {"@id": "http://publications.europa.eu/resource/authority/language/ZHO"},
            {"@id": "http://publications.europa.eu/resource/authority/language/ENG"},
        ],
        "foaf:homepage": {"@id": home_url()},
        "dct:modified": iso(snap.data_as_of),
        "dcat:dataset": [
            dcat_dataset(snap, dataset, version, issued)
            for dataset, version, issued in published_datasets(session)
        ],
    }


@catalog.after_request
def _anyone_may_read(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@catalog.get("/catalog")
@cached_by_data_version
def index() -> Response:
    document = catalog_document(get_session(), snapshot())
    return current_app.response_class(
        json.dumps(document, ensure_ascii=False, indent=1), mimetype="application/ld+json"
    )


# -- schema.org Dataset, for the pages ---------------------------------------------------------


def schema_org_dataset(
    *,
    name: str,
    description: str,
    url: str,
    year: int | None,
    snap: Snapshot,
    modified: datetime | None,
    distribution: list[tuple[str, str]],
    sample: bool,
    identifier: str | None = None,
    context: bool = True,
) -> dict[str, Any]:
    """A schema.org ``Dataset`` (what search engines read): *distribution* is (media type, URL);
    *context* False for one inside a document that gives the ``@context``."""
    city = city_names(snap)
    item: dict[str, Any] = {
        **({"@context": "https://schema.org/"} if context else {}),
        "@type": "Dataset",
        "name": name,
        "description": description
        + (
            " "
            + _("Sample data: illustrative figures of a made-up city, not any real city's data.")
            if sample
            else ""
        ),
        "url": url,
        "license": LICENSE,
        "isAccessibleForFree": True,
        "inLanguage": "zh-CN" if is_zh() else "en",
        "creator": {
            "@type": "GovernmentOrganization",
            "name": localized(city.bureau_name_zh, city.bureau_name_en)
            if city
            else _("Livelihood Spending Portal"),
        },
        "includedInDataCatalog": {"@type": "DataCatalog", "url": public_url_for("catalog.index")},
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": media_type, "contentUrl": link}
            for media_type, link in distribution
        ],
    }
    if identifier:
        item["identifier"] = identifier
    if year:
        item["temporalCoverage"] = str(year)
    if city:
        item["spatialCoverage"] = {
            "@type": "Place",
            "name": localized(city.city_name_zh, city.city_name_en),
        }
    if modified:
        item["dateModified"] = in_china(modified).isoformat(timespec="seconds")
    return item


def jsonld_script(document: dict[str, Any]) -> Markup:
    """*document* in a ``<script type="application/ld+json">`` data block: a browser does not run
    it (so ``script-src 'self'`` has nothing to refuse), and ``<``, ``>``, ``&`` and ``'`` are
    escaped inside the JSON, so no text in it can close the element."""
    body = htmlsafe_json_dumps(document, dumps=json.dumps, ensure_ascii=False)
    return Markup('<script type="application/ld+json">') + body + Markup("</script>")


def area_dataset_jsonld(snap: Snapshot, spending: YearSpending, area: Area) -> Markup:
    """The area page's figures as a schema.org ``Dataset``: its budget lines for the year as a
    table (CSV) and as JSON from the API."""
    year = spending.year
    return jsonld_script(
        schema_org_dataset(
            name=_("%(area)s: livelihood spending, %(year)s", area=area.name, year=year),
            description=_(
                "Budget, adjusted budget and final accounts of the city's %(area)s spending in "
                "%(year)s, by functional classification (类/款/项), in 10,000 yuan, with the years "
                "before for comparison.",
                area=area.name,
                year=year,
            ),
            url=public_url_for("pages.area", slug=area.slug, year=year),
            year=year,
            snap=snap,
            modified=spending.provenance.published_at,
            distribution=[
                (
                    "text/csv",
                    public_url_for("pages.table_csv", name="lines", area=area.slug, year=year),
                ),
                (
                    "text/csv",
                    public_url_for("pages.table_csv", name="trend", area=area.slug, year=year),
                ),
                ("application/json", public_url_for("api.area", slug=area.slug, year=year)),
            ],
            sample=spending.provenance.sample,
        )
    )


def datasets_jsonld() -> Markup:
    """Every published dataset as a schema.org ``Dataset`` in one ``DataCatalog`` (the
    downloads page), with each download of its live version."""
    snap = snapshot()
    datasets = [
        schema_org_dataset(
            name=dataset_name(dataset),
            description=dataset_description(dataset, version),
            url=data_page_url(version, lang=current_lang()),
            year=dataset.year or None,
            snap=snap,
            modified=version.published_at,
            distribution=[
                (MEDIA_TYPES.get(d.format, ("", d.format))[1], d.url)
                for d in version_downloads(version, current_lang())
            ],
            sample=False,  # said by the description already
            identifier=dataset_identifier(dataset),
            context=False,
        )
        for dataset, version, _issued in published_datasets(get_session())
    ]
    return jsonld_script(
        {
            "@context": "https://schema.org/",
            "@type": "DataCatalog",
            "name": _("Livelihood Spending Portal"),
            "url": public_url_for("pages.home"),
            "license": LICENSE,
            "dataset": datasets,
        }
    )
