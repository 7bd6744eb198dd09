"""Exports (/staff/exports): entries and tallies as CSV and Excel, masked unless asked (and then
audited), and the per-entry evidence pack."""

import csv
import io
import json
import re
import zipfile
from datetime import datetime

import openpyxl
import pytest
import sqlalchemy as sa

from contest import clock
from contest.domain.likes import record_snapshot
from contest.domain.review import review_entry
from contest.integrations.evidence import EvidenceStore
from contest.extensions import db
from contest.models import AuditEvent, EntryStatus, SnapshotSource
from tests.support.exports import read_csv
from tests.conftest import build_entry

IN_WINDOW = "2020-06-25T12:00:00+08:00"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40  # the store looks at the first bytes only
ENTRY_HEADER = ["作品编号", "视频编号", "主题", "区县", "状态", "作品描述", "作者", "手机号", "同意公开昵称",
                "发布时间", "提交时间", "状态更新时间", "状态说明", "计入赞数", "更正前赞数", "更正时间", "更正原因"]
TALLY_HEADER = ["作品编号", "视频编号", "作者", "状态", "计入赞数", "计入读数时间", "更正前赞数", "更正时间", "更正原因",
                "读数时间", "赞数", "来源", "是否计入", "记录人", "截图", "备注"]


@pytest.fixture(autouse=True)
def _evidence_in_tmp(evidence_dir):
    return evidence_dir


@pytest.fixture
def admin(make_user, login, contest):
    user = make_user(role="admin", phone="13900000001", nickname="管理员小刘")
    login(user)
    return user


@pytest.fixture
def export_rows(contest, make_user, admin, evidence_dir, freeze):
    """Two entries: a public nickname with a platform reading, a manual reading with a screenshot and a
    reading after the close; a private one, reviewed, without readings."""
    shown = make_user(phone="13812345678", nickname="张三丰")
    hidden = make_user(phone="13987654321", nickname="李四")
    now = clock.now()

    def entry(user, n, area, show):
        e = build_entry(contest, user, video_id=str(6_840_000_000_000_000_000 + n), theme=contest.themes[n - 1].key,
                        area=area, status=EntryStatus.PENDING, at=now, submitted_text="株洲 #动力株洲文旅通 @株洲足迹",
                        caption="株洲 #动力株洲文旅通 @株洲足迹",
                        published_at=datetime.fromisoformat("2020-06-24T20:00:00+08:00"), show_nickname=show,
                        fact_sources={"caption": "embed"}, checks=[{"code": "video", "passed": True}])
        return e

    first, second = entry(shown, 1, "hetang", True), entry(hidden, 2, "liling", False)
    db.session.commit()
    freeze("2020-06-26T10:00:00+08:00")
    review_entry(first, reviewer=admin, decision="approve", checklist={"slogan": True, "theme": True, "content": True},
                 reason=None, version=None, now=clock.now())
    review_entry(second, reviewer=admin, decision="request_fix", checklist={}, reason="请补上口号字幕", version=None,
                 now=clock.now())
    db.session.commit()
    record_snapshot(first, observed_at=datetime.fromisoformat("2020-06-26T08:00:00+08:00"), likes=90,
                    source=SnapshotSource.PLATFORM)
    path = EvidenceStore(evidence_dir).save(io.BytesIO(PNG), now=clock.now())
    freeze("2020-07-17T23:00:00+08:00")  # manual counts only before the close
    record_snapshot(first, observed_at=datetime.fromisoformat("2020-07-17T22:00:00+08:00"), likes=150,
                    source=SnapshotSource.MANUAL, recorded_by=admin, evidence_path=path, note="作者截图")
    freeze("2020-07-18T09:00:00+08:00")
    record_snapshot(first, observed_at=datetime.fromisoformat("2020-07-18T08:00:00+08:00"), likes=400,
                    source=SnapshotSource.PLATFORM)
    db.session.commit()
    return {"first": first, "second": second, "path": path}


