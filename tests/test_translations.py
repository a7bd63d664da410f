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
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = sorted(re.findall(r"%\(\w+\)s", ids[0]))
        if any(sorted(re.findall(r"%\(\w+\)s", s)) != wanted for s in strings):
            problems.append(f"placeholders differ: {ids[0]!r}")
    assert problems == []
