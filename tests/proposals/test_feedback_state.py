"""What a deputy is told about feedback follows the item's state, and the rule is the service's:
a closed item takes no feedback, even from a form sent directly."""

from __future__ import annotations

from datetime import date

import pytest

from portal.proposals import services
from portal.proposals.models import Satisfaction
from tests.proposals.conftest import CLERK, feedback_on
from tests.proposals.test_deputies import (
    body,
    deputy_client,
    event_count,
    feedback_form,
    waiting_item,
)


def test_the_service_refuses_feedback_on_a_closed_item(session) -> None:
    item = waiting_item(session)
    services.close(session, item, on=date(2026, 11, 20), actor=CLERK)
    with pytest.raises(services.ProposalError, match="closed"):
        feedback_on(session, item, date(2026, 11, 21), Satisfaction.DISSATISFIED)


def test_a_form_sent_directly_to_a_closed_item_is_refused_with_409(app, session) -> None:
    client = deputy_client(app, session, "D01")
    item = waiting_item(session)
    page = body(client.get(f"/en/my/proposals/{item.id}"))  # the form, while it is open
    services.close(session, item, on=date(2026, 11, 20), actor=CLERK)
    session.commit()
    count = event_count(session, item)
    response = client.post(
        f"/en/my/proposals/{item.id}", data=feedback_form(page, 1, "dissatisfied", "dissatisfied")
    )
    assert response.status_code == 409
    assert "The item is closed: no further feedback is recorded on it." in body(response)
    assert event_count(session, item) == count
    assert "closed" in body(client.get(f"/en/my/proposals/{item.id}"))


def test_after_feedback_the_pages_stop_inviting_it(app, session) -> None:
    client = deputy_client(app, session, "D01")
    item = waiting_item(session)
    assert "Open it in your items to give feedback" in body(client.get(f"/en/proposals/{item.id}"))
    page = body(client.get(f"/en/my/proposals/{item.id}"))
    client.post(f"/en/my/proposals/{item.id}", data=feedback_form(page, 1, "basic", "dissatisfied"))
    mine = body(client.get(f"/en/my/proposals/{item.id}"))
    assert "once the reply has arrived" not in mine
    assert "the bureau is handling the item again" in mine
    public = body(client.get(f"/en/proposals/{item.id}"))
    assert "to give feedback" not in public and "Open it in your items" in public
