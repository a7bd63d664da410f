"""Uploading a table as a bureau publishes it, in real Chromium, signed in as an editor: the report
of a refused file and the draft's page both show how the file was read (and the draft the figures
to confirm), in both languages on a phone and a desktop — no script or CSP error, no sideways
scrolling, no WCAG 2.1 A/AA violation, and a screenshot of each in test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS, UPLOADER_EMAIL, require_chromium
from tests.browser.test_pages import axe_problems, overflow_problems
from tests.browser.test_staff_pages import signed_in_page
from tests.spending.gallery import education_bureau_budget

require_chromium()

pytestmark = pytest.mark.browser


def _fill_upload(page: Any, path: Path, unit: str) -> None:
    page.set_input_files("input[name=file]", str(path))
    page.fill("input[name=year]", "2031")
    page.select_option("select[name=stage]", "budget")
    page.select_option("select[name=unit]", unit)
    page.select_option("select[name=level]", "other")
    page.fill("input[name=level_name]", "示例市教育局")
    page.fill("input[name=title]", "示例市教育局2031年部门预算")
    page.fill("textarea[name=source]", "示例市教育局2031年部门预算公开表（测试）")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_upload_report_and_draft_pages(
    live_server: str, new_context: Any, axe_source: str, lang: str, viewport: str, tmp_path: Path
) -> None:
    table = education_bureau_budget()
    path = tmp_path / table.filename
    path.write_bytes(table.content)
    watch = signed_in_page(new_context, live_server, viewport, lang, UPLOADER_EMAIL)
    page = watch.page
    problems: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    # The table says 元; the form says 万元: refused, and the report shows how it was read.
    page.goto(f"{live_server}/{lang}/staff/upload/spending")
    _fill_upload(page, path, "wan")
    with page.expect_navigation():
        page.click('form[enctype="multipart/form-data"] [type=submit]')
    assert page.locator("#reading").count() == 1
    assert page.locator(".error-summary").count() == 1
    problems += [f"report: {p}" for p in overflow_problems(page)]
    page.screenshot(path=str(SCREENSHOTS / f"{lang}-upload-report-{viewport}.png"), full_page=True)
    problems += [f"report: {p}" for p in axe_problems(page, axe_source)]
    problems += [f"report: {p}" for p in watch.errors() if "422" not in p]  # the refusal itself
    watch.console_errors.clear()

    # As the table says: a draft, its reading, and (nothing published for this unit before) a page
    # to publish from.
    page.goto(f"{live_server}/{lang}/staff/upload/spending")
    _fill_upload(page, path, "")
    with page.expect_navigation():
        page.click('form[enctype="multipart/form-data"] [type=submit]')
    assert "/staff/versions/" in page.url, page.url
    assert page.locator("#reading").count() == 1
    problems += [f"draft: {p}" for p in overflow_problems(page)]
    page.screenshot(path=str(SCREENSHOTS / f"{lang}-upload-draft-{viewport}.png"), full_page=True)
    problems += [f"draft: {p}" for p in watch.errors()]
    problems += [f"draft: {p}" for p in axe_problems(page, axe_source)]
    assert not problems, "\n  ".join(problems)