def read_xlsx(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return list(book.active.iter_rows(values_only=True))


def events(action: str | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def exports() -> list[tuple[str, dict, str | None]]:
    return [(e.action, e.changes, e.note) for e in events() if e.action.startswith("export.")]


# --- entries --------------------------------------------------------------------------

def test_entries_csv_masked_by_default(client, export_rows):
    response = client.get("/staff/exports/entries.csv?contest=zhuzhou-2020")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename*=UTF-8''zhuzhou-2020-entries.csv"
    first, second = export_rows["first"], export_rows["second"]
    assert read_csv(response) == [ENTRY_HEADER, [
        str(first.id), "6840000000000000001", "株洲美好生活秀", "荷塘区", "已通过", "株洲 #动力株洲文旅通 @株洲足迹",
        "张三丰", "138****5678", "是", "2020-06-24 20:00:00", "2020-06-25 12:00:00", "2020-06-26 10:00:00",
        "审核通过：口号、主题、内容均已确认", "150", "", "", "",
    ], [
        str(second.id), "6840000000000000002", "株洲达人才艺秀", "醴陵市", "待修改",
        "株洲 #动力株洲文旅通 @株洲足迹", "李*", "139****4321", "否", "2020-06-24 20:00:00", "2020-06-25 12:00:00",
        "2020-06-26 10:00:00", "请补上口号字幕", "", "", "", "",
    ]]
    assert exports() == [("export.entries", {"unmasked": False, "format": "csv", "rows": 2}, None)]
    assert events("export.entries")[0].actor.nickname == "管理员小刘"


def test_entries_xlsx_masked_by_default(client, export_rows):
    response = client.get("/staff/exports/entries.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    first, second = export_rows["first"], export_rows["second"]
    assert read_xlsx(response) == [tuple(ENTRY_HEADER), (
        first.id, "6840000000000000001", "株洲美好生活秀", "荷塘区", "已通过", "株洲 #动力株洲文旅通 @株洲足迹", "张三丰",
        "138****5678", "是", datetime(2020, 6, 24, 20), datetime(2020, 6, 25, 12), datetime(2020, 6, 26, 10),
        "审核通过：口号、主题、内容均已确认", 150, None, None, None,
    ), (
        second.id, "6840000000000000002", "株洲达人才艺秀", "醴陵市", "待修改", "株洲 #动力株洲文旅通 @株洲足迹", "李*",
        "139****4321", "否", datetime(2020, 6, 24, 20), datetime(2020, 6, 25, 12), datetime(2020, 6, 26, 10),
        "请补上口号字幕", None, None, None, None,
    )]
    assert exports() == [("export.entries", {"unmasked": False, "format": "xlsx", "rows": 2}, None)]


def test_unmasked_entries_are_recorded_with_the_admins_name(client, export_rows):
    response = client.get("/staff/exports/entries.csv?unmasked=1")
    rows = read_csv(response)
    assert [(r[6], r[7]) for r in rows[1:]] == [("张三丰", "13812345678"), ("李四", "13987654321")]
    contest_id = export_rows["first"].contest_id
    assert exports() == [
        ("export.entries", {"unmasked": True, "format": "csv", "rows": 2}, None),
        ("export.unmasked", {"export": "entries", "format": "csv", "rows": 2}, "管理员小刘 导出了未遮盖的个人信息（entries）。"),
    ]
    assert {(e.actor.nickname, e.contest_id) for e in events("export.unmasked")} == {("管理员小刘", contest_id)}


@pytest.mark.parametrize("value", ["0", "true", "yes", ""])
def test_only_unmasked_1_unmasks(client, export_rows, value):
    rows = read_csv(client.get(f"/staff/exports/entries.csv?unmasked={value}"))
    assert rows[2][6:8] == ["李*", "139****4321"]
    assert events("export.unmasked") == []


def test_unknown_export_format_is_404(client, export_rows):
    assert client.get("/staff/exports/entries.pdf").status_code == 404
    assert client.get("/staff/exports/tallies.json").status_code == 404
    assert exports() == []


# --- tallies --------------------------------------------------------------------------

def test_tallies_csv_lists_every_snapshot(client, export_rows):
    response = client.get("/staff/exports/tallies.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename*=UTF-8''zhuzhou-2020-tallies.csv"
    first, second, path = export_rows["first"], export_rows["second"], export_rows["path"]
    head = [str(first.id), "6840000000000000001", "张三丰", "已通过", "150", "2020-07-17 22:00:00", "", "", ""]
    assert read_csv(response) == [
        TALLY_HEADER,
        head + ["2020-06-26 08:00:00", "90", "抖音平台", "计入", "", "", ""],
        head + ["2020-07-17 22:00:00", "150", "人工记录", "计入", "管理员小刘", path, "作者截图"],
        head + ["2020-07-18 08:00:00", "400", "抖音平台", "不计入（截止后）", "", "", ""],
        [str(second.id), "6840000000000000002", "李*", "待修改"] + [""] * 12,
    ]
    assert exports() == [("export.tallies", {"unmasked": False, "format": "csv", "rows": 4}, None)]


def test_tallies_xlsx(client, export_rows):
    rows = read_xlsx(client.get("/staff/exports/tallies.xlsx?unmasked=1"))
    first, second, path = export_rows["first"], export_rows["second"], export_rows["path"]
    head = (first.id, "6840000000000000001", "张三丰", "已通过", 150, datetime(2020, 7, 17, 22), None, None, None)
    assert rows == [
        tuple(TALLY_HEADER),
        head + (datetime(2020, 6, 26, 8), 90, "抖音平台", "计入", None, None, None),
        head + (datetime(2020, 7, 17, 22), 150, "人工记录", "计入", "管理员小刘", path, "作者截图"),
        head + (datetime(2020, 7, 18, 8), 400, "抖音平台", "不计入（截止后）", None, None, None),
        (second.id, "6840000000000000002", "李四", "待修改") + (None,) * 12,
    ]
    assert [a for a, _, _ in exports()] == ["export.tallies", "export.unmasked"]


# --- the evidence pack ----------------------------------------------------------------

def test_the_evidence_pack(client, export_rows, evidence_dir):
    first, path = export_rows["first"], export_rows["path"]
    response = client.get(f"/staff/exports/evidence/{first.id}.zip")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == f"attachment; filename=zhuzhou-2020-entry-{first.id}-evidence.zip"
    pack = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(pack.namelist()) == ["entry.json", f"evidence/{path}", "snapshots.csv"]
    assert pack.read(f"evidence/{path}") == PNG
    record = json.loads(pack.read("entry.json"))
    assert record == {
        "id": first.id, "contest": "zhuzhou-2020", "video_id": "6840000000000000001", "status": "approved",
        "status_label": "已通过", "status_reason": "审核通过：口号、主题、内容均已确认", "theme": "life", "area": "hetang",
        "caption": "株洲 #动力株洲文旅通 @株洲足迹", "submitted_text": "株洲 #动力株洲文旅通 @株洲足迹",
        "published_at": "2020-06-24T20:00:00+08:00", "submitted_at": "2020-06-25T12:00:00+08:00",
        "status_changed_at": "2020-06-26T10:00:00+08:00", "version": 2, "show_nickname": True,
        "author": {"nickname": "张三丰", "phone": "138****5678"},
        "checks": [{"code": "video", "passed": True}], "fact_sources": {"caption": "embed"},
        "status_history": [{"at": "2020-06-26T10:00:00+08:00", "from": "pending", "to": "approved",
                            "actor": "管理员小刘", "note": "审核通过：口号、主题、内容均已确认"}],
        "tally": {"likes": 150, "observed_at": "2020-07-17T22:00:00+08:00", "source": "manual",
                  "reached_at": "2020-07-17T22:00:00+08:00", "latest_likes": 400,
                  "latest_observed_at": "2020-07-18T08:00:00+08:00", "corrected": False},
        "corrections": [],
        "closes_at": "2020-07-17T23:59:59+08:00", "evidence_files": [path], "missing_evidence": [],
        "slogan_checks": [],
    }
    snapshots = list(csv.reader(io.StringIO(pack.read("snapshots.csv").decode("utf-8-sig"))))
    assert snapshots[0] == ["快照编号", "读数时间", "赞数", "来源", "是否计入", "记录人", "截图", "备注"]
    assert [row[1:] for row in snapshots[1:]] == [
        ["2020-06-26 08:00:00", "90", "抖音平台", "计入", "", "", ""],
        ["2020-07-17 22:00:00", "150", "人工记录", "计入", "管理员小刘", path, "作者截图"],
        ["2020-07-18 08:00:00", "400", "抖音平台", "不计入（截止后）", "", "", ""],
    ]
    (event,) = events("export.evidence_pack")
    assert (event.target_type, event.target_id, event.changes) == (
        "entry", first.id, {"unmasked": False, "files": 1, "missing": 0})


def test_the_evidence_pack_names_a_missing_screenshot(client, export_rows, evidence_dir):
    first, path = export_rows["first"], export_rows["path"]
    (evidence_dir / path).unlink()
    pack = zipfile.ZipFile(io.BytesIO(client.get(f"/staff/exports/evidence/{first.id}.zip?unmasked=1").get_data()))
    assert sorted(pack.namelist()) == ["entry.json", "snapshots.csv"]
    record = json.loads(pack.read("entry.json"))
    assert (record["evidence_files"], record["missing_evidence"]) == ([], [path])
    assert record["author"] == {"nickname": "张三丰", "phone": "13812345678"}
    assert [a for a, _, _ in exports()] == ["export.evidence_pack", "export.unmasked"]


def test_the_evidence_pack_of_an_entry_without_readings(client, export_rows):
    second = export_rows["second"]
    pack = zipfile.ZipFile(io.BytesIO(client.get(f"/staff/exports/evidence/{second.id}.zip").get_data()))
    assert sorted(pack.namelist()) == ["entry.json", "snapshots.csv"]
    record = json.loads(pack.read("entry.json"))
    assert record["author"] == {"nickname": "李*", "phone": "139****4321"}
    assert record["tally"] == {"likes": None, "observed_at": None, "source": None, "reached_at": None,
                               "latest_likes": None, "latest_observed_at": None, "corrected": False}


def test_the_evidence_pack_of_an_unknown_entry_is_404(client, admin):
    response = client.get("/staff/exports/evidence/999.zip")
    assert response.status_code == 404
    assert "没有找到这个作品。" in response.get_data(as_text=True)


def test_the_dashboard_offers_the_exports_to_admins(client, export_rows):
    page = client.get("/staff/dashboard").get_data(as_text=True)
    for href in ("/staff/exports/entries.xlsx?contest=zhuzhou-2020", "/staff/exports/tallies.csv?contest=zhuzhou-2020"):
        assert f'href="{href}"' in page
    assert re.search(r"导出未遮盖的数据会以你的名义记入操作记录", page)
