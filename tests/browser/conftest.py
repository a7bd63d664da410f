"""Fixtures for the real-browser tests: the portal served over HTTP from a thread, and one Debian
Chromium driven through Playwright's sync API for the whole session.

These tests never use the ``app``/``client``/``session`` fixtures of ``tests/conftest.py``: the
server runs in other threads, so it cannot share the rolled-back test transaction. It gets a
database of its own instead, set up once like ``flask setup`` does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

#: Playwright's own browser download cannot work here: launch Debian's Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1366, "height": 900}},
}

#: Records CSP violations. Init scripts are injected over the DevTools protocol, so the page's
#: ``script-src 'self'`` does not block this one; the policy stays enforced for everything else.
CSP_RECORDER = (
    "document.addEventListener('securitypolicyviolation', e => "
    "(window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));"
)

#: An editor's account in the live server's database, for the back-office pages.
EDITOR_EMAIL = "editor@example.org"
EDITOR_PASSWORD = "browser tests only"
#: A second editor, for the upload pages: sign-ins are rate-limited per account.
UPLOADER_EMAIL = "uploader@example.org"
#: A third editor, for the back office's pages of versions.
REVIEWER_EMAIL = "reviewer@example.org"

SKIP_REASON = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"


def require_chromium() -> None:
    """Skip the calling test module when Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON, allow_module_level=True)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The portal on a free local port, with its own SQLite database; yields the base URL."""
    from werkzeug.serving import make_server

    import portal.cli
    from portal import create_app

    tmp = tmp_path_factory.mktemp("browser")
    flask_app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp}/browser.sqlite3"})
    with flask_app.app_context():
        portal.cli.setup_database(Path(flask_app.config["DATA_DIR"]), log=lambda _m: None)
        from portal.accounts.services import create_user
        from portal.db import get_session
        from portal.roles import Actor

        session = get_session()
        for email in (EDITOR_EMAIL, UPLOADER_EMAIL, REVIEWER_EMAIL):
            create_user(
                session,
                email=email,
                role="editor",
                password=EDITOR_PASSWORD,
                actor=Actor.system("tests"),
            )
        session.commit()
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        flask_app.extensions["portal.db"].engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session; each test opens its own context(s)."""
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture
def new_context(browser: Any) -> Iterator[Any]:
    """A factory of browser contexts (closed at the end of the test). Motion is reduced so charts
    are drawn in their final state at once, which keeps screenshots deterministic."""
    contexts: list[Any] = []

    def make(viewport: str = "desktop", **options: Any) -> Any:
        settings: dict[str, Any] = {"reduced_motion": "reduce", **VIEWPORTS[viewport], **options}
        context = browser.new_context(**settings)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
