"""Static files under fingerprinted URLs: a page links each file with its content's fingerprint,
that URL is cached for a year as immutable, and any other URL of the file (none, or an old
fingerprint) is revalidated — so after an upgrade no browser keeps the old CSS or JS."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

import brotli
from werkzeug.test import Client

from portal.static_files import Fingerprints, FreshWhiteNoise

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_pages_link_static_files_by_fingerprint(client) -> None:
    html = client.get("/zh/").get_data(as_text=True)
    links = dict(re.findall(r'/static/([^"?]+)\?v=([0-9a-f]{12})"', html))
    assert {"css/portal.css", "js/charts.js", "vendor/chartjs/chart.umd.min.js"} <= set(links)
    for name, digest in links.items():
        assert digest == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
        response = client.get(f"/static/{name}?v={digest}")
        response.close()
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_other_static_urls_are_revalidated(client) -> None:
    for url in ("/static/css/portal.css", "/static/css/portal.css?v=000000000000"):
        response = client.get(url)
        response.close()
        assert response.status_code == 200
        assert "immutable" not in response.headers["Cache-Control"]
        assert "max-age=0" in response.headers["Cache-Control"]
        assert response.headers.get("ETag") or response.headers.get("Last-Modified")


def test_a_changed_file_gets_a_new_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("body { color: red }")
    fingerprints = Fingerprints(tmp_path)
    before = fingerprints.of("a.css")
    (tmp_path / "a.css").write_text("body { color: blue; }")
    assert fingerprints.of("a.css") not in (None, before)
    assert fingerprints.of("../etc/passwd") is None and fingerprints.of("missing.css") is None


def test_a_hostile_static_path_is_not_a_server_error(client) -> None:
    for url in ("/static/%00", "/static/css/%00.css?v=1", "/static/../../etc/passwd"):
        response = client.get(url)
        response.close()
        assert response.status_code < 500, url


def test_chart_js_and_the_css_go_out_compressed(client) -> None:
    """``make compress-static`` (run by ``make setup``/``serve``/``test``) leaves .br and .gz
    copies beside each file; WhiteNoise sends the one the reader accepts, with the same caching."""
    for name in ("vendor/chartjs/chart.umd.min.js", "css/portal.css", "js/charts.js"):
        original = (STATIC / name).read_bytes()
        for suffix in (".br", ".gz"):
            assert (STATIC / f"{name}{suffix}").is_file(), (
                f"static/{name}{suffix} is missing: run `make compress-static`"
            )
        url = f"/static/{name}?v={hashlib.sha256(original).hexdigest()[:12]}"
        for asked, encoding, decode in (
            ("gzip, deflate, br, zstd", "br", brotli.decompress),
            ("br", "br", brotli.decompress),
            ("gzip", "gzip", gzip.decompress),
            ("identity", None, bytes),
            (None, None, bytes),
        ):
            response = client.get(url, headers={"Accept-Encoding": asked} if asked else {})
            body = response.get_data()
            response.close()
            assert response.status_code == 200, (name, asked)
            assert response.headers.get("Content-Encoding") == encoding, (name, asked)
            assert "Accept-Encoding" in response.headers.get("Vary", ""), (name, asked)
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert decode(body) == original, (name, asked)
            if encoding:
                assert len(body) < len(original) / 2, (name, asked)


def test_a_compressed_copy_older_than_its_file_is_never_sent(tmp_path: Path) -> None:
    """A file edited after ``make compress-static`` gets a new fingerprint at once; its old
    ``.br``/``.gz`` must not go out under it (they would be cached for a year)."""
    red, blue, fresh = (
        f"{rule}\n".encode() * 200 for rule in ("b{color:red}", "b{color:blue}", "p{margin:0}")
    )
    (tmp_path / "site.css").write_bytes(red)
    (tmp_path / "site.css.br").write_bytes(brotli.compress(blue))
    (tmp_path / "site.css.gz").write_bytes(gzip.compress(blue))
    old = (tmp_path / "site.css").stat().st_mtime_ns - 10**9
    for name in ("site.css.br", "site.css.gz"):
        os.utime(tmp_path / name, ns=(old, old))
    (tmp_path / "fresh.css").write_bytes(fresh)
    (tmp_path / "fresh.css.br").write_bytes(brotli.compress(fresh))

    def nothing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("404 NOT FOUND", [])
        return []

    served = Client(FreshWhiteNoise(nothing, root=str(tmp_path), prefix="static/"))
    for name, encoding, body in (("site.css", None, red), ("fresh.css", "br", fresh)):
        response = served.get(f"/static/{name}", headers={"Accept-Encoding": "br, gzip"})
        data = response.get_data()
        response.close()
        assert response.headers.get("Content-Encoding") == encoding, name
        assert (brotli.decompress(data) if encoding else data) == body, name


def test_a_fingerprint_is_looked_at_again_after_its_recheck_interval(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("body { color: red }")
    fingerprints = Fingerprints(tmp_path, recheck_s=0.2)
    before = fingerprints.of("a.css")
    (tmp_path / "a.css").write_text("body { color: blue; }")
    assert fingerprints.of("a.css") == before  # within the interval: not looked at
    time.sleep(0.25)
    assert fingerprints.of("a.css") not in (None, before)
    assert fingerprints.of("missing.css") is None and fingerprints.of("missing.css") is None
