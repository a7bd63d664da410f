"""Publishing or restoring starts from the version's page, which shows what it would change and
says what readers will see; the list of versions only links there. Ids are unique on each page."""

from __future__ import annotations

import re
from collections import Counter

from tests.staff.test_views import signed_in


def duplicate_ids(html: str) -> list[str]:
    return [i for i, n in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if n > 1]


def test_the_list_links_to_a_review_instead_of_publishing_in_one_click(
    client, session, draft
) -> None:
    editor = signed_in(client, session, "editor")
    html = editor.get("/en/staff/").get_data(as_text=True)
    assert f'action="/en/staff/versions/{draft.id}/publish"' not in html
    assert f'href="/en/staff/versions/{draft.id}#publish"' in html and "Review and publish" in html
    assert f'action="/en/staff/versions/{draft.id}/withdraw"' in html  # a draft readers never saw
    assert not re.search(r'action="/en/staff/versions/\d+/publish"', html)
    assert duplicate_ids(html) == []


def test_the_version_page_shows_the_change_before_the_publish_button(
    client, session, draft
) -> None:
    editor = signed_in(client, session, "editor")
    html = editor.get(f"/en/staff/versions/{draft.id}").get_data(as_text=True)
    change = html.index("What publishing it would change")
    box = html.index('id="publish"')
    button = html.index(f'action="/en/staff/versions/{draft.id}/publish"')
    assert change < box < button
    assert "Readers will see this version" in html
    assert duplicate_ids(html) == []


def test_the_lines_that_would_change_are_named(client, session, draft) -> None:
    editor = signed_in(client, session, "editor")
    found = 0
    for shown in ("added", "removed", "changed"):
        html = editor.get(f"/zh/staff/versions/{draft.id}?list={shown}").get_data(as_text=True)
        rows = re.findall(r'<th scope="row"><code>(\d+)</code>([^<]*)</th>', html)
        found += len(rows)
        assert [code for code, name in rows if not name.strip()] == [], shown
    assert found > 0
