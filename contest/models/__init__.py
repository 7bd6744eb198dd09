"""The models, one module per aggregate. Importing this package registers every table."""

from contest.models.contest import Contest, ContestArea, ContestTheme
from contest.models.douyin import DouyinAccount
from contest.models.entry import Entry, EntryEvent
from contest.models.enums import EntryStatus, Role
from contest.models.user import PhoneCode, User

__all__ = [
    "Contest", "ContestArea", "ContestTheme", "DouyinAccount", "Entry", "EntryEvent", "EntryStatus",
    "PhoneCode", "Role", "User",
]
