"""What the public may download, and the rows of each download, read from the database in batches.

**Which versions are public.** A version whose status is ``published`` — the live version of its
dataset and every version that was live before it (restoring is publishing again, and nothing
published is ever overwritten, so a reader can compare revisions). Drafts and withdrawn drafts were
never public and are not downloadable. The handling ledger of proposals is not offered as a file:
its original rows hold replies that are not public; the public content of the proposals is offered
instead, as it stands now (:func:`proposal_rows`), through :mod:`portal.proposals.visibility`.

Each ``*_rows`` function does its look-ups at once (names, areas: a few thousand codes at most) and
returns a generator that reads the lines in batches as it is iterated, on a session of its own,
so that a million-line version is never held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Select, case, func, select, type_coerce
from sqlalchemy.orm import Session, contains_eager, defer, selectinload

from portal.datasets.models import STAGE_ORDER, Dataset, DatasetKind, DatasetVersion, VersionStatus
from portal.datasets.services import published_version
from portal.db import Database
from portal.i18n import CHINA
from portal.proposals.models import ProposalItem
from portal.proposals.visibility import PUBLIC, Access, may_see_feedback, reply_access
from portal.spending.aggregation import leaf_codes, load_mapper
from portal.spending.areas import AREAS
from portal.spending.models import AreaMapping as AreaMappingRow
from portal.spending.models import (
    BudgetLine,
    CityProfile,
    CityYear,
    CodeName,
    FileCodeName,
    Indicator,
    LivelihoodProject,
    NationalFigure,
)

#: Rows are read and written this many at a time.
BATCH = 2000
#: The area of a line outside the seven areas.
OTHER_AREA = "other"
#: Kinds offered as files (the proposals ledger is not: see the module's docstring).
FILE_KINDS = (
    DatasetKind.SPENDING,
    DatasetKind.INDICATORS,
    DatasetKind.PROJECTS,
    DatasetKind.CITY,
    DatasetKind.NATIONAL,
    DatasetKind.CLASSIFICATION,
    DatasetKind.MAPPING,
)
CODE_LEVEL = {3: 1, 5: 2, 7: 3}

Row = Sequence[Any]
#: A ``select()`` of any columns.
AnySelect = Select[*tuple[Any, ...]]
Rows = Iterator[Row]


def fen(column: Any) -> Any:
    """A money column (万元, stored as whole 分) read as the stored integer of 分: exact, and
    formatted straight from the integer (see :func:`.formats.wan_text`), which is several times
    faster than making a ``Decimal`` of every amount of a million lines."""
    return type_coerce(column, BigInteger)


#: Versions on a page of the downloads list (``/<lang>/data``).
PER_PAGE = 25


def public_versions() -> Select[tuple[DatasetVersion]]:
    """Every public version (see the module's docstring), in the order of the downloads page: by
    kind, the latest year first, then stage and level, the newest version first."""
    return _in_list_order(select(DatasetVersion)).options(
        defer(DatasetVersion.reading), contains_eager(DatasetVersion.dataset)
    )


def _in_list_order(statement: Select[Any]) -> Select[Any]:
    kind_order = case({kind.value: n for n, kind in enumerate(FILE_KINDS)}, value=Dataset.kind)
    stage_order = case({s.value: n for s, n in STAGE_ORDER.items()}, value=Dataset.stage, else_=0)
    return (
        statement.join(Dataset, Dataset.id == DatasetVersion.dataset_id)
        .where(
            DatasetVersion.status == VersionStatus.PUBLISHED,
            Dataset.kind.in_([k.value for k in FILE_KINDS]),
        )
        .order_by(
            kind_order,
            Dataset.year.desc(),
            stage_order,
            Dataset.level,
            DatasetVersion.number.desc(),
        )
    )


def list_pages(session: Session) -> dict[int, int]:
    """On which page of the downloads list each public version is: version id → page number
    (for links from the feed and the catalogue to a version's row)."""
    ids = session.scalars(_in_list_order(select(DatasetVersion.id)))
    return {version_id: n // PER_PAGE + 1 for n, version_id in enumerate(ids)}


def public_version(session: Session, version_id: int) -> DatasetVersion | None:
    """The version if the public may download it, else ``None``."""
    version = session.get(DatasetVersion, version_id)
    if (
        version is None
        or version.status != VersionStatus.PUBLISHED
        or version.dataset.kind not in FILE_KINDS
    ):
        return None
    return version


def depends_on(session: Session, version: DatasetVersion) -> tuple[int, ...]:
    """The other versions a download's content is read from (a spending version's names and areas
    come from the live classification and mapping): part of its ETag."""
    if version.dataset.kind != DatasetKind.SPENDING:
        return ()
    return tuple(
        v.id if v is not None else 0
        for v in (
            published_version(session, DatasetKind.CLASSIFICATION),
            published_version(session, DatasetKind.MAPPING),
        )
    )


def area_names() -> dict[str, tuple[str, str]]:
    """slug → (Chinese name, English name) of the seven areas and of ``other``."""
    names: dict[str, tuple[str, str]] = {}
    for slug, name in [*((a.slug, a.name) for a in AREAS), (OTHER_AREA, None)]:
        with force_locale("zh_CN"):
            zh = str(name) if name is not None else "其他（非民生）"
        with force_locale("en"):
            en = str(name) if name is not None else "Other (not livelihood)"
        names[slug] = (zh, en)
    return names


def batches(db: Database, statement: AnySelect) -> Iterator[Sequence[Any]]:
    """The rows of *statement*, read :data:`BATCH` at a time on a session of their own (closed when
    the iteration ends or is abandoned)."""
    session = db.sessionmaker()
    try:
        result = session.execute(statement.execution_options(yield_per=BATCH))
        yield from result.partitions()
    finally:
        session.close()


# -- spending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeInfo:
    area: str
    name_zh: str
    name_en: str
    leaf: bool


def code_info(session: Session, version: DatasetVersion) -> dict[str, CodeInfo]:
    """Area, names and leaf flag of each code of a spending version (one row per distinct code)."""
    codes = list(
        session.scalars(
            select(BudgetLine.code).where(BudgetLine.version_id == version.id).distinct()
        )
    )
    leaves = leaf_codes(codes)
    mapper = load_mapper(session)
    year = version.dataset.year
    classification = published_version(session, DatasetKind.CLASSIFICATION)
    names: dict[str, list[CodeName]] = {}
    if classification is not None:
        for row in session.scalars(
            select(CodeName).where(
                CodeName.version_id == classification.id, CodeName.code.in_(codes)
            )
        ):
            names.setdefault(row.code, []).append(row)
    in_file: dict[str, str] = {
        code: name
        for code, name in session.execute(
            select(FileCodeName.code, FileCodeName.name).where(
                FileCodeName.version_id == version.id
            )
        )
    }
    info = {}
    for code in codes:
        # the name of the table's year, or of the nearest year listed (the later one on a tie)
        candidates = sorted(names.get(code, []), key=lambda n: (abs(n.year - year), -n.year))
        named = candidates[0] if candidates else None
        zh = named.name_zh if named else in_file.get(code, "")
        en = named.name_en if named else ""
        info[code] = CodeInfo(mapper.area_of(code) or OTHER_AREA, zh, en, code in leaves)
    return info


def spending_rows(
    session: Session, db: Database, version: DatasetVersion, *, leaves_only: bool = False
) -> Rows:
    dataset = version.dataset
    info = code_info(session, version)
    areas = area_names()
    head = (dataset.year, dataset.stage.value, dataset.level)
    statement = (
        select(
            BudgetLine.code,
            BudgetLine.department,
            BudgetLine.project,
            fen(BudgetLine.budget),
            fen(BudgetLine.adjusted),
            fen(BudgetLine.executed),
        )
        .where(BudgetLine.version_id == version.id)
        .order_by(BudgetLine.id)
    )

    def rows() -> Rows:
        for batch in batches(db, statement):
            for code, department, project, budget, adjusted, executed in batch:
                code_of = info.get(code) or CodeInfo(OTHER_AREA, "", "", True)
                if leaves_only and not code_of.leaf:
                    continue
                area_zh, area_en = areas[code_of.area]
                yield (
                    *head,
                    code_of.area,
                    area_zh,
                    area_en,
                    code,
                    CODE_LEVEL.get(len(code)),
                    code[:3],
                    code[:5] if len(code) > 3 else "",
                    code_of.name_zh,
                    code_of.name_en,
                    department,
                    project,
                    code_of.leaf,
                    budget,
                    adjusted,
                    executed,
                )

    return rows()


# -- the other kinds: one query each --------------------------------------------------------------


def _query_rows(db: Database, statement: AnySelect) -> Rows:
    for batch in batches(db, statement):
        yield from batch


def indicator_rows(_session: Session, db: Database, version: DatasetVersion) -> Rows:
    i = Indicator
    return _query_rows(
        db,
        select(
            i.year,
            i.area,
            i.key,
            i.name_zh,
            i.name_en,
            i.unit_zh,
            i.unit_en,
            i.target,
            i.actual,
            i.higher_is_better,
        )
        .where(i.version_id == version.id)
        .order_by(i.year, i.area, i.id),
    )


def project_rows(_session: Session, db: Database, version: DatasetVersion) -> Rows:
    p = LivelihoodProject
    return _query_rows(
        db,
        select(
            p.year,
            p.area,
            p.key,
            p.title_zh,
            p.title_en,
            p.description_zh,
            p.description_en,
            fen(p.budget),
            p.progress,
            p.status,
        )
        .where(p.version_id == version.id)
        .order_by(p.year, p.area, p.id),
    )


def city_rows(session: Session, db: Database, version: DatasetVersion) -> Rows:
    profile = session.get(CityProfile, version.id)
    names = (
        (profile.city_name_zh, profile.city_name_en, profile.bureau_name_zh, profile.bureau_name_en)
        if profile is not None
        else ("", "", "", "")
    )
    c = CityYear
    statement = (
        select(
            c.year,
            c.population_10k,
            fen(c.general_budget_expenditure_budget),
            fen(c.general_budget_expenditure_final),
        )
        .where(c.version_id == version.id)
        .order_by(c.year)
    )
    return ((*row, *names) for row in _query_rows(db, statement))


def national_rows(_session: Session, db: Database, version: DatasetVersion) -> Rows:
    n = NationalFigure
    return _query_rows(
        db,
        select(
            n.year,
            n.function,
            n.name_zh,
            n.name_en,
            n.amount,
            n.source_title_zh,
            n.source_title_en,
            n.source_url,
        )
        .where(n.version_id == version.id)
        .order_by(n.year, n.function),
    )


def classification_rows(_session: Session, db: Database, version: DatasetVersion) -> Rows:
    c = CodeName
    return _query_rows(
        db,
        select(c.code, c.year, c.name_zh, c.name_en, c.verified, c.source)
        .where(c.version_id == version.id)
        .order_by(c.code, c.year),
    )


def mapping_rows(_session: Session, db: Database, version: DatasetVersion) -> Rows:
    m = AreaMappingRow
    statement = (
        select(m.prefix, m.area, m.staff_related, m.verified, m.note_zh, m.note_en)
        .where(m.version_id == version.id)
        .order_by(m.prefix)
    )
    return ((prefix, area or "", *rest) for prefix, area, *rest in _query_rows(db, statement))


#: The rows of a version of each kind, in the order of its fields (see :mod:`.fields`).
ROWS: dict[str, Callable[[Session, Database, DatasetVersion], Rows]] = {
    DatasetKind.SPENDING: spending_rows,
    DatasetKind.INDICATORS: indicator_rows,
    DatasetKind.PROJECTS: project_rows,
    DatasetKind.CITY: city_rows,
    DatasetKind.NATIONAL: national_rows,
    DatasetKind.CLASSIFICATION: classification_rows,
    DatasetKind.MAPPING: mapping_rows,
}


def version_rows(session: Session, db: Database, version: DatasetVersion) -> Rows:
    return ROWS[version.dataset.kind](session, db, version)


# -- proposals: their public content as it stands --------------------------------------------------

PROPOSAL_BATCH = 500


def _proposal_row(item: ProposalItem) -> Row:
    reply = item.replies[-1] if item.replies else None
    access = reply_access(PUBLIC, item.submitter_ids, item.disclosure)
    summary = reply is not None and access is not Access.NONE
    full = reply is not None and access is Access.FULL
    feedback = may_see_feedback(PUBLIC, item.submitter_ids, item.disclosure)
    return (
        item.id,
        item.kind.value,
        item.session_label,
        item.session_label_en,
        item.number,
        item.year,
        item.title,
        item.title_en,
        item.lead_submitter.name,
        "; ".join(s.name for s in item.cosigners),
        item.areas,
        item.role.value,
        item.status.value,
        item.assigned_on,
        item.reply_due,
        item.first_replied_on,
        item.first_reply_on_time,
        item.replied_on,
        item.reply_class or "",
        reply.document_number if reply is not None else "",
        item.disclosure.value if item.disclosure is not None else "",
        reply.summary if summary and reply is not None else "",
        reply.summary_en if summary and reply is not None else "",
        reply.text if full and reply is not None else "",
        reply.text_en if full and reply is not None else "",
        item.published_on,
        item.handling_final.value if feedback and item.handling_final else "",
        item.result_final.value if feedback and item.result_final else "",
        item.closed_on,
        item.sample,
    )


def proposal_rows(db: Database) -> Rows:
    """Every item, public content only, read :data:`PROPOSAL_BATCH` at a time (keyset paging on
    the id: each batch is a short query, whatever the client's speed)."""
    session = db.sessionmaker()
    try:
        last = 0
        while True:
            items = list(
                session.scalars(
                    select(ProposalItem)
                    .where(ProposalItem.id > last)
                    .order_by(ProposalItem.id)
                    .limit(PROPOSAL_BATCH)
                    .options(
                        defer(ProposalItem.search_text),
                        defer(ProposalItem.body),
                        defer(ProposalItem.body_en),
                        selectinload(ProposalItem.cosigners),
                        selectinload(ProposalItem.replies),
                    )
                )
            )
            if not items:
                return
            for item in items:
                yield _proposal_row(item)
            last = items[-1].id
            session.expunge_all()
            session.rollback()  # no transaction held between batches
    finally:
        session.close()


@dataclass(frozen=True)
class Download:
    """What a file holds, as its page, its JSON and its data package describe it: a dataset
    version, or the proposals' public content as it stands (``version_id`` ``None``)."""

    key: str  # the key of its fields in FIELDS: the dataset kind, or "proposals"
    title: str
    title_en: str
    source: str
    source_en: str
    source_url: str | None
    sample: bool
    row_count: int
    published_at: datetime | None
    version_id: int | None = None
    number: int | None = None
    year: int = 0
    stage: str = ""
    level: str = ""
    sha256: str | None = None
    original_filename: str | None = None
    current: bool = True

    @classmethod
    def of(cls, version: DatasetVersion) -> Download:
        dataset = version.dataset
        return cls(
            key=dataset.kind.value,
            title=version.title,
            title_en=version.title_en or version.title,
            source=version.source,
            source_en=version.source_en or version.source,
            source_url=version.source_url,
            sample=version.sample,
            row_count=version.row_count,
            published_at=version.published_at,
            version_id=version.id,
            number=version.number,
            year=dataset.year,
            stage=dataset.stage.value,
            level=dataset.level,
            sha256=version.sha256,
            original_filename=version.original_filename,
            current=dataset.published_version_id == version.id,
        )

    @property
    def fiscal(self) -> bool:
        """Whether its data package is a Fiscal Data Package (spending)."""
        return self.key == DatasetKind.SPENDING.value


def proposals_download(session: Session) -> Download | None:
    """The proposals' public content as one download; ``None`` while there are no items."""
    count, sample, last = session.execute(
        select(
            func.count(ProposalItem.id),
            func.max(case((ProposalItem.sample.is_(True), 1), else_=0)),
            func.max(ProposalItem.last_event_on),
        )
    ).one()
    if not count:
        return None
    with force_locale("zh_CN"):
        title, source = str(PROPOSALS_TITLE), str(PROPOSALS_SOURCE)
    with force_locale("en"):
        title_en, source_en = str(PROPOSALS_TITLE), str(PROPOSALS_SOURCE)
    return Download(
        key="proposals",
        title=title,
        title_en=title_en,
        source=source,
        source_en=source_en,
        source_url=None,
        sample=bool(sample),
        row_count=int(count),
        published_at=datetime.combine(last, time(), tzinfo=CHINA) if last else None,
    )


PROPOSALS_TITLE = _l("Suggestions and proposals handled by the bureau: public content")
PROPOSALS_SOURCE = _l(
    "The bureau's handling records, as they stand now: replies and feedback only where their "
    "disclosure makes them public"
)
