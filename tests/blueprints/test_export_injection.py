"""Exports are safe to open: no CSV or Excel cell is ever a formula (OWASP, CSV injection).
Text from users that begins with = + - @ TAB CR gets a single quote in front; Excel cells
holding text are strings; numbers and times stay numbers and times."""

import csv
import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from contest import clock
from contest.domain.likes import record_snapshot
from contest.integrations.evidence import EvidenceStore
from contest.render.exports import neutralise, safe_cell, table_bytes
from contest.extensions import db
from contest.models import EntryStatus, SnapshotSource
from tests.conftest import build_entry

pytestmark = pytest.mark.usefixtures("evidence_dir")  # screenshots in a temporary folder

IN_WINDOW = "2020-06-25T12:00:00+08:00"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
CAPTION = '=HYPERLINK("http://evil.example/","点我") #动力株洲文旅通 @株洲足迹'
NICKNAME = "@SUM(1+1)*cmd"
NOTE = "+cmd|' /C calc'!A0"
REASON = "-2+3 请补充口号"


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("株洲 =1", "株洲 =1"), ("'=1", "'=1"), ("", ""), ("\x01=1", "'=1"), ("a\x0bb", "ab"),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_numbers_times_and_empties_stay_what_they_are():
    instant = datetime.fromisoformat("2020-07-17T23:59:59+08:00")
    assert [safe_cell(v) for v in (-5, 1.5, None, True, instant)] == [-5, 1.5, None, True,
                                                                      datetime(2020, 7, 17, 23, 59, 59)]


def test_table_bytes_csv_and_xlsx_hold_no_formula():
    rows = [["=1+1", "+1", "-1", "@A1", "\tx", "\rx", -3, 2.5]]
    text = table_bytes(["a"] * 8, rows, "csv").decode("utf-8")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        ["a"] * 8, ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "-3", "2.5"]]
    book = openpyxl.load_workbook(io.BytesIO(table_bytes(["a"] * 8, rows, "xlsx")))
    cells = list(book.active.iter_rows(min_row=2))[0]
    # XML reads a stored carriage return back as a line feed; the quote before it is what matters.
    assert [c.value for c in cells] == ["'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\nx", -3, 2.5]
    assert [c.data_type for c in cells] == ["s"] * 6 + ["n", "n"]


# --- the real exports ---------------------------------------------------------------

@pytest.fixture
def exported_entry(make_contest, make_user, login, freeze, evidence_dir):
    freeze(IN_WINDOW)
    contest = make_contest()
    admin = make_user(role="admin", phone="13900000001", nickname="管理员小刘")
    login(admin)
    author = make_user(phone="13812345678", nickname=NICKNAME)
    entry = build_entry(contest, author, video_id="6840000000000000001", status=EntryStatus.APPROVED,
                        submitted_text=CAPTION, caption=CAPTION, show_nickname=True, status_reason=REASON)
    db.session.commit()
    path = EvidenceStore(evidence_dir).save(io.BytesIO(PNG), now=clock.now())
    record_snapshot(entry, observed_at=clock.now(), likes=120, source=SnapshotSource.MANUAL, recorded_by=admin,
                    evidence_path=path, note=NOTE)
    db.session.commit()
    return entry


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_entries_csv_neutralises_caption_nickname_and_reason(client, exported_entry):
    header, row = csv_rows(client.get("/staff/exports/entries.csv").get_data())
    cells = dict(zip(header, row))
    assert (cells["作品描述"], cells["作者"], cells["状态说明"], cells["计入赞数"]) == (
        "'" + CAPTION, "'" + NICKNAME, "'" + REASON, "120")


def test_entries_xlsx_cells_from_users_are_strings(client, exported_entry):
    book = openpyxl.load_workbook(io.BytesIO(client.get("/staff/exports/entries.xlsx").get_data()))
    header, row = list(book.active.iter_rows(max_row=2))
    cells = {h.value: c for h, c in zip(header, row)}
    assert [(cells[k].value, cells[k].data_type) for k in ("作品描述", "作者", "状态说明", "计入赞数")] == [
        ("'" + CAPTION, "s"), ("'" + NICKNAME, "s"), ("'" + REASON, "s"), (120, "n")]


def test_tallies_exports_neutralise_notes(client, exported_entry):
    header, row = csv_rows(client.get("/staff/exports/tallies.csv").get_data())
    assert dict(zip(header, row))["备注"] == "'" + NOTE
    book = openpyxl.load_workbook(io.BytesIO(client.get("/staff/exports/tallies.xlsx").get_data()))
    header, row = list(book.active.iter_rows(max_row=2))
    note = {h.value: c for h, c in zip(header, row)}["备注"]
    assert (note.value, note.data_type) == ("'" + NOTE, "s")


def test_the_evidence_packs_csv_is_neutralised(client, exported_entry):
    pack = zipfile.ZipFile(io.BytesIO(client.get(f"/staff/exports/evidence/{exported_entry.id}.zip").get_data()))
    header, row = csv_rows(pack.read("snapshots.csv"))
    assert dict(zip(header, row))["备注"] == "'" + NOTE
