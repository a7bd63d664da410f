"""Deputies' suggestions (建议) and CPPCC proposals (提案) handled by the bureau.

The truth is the append-only timeline (:class:`ProposalEvent`, with the replies and the feedback
it carries). The columns marked *derived* on :class:`ProposalItem` are a copy computed from that
timeline by :func:`portal.proposals.services.record_event`, in the same transaction, so that lists,
filters and statistics are plain indexed queries.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, JSONText


def _enum(cls: type[enum.StrEnum], length: int) -> Any:
    return Enum(
        cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class ItemKind(enum.StrEnum):
    SUGGESTION = "suggestion"  # 人大代表建议
    PROPOSAL = "proposal"  # 政协委员提案


class SubmitterKind(enum.StrEnum):
    DEPUTY = "deputy"  # 人大代表
    MEMBER = "member"  # 政协委员


class HandlingRole(enum.StrEnum):
    """The bureau's part in handling an item."""

    SOLE = "sole"  # 独办: the bureau alone replies
    LEAD = "lead"  # 主办: the bureau replies, after hearing the co-handling units (会办)
    CO = "co"  # 会办: the bureau sends an opinion to the lead unit, which replies
    SPLIT = "split"  # 分办: several units each reply on their own part


class EventKind(enum.StrEnum):
    ASSIGNED = "assigned"  # 交办: the clock starts
    EXTENDED = "extended"  # 延期: an approved extension moves the due date
    MET = "met"  # 面商/沟通 with the submitter
    REPLIED = "replied"  # 答复 (for a co-handler: the opinion sent to the lead unit)
    FEEDBACK = "feedback"  # the submitter's satisfaction
    REHANDLED = "rehandled"  # 重新办理 after a "not satisfied"
    PUBLISHED = "published"  # 公开: in full, as a summary, or withheld with a reason
    FOLLOWED_UP = "followed_up"  # progress on an item being solved (B class)
    CLOSED = "closed"  # 办结


class Status(enum.StrEnum):
    """Derived from the timeline; never set by hand."""

    IN_HAND = "in_hand"  # assigned, reply not given yet
    EXTENDED = "extended"  # as in_hand, with an approved extension
    REPLIED = "replied"  # replied, waiting for the submitter's feedback
    REHANDLING = "rehandling"  # not satisfied: being handled again
    FOLLOWING_UP = "following_up"  # replied "being solved" and followed up
    FEEDBACK = "feedback"  # feedback received
    OPINION_SENT = "opinion_sent"  # co-handler: opinion sent to the lead unit
    CLOSED = "closed"  # 办结


#: Statuses in which the bureau owes a reply (or a co-handler's opinion) by ``current_due``.
AWAITING_BUREAU = (Status.IN_HAND, Status.EXTENDED, Status.REHANDLING)


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASIC = "basic"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class Disclosure(enum.StrEnum):
    FULL = "full"  # 全文公开
    SUMMARY = "summary"  # 摘要公开
    WITHHELD = "withheld"  # 不予公开 (with a stated reason)


class MeetingForm(enum.StrEnum):
    IN_PERSON = "in_person"  # 当面沟通
    SITE_VISIT = "site_visit"  # 现场调研
    MEETING = "meeting"  # 座谈会
    PHONE = "phone"  # 电话沟通
    ONLINE = "online"  # 网络/视频沟通


class Submitter(Base):
    """A deputy (人大代表) or CPPCC member (政协委员). Contact details are for the bureau only and
    never appear on a public page or in the API."""

    __tablename__ = "proposal_submitter"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[SubmitterKind] = mapped_column(_enum(SubmitterKind, 10))
    affiliation: Mapped[str] = mapped_column(String(200), default="")  # 代表团 / 界别
    affiliation_en: Mapped[str] = mapped_column(String(200), default="")
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Private: never shown publicly.
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(300), default="")


class ReplyClass(Base):
    """One class of the locality's reply scheme (by default A/B/C/D), loaded from data/."""

    __tablename__ = "proposal_reply_class"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    #: Items replied with this class are followed up until solved (e.g. B 正在解决或列入计划解决).
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)


