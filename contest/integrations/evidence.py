"""Evidence files (screenshots behind manual like counts), stored on disk outside the database.

Only the relative name goes into ``Snapshot.evidence_path``. Names are generated here
(``YYYY/MM/DD/<32 hex>.<ext>``, the date in UTC); :meth:`EvidenceStore.open` accepts
nothing else, so a stored or requested name can never reach outside the store. The type
is decided by the file's first bytes, never by its name or the client's content type.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Mapping

from flask import current_app

from contest import clock
from contest.domain.errors import DomainError, NotFound

MiB = 1024 * 1024
DEFAULT_MAX_BYTES = 5 * MiB

CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
NAME = re.compile(r"\A\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.(png|jpg|webp)\Z")

WRONG_TYPE = "只能上传图片格式的截图（手机截图或照片）。"
CHUNK = 64 * 1024


def sniff(head: bytes) -> str | None:
    """The extension for an image whose file starts with ``head``, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def size_label(max_bytes: int) -> str:
    """``5 MB`` for 5 MiB; ``300 KB`` below a MiB."""
    if max_bytes >= MiB:
        return f"{max_bytes / MiB:g} MB"
    return f"{max(1, max_bytes // 1024)} KB"


class EvidenceStore:
    """Screenshots under ``root``, at most ``max_bytes`` each."""

    def __init__(self, root: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root = Path(root)
        self.max_bytes = max_bytes

    @classmethod
    def from_config(cls, config: Mapping) -> "EvidenceStore":
        return cls(config["CONTEST_EVIDENCE_DIR"], max_bytes=config["CONTEST_EVIDENCE_MAX_BYTES"])

    def _read(self, stream: BinaryIO) -> tuple[bytes, str]:
        """The whole upload and its extension; :class:`DomainError` when too large or not an image we take."""
        data = bytearray()
        while len(data) <= self.max_bytes:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            data += chunk
        if len(data) > self.max_bytes:
            raise DomainError(f"截图不能超过 {size_label(self.max_bytes)}。")
        ext = sniff(bytes(data[:16]))
        if ext is None:
            raise DomainError(WRONG_TYPE)
        return bytes(data), ext

    def inspect(self, stream: BinaryIO) -> str:
        """Check an upload without storing it (so a form can report every problem at once);
        returns its extension and rewinds the stream. :meth:`save` checks again."""
        try:
            return self._read(stream)[1]
        finally:
            stream.seek(0)

    def save(self, stream: BinaryIO, *, filename: str | None = None, now: datetime | None = None) -> str:
        """Store the image read from ``stream``; returns its relative name.

        ``filename`` (the client's) is accepted but deliberately unused: the type comes
        from the bytes and the name is generated.
        """
        data, ext = self._read(stream)
        day = (now or clock.now()).astimezone(clock.UTC)
        name = f"{day:%Y/%m/%d}/{uuid.uuid4().hex}.{ext}"
        target = self.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name first, so a reader never sees half a file.
        partial = target.with_name(target.name + ".part")
        with open(partial, "xb") as out:
            out.write(data)
        os.replace(partial, target)
        return name

    def _path(self, name: str) -> Path:
        if not isinstance(name, str) or not NAME.match(name):
            raise NotFound("没有找到这个截图。")
        path = self.root / name
        if not path.is_file():
            raise NotFound("没有找到这个截图。")
        return path

    def open(self, name: str) -> BinaryIO:
        """The stored file called ``name`` (a name :meth:`save` returned), opened for reading;
        :class:`NotFound` for anything else."""
        return open(self._path(name), "rb")

    def discard(self, name: str) -> None:
        """Remove a file whose record was not kept (the row failed after the file was stored)."""
        try:
            self._path(name).unlink()
        except (NotFound, FileNotFoundError):
            pass

    @staticmethod
    def content_type(name: str) -> str:
        return CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def evidence_store() -> EvidenceStore:
    """The store configured for the current app (read per call, so tests can repoint it)."""
    return EvidenceStore.from_config(current_app.config)
