"""Embedding, in real Chromium: a page served from another origin shows an embeddable chart in an
``<iframe>`` (drawn, with its table), while a normal page of the portal refuses to be framed
there; the area page's JSON-LD block raises no CSP violation. Screenshots of the embeds and of the
data dictionary, on a phone and a desktop, in both languages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser.conftest import CSP_RECORDER, SCREENSHOTS, require_chromium
from tests.browser.test_pages import PageWatch, axe_problems, chart_problems, overflow_problems

require_chromium()

pytestmark = pytest.mark.browser

EMBEDS = {"embed-overview": "/embed/overview", "embed-area": "/embed/areas/housing?year=2023"}


@pytest.fixture(scope="module")
def other_site(live_server: str) -> Iterator[str]:
    """Another origin (a second tiny server on another port, named localhost where the portal is
    127.0.0.1) whose one page frames a URL of the portal given as ``?src=``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            from urllib.parse import parse_qs, urlsplit

            src = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
            body = (
                "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>A blog</title>"
                "</head><body><h1>A journalist's article</h1>"
                f"<iframe id='chart' src='{live_server}{src}' title='A chart' width='100%' "
                "height='520' frameborder='0'></iframe></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def framed(page: Any, other_site: str, src: str) -> Any:
    """The frame of the other site's page that shows *src* (a path of the portal)."""
    response = page.goto(f"{other_site}/article?src={src}")
    assert response is not None and response.status == 200
    page.wait_for_selector("iframe#chart")
    frame = page.frame_locator("iframe#chart")
    return frame


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", list(EMBEDS))
def test_another_site_shows_the_chart(
    live_server: str, other_site: str, new_context: Any, lang: str, name: str
) -> None:
    page = new_context("desktop").new_page()
    frame = framed(page, other_site, f"/{lang}{EMBEDS[name]}")
    canvas = frame.locator("canvas.chart")
    canvas.wait_for(state="attached")
    frame.locator("canvas.chart[data-chart-ready='true']").wait_for(state="attached")
    assert frame.locator("table.data-table caption").count() == 1
    assert frame.locator(".embed-back a").get_attribute("href", timeout=5_000)
    assert page.frames[1].url.startswith(live_server)
    page.screenshot(path=str(SCREENSHOTS / f"{lang}-{name}-framed-desktop.png"))


def test_a_normal_page_refuses_to_be_framed(
    live_server: str, other_site: str, new_context: Any
) -> None:
    page = new_context("desktop").new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "frame" in m.text.lower() else None)
    for path in ("/zh/areas/housing", "/en/about-data"):
        blocked.clear()
        page.goto(f"{other_site}/article?src={path}")
        page.wait_for_selector("iframe#chart")
        page.wait_for_timeout(500)
        child = page.frames[1]
        # Chromium replaces a refused frame's document with its own error page
        assert not child.url.startswith(live_server), child.url
        assert child.locator("main#main").count() == 0
        assert any("frame-ancestors" in text or "X-Frame-Options" in text for text in blocked), (
            blocked
        )


@pytest.mark.parametrize("path", ["/en/areas/housing", "/zh/data"])
def test_the_json_ld_block_raises_no_csp_violation(
    live_server: str, new_context: Any, path: str
) -> None:
    watch = PageWatch(new_context("desktop"))
    response = watch.page.goto(f"{live_server}{path}")
    assert response is not None and response.status == 200
    assert watch.page.locator("script[type='application/ld+json']").count() == 1
    assert chart_problems(watch.page) == []
    assert watch.errors() == []


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", [*EMBEDS, "dictionary"])
def test_screens(
    live_server: str, new_context: Any, axe_source: str, lang: str, name: str, viewport: str
) -> None:
    """Each embed alone (as a frame shows it) and the dictionary: drawn, nothing sideways, no
    console error, CSP violation or WCAG A/AA violation; a screenshot to look at."""
    context = new_context(viewport)
    context.add_init_script(script=CSP_RECORDER)
    watch = PageWatch(context)
    page = watch.page
    path = EMBEDS.get(name, "/about-data")
    response = page.goto(f"{live_server}/{lang}{path}")
    assert response is not None and response.status == 200
    problems = chart_problems(page) if name in EMBEDS else []
    problems += overflow_problems(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if name == "dictionary":
        page.locator("#dictionary").scroll_into_view_if_needed()
        page.locator("#dictionary").screenshot(
            path=str(SCREENSHOTS / f"{lang}-{name}-{viewport}.png")
        )
    else:
        page.screenshot(path=str(SCREENSHOTS / f"{lang}-{name}-{viewport}.png"), full_page=True)
    problems += watch.errors()
    problems += axe_problems(page, axe_source)
    assert problems == []