#: The columns the list filters on, in one narrow index: a filtered count reads it instead of the
#: wide rows (with a search too: see portal.proposals.search).
FILTER_INDEX = "ix_proposal_item_filters"
FILTER_COLUMNS = (
    "year",
    "status",
    "kind",
    "role",
    "reply_class",
    "current_due",
    "reply_due",
    "first_replied_on",
    "first_reply_on_time",
    "met_on",
    "handling_final",
    "result_final",
)


class ProposalItem(Base):
    __tablename__ = "proposal_item"
    __table_args__ = (
        UniqueConstraint("session_label", "kind", "number"),
        Index("ix_proposal_item_list_order", "year", "number", "id"),
        Index("ix_proposal_item_status_due", "status", "current_due"),
        Index(FILTER_INDEX, *FILTER_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    session_label: Mapped[str] = mapped_column(String(100))  # e.g. 市十五届四次会议
    session_label_en: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str] = mapped_column(String(10))  # 第0123号 → "0123"
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind, 12), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    lead_submitter_id: Mapped[int] = mapped_column(ForeignKey("proposal_submitter.id"), index=True)
    role: Mapped[HandlingRole] = mapped_column(_enum(HandlingRole, 8), index=True)
    #: The other units: co-handlers (主办), the lead unit (会办) or the other units (分办).
    other_units: Mapped[str] = mapped_column(String(300), default="")
    other_units_en: Mapped[str] = mapped_column(String(400), default="")
    #: Area slugs, ";"-separated (the same as :class:`ItemArea`, kept for display).
    areas: Mapped[str] = mapped_column(String(200), default="")
    #: Budget classification codes the item concerns, ";"-separated, e.g. "2050201;21007".
    budget_codes: Mapped[str] = mapped_column(String(200), default="")

    # -- derived from the timeline (see portal.proposals.timeline.derive) ------------------------
    status: Mapped[Status] = mapped_column(_enum(Status, 14), default=Status.IN_HAND)
    assigned_on: Mapped[date | None] = mapped_column(Date)
    #: The first-round reply (or co-handler's opinion) due date, extensions included.
    reply_due: Mapped[date | None] = mapped_column(Date)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What the bureau owes now (reply, opinion or re-handled reply) is due on this date.
    current_due: Mapped[date | None] = mapped_column(Date)
    first_replied_on: Mapped[date | None] = mapped_column(Date)
    first_reply_on_time: Mapped[bool | None] = mapped_column(Boolean)
    replied_on: Mapped[date | None] = mapped_column(Date)  # latest reply
    reply_class: Mapped[str | None] = mapped_column(String(8), index=True)  # latest reply
    rounds: Mapped[int] = mapped_column(Integer, default=1)
    met_on: Mapped[date | None] = mapped_column(Date)
    #: Satisfaction, only where the feedback is public (see portal.proposals.visibility).
    handling_first: Mapped[Satisfaction | None] = mapped_column(_enum(Satisfaction, 12))
    result_first: Mapped[Satisfaction | None] = mapped_column(_enum(Satisfaction, 12))
    handling_final: Mapped[Satisfaction | None] = mapped_column(_enum(Satisfaction, 12))
    result_final: Mapped[Satisfaction | None] = mapped_column(_enum(Satisfaction, 12))
    #: Disclosure of the latest reply: None until decided.
    disclosure: Mapped[Disclosure | None] = mapped_column(_enum(Disclosure, 10))
    published_on: Mapped[date | None] = mapped_column(Date, index=True)
    disclosure_due: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    last_event_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: Lower-cased public text (titles, body, public reply summaries and texts): the search index
    #: (portal.proposals.search) is built from it, and long words are confirmed against it.
    search_text: Mapped[str] = mapped_column(Text, default="")

    lead_submitter: Mapped[Submitter] = relationship(lazy="joined", innerjoin=True)
    cosigners: Mapped[list[Submitter]] = relationship(
        secondary="proposal_cosigner", order_by="Submitter.id"
    )
    area_rows: Mapped[list[ItemArea]] = relationship(
        cascade="all, delete-orphan", order_by="ItemArea.area"
    )
    events: Mapped[list[ProposalEvent]] = relationship(
        back_populates="item", order_by="ProposalEvent.seq"
    )
    replies: Mapped[list[Reply]] = relationship(order_by="Reply.round")
    feedback: Mapped[list[Feedback]] = relationship(order_by="Feedback.round")

    @property
    def area_slugs(self) -> list[str]:
        return [a for a in self.areas.split(";") if a]

    @property
    def code_list(self) -> list[str]:
        return [c for c in self.budget_codes.split(";") if c]

    @property
    def submitter_ids(self) -> set[int]:
        return {self.lead_submitter_id, *(s.id for s in self.cosigners)}


