"""The staff page of an item holds one form per step that applies; ids are unique on it and every
label points at its field (screen readers and a click on the label both depend on it)."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import select

from portal.proposals.models import ProposalItem, Status
from tests.staff.test_views import signed_in


def test_every_id_is_unique_and_every_label_has_its_field(client, session) -> None:
    editor = signed_in(client, session, "editor")
    item_id = session.scalar(
        select(ProposalItem.id).where(ProposalItem.status == Status.REPLIED).limit(1)
    )
    html = editor.get(f"/en/staff/proposals/{item_id}").get_data(as_text=True)
    assert html.count("<form") >= 3  # several steps apply to a replied item
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    targets = re.findall(r'<label[^>]*\sfor="([^"]+)"', html)
    assert targets and [t for t in targets if t not in ids] == []
