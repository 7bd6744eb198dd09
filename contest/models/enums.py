"""Enumerations shared by models, rules and templates (the bottom of the import graph)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    JUDGE = "judge"
    CITIZEN = "citizen"

    @property
    def label(self) -> str:
        return {"admin": "管理员", "reviewer": "审核员", "judge": "评委", "citizen": "参赛者"}[self.value]

    @property
    def is_staff(self) -> bool:
        return self is not Role.CITIZEN


class EntryStatus(enum.StrEnum):
    PENDING = "pending"          # 待审核
    NEEDS_FIX = "needs_fix"      # 待修改: the reviewer asked the entrant for a fix
    APPROVED = "approved"        # 已通过
    REJECTED = "rejected"        # 未通过
    WITHDRAWN = "withdrawn"      # 已撤回

    @property
    def label(self) -> str:
        return {
            "pending": "待审核",
            "needs_fix": "待修改",
            "approved": "已通过",
            "rejected": "未通过",
            "withdrawn": "已撤回",
        }[self.value]

    @property
    def closed(self) -> bool:
        """Withdrawn or rejected: the entry no longer holds its video (see :data:`CLOSED_STATUSES`)."""
        return self in CLOSED_STATUSES


#: Entries in these states never hold their video: another entry of it may be live.
CLOSED_STATUSES = (EntryStatus.WITHDRAWN, EntryStatus.REJECTED)


class OwnerProof(enum.StrEnum):
    """How an entry's ownership (the entrant is the video's author) was proven."""

    PLATFORM = "platform"  # video_data with the entrant's own Douyin token returned the video
    STAFF = "staff"        # a reviewer examined evidence (the entrant could not authorise)

    @property
    def label(self) -> str:
        return {"platform": "抖音授权确认", "staff": "工作人员核实证据"}[self.value]


class SnapshotSource(enum.StrEnum):
    PLATFORM = "platform"  # read from Douyin (video_data with the author's token)
    MANUAL = "manual"      # recorded by staff from a screenshot

    @property
    def label(self) -> str:
        return {"platform": "抖音平台", "manual": "人工记录"}[self.value]


class FlagStatus(enum.StrEnum):
    OPEN = "open"
    CLEARED = "cleared"
    CONFIRMED = "confirmed"

    @property
    def label(self) -> str:
        return {"open": "待处理", "cleared": "已排除", "confirmed": "已确认"}[self.value]


class CheckState(enum.StrEnum):
    """A slogan check's state (排队中 → 检查中 → 完成 | 失败)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "排队中", "running": "检查中", "done": "完成", "failed": "失败"}[self.value]
