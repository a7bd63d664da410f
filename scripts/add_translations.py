"""Extract the messages, fill Chinese translations from a JSON file {msgid: msgstr}, compile.

Usage: .venv/bin/python scripts/add_translations.py translations.json
Runs under a lock (several people may add strings at once); a msgid already translated keeps its
translation unless the file gives a new one. Prints what is still untranslated.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "portal/translations/zh/LC_MESSAGES/messages.po"


def main(path: str) -> int:
    wanted: dict[str, str] = json.loads(Path(path).read_text(encoding="utf-8"))
    with open("/tmp/portal-translations.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(
            ["make", "-s", "update-messages"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with PO.open("rb") as handle:
            catalog = read_po(handle)
        missing = []
        for message in catalog:
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key in wanted:
                if isinstance(message.id, tuple):
                    message.string = (wanted[key],) * len(message.id)
                else:
                    message.string = wanted[key]
                message.flags.discard("fuzzy")
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not all(strings):
                missing.append(key)
        with PO.open("wb") as handle:
            write_po(handle, catalog, omit_header=False)
        subprocess.run(
            ["make", "-s", "translations"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    for key in missing:
        print("untranslated:", key)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
