"""A contest with entries, screenshots and a staff sign-in, for the staff likes pages. (Shared by several test modules.)"""

import io
import re
import struct
import zlib
from itertools import count as counter
import pytest
from contest import clock
from contest.extensions import db
from contest.models import EntryStatus
from tests.conftest import build_entry


IN_WINDOW = "2020-06-25T12:00:00+08:00"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG, built here: red pixels, 8-bit RGB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xc8\x10\x2e" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = png()


EVIDENCE_NAME = re.compile(r"2020/06/25/[0-9a-f]{32}\.(png|jpg|webp)")


@pytest.fixture
def author(make_user):
    return make_user(nickname="作者小王")


@pytest.fixture
def make_entry(contest, author):
    serial = counter(1)

    def _make(user=None, caption="株洲的早晨 #动力株洲文旅通 @株洲足迹", status=EntryStatus.APPROVED):
        now = clock.now()
        entry = build_entry(contest, user or author, video_id=str(6_840_000_000_000_000_000 + next(serial)),
                            status=status, at=now, submitted_text=caption, caption=caption)
        db.session.commit()
        return entry
    return _make


@pytest.fixture
def entry(make_entry):
    return make_entry()


@pytest.fixture
def sign_in(make_user, login):
    def _sign_in(role: str, nickname: str | None = None):
        user = make_user(role=role, nickname=nickname or {"admin": "管理员小刘", "reviewer": "审核员小张",
                                                          "judge": "评委老陈", "citizen": "市民小李"}[role])
        login(user)
        return user
    return _sign_in


def token(client, path="/accounts/login") -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def record(client, entry, *, file=("shot.png", PNG, "image/png"), csrf=True, **fields):
    data = {"likes": "120", "observed_at": "2020-06-25T10:30", "comments": "5", "shares": "2", "plays": "3000",
            "note": "截图来自作者微信"}
    data.update(fields)
    if csrf:
        data["csrf_token"] = token(client)
    if file is not None:
        name, content, content_type = file
        data["screenshot"] = (io.BytesIO(content), name, content_type)
    return client.post(f"/staff/entries/{entry.id}/likes", data={k: v for k, v in data.items() if v is not None},
                       content_type="multipart/form-data")


def rows(page: str) -> dict[int, str]:
    """The readings table: snapshot id -> the row's text, tags stripped and spaces squeezed."""
    found = re.findall(r'<tr id="snapshot-(\d+)"[^>]*>(.*?)</tr>', page, re.S)
    return {int(i): " ".join(re.sub(r"<[^>]+>", " ", body).split()) for i, body in found}


def files_in(path) -> list:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []
