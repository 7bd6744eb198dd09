"""Judging, award and announcement pages (/staff/judging, /staff/rubric, /staff/awards,
/staff/exports, /staff/announcements, /announcements): blind judging, forms, exports and
who may reach what."""

import csv
import io
import re
from datetime import datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from contest.domain import awards, judging
from contest.extensions import db
from contest.models import AuditEvent, EntryStatus
from contest.models.awards import Announcement, AwardKind, AwardList, AwardStatus
from contest.models.judging import JudgeConflict, Rubric, Score
from tests.conftest import csrf_from

IN_WINDOW = datetime.fromisoformat("2020-07-10T12:00:00+08:00")
CLOSE = datetime.fromisoformat("2020-07-17T23:59:59+08:00")
DRAFT = datetime.fromisoformat("2020-07-18T10:00:00+08:00")
SLUG = "zhuzhou-2020"
LIKES = 98765  # a figure that appears nowhere else on the pages


# make_entry(): approved entries submitted a minute apart from June 20, 10:00; likes read before the close.
pytestmark = [
    pytest.mark.contest(frozen_at=IN_WINDOW),
    pytest.mark.entries(status=EntryStatus.APPROVED, video_base=7_200_000_000_000_000_000,
                        at=datetime.fromisoformat("2020-06-20T10:00:00+08:00"), spacing=timedelta(minutes=1),
                        submitted_text="x", caption="醴陵瓷器之美 第{n}集", published_at=None, facts=None, event=False,
                        likes_at=CLOSE - timedelta(hours=1)),
]


@pytest.fixture
def judge(make_user):
    return make_user(role="judge", nickname="评委甲")


def post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_from(client, "/accounts/login")})


def values(v):
    return {"c_theme": v, "c_creativity": v, "c_production": v, "c_zhuzhou": v}


# --- blind judging --------------------------------------------------------------------------------------------------

def test_judge_queue_shows_the_video_but_no_likes_or_identity(client, login, judge, make_entry, author, sandbox):
    entry = make_entry(likes=LIKES)
    login(judge)
    player = f'src="{sandbox.url}/open/player/video?vid={entry.video_id}&amp;autoplay=0" referrerpolicy="unsafe-url"'
    for path in (f"/staff/judging?contest={SLUG}", f"/staff/judging/{entry.id}"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        # The queue is a table linking each entry; its one player is on the scoring page.
        assert (player in html) is (path != f"/staff/judging?contest={SLUG}")
        if player not in html:
            assert f'<a href="/staff/judging/{entry.id}">作品 {entry.id}</a>' in html and "<iframe" not in html
        assert "醴陵瓷器之美 第1集" in html and "株洲美好生活秀" in html
        for secret in (str(LIKES), "作者小王", "作***", "13812345678", "138****5678", "点赞"):
            assert secret not in html, (path, secret)
        assert f"/staff/entries/{entry.id}/likes" not in html


def test_score_form_saves_and_moves_to_the_next_entry(client, login, judge, make_entry, contest):
    first, second = make_entry(), make_entry(theme="talent")
    login(judge)
    response = post(client, f"/staff/judging/{first.id}",
                    {"c_theme": "10", "c_creativity": "8", "c_production": "9", "c_zhuzhou": "9"})
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/judging/{second.id}")
    response = post(client, f"/staff/judging/{second.id}", values("5"))
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/judging?contest={SLUG}")
    rows = db.session.execute(
        sa.select(Score.entry_id, Score.judge_id, Score.values, Score.total).order_by(Score.id)).all()
    assert [tuple(r) for r in rows] == [
        (first.id, judge.id, {"theme": 10, "creativity": 8, "production": 9, "zhuzhou": 9}, 90.0),
        (second.id, judge.id, {"theme": 5, "creativity": 5, "production": 5, "zhuzhou": 5}, 50.0)]
    assert db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all() == ["score.submit"] * 2
    # Back on the score page: the judge's values are filled in, ready to change.
    html = client.get(f"/staff/judging/{first.id}").get_data(as_text=True)
    assert 'name="c_theme" required step="any" type="number" value="10">' in html
    assert 'name="c_creativity" required step="any" type="number" value="8">' in html


@pytest.mark.parametrize(("data", "message"), [
    ({**values("5"), "c_theme": "11"}, "“主题契合”的分数必须在 0 到 10 之间。"),
    ({**values("5"), "c_creativity": "很好"}, "请填写数字。"),
    ({**values("5"), "c_zhuzhou": ""}, "请给“株洲特色”打分。"),
])
def test_score_form_refuses_bad_values(client, login, judge, make_entry, data, message):
    entry = make_entry()
    login(judge)
    response = post(client, f"/staff/judging/{entry.id}", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Score)) == 0


