"""The one pager (contest/domain/paging.py), the one set of time formatters (contest/clock.py) and the
permissions module (contest/domain/permissions.py)."""

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from contest import clock
from contest.domain import permissions
from contest.domain.errors import DomainError, Forbidden as ErrorsForbidden
from contest.domain.judging import NotAJudge
from contest.domain.paging import pager
from contest.domain.personal_data import StaffAccount
from contest.domain.review import Forbidden as ReviewForbidden
from contest.domain.staff_tokens import NotAllowed
from contest.models import Role


def test_the_pager_counts_pages_slices_and_clamps():
    rows = list(range(45))
    second = pager(len(rows), 2, 20)
    assert (second.page, second.pages, second.offset, list(second.slice(rows))) == (2, 3, 20, list(range(20, 40)))
    assert list(pager(45, 3, 20).slice(rows)) == [40, 41, 42, 43, 44]
    assert (pager(0, 1, 20).pages, list(pager(0, 1, 20).slice([]))) == (1, [])
    assert list(pager(45, 9, 20).slice(rows)) == []  # past the end, unclamped: an empty page
    assert (pager(45, 9, 20, clamp=True).page, pager(45, 0, 20, clamp=True).page, pager(0, 5, 20, clamp=True).page) == (3, 1, 1)


def test_one_set_of_time_formatters():
    instant = datetime(2020, 6, 17, 16, 0, tzinfo=timezone.utc)
    assert clock.beijing(instant) == "2020-06-18 00:00"
    assert clock.beijing(instant, "%m月%d日 %H:%M") == "06月18日 00:00"
    assert clock.iso(instant) == "2020-06-18T00:00:00+08:00"
    assert clock.iso_utc(instant) == "2020-06-17T16:00:00+00:00"
    assert (clock.beijing(None), clock.iso(None), clock.iso_utc(None)) == ("", None, None)
    with pytest.raises(ValueError):
        clock.iso_utc(datetime(2020, 6, 17, 16, 0))


def _user(role: Role, areas=()):
    return SimpleNamespace(role=role, area_keys=list(areas))


def _entry(area: str):
    return SimpleNamespace(area=SimpleNamespace(key=area))


def test_roles_and_area_scopes_are_asked_one_way():
    admin, everywhere, local = _user(Role.ADMIN), _user(Role.REVIEWER), _user(Role.REVIEWER, ["hetang"])
    judge, citizen = _user(Role.JUDGE), _user(Role.CITIZEN)
    people = (admin, everywhere, local, judge, citizen)
    assert [permissions.has_role(u, permissions.REVIEWERS) for u in people] == [True, True, True, False, False]
    assert [permissions.has_role(u, permissions.STAFF) for u in people] == [True, True, True, True, False]
    assert permissions.has_role(None, permissions.STAFF) is False
    assert [permissions.is_admin(u) for u in people] == [True, False, False, False, False]
    assert [permissions.is_judge(u) for u in people] == [False, False, False, True, False]
    assert [permissions.area_scope(u) for u in people] == [None, None, ["hetang"], [], []]
    assert [permissions.can_review(u, _entry("liling")) for u in people] == [True, True, False, False, False]
    entry = _entry("hetang")
    assert permissions.require_review(local, entry) is entry
    with pytest.raises(permissions.Forbidden) as refused:
        permissions.require_review(local, _entry("liling"))
    assert (refused.value.status, refused.value.message) == (403, "你只能审核所负责区县的作品。")
    assert permissions.require_area(local, "hetang") == ["hetang"]
    assert permissions.require_area(local, None) == ["hetang"]
    assert permissions.require_area(admin, "liling") is None
    with pytest.raises(permissions.Forbidden):
        permissions.require_area(local, "liling", "你只能查看所负责区县的作品。")


def test_there_is_one_forbidden_class():
    assert permissions.Forbidden is ErrorsForbidden is ReviewForbidden
    assert issubclass(permissions.Forbidden, DomainError) and permissions.Forbidden.status == 403
    assert all(issubclass(c, permissions.Forbidden) and c.status == 403 for c in (NotAJudge, NotAllowed, StaffAccount))