class ItemArea(Base):
    __tablename__ = "proposal_item_area"
    __table_args__ = (Index("ix_proposal_item_area_area_item", "area", "item_id"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_item.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(String(40), primary_key=True)


class Cosigner(Base):
    __tablename__ = "proposal_cosigner"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_item.id", ondelete="CASCADE"), primary_key=True
    )
    submitter_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_submitter.id"), primary_key=True, index=True
    )


#: Codepoint order on every backend (PostgreSQL's default collation would order by locale rules),
#: which the one-character search relies on (see portal.proposals.search).
GRAM_TYPE = String(2).with_variant(String(2, collation="C"), "postgresql")


class SearchGram(Base):
    """One character bigram (or a run's last character) of an item's public search text; see
    :mod:`portal.proposals.search`. Rewritten with the derived columns."""

    __tablename__ = "proposal_search_gram"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (SQLAlchemy's own attribute)

    gram: Mapped[str] = mapped_column(GRAM_TYPE, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("proposal_item.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProposalEvent(Base):
    """One step of an item's timeline. Append-only (a database trigger refuses changes)."""

    __tablename__ = "proposal_event"
    __table_args__ = (
        UniqueConstraint("item_id", "seq"),
        Index("ix_proposal_event_kind_on", "kind", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("proposal_item.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, 12))
    #: The date the step happened (the business date the deadlines are counted from).
    occurred_on: Mapped[date] = mapped_column(Date)
    round: Mapped[int] = mapped_column(Integer, default=1)
    #: Kind-specific facts as JSON: months and reason (extended), form (met), mode and reason
    #: (published), text (followed_up), due and reason (rehandled), note (closed).
    details: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    #: Who recorded it, and when.
    actor: Mapped[str] = mapped_column(String(254))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    item: Mapped[ProposalItem] = relationship(back_populates="events")


class Reply(Base):
    """A reply to the submitter (or, for a co-handler, its opinion to the lead unit); one per round."""

    __tablename__ = "proposal_reply"
    __table_args__ = (UniqueConstraint("item_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("proposal_item.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("proposal_event.id"), unique=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    replied_on: Mapped[date] = mapped_column(Date)
    document_number: Mapped[str] = mapped_column(String(100), default="")
    reply_class: Mapped[str | None] = mapped_column(ForeignKey("proposal_reply_class.code"))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    text_en: Mapped[str] = mapped_column(Text, default="")


class Feedback(Base):
    """The lead submitter's answer to one round's reply; at most one per round."""

    __tablename__ = "proposal_feedback"
    __table_args__ = (UniqueConstraint("item_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("proposal_item.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("proposal_event.id"), unique=True)
    reply_id: Mapped[int] = mapped_column(ForeignKey("proposal_reply.id"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    given_on: Mapped[date] = mapped_column(Date)
    handling: Mapped[Satisfaction] = mapped_column(_enum(Satisfaction, 12))
    result: Mapped[Satisfaction] = mapped_column(_enum(Satisfaction, 12))
    comment: Mapped[str] = mapped_column(Text, default="")


class ProposalImport(Base):
    """A load of curated proposals (``flask setup``): loading is idempotent by content hash."""

    __tablename__ = "proposal_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(200))
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
