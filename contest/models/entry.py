from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contest import clock
from contest.extensions import db
from contest.models.contest import Contest, ContestArea, ContestTheme
from contest.models.enums import CLOSED_STATUSES, EntryStatus, OwnerProof
from contest.models.types import UTCDateTime, str_enum
from contest.models.user import User

# A live entry is one that is not withdrawn or rejected: the database keeps it to one a video
# per contest (closed entries of the same video stay, with their history).
_LIVE = sa.column("status").not_in([s.value for s in CLOSED_STATUSES])


class Entry(db.Model):
    """One Douyin video entered in one contest (the database keeps it to one live entry a video)."""

    __tablename__ = "entry"
    __table_args__ = (
        Index("uq_entry_live_video", "contest_id", "video_id", unique=True,
              sqlite_where=_LIVE, postgresql_where=_LIVE),
        Index("ix_entry_contest_video", "contest_id", "video_id"),
        Index("ix_entry_contest_status", "contest_id", "status"),
        Index("ix_entry_contest_status_theme", "contest_id", "status", "theme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # Douyin ids exceed 2**53: a string everywhere.
    video_id: Mapped[str] = mapped_column(String(24))
    theme_id: Mapped[int] = mapped_column(ForeignKey("contest_theme.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("contest_area.id"))
    status: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus, "entry_status"), default=EntryStatus.PENDING)
    submitted_text: Mapped[str] = mapped_column(Text)  # what the entrant pasted, kept as typed
    caption: Mapped[str | None] = mapped_column(Text)
    # The cover the platform gave at submission (with the author's token); the sweep keeps
    # a fresher one in entry_tally.cover_url, since Douyin's signed cover URLs expire.
    cover_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which facts the platform confirmed; the rest are provisional (e.g. a publish
    # time read from the video id). {"fact": "platform" | "video_id" | "embed"}.
    fact_sources: Mapped[dict] = mapped_column(JSON, default=dict)
    # The automatic checks at submission: [{"code", "passed", "message"}].
    checks: Mapped[list] = mapped_column(JSON, default=list)
    show_nickname: Mapped[bool] = mapped_column(default=False)
    rules_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Ownership (the entrant is the video's author, contest.domain.ownership): unproven while
    # owner_verified_at is None; such an entry is never approved nor polled.
    owner_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    owner_proof: Mapped[OwnerProof | None] = mapped_column(str_enum(OwnerProof, "entry_owner_proof"))
    # The screenshot a reviewer examined (contest.integrations.evidence) when owner_proof is "staff".
    owner_evidence_path: Mapped[str | None] = mapped_column(String(64))
    # Blind judging (docs/rules.md §8): the original the entrant uploaded for the slogan check and
    # agreed, at upload, to keep for the judges until the results are published (the file's name
    # in the upload folder's ``kept/``; contest.domain.judging_videos), and when they agreed.
    judging_video: Mapped[str | None] = mapped_column(String(64))
    judging_video_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    contest: Mapped[Contest] = relationship()
    user: Mapped[User] = relationship()
    theme: Mapped[ContestTheme] = relationship()
    area: Mapped[ContestArea] = relationship()
    events: Mapped[list[EntryEvent]] = relationship(
        back_populates="entry", order_by="EntryEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Entry {self.id} {self.video_id} {self.status}>"

    @property
    def owner_proven(self) -> bool:
        return self.owner_verified_at is not None


class EntryEvent(db.Model):
    """A status change of an entry: who moved it, when, from what to what, and why."""

    __tablename__ = "entry_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    from_status: Mapped[EntryStatus | None] = mapped_column(str_enum(EntryStatus, "entry_event_from"))
    to_status: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus, "entry_event_to"))
    note: Mapped[str | None] = mapped_column(Text)

    entry: Mapped[Entry] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