def test_conflict_of_interest_skips_the_entry(client, login, judge, make_entry):
    entry, other = make_entry(), make_entry()
    login(judge)
    response = post(client, f"/staff/judging/{entry.id}/conflict", {"reason": "作者是我的学生"})
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/judging?contest={SLUG}")
    row = db.session.scalar(sa.select(JudgeConflict))
    assert (row.entry_id, row.judge_id, row.reason) == (entry.id, judge.id, "作者是我的学生")
    html = client.get(f"/staff/judging?contest={SLUG}").get_data(as_text=True)
    assert f'href="/staff/judging/{other.id}"' in html and f'href="/staff/judging/{entry.id}"' not in html
    # Scoring it now is refused.
    response = post(client, f"/staff/judging/{entry.id}", values("5"))
    assert response.status_code == 422
    assert "你已声明与这件作品存在利益冲突，不参与它的评分。" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Score)) == 0


def test_judging_progress_and_rubric_for_admins(client, login, make_user, judge, make_entry):
    admin = make_user(role="admin")
    entry = make_entry()
    judging.submit_score(entry, judge, {"theme": 7, "creativity": 7, "production": 7, "zhuzhou": 7}, now=IN_WINDOW)
    db.session.commit()
    login(admin)
    html = client.get(f"/staff/judging/progress?contest={SLUG}").get_data(as_text=True)
    assert re.search(r'<td>评委甲</td>\s*<td><span class="progress progress-100" role="img" aria-label="完成 100%"><span></span></span></td>'
                     r'\s*<td class="num">1</td><td class="num">0</td><td class="num">0</td>', html)
    assert f"<td>{entry.id}</td><td>株洲美好生活秀</td><td class=\"num\">1 / 3</td>" in html

    assert client.get(f"/staff/rubric?contest={SLUG}").status_code == 200
    rows = {"criteria-0-key": "story", "criteria-0-name": "故事", "criteria-0-weight": "70", "criteria-0-min": "1",
            "criteria-0-max": "5", "criteria-1-key": "", "criteria-1-name": "", "criteria-1-weight": "",
            "criteria-1-min": "", "criteria-1-max": ""}
    response = post(client, f"/staff/rubric?contest={SLUG}", rows)
    assert response.status_code == 422
    assert "各项权重之和必须是 100（现在是 70）" in response.get_data(as_text=True)
    # Scoring has started: the criteria stay as they are.
    rows.update({"criteria-0-weight": "100"})
    response = post(client, f"/staff/rubric?contest={SLUG}", rows)
    assert response.status_code == 422
    assert "评委已经开始评分，评分标准不能再修改" in response.get_data(as_text=True)
    default = {f"criteria-{i}-{f}": str(c[f]) for i, c in enumerate(judging.DEFAULT_CRITERIA)
               for f in ("key", "name", "weight", "min", "max")}
    response = post(client, f"/staff/rubric?contest={SLUG}", default)
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/rubric?contest={SLUG}")
    rubric = db.session.scalar(sa.select(Rubric))
    assert rubric.criteria == [dict(c) for c in judging.DEFAULT_CRITERIA]
    # How many judges score each entry is the contest's, set on the contest editor.
    page = client.get(f"/staff/rubric?contest={SLUG}").get_data(as_text=True)
    assert f'每件作品需要 3 位评委评分才参加排名（在<a href="/staff/contests/{rubric.contest_id}">活动设置</a>中修改）' in page
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "rubric.update")).all() == [
        "rubric.update"]


# --- who may reach what ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["reviewer", "citizen", "admin"])
def test_only_judges_score(client, login, make_user, make_entry, role):
    entry = make_entry()
    login(make_user(role=role))
    assert post(client, f"/staff/judging/{entry.id}", values("5")).status_code == 403
    assert post(client, f"/staff/judging/{entry.id}/conflict", {"reason": "x"}).status_code == 403
    assert client.get(f"/staff/judging/{entry.id}").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Score)) == 0


