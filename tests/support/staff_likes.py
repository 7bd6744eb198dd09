"""Screenshots, a staff sign-in (``sign_in``) and the form posts of the staff likes pages; ``LIKES_ENTRIES``, the
entries they need from ``make_entry``. (Registered in tests/conftest.py.)"""

import io
import re
import struct
import zlib
import pytest
from contest.models import EntryStatus


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


# The entries of the staff likes tests (``pytestmark = LIKES_ENTRIES``): approved, submitted now, facts unproven.
LIKES_ENTRIES = pytest.mark.entries(status=EntryStatus.APPROVED, video_base=6_840_000_000_000_000_000,
                                    published_at=None, facts=None, event=False)


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
