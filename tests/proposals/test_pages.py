"""The public pages: list with filters and search, item with timeline, statistics, feed, panels on
the spending pages; bad input answered with 400/404 and a message, never 500."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import select

from portal.proposals import services
from portal.proposals.models import Disclosure, ProposalItem, Status, Submitter
from tests.proposals.conftest import CLERK


def body(response) -> str:
    return response.get_data(as_text=True)


def test_list_shows_status_and_due_or_overdue_for_open_items(client) -> None:
    page = body(client.get("/en/proposals?status=in_hand"))
    assert "Being handled" in page
    assert re.search(r"Due in \d+ days", page) and re.search(r"\d+ days overdue", page)
    zh = body(client.get("/zh/proposals?overdue=1"))
    assert re.search(r"已?逾期|overdue", zh) or "days overdue" in zh
    closed = body(client.get("/en/proposals?status=closed"))
    assert "Closed" in closed and "Due in" not in closed and "overdue</span>" not in closed


def test_overdue_and_due_soon_follow_today(app, client, session) -> None:
    overdue = client.get("/api/v1/proposals?overdue=1").json
    assert overdue["total"] >= 2 and all(
        i["overdue"] and i["days_left"] < 0 for i in overdue["items"]
    )
    soon = client.get("/api/v1/proposals?due_soon=1").json
    assert soon["total"] >= 1 and all(0 <= i["days_left"] <= 14 for i in soon["items"])
    # a month later, the items due soon have become overdue
    app.config["TODAY"] = "2026-12-31"
    later = client.get("/api/v1/proposals?overdue=1").json
    assert later["total"] > overdue["total"]
    assert client.get("/api/v1/proposals?due_soon=1").json["total"] == 0


@pytest.mark.parametrize(
    "query, check",
    [
        ("year=2025", lambda i: i["year"] == 2025),
        ("type=proposal", lambda i: i["type"] == "proposal"),
        ("status=rehandling", lambda i: i["status"] == "rehandling"),
        ("area=housing", lambda i: "housing" in i["areas"]),
        ("role=co", lambda i: i["role"] == "co"),
        ("role=replying", lambda i: i["role"] in ("sole", "lead", "split")),
        ("class=B", lambda i: i["reply_class"] == "B"),
        ("replied=no", lambda i: i["first_replied_on"] is None),
        ("on_time=no", lambda i: i["replied_on_time"] is not True),
        ("handling=dissatisfied", lambda i: i["satisfaction_final"]["handling"] == "dissatisfied"),
        (
            "year=2026&role=replying&status=closed",
            lambda i: i["year"] == 2026 and i["status"] == "closed",
        ),
    ],
)
def test_each_filter_selects_what_it_says(client, query, check) -> None:
    data = client.get(f"/api/v1/proposals?{query}").json
    assert data["total"] >= 1
    assert all(check(item) for item in data["items"])
    page = client.get(f"/zh/proposals?{query}")
    assert page.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "year=20x5",
        "year=1066",
        "type=motion",
        "status=lost",
        "area=defence",
        "role=boss",
        "class=Z",
        "overdue=maybe",
        "due_soon=2",
        "replied=perhaps",
        "handling=ecstatic",
        "page=0",
        "page=-1",
        "page=abc",
        "q=" + "长" * 101,
    ],
)
def test_unknown_filter_values_are_400_with_a_message(client, query) -> None:
    expected = "too long" if query.startswith("q=") else "is not a valid value"
    page = client.get(f"/en/proposals?{query}")
    assert page.status_code == 400
    assert expected in body(page)
    api = client.get(f"/api/v1/proposals?{query}&lang=en")
    assert api.status_code == 400 and api.mimetype == "application/problem+json"
    assert expected in api.json["detail"]
    zh = client.get(f"/zh/proposals?{query}")
    assert zh.status_code == 400


def test_unknown_ids_and_pages_are_404(client) -> None:
    for url in ("/zh/proposals/999999", "/zh/proposals/99999999999999999999", "/zh/proposals/abc"):
        assert client.get(url).status_code == 404
    api = client.get("/api/v1/proposals/999999")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    assert client.get("/zh/proposals?page=500").status_code == 404
    assert client.get("/zh/proposals/download/nothing.csv").status_code == 404


def test_search_finds_chinese_substrings(client) -> None:
    data = client.get("/api/v1/proposals?q=托育").json
    titles = [i["title_zh"] for i in data["items"]]
    assert any("托育服务" in t for t in titles)
    assert data["total"] >= 4
    assert client.get("/api/v1/proposals?q=托育 补贴").json["total"] < data["total"]
    assert client.get("/api/v1/proposals?q=Childcare").json["total"] >= 1  # English, any case
    assert (
        client.get("/api/v1/proposals?q=_").json["total"] == 0
    )  # _ is a character, not a wildcard
    assert client.get("/api/v1/proposals?q=60%25").json["total"] >= 1  # and so is %
    assert "托育" in body(client.get("/zh/proposals?q=托育"))


def test_search_sees_only_public_reply_text(client, session, make_item) -> None:
    item = make_item(title="关于检索测试的建议")
    services.record_reply(
        session,
        item,
        on=date(2026, 10, 9),
        document_number="检〔2026〕1号",
        reply_class="A",
        summary="摘要里的乙字词",
        text="全文里的甲字词",
        actor=CLERK,
    )
    session.commit()

    def found(word: str) -> int:
        return client.get(f"/api/v1/proposals?q={word}").json["total"]

    assert found("甲字词") == 0 and found("乙字词") == 0
    services.publish(session, item, on=date(2026, 10, 12), mode=Disclosure.SUMMARY, actor=CLERK)
    session.commit()
    assert found("甲字词") == 0 and found("乙字词") == 1
    services.publish(session, item, on=date(2026, 10, 13), mode=Disclosure.FULL, actor=CLERK)
    session.commit()
    assert found("甲字词") == 1
    html = body(client.get("/zh/proposals?q=甲字词"))
    assert "关于检索测试的建议" in html


def test_paging(client) -> None:
    first = client.get("/api/v1/proposals").json
    assert first["total"] >= 55 and first["pages"] == -(-first["total"] // 20)
    second = client.get(first["next"]).json
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])
    html = body(client.get("/zh/proposals?page=2"))
    assert 'rel="prev"' in html


def test_item_page_has_timeline_reply_feedback_areas_and_budget_lines(client, session) -> None:
    item = session.scalars(
        select(ProposalItem).where(
            ProposalItem.status == Status.CLOSED,
            ProposalItem.disclosure == Disclosure.FULL,
            ProposalItem.budget_codes.contains("2050201"),
        )
    ).first()
    page = body(client.get(f"/en/proposals/{item.id}"))
    for text in (
        "Timeline",
        "Assigned to the bureau",
        "Replied",
        "Published in full",
        "Closed",
        "Full text of the reply",
        "The submitter's feedback",
        "Handling",
    ):
        assert text in page, text
    assert 'href="/en/areas/childcare"' in page
    assert "2050201" in page and "table-budget-lines" in page
    csv = client.get(f"/en/proposals/download/budget-{item.id}.csv")
    assert csv.status_code == 200 and "2050201" in csv.get_data(as_text=True)
    assert "Sample data" in page


def test_withheld_reply_shows_the_reason_not_the_text(client, session) -> None:
    item = session.scalars(
        select(ProposalItem).where(ProposalItem.disclosure == Disclosure.WITHHELD)
    ).first()
    reply = item.replies[-1]
    page = body(client.get(f"/zh/proposals/{item.id}"))
    assert "不予公开" in page or "尚未公布的改革方案" in page
    assert reply.summary not in page and reply.text.split("\n")[0] not in page
    assert item.feedback[0].comment not in page
    api = client.get(f"/api/v1/proposals/{item.id}").json
    assert api["rounds"][0]["reply"]["text"] is None and api["rounds"][0]["feedback"] is None
    assert api["rounds"][0]["reply"]["withheld_reason"]


def test_contact_details_never_appear(client, session) -> None:
    submitters = session.scalars(select(Submitter)).all()
    secrets = [s.phone for s in submitters] + [s.address for s in submitters]
    items = session.scalars(select(ProposalItem.id)).all()
    urls = (
        [
            "/zh/proposals",
            "/en/proposals",
            "/zh/proposals/stats",
            "/zh/proposals/feed.atom",
            "/api/v1/proposals",
            "/api/v1/proposals/stats",
            "/zh/proposals/download/list.csv",
            "/zh/areas/childcare",
            "/zh/",
        ]
        + [f"/zh/proposals/{i}" for i in items[:25]]
        + [f"/api/v1/proposals/{i}" for i in items[:25]]
    )
    for url in urls:
        text = body(client.get(url))
        leaked = [s for s in secrets if s and s in text]
        assert leaked == [], (url, leaked)
        assert '"phone"' not in text and '"address"' not in text


def test_every_statistic_can_be_checked_against_the_list(client) -> None:
    stats = client.get("/api/v1/proposals/stats").json

    def total(query: str) -> int:
        return client.get(f"/api/v1/proposals?role=replying&{query}").json["total"]

    for row in stats["by_year"]:
        y = f"year={row['year']}"
        assert row["items"] == total(y)
        assert row["replied"] == total(f"{y}&replied=yes")
        assert row["replied_on_time"] == total(f"{y}&on_time=yes")
        assert row["due_or_replied"] == row["replied_on_time"] + total(f"{y}&on_time=no")
        assert row["overdue"] == total(f"{y}&overdue=1")
        assert row["met"] == total(f"{y}&met=yes")
        ok = total(f"{y}&handling=satisfied") + total(f"{y}&handling=basic")
        everyone = ok + total(f"{y}&handling=dissatisfied")
        assert row["public_feedback_final"] == everyone
        if everyone:
            assert row["rates"]["handling_final_ok"] == round(ok / everyone, 4)
    for row in stats["classes"]["by_year"]:
        for code, count in row["counts"].items():
            assert count == total(f"year={row['year']}&class={code}")
    overall = stats["overall"]
    assert overall["items"] == total("") and 0 < overall["rates"]["on_time_rate"] < 1
    assert overall["overdue"] >= 2


def test_stats_page_has_charts_tables_and_csv(client) -> None:
    page = body(client.get("/en/proposals/stats"))
    assert page.count('data-chart="rates"') == 2
    for name in (
        "replies-year",
        "satisfaction-year",
        "classes-year",
        "replies-type",
        "replies-area",
    ):
        assert f'id="table-{name}"' in page
        csv = client.get(f"/en/proposals/download/{name}.csv")
        assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode())
    assert "Reply rate" in page and "On-time reply rate" in page and "Meeting rate" in page
    zh = body(client.get("/zh/proposals/stats"))
    assert "示例数据" in zh


def test_atom_feed_lists_published_replies_only(client, session) -> None:
    response = client.get("/zh/proposals/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert 5 <= len(entries) <= 30

    def link_of(entry: ET.Element) -> str:
        link = entry.find("a:link", ns)
        assert link is not None
        href = link.get("href")
        assert href is not None
        return href.rsplit("/", 1)[-1]

    links = {link_of(e) for e in entries}
    public = session.scalars(
        select(ProposalItem.id).where(
            ProposalItem.disclosure.in_([Disclosure.FULL, Disclosure.SUMMARY])
        )
    ).all()
    assert {int(x) for x in links} <= set(public)
    unpublished = session.scalars(
        select(ProposalItem).where(
            ProposalItem.replied_on.is_not(None), ProposalItem.disclosure.is_(None)
        )
    ).all()
    text = response.get_data(as_text=True)
    for item in unpublished:
        assert item.replies[-1].summary not in text


def test_area_page_and_home_page_panels(client) -> None:
    area = body(client.get("/zh/areas/childcare"))
    assert 'id="proposals-heading"' in area and "/zh/proposals?area=childcare" in area
    home = body(client.get("/en/"))
    assert 'id="replies-heading"' in home and "/en/proposals/" in home


def test_pages_are_cached_by_data_version_and_day(app, client) -> None:
    first = client.get("/en/proposals?status=in_hand")
    etag = first.headers["ETag"]
    assert "20261126" in etag and "must-revalidate" in first.headers["Cache-Control"]
    assert (
        client.get("/en/proposals?status=in_hand", headers={"If-None-Match": etag}).status_code
        == 304
    )
    app.config["TODAY"] = "2026-11-27"
    later = client.get("/en/proposals?status=in_hand", headers={"If-None-Match": etag})
    assert later.status_code == 200 and later.headers["ETag"] != etag
    assert body(later) != body(first)  # "due in N days" moved on


def test_pages_have_no_inline_script_or_style(client) -> None:
    for url in ("/zh/proposals", "/zh/proposals/stats", "/zh/proposals/1"):
        page = body(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
        assert " style=" not in page


def test_an_item_due_today_is_due_not_overdue(client, session, make_item) -> None:
    item = make_item(
        assigned_on=date(2026, 8, 26), title="关于今日到期测试的建议"
    )  # due 26 November
    session.commit()
    assert item.current_due == date(2026, 11, 26)
    overdue = {i["id"] for i in client.get("/api/v1/proposals?overdue=1").json["items"]}
    soon = {i["id"] for i in client.get("/api/v1/proposals?due_soon=1").json["items"]}
    assert item.id not in overdue and item.id in soon
    assert "Due today" in body(client.get(f"/en/proposals/{item.id}"))