@pytest.mark.parametrize("path", [
    "/staff/awards", "/staff/announcements", "/staff/exports/scores.csv", "/staff/exports/winners.xlsx",
    "/staff/rubric", "/staff/judging/progress",
])
def test_judges_cannot_reach_admin_pages(client, login, judge, contest, path):
    login(judge)
    assert client.get(f"{path}?contest={SLUG}").status_code == 403


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/staff/awards/draft"), ("post", "/staff/awards/disqualify"), ("post", "/staff/awards/publish"),
    ("post", "/staff/awards/correct"), ("get", "/staff/exports/winners.csv"), ("get", "/staff/rubric"),
])
def test_reviewers_view_awards_read_only(client, login, make_user, contest, method, path):
    login(make_user(role="reviewer"))
    html = client.get(f"/staff/awards?contest={SLUG}").get_data(as_text=True)
    assert "审核员可以查看名单" in html and "/staff/awards/draft" not in html
    response = post(client, path, {}) if method == "post" else client.get(path)
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/staff/judging", "/staff/awards", "/staff/announcements", "/staff/rubric",
                                  "/staff/exports/scores.csv"])
def test_anonymous_is_sent_to_login(client, contest, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login?next=")


def test_citizens_cannot_reach_judging(client, login, make_user, contest):
    login(make_user())
    assert client.get("/staff/judging").status_code == 403


# --- awards, exports ------------------------------------------------------------------------------------------------

@pytest.fixture
def judged(contest, make_entry, make_user):
    """One award place each; 作者小王 (hidden nickname) leads on likes, 李四 (shown) with the judges."""
    contest.popularity_award_size = contest.excellence_award_size = 1
    contest.theme_award_places = True  # the winners export lists the theme places too
    db.session.commit()
    first = make_entry("life", likes=300)
    second = make_entry("talent", user=make_user(nickname="李四"), show_nickname=True, likes=200)
    judges = [make_user(role="judge", nickname=f"评委{i}") for i in range(3)]
    for j in judges:
        judging.submit_score(first, j, {"theme": 6, "creativity": 6, "production": 6, "zhuzhou": 6}, now=IN_WINDOW)
        judging.submit_score(second, j, {"theme": 8, "creativity": 8, "production": 8, "zhuzhou": 8}, now=IN_WINDOW)
    db.session.commit()
    return first, second, judges


def test_scores_and_conflicts_on_the_pages_refresh_the_lists_in_their_notice(client, login, judged, freeze,
                                                                              make_user):
    first, second, judges = judged
    awards.draft_awards(first.contest, staff=make_user(role="admin"), now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    notice = db.session.scalar(sa.select(AwardList).where(AwardList.kind == AwardKind.EXCELLENCE))
    assert [(p.scope, p.entry_id, p.value) for p in notice.places] == [
        ("overall", second.id, 1.0), ("life", first.id, -1.0), ("talent", second.id, 1.0)]
    # A late score of 0 from 评委0: 李四's entry stays first overall, with a lower aggregate.
    login(judges[0])
    response = post(client, f"/staff/judging/{second.id}", values("0"))
    assert response.status_code == 302
    db.session.expire_all()
    assert [(p.scope, p.entry_id, round(p.value, 4)) for p in notice.places] == [
        ("overall", second.id, 0.3333), ("life", first.id, -0.3333), ("talent", second.id, 0.3333)]
    # 评委1 declares a conflict on it: their score is withdrawn and the lists follow again.
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    login(judges[1])
    response = post(client, f"/staff/judging/{second.id}/conflict", {"reason": "作者是我的学生"})
    assert response.status_code == 302
    # A judge with no score to withdraw declares a conflict: the lists stay, no refresh is recorded.
    newcomer = make_user(role="judge", nickname="评委新")
    client.post("/accounts/logout", data={"csrf_token": csrf_from(client, "/")})
    login(newcomer)
    assert post(client, f"/staff/judging/{first.id}/conflict", {"reason": "同一单位"}).status_code == 302
    refreshes = db.session.execute(sa.select(AuditEvent.actor_id, AuditEvent.note, AuditEvent.changes)
                                   .where(AuditEvent.action == "awards.refresh").order_by(AuditEvent.id)).all()
    assert [(actor, note, sorted(changes)) for actor, note, changes in refreshes] == [
        (judges[0].id, "score.submit", ["excellence"]), (judges[1].id, "score.conflict", ["excellence"])]


def test_admin_award_flow_through_the_pages(client, login, make_user, judged, freeze):
    first, second, _ = judged
    admin = make_user(role="admin")
    login(admin)
    freeze(CLOSE)
    response = post(client, f"/staff/awards/draft?contest={SLUG}", {"notice_days": "5"})
    # Refused: back to the confirmation page, which sends the admin on to the awards page with why.
    assert response.headers["Location"] == f"/staff/awards/draft?contest={SLUG}&notice_days=5"
    assert "活动截止后才能生成获奖名单" in client.get(response.headers["Location"], follow_redirects=True).get_data(
        as_text=True)

    freeze(DRAFT)
    response = post(client, f"/staff/awards/draft?contest={SLUG}", {"notice_days": "3", "short_reason": "作品不足"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已生成拟获奖名单，开始公示（3 天）" in html and "公示期至 2020-07-21 10:00" in html
    assert f'<tr data-entry="{first.id}">' in html

    freeze(DRAFT + timedelta(days=1))
    response = post(client, f"/staff/awards/disqualify?contest={SLUG}", {"entry_id": str(first.id), "reason": "抄袭"})
    assert "已取消作品 %d 的获奖资格，名单已顺延" % first.id in client.get(response.headers["Location"]).get_data(as_text=True)
    response = post(client, f"/staff/awards/publish?contest={SLUG}", {})
    assert "公示期尚未结束，不能发布获奖名单" in client.get(response.headers["Location"], follow_redirects=True).get_data(
        as_text=True)

    freeze(DRAFT + timedelta(days=3))
    response = post(client, f"/staff/awards/publish?contest={SLUG}", {})
    assert "获奖名单已发布" in client.get(response.headers["Location"]).get_data(as_text=True)
    lists = db.session.execute(sa.select(AwardList.kind, AwardList.version, AwardList.status)
                               .order_by(AwardList.kind, AwardList.version)).all()
    assert [tuple(r) for r in lists] == [(AwardKind.EXCELLENCE, 1, AwardStatus.PUBLISHED),
                                         (AwardKind.POPULARITY, 1, AwardStatus.PUBLISHED)]
    response = post(client, f"/staff/awards/correct?contest={SLUG}",
                    {"kind": "excellence", "reason": "评分录入错误", "entry_id": str(second.id)})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已发布更正后的获奖名单" in html and "更正原因：评分录入错误" in html and "第 1 版 · 已被更正" in html
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("awards.%"))
                              .order_by(AuditEvent.id)).all() == [
        "awards.draft", "awards.draft", "awards.disqualify", "awards.publish", "awards.publish",
        "awards.correct", "awards.correct"]


def read_csv(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_exports_of_scores_and_winners(client, login, make_user, judged, freeze):
    first, second, judges = judged
    admin = make_user(role="admin")
    awards.draft_awards(first.contest, staff=admin, now=freeze(DRAFT), short_reason="名额多于参评作品（测试）。")
    db.session.commit()
    login(admin)

    response = client.get(f"/staff/exports/scores.csv?contest={SLUG}")
    assert (response.status_code, response.mimetype) == (200, "text/csv")
    assert "attachment; filename*=UTF-8''" in response.headers["Content-Disposition"]
    header = ["作品编号", "视频编号", "主题", "作品状态", "评委编号", "评委", "主题契合（0–10）", "创意（0–10）",
              "制作（0–10）", "株洲特色（0–10）", "总分（0–100）", "首次评分时间", "最后修改时间"]
    rows = read_csv(response)
    assert rows[0] == header
    assert rows[1:] == [
        [str(e.id), e.video_id, theme, "已通过", str(j.id), j.nickname, v, v, v, v, total,
         "2020-07-10 12:00:00", "2020-07-10 12:00:00"]
        for e, theme, v, total in ((first, "株洲美好生活秀", "6", "60.0"), (second, "株洲达人才艺秀", "8", "80.0"))
        for j in judges]
    sheet = read_xlsx(client.get(f"/staff/exports/scores.xlsx?contest={SLUG}"))
    assert sheet[0] == header
    assert sheet[1] == [first.id, first.video_id, "株洲美好生活秀", "已通过", judges[0].id, "评委0", 6, 6, 6, 6, 60,
                        datetime(2020, 7, 10, 12, 0), datetime(2020, 7, 10, 12, 0)]
    assert len(sheet) == 7

    winners_header = ["奖项", "版本", "状态", "范围", "名次", "作品编号", "视频编号", "主题", "区县", "作者", "成绩",
                      "原始平均分", "评委人数"]
    a = [str(first.id), first.video_id, "株洲美好生活秀", "荷塘区", "作***"]
    b = [str(second.id), second.video_id, "株洲达人才艺秀", "荷塘区", "李四"]
    rows = read_csv(client.get(f"/staff/exports/winners.csv?contest={SLUG}"))
    assert rows == [
        winners_header,
        ["人气奖", "1", "公示中", "总榜", "1", *a, "300", "", ""],
        ["人气奖", "1", "公示中", "株洲美好生活秀", "1", *a, "300", "", ""],
        ["人气奖", "1", "公示中", "株洲达人才艺秀", "1", *b, "200", "", ""],
        ["优秀奖", "1", "公示中", "总榜", "1", *b, "1.0", "80.0", "3"],
        ["优秀奖", "1", "公示中", "株洲美好生活秀", "1", *a, "-1.0", "60.0", "3"],
        ["优秀奖", "1", "公示中", "株洲达人才艺秀", "1", *b, "1.0", "80.0", "3"],
    ]
    response = client.get(f"/staff/exports/winners.xlsx?contest={SLUG}")
    body = response.get_data()
    assert b"13812345678" not in body and "作者小王".encode() not in body
    sheet = read_xlsx(response)
    assert sheet[0] == winners_header
    assert sheet[4] == ["优秀奖", 1, "公示中", "总榜", 1, second.id, second.video_id, "株洲达人才艺秀", "荷塘区", "李四",
                        1, 80, 3]
    assert len(sheet) == 7
    events = db.session.execute(sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.changes)
                                .where(AuditEvent.action.like("export.%")).order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [
        ("export.scores", admin.id, {"format": "csv", "rows": 6}),
        ("export.scores", admin.id, {"format": "xlsx", "rows": 6}),
        ("export.winners", admin.id, {"format": "csv", "rows": 6}),
        ("export.winners", admin.id, {"format": "xlsx", "rows": 6})]


# --- announcements --------------------------------------------------------------------------------------------------

def test_announcements_draft_then_published_on_the_public_page(client, login, make_user, contest):
    reviewer = make_user(role="reviewer")
    login(reviewer)
    response = post(client, f"/staff/announcements?contest={SLUG}",
                    {"title": "拟获奖名单公示", "kind": "provisional", "body": "公示期五天。\n如有异议请来电。"})
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/announcements?contest={SLUG}")
    note = db.session.scalar(sa.select(Announcement))
    assert (note.title, note.kind.value, note.published_at, note.author_id) == (
        "拟获奖名单公示", "provisional", None, reviewer.id)
    public = client.get(f"/announcements?contest={SLUG}").get_data(as_text=True)
    assert "拟获奖名单公示" not in public and "暂时没有公告" in public

    response = post(client, f"/staff/announcements/{note.id}/publish", {})
    assert response.headers["Location"] == f"/staff/announcements?contest={SLUG}"
    public = client.get(f"/announcements?contest={SLUG}").get_data(as_text=True)
    assert "<h2>拟获奖名单公示</h2>" in public
    assert "<p>公示期五天。</p><p>如有异议请来电。</p>" in public
    assert "拟获奖名单公示 · 2020年07月10日 12:00" in public

    response = post(client, f"/staff/announcements/{note.id}/edit", {"title": "拟获奖名单公示（更新）",
                                                                      "kind": "provisional", "body": "公示期五天。"})
    assert response.status_code == 302
    assert "拟获奖名单公示（更新）" in client.get(f"/announcements?contest={SLUG}").get_data(as_text=True)
    post(client, f"/staff/announcements/{note.id}/unpublish", {})
    assert "暂时没有公告" in client.get(f"/announcements?contest={SLUG}").get_data(as_text=True)
    post(client, f"/staff/announcements/{note.id}/delete", {})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0
    assert db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
        "announcement.create", "announcement.publish", "announcement.update", "announcement.unpublish",
        "announcement.delete"]


def test_announcement_form_errors(client, login, make_user, contest):
    login(make_user(role="admin"))
    response = post(client, f"/staff/announcements?contest={SLUG}", {"title": "", "kind": "banner", "body": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写公告标题。" in html and "请选择公告类型。" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Announcement)) == 0


MINE = {
    "judging", "score_entry", "declare_conflict", "judging_progress", "rubric", "awards", "draft_awards", "confirm_draft",
    "confirm_publish",
    "disqualify_entry", "publish_awards", "correct_awards", "export_scores", "export_winners", "announcements",
    "create_announcement", "edit_announcement", "publish_announcement", "unpublish_announcement",
    "delete_announcement", "judging_video",
}


def test_every_judging_and_award_endpoint_is_guarded(app, client, login, make_user, contest):
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith("organiser.")
             and app.view_functions[r.endpoint].__module__.endswith(("organiser.judging", "organiser.awards"))]
    assert {r.endpoint.removeprefix("organiser.") for r in rules} == MINE
    values = {"entry_id": 1, "announcement_id": 1, "fmt": "csv"}
    token = csrf_from(client, "/accounts/login")
    for rule in rules:
        url = rule.build(values)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302 and response.headers["Location"].startswith("/accounts/login"), (
                rule.endpoint, method)
    login(make_user())
    token = csrf_from(client, "/accounts/login")
    for rule in rules:
        url = rule.build(values)[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 403, (rule.endpoint, method)
