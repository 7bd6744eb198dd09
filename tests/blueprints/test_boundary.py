"""The request boundary (contest/web/boundary.py): commit on success; on a rule's refusal roll back (or
commit what ``keep`` names), discard the stored evidence and hand the refusal back; anything else
rolls back, discards and propagates."""

import io

import pytest
from werkzeug.datastructures import FileStorage

from contest.domain.errors import Conflict, DomainError
from contest.domain.permissions import Forbidden
from contest.extensions import db
from contest.models import User
from contest.web.boundary import attempt, attempt_with_evidence, commit
from tests.support.staff_likes import png


def _rename(user_id: int, nickname: str, refusal: Exception | None = None):
    def act():
        db.session.get(User, user_id).nickname = nickname
        if refusal is not None:
            raise refusal
        return nickname
    return act


def _nickname(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).nickname


def test_success_commits_and_hands_back_the_value(app, make_user):
    user = make_user(nickname="甲")
    outcome = attempt(_rename(user.id, "乙"))
    assert (outcome.ok, outcome.value, outcome.error) == (True, "乙", None)
    db.session.rollback()
    assert _nickname(user.id) == "乙"


def test_a_refusal_rolls_back_and_comes_back_as_the_outcome(app, make_user):
    user = make_user(nickname="甲")
    refusal = Conflict("已经有人处理过了。")
    outcome = attempt(_rename(user.id, "乙", refusal))
    assert (outcome.ok, outcome.value, outcome.error) == (False, None, refusal)
    assert _nickname(user.id) == "甲"


def test_a_kept_refusal_commits_what_the_action_wrote(app, make_user):
    user = make_user(nickname="甲")
    outcome = attempt(_rename(user.id, "乙", DomainError("验证码错误。")), keep=(DomainError,))
    assert outcome.error.message == "验证码错误。"
    assert _nickname(user.id) == "乙"


def test_reraise_and_commit_let_the_refusal_reach_the_error_handler_after_rolling_back(app, make_user):
    user = make_user(nickname="甲")
    with pytest.raises(Forbidden):
        attempt(_rename(user.id, "乙", Forbidden("你只能审核所负责区县的作品。")), reraise=(Forbidden,))
    assert _nickname(user.id) == "甲"
    with pytest.raises(Conflict):
        commit(_rename(user.id, "丙", Conflict("冲突。")))
    assert _nickname(user.id) == "甲"
    assert commit(_rename(user.id, "丁")) == "丁"
    assert _nickname(user.id) == "丁"


def test_any_other_exception_rolls_back_and_propagates(app, make_user):
    user = make_user(nickname="甲")
    with pytest.raises(ZeroDivisionError):
        attempt(_rename(user.id, "乙", ZeroDivisionError()))
    assert _nickname(user.id) == "甲"


def _upload(data: bytes = b"") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data or png()), filename="shot.png", content_type="image/png")


def test_evidence_stays_with_a_kept_action_and_goes_with_a_refused_one(app, evidence_dir, make_user):
    user = make_user(nickname="甲")
    kept = attempt_with_evidence(_upload(), lambda path: (_rename(user.id, "乙")(), path)[1])
    assert kept.ok and (evidence_dir / kept.value).is_file()
    seen = []

    def refused(path):
        seen.append(path)
        assert (evidence_dir / path).is_file()
        raise Conflict("截止后不能再记录。")

    outcome = attempt_with_evidence(_upload(), refused)
    assert outcome.error.message == "截止后不能再记录。"
    assert not (evidence_dir / seen[0]).exists()
    def broken(path):
        seen.append(path)
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        attempt_with_evidence(_upload(), broken)
    assert not (evidence_dir / seen[1]).exists()
    assert sorted(p.name for p in evidence_dir.rglob("*") if p.is_file()) == [kept.value.rsplit("/", 1)[-1]]


def test_a_refused_file_never_reaches_the_action(app, evidence_dir):
    calls = []
    outcome = attempt_with_evidence(_upload(b"not an image at all"), calls.append)
    assert outcome.error is not None and calls == []
    assert [p for p in evidence_dir.rglob("*") if p.is_file()] == []


def test_without_an_upload_the_action_gets_no_path(app):
    assert attempt_with_evidence(None, lambda path: path).value is None
