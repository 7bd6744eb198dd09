"""The models, one module per aggregate. Importing this package registers every table."""

from contest.models.audit import AuditEvent
from contest.models.cache import CacheVersion
from contest.models.contest import Contest, ContestArea, ContestTheme
from contest.models.douyin import DouyinAccount
from contest.models.entry import Entry, EntryEvent
from contest.models.enums import CLOSED_STATUSES, CheckState, EntryStatus, FlagStatus, OwnerProof, Role, SnapshotSource
from contest.models.likes import EntryTally, LikeFlag, Snapshot, Sweep, TallyCorrection
from contest.models.platform import PlatformAlarm
from contest.models.session import UserSession
from contest.models.slogan import SloganCheck
from contest.models.throttle import SignInThrottle
from contest.models.user import PhoneCode, User

__all__ = [
    "AuditEvent", "CacheVersion", "CheckState", "Contest", "ContestArea", "ContestTheme", "DouyinAccount", "Entry", "EntryEvent",
    "EntryStatus", "EntryTally", "CLOSED_STATUSES", "FlagStatus", "LikeFlag", "OwnerProof", "PhoneCode", "PlatformAlarm", "Role", "SignInThrottle",
    "SloganCheck", "Snapshot", "SnapshotSource", "Sweep", "TallyCorrection", "User", "UserSession",
]

# The organiser console's models: importing the modules registers their tables.
from contest.models import awards, judging, notification, objection, tokens  # noqa: E402,F401
