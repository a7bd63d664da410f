"""Every public table readable at both widths, in real Chromium: on a desktop (1366 px) no table
scrolls sideways; on a phone (390 px) each row is stacked, every figure it shows is on screen, and
only columns marked as detail for wider screens are left out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import require_chromium

require_chromium()

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/areas/education",
    "/areas/childcare",
    "/areas/social-assistance",
    "/about-data",
    "/proposals",
    "/proposals/stats",
]

#: Per table: how far it scrolls sideways, its body cells that are off-screen, and the cells that
#: are hidden although their column is not marked as detail for wider screens.
TABLES = """() => {
  const vw = document.documentElement.clientWidth;
  return [...document.querySelectorAll('table.data-table')].map(t => {
    const box = t.closest('.table-scroll');
    const cells = [...t.querySelectorAll('tbody th, tbody td, tfoot th, tfoot td')];
    const shown = c => getComputedStyle(c).display !== 'none';
    const off = cells.filter(shown).filter(c => {
      const r = c.getBoundingClientRect();
      return r.width > 0 && (r.left < -1 || r.right > vw + 1);
    }).map(c => (c.dataset.label || '') + ': ' + c.textContent.trim().slice(0, 30));
    const hidden = cells.filter(c => !shown(c) && !c.classList.contains('wide-only'))
      .map(c => c.dataset.label || c.textContent.trim().slice(0, 30));
    const caption = t.querySelector('caption');
    return {
      table: caption ? caption.textContent.trim().slice(0, 40) : t.id,
      scroll: box ? box.scrollWidth - box.clientWidth : 0,
      off: off.slice(0, 5),
      hidden: hidden.slice(0, 5),
      rows: t.querySelectorAll('tbody tr').length,
    };
  });
}"""


def table_problems(page: Any, url: str, phone: bool) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    problems = []
    for t in page.evaluate(TABLES):
        if t["scroll"] > 1:
            problems.append(f"{url} {t['table']!r} scrolls sideways by {t['scroll']} px")
        if t["off"]:
            problems.append(f"{url} {t['table']!r}: cells off-screen: {t['off']}")
        if phone and t["hidden"]:
            problems.append(f"{url} {t['table']!r}: essential cells hidden: {t['hidden']}")
    return problems


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_table_fits_the_screen(
    live_server: str, new_context: Any, lang: str, viewport: str
) -> None:
    page = new_context(viewport).new_page()
    problems: list[str] = []
    for path in PAGES:
        problems += table_problems(page, f"{live_server}/{lang}{path}", viewport == "phone")
    assert not problems, "\n".join(problems)


def test_on_a_phone_rows_are_stacked_with_their_labels(live_server: str, new_context: Any) -> None:
    page = new_context("phone").new_page()
    page.goto(f"{live_server}/en/")
    label = page.evaluate(
        """() => {
      const cell = document.querySelector('#table-areas tbody td.num:not(.wide-only)');
      return {display: getComputedStyle(cell.parentElement).display,
              before: getComputedStyle(cell, '::before').content};
    }"""
    )
    assert label["display"] == "block"
    assert label["before"].strip('"') in {"Budget (CNY million)", "Final accounts (CNY million)"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_phone_the_menu_is_one_line(live_server: str, new_context: Any, lang: str) -> None:
    page = new_context("phone").new_page()
    page.goto(f"{live_server}/{lang}/areas/employment")
    nav = page.evaluate(
        """() => { const ul = document.querySelector('.main-nav ul');
                   const r = ul.getBoundingClientRect();
                   return {height: r.height, scrolls: ul.scrollWidth > ul.clientWidth,
                           page: document.documentElement.scrollWidth,
                           width: document.documentElement.clientWidth}; }"""
    )
    assert nav["height"] <= 60, nav  # five wrapped lines were ~200 px
    assert nav["page"] <= nav["width"], nav  # the menu scrolls inside itself, not the page
