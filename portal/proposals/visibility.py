"""Who may see a reply and the feedback on it. Decided here and nowhere else: the list, the detail
page, the deputy's pages, the API, the feed, the search column and the statistics all ask
:func:`reply_access` / :func:`may_see_feedback`.

What is public about every item: its number, title and text, the submitters' names, the areas, the
bureau's role, the dates (assigned, due, extended, met, replied, closed), the reply's document
number and class, and so its status. What depends on the disclosure decision: the words of the
reply (in full or as a summary), the follow-up notes, and the submitter's feedback. The submitters
of an item (lead and co-signers) and bureau staff see all of it. Contact details are never public.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from portal.proposals.models import Disclosure


class Access(enum.StrEnum):
    FULL = "full"  # summary and full text
    SUMMARY = "summary"  # the summary only
    NONE = "none"


@dataclass(frozen=True)
class Viewer:
    user_id: int | None = None
    staff: bool = False
    #: The submitter a deputy's account speaks for.
    submitter_id: int | None = None


#: An anonymous reader; also what the API, the feed and the search column always use.
PUBLIC = Viewer()


def viewer_of(user: Any) -> Viewer:
    """The viewer for a Flask-Login user (anonymous users are :data:`PUBLIC`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PUBLIC
    return Viewer(
        user_id=user.id,
        staff=bool(getattr(user, "is_staff", False)),
        submitter_id=getattr(user, "submitter_id", None),
    )


def current_viewer() -> Viewer:
    from flask_login import current_user

    return viewer_of(current_user)


def is_own_item(viewer: Viewer, submitter_ids: Collection[int]) -> bool:
    return viewer.submitter_id is not None and viewer.submitter_id in submitter_ids


def reply_access(
    viewer: Viewer, submitter_ids: Collection[int], disclosure: Disclosure | str | None
) -> Access:
    """How much of a reply *viewer* may read, given the item's submitters and the reply's
    disclosure decision (``None``: not decided yet, i.e. not public)."""
    if viewer.staff or is_own_item(viewer, submitter_ids):
        return Access.FULL
    if disclosure == Disclosure.FULL:
        return Access.FULL
    if disclosure == Disclosure.SUMMARY:
        return Access.SUMMARY
    return Access.NONE


def may_see_feedback(
    viewer: Viewer, submitter_ids: Collection[int], disclosure: Disclosure | str | None
) -> bool:
    """Feedback (satisfaction and comment) is public when the reply it answers is."""
    return reply_access(viewer, submitter_ids, disclosure) is not Access.NONE
