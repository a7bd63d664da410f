"""``flask --app portal import …``: the same import as the upload form, for files of any size.

    flask --app portal import spending FILE --year 2024 --stage final --title T --source S
        [--unit wan] [--level municipal] [--publish [--confirm-figures]]
    flask --app portal import indicators FILE --year 2024 --title T --source S [--publish]
    flask --app portal import projects FILE --year 2024 --title T --source S [--publish]
    flask --app portal import proposals FILE --title T --source S [--year 2025] [--publish]
    flask --app portal import template spending --lang zh [--output FILE]

An import commits once, at the very end: killed at any moment before, it leaves the database exactly
as it was. An invalid file prints every problem, writes nothing and exits with status 1.
"""

from __future__ import annotations

import getpass
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from flask import g
from flask.cli import AppGroup, with_appcontext
from flask_babel import gettext as _

from portal.datasets.actions import flags_token, publish, publish_flags
from portal.datasets.models import CITYWIDE, DatasetVersion
from portal.db import get_session
from portal.roles import Actor
from portal.spending.upload.vocabulary import STAGES
from portal.uploads.files import TableSource
from portal.uploads.headers import template_csv
from portal.uploads.importing import ImportKind, ImportRequest, ImportResult, import_kinds
from portal.uploads.units import Unit


class PhaseProgress:
    """One click progress bar per phase of the import (checking, then writing), on stderr."""

    STEPS = 1000

    def __init__(self) -> None:
        self.bar: Any = None
        self.phase: str | None = None
        self.done = 0

    def __call__(self, phase: str, fraction: float) -> None:
        if phase != self.phase:
            self.close()
            label = {"check": _("Checking"), "write": _("Writing")}.get(phase, phase)
            self.bar = click.progressbar(length=self.STEPS, label=label, file=sys.stderr)
            self.bar.__enter__()
            self.phase, self.done = phase, 0
        step = int(fraction * self.STEPS) - self.done
        if step > 0:
            self.bar.update(step)
            self.done += step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


def report(result: ImportResult) -> None:
    for problem in result.problems.sorted():
        click.echo(problem.describe())
    if result.problems.not_shown:
        click.echo(
            _(
                "… and %(count)s more problems of the same kinds, not listed.",
                count=result.problems.not_shown,
            )
        )


def run_import(
    kind: ImportKind,
    file: Path,
    lang: str,
    request: ImportRequest,
    confirm_figures: bool = False,
) -> None:
    """Import *file*; a request to publish is carried out after the check, once its flagged
    figures (if any) are listed and confirmed."""
    g.lang = lang  # messages in the clerk's language (the catalogs follow g.lang)
    session = get_session()
    progress = PhaseProgress()
    try:
        result = kind.run(
            session, TableSource.from_path(file), replace(request, publish=False), progress=progress
        )
    finally:
        progress.close()
    if result.ok and request.publish:
        publish_checked(session, result, request.created_by, confirm_figures)
    report(result)
    if not result.ok:
        session.rollback()
        click.echo(
            _(
                "%(errors)s error(s), %(warnings)s warning(s). Nothing was imported.",
                errors=result.problems.errors,
                warnings=result.problems.warnings,
            ),
            err=True,
        )
        raise click.exceptions.Exit(1)
    session.commit()
    state = _("published") if result.published else _("saved as a draft")
    click.echo(
        _(
            "Imported %(rows)s rows as version %(number)s (id %(id)s), %(state)s. SHA-256 %(sha)s.",
            rows=result.rows,
            number=result.version_number,
            id=result.version_id,
            state=state,
            sha=result.sha256,
        )
    )


def publish_checked(
    session: Any, result: ImportResult, actor: Actor, confirm_figures: bool
) -> None:
    """Publish the new draft; flagged figures are listed and need ``--confirm-figures``."""
    version = session.get(DatasetVersion, result.version_id)
    flags = publish_flags(session, version)
    for flag in flags:
        click.echo(_("Check: %(flag)s", flag=flag.message))
    if flags and not confirm_figures:
        session.rollback()
        click.echo(
            _(
                "Nothing was imported: these figures need a confirmation. Check them against the source document and run again with --confirm-figures."
            ),
            err=True,
        )
        raise click.exceptions.Exit(1)
    result.data_version = publish(session, version.id, actor=actor, confirm=flags_token(flags))
    result.published = True


def _options(*, year_required: bool = True) -> Any:
    year_help = None if year_required else "Optional: every row must be of this year."
    options = [
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option(
            "--year", type=click.IntRange(2000, 2100), required=year_required, help=year_help
        ),
        click.option("--title", required=True, help="Title of the version (Chinese)."),
        click.option("--source", "source_doc", required=True, help="The source document."),
        click.option("--title-en", default=None, help="Title in English."),
        click.option("--source-en", default=None, help="The source document, in English."),
        click.option("--publish", is_flag=True, help="Publish at once instead of keeping a draft."),
        click.option("--by", "created_by", default=None, help="Who imports (default cli:<user>)."),
        click.option(
            "--lang", type=click.Choice(["zh", "en"]), default="zh", help="Message language."
        ),
    ]

    def decorate(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate


def kind_command(kind: ImportKind) -> click.Command:
    """``flask --app portal import KIND FILE …`` for a registered upload kind, with the options
    its kind has (a stage; a unit, a level and confirming flagged figures)."""

    def command(
        file: Path,
        lang: str,
        created_by: str | None,
        stage: str | None = None,
        unit: str | None = None,
        confirm_figures: bool = False,
        **options: Any,
    ) -> None:
        if kind.has_stage:
            options["stage"] = STAGES[str(stage)]
        if kind.has_level_and_unit:
            options["unit"] = Unit(unit) if unit else None
        request = ImportRequest(created_by=Actor.system(created_by or default_actor()), **options)
        run_import(kind, file, lang, request, confirm_figures)

    decorated = _options(year_required=kind.needs_year)(command)
    if kind.has_stage:
        decorated = click.option("--stage", type=click.Choice(list(STAGES)), required=True)(
            decorated
        )
    if kind.has_level_and_unit:
        decorated = click.option(
            "--unit",
            type=click.Choice([u.value for u in Unit]),
            default=None,
            help="The unit of the amounts, when the table has no unit row (yuan, thousand, wan, yi).",
        )(decorated)
        decorated = click.option(
            "--level",
            default=CITYWIDE,
            show_default=True,
            help="Whose spending: citywide (全市), municipal (市本级) or the name of a district or department.",
        )(decorated)
        decorated = click.option(
            "--confirm-figures",
            is_flag=True,
            help="With --publish: confirm figures the sanity checks flag (after checking them).",
        )(decorated)
    return click.command(kind.name, help=kind.description or str(kind.label))(
        with_appcontext(decorated)
    )


def import_group(kinds: dict[str, ImportKind]) -> AppGroup:
    """The ``import`` command group: one command per registered upload kind, and ``template``."""
    group = AppGroup("import", help="Import a table as a new draft version (or publish it).")
    for kind in kinds.values():
        group.add_command(kind_command(kind))

    @group.command("template")
    @click.argument("kind", type=click.Choice(list(kinds)))
    @click.option(
        "--lang", type=click.Choice(["zh", "en"]), default="zh", help="Language of the headers."
    )
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
    def template_command(kind: str, lang: str, output: Path | None) -> None:
        """Write a CSV template (headers and one example row) for KIND."""
        content = template_csv(import_kinds()[kind].columns, lang)
        if output is None:
            click.echo(content, nl=False)
        else:
            output.write_bytes(content)

    return group
