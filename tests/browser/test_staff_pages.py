"""The back office's proposal handling in real Chromium, signed in as an editor: the queue, an
item's page with its step forms, and the new-item form, in both languages on a phone and a
desktop — no script or CSP error, no sideways scrolling, no WCAG 2.1 A/AA violation, and a
screenshot of each in test-artifacts/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import (
    EDITOR_EMAIL,
    EDITOR_PASSWORD,
    REVIEWER_EMAIL,
    SCREENSHOTS,
    require_chromium,
)
from tests.browser.test_pages import PageWatch, axe_problems, overflow_problems

require_chromium()

pytestmark = pytest.mark.browser


def signed_in_page(
    new_context: Any, live_server: str, viewport: str, lang: str, email: str = EDITOR_EMAIL
) -> PageWatch:
    watch = PageWatch(new_context(viewport))
    page = watch.page
    page.goto(f"{live_server}/{lang}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", EDITOR_PASSWORD)
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, "the editor could not sign in"
    return watch


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_handling_pages(
    live_server: str, new_context: Any, axe_source: str, lang: str, viewport: str
) -> None:
    watch = signed_in_page(new_context, live_server, viewport, lang)
    page = watch.page
    problems: list[str] = []
    page.goto(f"{live_server}/{lang}/staff/proposals/?list=overdue")
    first = page.locator("table.queue-table tbody a").first
    item_url = first.get_attribute("href")
    assert item_url and re.search(r"/staff/proposals/\d+$", item_url)
    for name, path in (
        ("staff-queue", "/staff/proposals/?list=overdue"),
        ("staff-item", item_url.removeprefix(f"/{lang}")),
        ("staff-new-item", "/staff/proposals/new"),
    ):
        response = page.goto(f"{live_server}/{lang}{path}")
        assert response is not None and response.status == 200, path
        if name == "staff-item":
            page.locator("details.staff-step summary").first.click()  # open a step's form
        problems += [f"{path}: {p}" for p in overflow_problems(page)]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{lang}-{name}-{viewport}.png"), full_page=True)
        problems += [f"{path}: {p}" for p in watch.errors()]
        problems += [f"{path}: {p}" for p in axe_problems(page, axe_source)]
    assert not problems, "\n  ".join(problems)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_versions_pages(live_server: str, new_context: Any, axe_source: str, lang: str) -> None:
    """The list of datasets and versions and a version's page, at both widths: nothing sticks
    out, no script or CSP error, no WCAG 2.1 A/AA violation."""
    watch = signed_in_page(new_context, live_server, "desktop", lang, email=REVIEWER_EMAIL)
    page = watch.page
    problems: list[str] = []
    page.goto(f"{live_server}/{lang}/staff/")
    version_url = page.locator("table.data-table tbody th a").first.get_attribute("href")
    assert version_url and re.search(r"/staff/versions/\d+$", version_url)
    for viewport, size in (("desktop", (1366, 900)), ("phone", (390, 844))):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        for name, path in (("staff-versions", f"/{lang}/staff/"), ("staff-version", version_url)):
            url = f"{live_server}{path}"
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            problems += [f"{name} {viewport}: {p}" for p in overflow_problems(page)]
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{lang}-{name}-{viewport}.png"), full_page=True)
            problems += [f"{name} {viewport}: {p}" for p in watch.errors()]
            problems += [f"{name} {viewport}: {p}" for p in axe_problems(page, axe_source)]
    assert not problems, "\n".join(problems)
