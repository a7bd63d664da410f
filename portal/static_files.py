"""Static files under URLs that change when the file does: ``url_for("static", …)`` adds the first
characters of the file's SHA-256 (``/static/css/portal.css?v=3f9a…``), and a request carrying the
file's current fingerprint is answered ``immutable`` for a year. Any other request for a static file
(no fingerprint, or an old one) is revalidated, so after an upgrade no browser keeps old CSS or JS.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.base import scantree

PREFIX = "/static/"
PARAMETER = "v"
DIGEST_CHARS = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"


class Fingerprints:
    """The fingerprint of each file under *root*, recomputed when the file changes: a file is
    looked at again at most every *recheck_s* seconds (0: on every call), since every page links
    a few and a release restarts the servers anyway."""

    def __init__(self, root: Path, recheck_s: float = 0.0) -> None:
        self.root = root.resolve()
        self.recheck_s = recheck_s
        self._known: dict[str, tuple[tuple[int, int], str]] = {}
        self._checked: dict[str, float] = {}
        self._lock = threading.Lock()

    def of(self, filename: str) -> str | None:
        if self.recheck_s:
            checked = self._checked.get(filename)
            if checked is not None and time.monotonic() - checked < self.recheck_s:
                return self._known[filename][1]
        try:
            path = (self.root / filename).resolve()
            if not path.is_relative_to(self.root):
                return None
            stat = path.stat()
        except (OSError, ValueError):  # ValueError: a NUL in the name (/static/%00)
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(filename)
        if known is None or known[0] != key:
            known = (key, hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_CHARS])
            with self._lock:
                self._known[filename] = known
        if self.recheck_s:
            self._checked[filename] = time.monotonic()
        return known[1]


class FingerprintedCaching:
    """WSGI middleware around WhiteNoise: sets Cache-Control of static responses by fingerprint."""

    def __init__(self, app: Callable[..., Iterable[bytes]], fingerprints: Fingerprints) -> None:
        self.app = app
        self.fingerprints = fingerprints

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        asked = parse_qs(environ.get("QUERY_STRING", "")).get(PARAMETER, [""])[0]
        current = self.fingerprints.of(path.removeprefix(PREFIX))
        policy = IMMUTABLE if asked and asked == current else REVALIDATE

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(k, v) for k, v in headers if k.lower() != "cache-control"]
            return start_response(status, [*kept, ("Cache-Control", policy)], exc_info)

        return self.app(environ, start)


COMPRESSED_SUFFIXES = (".br", ".gz")
MTIME_SLACK_NS = 1_000_000


class FreshWhiteNoise(WhiteNoise):
    """WhiteNoise that never sends a compressed copy (``make compress-static``) older than its
    file: the URL's fingerprint is the file's, so a stale ``.br`` would be cached for a year as the
    new version. Such a copy is left out and the file goes out as it is (and a warning says so)."""

    def update_files_dictionary(self, root: str, prefix: str) -> None:
        stats = dict(scantree(root))
        stale = sorted(
            path
            for path, stat in stats.items()
            if path.endswith(COMPRESSED_SUFFIXES)
            and path[:-3] in stats
            # the compressor gives a copy its file's mtime, in float seconds (±1 µs)
            and stat.st_mtime_ns < stats[path[:-3]].st_mtime_ns - MTIME_SLACK_NS
        )
        if stale:
            logging.getLogger(__name__).warning(
                "%d compressed static copies are older than their files and are not served "
                "(run `make compress-static`): %s",
                len(stale),
                ", ".join(stale[:3]),
            )
        for path in stale:
            del stats[path]
        for path in stats:
            url = prefix + path[len(root) :].replace("\\", "/")
            self.add_file_to_dictionary(url, path, stat_cache=stats)


def init_app(app: Flask) -> Fingerprints:
    # Looked at again every second in production; at once while developing or testing.
    recheck_s = 0.0 if app.debug or app.testing else 1.0
    fingerprints = Fingerprints(Path(app.static_folder or "static"), recheck_s)

    @app.url_defaults
    def _fingerprint(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and PARAMETER not in values:
            digest = fingerprints.of(str(values.get("filename", "")))
            if digest:
                values[PARAMETER] = digest

    return fingerprints
