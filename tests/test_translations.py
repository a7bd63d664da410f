"""Every visible string has a Chinese translation, with its placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parent.parent / "portal/translations/zh/LC_MESSAGES/messages.po"


def test_chinese_catalog_is_complete() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)
        strings = (
            tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)
        )
        if not all(strings) or message.fuzzy:
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        texts = [s for s in strings if s]  # all of them, as just checked
        wanted = sorted(re.findall(r"%\(\w+\)s", ids[0]))
        if any(sorted(re.findall(r"%\(\w+\)s", s)) != wanted for s in texts):
            problems.append(f"placeholders differ: {ids[0]!r}")
    assert problems == []


def test_every_string_in_the_code_is_in_the_catalog(tmp_path, monkeypatch) -> None:
    """Extracting the strings anew (as `make update-messages` does) finds none the catalog lacks:
    a string added to the code or a template without being extracted and translated fails here."""
    from babel.messages.frontend import CommandLineInterface

    monkeypatch.chdir(PO.parents[4])
    pot = tmp_path / "messages.pot"
    ignored = ".* .venv instance node_modules"
    command = ["pybabel", "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext"]
    CommandLineInterface().run([*command, "--ignore-dirs", ignored, "-o", str(pot), "."])
    with pot.open("rb") as handle:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert sorted(extracted - catalog) == []
