"""What a reader of an item's page needs to follow it: the timeline in the order things happened
(whatever order they were recorded in), and a reply's text with the line breaks it was typed with."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from portal.proposals import services
from portal.proposals.models import Disclosure, Satisfaction
from tests.proposals.conftest import CLERK, feedback_on, reply_to


def timeline_labels(html: str) -> list[str]:
    section = html.split('class="p-timeline"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r"(Replied|Feedback from the submitter|Published in full)", section)


def test_the_timeline_is_in_date_order_when_feedback_is_recorded_after_publication(
    client, session, make_item
) -> None:
    item = make_item(title="关于时间线顺序的建议")
    reply_to(session, item, date(2026, 10, 1))
    services.publish(session, item, on=date(2026, 10, 8), mode=Disclosure.FULL, actor=CLERK)
    # The deputy's form of 7 October reaches the clerk after the publication was recorded.
    feedback_on(session, item, date(2026, 10, 7), Satisfaction.SATISFIED)
    session.commit()
    html = client.get(f"/en/proposals/{item.id}").get_data(as_text=True)
    labels = timeline_labels(html)
    assert labels.index("Feedback from the submitter") < labels.index("Published in full"), labels


def test_line_breaks_typed_in_a_reply_are_kept(client, session, make_item) -> None:
    item = make_item(title="关于换行的建议")
    reply_to(session, item, date(2026, 10, 1), text="一、第一行\r\n二、第二行\r\n\r\n第二段")
    services.publish(session, item, on=date(2026, 10, 2), mode=Disclosure.FULL, actor=CLERK)
    session.commit()
    html = client.get(f"/zh/proposals/{item.id}").get_data(as_text=True)
    assert '<p class="keep-lines">一、第一行\n二、第二行</p>' in html
    assert '<p class="keep-lines">第二段</p>' in html
    css = (Path(__file__).parents[2] / "static/css/proposals.css").read_text(encoding="utf-8")
    assert re.search(r"\.keep-lines\s*\{\s*white-space:\s*pre-line", css)


def test_a_reply_without_english_text_says_so_on_the_english_page(client, session, make_item):
    item = make_item(title="关于未译答复的建议")
    reply_to(session, item, date(2026, 10, 1), summary="只有中文摘要", text="只有中文全文")
    services.publish(session, item, on=date(2026, 10, 2), mode=Disclosure.FULL, actor=CLERK)
    session.commit()
    en = client.get(f"/en/proposals/{item.id}").get_data(as_text=True)
    assert "This reply has no English translation: the Chinese original is shown." in en
    assert '<p class="p-summary" lang="zh-CN">只有中文摘要</p>' in en
    zh = client.get(f"/zh/proposals/{item.id}").get_data(as_text=True)
    assert "没有英文译文" not in zh


def test_money_in_english_replies_is_written_the_english_way() -> None:
    """The sample replies' English text: "CNY 4.74 million was allocated", not "474 (10,000 yuan)
    were allocated"."""
    events = (Path(__file__).parents[2] / "data/proposals/events.csv").read_text(encoding="utf-8")
    assert "(10,000 yuan) were" not in events
    assert re.search(r"CNY [\d.,]+ million was allocated", events)


def test_the_chinese_feed_is_in_chinese_and_names_the_bureau(client) -> None:
    feed = client.get("/zh/proposals/feed.atom").get_data(as_text=True)
    match = re.search(r"<title>(.*?)</title>", feed)
    assert match is not None
    title = match.group(1)
    assert title.startswith("建议提案最新公开答复")
    assert "<author><name>示例市财政局</name></author>" in feed
    english = client.get("/en/proposals/feed.atom").get_data(as_text=True)
    assert "<title>Newly published replies to suggestions and proposals" in english
