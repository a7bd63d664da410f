"""Every public page, in both languages, on a phone and on a desktop, in real Chromium: charts drawn
(each beside its table), no script or CSP errors, no sideways scrolling, no WCAG 2.1 A/AA
violation found by axe-core, and a full-page screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import CSP_RECORDER, SCREENSHOTS, VIEWPORTS, require_chromium

require_chromium()

pytestmark = pytest.mark.browser

LANGS = ["zh", "en"]
AREAS = [
    "childcare",
    "education",
    "employment",
    "healthcare",
    "elderly-care",
    "housing",
    "social-assistance",
]
PAGES = {
    "home": "/",
    **{slug: f"/areas/{slug}" for slug in AREAS},
    "about-data": "/about-data",
    "login": "/login",
    "proposals": "/proposals",
    "proposals-stats": "/proposals/stats",
}

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

#: True once every chart has settled: drawn, failed, or empty (nothing to draw).
CHARTS_SETTLED = """() => [...document.querySelectorAll('canvas.chart')].every(c =>
    c.dataset.chartReady === 'true' || c.dataset.chartError !== undefined
    || c.dataset.chartEmpty === 'true')"""

CHART_STATES = """() => [...document.querySelectorAll('canvas.chart')].map((c, i) => {
    const section = c.closest('section');
    const heading = section && section.querySelector('h2');
    return {
        index: i,
        kind: c.dataset.chart || null,
        ready: c.dataset.chartReady === 'true',
        empty: !!c.closest('.chart-box.chart-empty'),
        error: c.dataset.chartError === undefined ? null : c.dataset.chartError,
        section: heading ? heading.id || heading.textContent.trim() : null,
        table: !!(section && section.querySelector('table')),
    };
})"""

#: Page width against the viewport, plus the outermost elements that stick out on the right
#: (descendants of a .table-scroll region scroll inside it and are left out).
OVERFLOW = """() => {
    const root = document.documentElement;
    const limit = root.clientWidth;
    const culprits = [];
    if (root.scrollWidth > limit) {
        for (const el of document.body.querySelectorAll('*')) {
            if (el.closest('.table-scroll') && !el.matches('.table-scroll')) continue;
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= limit + 0.5) continue;
            const parent = el.parentElement;
            if (parent && parent !== document.body
                && parent.getBoundingClientRect().right > limit + 0.5) continue;
            let sel = el.tagName.toLowerCase();
            if (el.id) sel += '#' + el.id;
            if (el.classList.length) sel += '.' + [...el.classList].join('.');
            culprits.push(sel + ' right=' + Math.round(r.right) + 'px width=' + Math.round(r.width) + 'px');
            if (culprits.length >= 8) break;
        }
    }
    return {scrollWidth: root.scrollWidth, clientWidth: limit,
            innerWidth: window.innerWidth, culprits};
}"""

AXE_RUN = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations'],
    });
    return results.violations.map(v => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        count: v.nodes.length,
        targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
        summary: v.nodes.length ? v.nodes[0].failureSummary : '',
    }));
}"""


class PageWatch:
    """Console errors, uncaught exceptions and CSP violations of one page."""

    def __init__(self, context: Any) -> None:
        context.add_init_script(script=CSP_RECORDER)
        self.page = context.new_page()
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def errors(self) -> list[str]:
        csp_violations = self.page.evaluate("() => window.__csp || []")
        return (
            [f"console error: {text}" for text in self.console_errors]
            + [f"uncaught exception: {text}" for text in self.page_errors]
            + [f"CSP violation: {text}" for text in csp_violations]
        )


def chart_problems(page: Any) -> list[str]:
    """Every chart drawn (or empty: no national figures to compare) and beside its table."""
    problems = []
    try:
        page.wait_for_function(CHARTS_SETTLED, timeout=10_000)
    except Exception:  # reported below with the state of every chart
        problems.append("charts did not settle within 10 s")
    for chart in page.evaluate(CHART_STATES):
        if chart["error"] is not None:
            problems.append(f"chart {chart} failed: data-chart-error={chart['error']!r}")
        elif not (chart["ready"] or chart["empty"]):
            problems.append(f"chart {chart} never became ready")
        if not chart["table"]:
            problems.append(f"chart {chart} has no <table> in its <section>")
    return problems


def overflow_problems(page: Any) -> list[str]:
    """Nothing scrolls sideways (tables may scroll inside their own .table-scroll region)."""
    overflow = page.evaluate(OVERFLOW)
    if overflow["scrollWidth"] > min(overflow["clientWidth"], overflow["innerWidth"]):
        return [
            "page scrolls sideways: scrollWidth={scrollWidth}px > clientWidth={clientWidth}px "
            "(innerWidth={innerWidth}px); sticking out: {culprits}".format(**overflow)
        ]
    return []


def axe_problems(page: Any, axe_source: str) -> list[str]:
    """WCAG 2.1 A/AA violations found by axe-core. It is evaluated over the DevTools protocol, so
    the page's CSP stays enforced for the page itself."""
    page.evaluate(axe_source)
    return [
        f"axe {v['id']} ({v['impact']}): {v['help']} — {v['count']} element(s), e.g. "
        f"{json.dumps(v['targets'], ensure_ascii=False)}; {v['summary']}"
        for v in page.evaluate(AXE_RUN, AXE_TAGS)
    ]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("page_name", list(PAGES))
@pytest.mark.parametrize("lang", LANGS)
def test_page(
    live_server: str, new_context: Any, axe_source: str, lang: str, page_name: str, viewport: str
) -> None:
    watch = PageWatch(new_context(viewport))
    page = watch.page
    url = f"{live_server}/{lang}{PAGES[page_name]}"
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, f"{url} answered {response.status}"

    problems = chart_problems(page)
    problems += overflow_problems(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{lang}-{page_name}-{viewport}.png"), full_page=True)
    problems += watch.errors()  # read before axe runs: that is test tooling, not the page
    problems += axe_problems(page, axe_source)

    assert not problems, f"{url} at {viewport}:\n  " + "\n  ".join(problems)
