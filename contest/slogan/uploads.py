"""Originals being uploaded in chunks, under the instance folder, until they are checked.

An upload is a name (32 hex) with two files: ``<name>.json`` (whose, for which entry, the
declared size) and ``<name>.part`` (the bytes so far). A chunk is accepted only at the
current end of the file, so a client that lost a response asks for the offset and resumes;
the first chunk must start like an MP4/MOV. When the last byte is in, the file becomes
``<name>.mp4`` and the check owns it; the job deletes it once the check has run.

An entrant who agreed at upload to keep the original for blind judging (docs/rules.md §8) gets a
second name for the same bytes, ``kept/<name>.mp4`` (a hard link, or a copy across devices),
which the check's clean-up leaves alone; it is deleted when the results are published
(:func:`contest.domain.judging_videos.to_release`).

Limits (docs/operations.md, "Uploads"): at most ``per_entry`` unfinished uploads for one entry and
``per_account`` for one account at once. An upload whose ``.part`` has not grown for ``max_age``
seconds is abandoned: it no longer counts, and :meth:`UploadStore.sweep` (``flask sweep-uploads``,
and the poller after each sweep) deletes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from contest.slogan.frames import NOT_MP4, is_mp4_or_mov

NAME = re.compile(r"\A[0-9a-f]{32}\Z")
GONE = "上传已失效，请重新选择文件上传。"
WRONG_OFFSET = "上传位置不对，请从第 {offset} 字节继续。"
TOO_MANY_FOR_ENTRY = "这个作品已有 {limit} 个未完成的上传，请先完成它们，或等它们失效后再试。"
TOO_MANY_FOR_ACCOUNT = "你已有 {limit} 个未完成的上传，请先完成它们，或等它们失效后再试。"


@dataclass(frozen=True)
class UploadLimits:
    per_entry: int
    per_account: int
    max_age: int  # seconds without a new byte, after which an upload is abandoned

    @classmethod
    def from_config(cls, config: Mapping) -> "UploadLimits":
        return cls(per_entry=config["CONTEST_SLOGAN_OPEN_UPLOADS_PER_ENTRY"],
                   per_account=config["CONTEST_SLOGAN_OPEN_UPLOADS_PER_ACCOUNT"],
                   max_age=config["CONTEST_SLOGAN_UPLOAD_MAX_AGE"])


@dataclass(frozen=True)
class Usage:
    files: int
    bytes: int


class UploadError(Exception):
    def __init__(self, message: str, *, offset: int | None = None):
        super().__init__(message)
        self.message, self.offset = message, offset


class UploadStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @classmethod
    def from_config(cls, config: Mapping) -> "UploadStore":
        return cls(config["CONTEST_SLOGAN_UPLOAD_DIR"])

    def _paths(self, name: str) -> tuple[Path, Path]:
        if not isinstance(name, str) or not NAME.match(name):
            raise UploadError(GONE)
        return self.root / f"{name}.json", self.root / f"{name}.part"

    def _open(self, max_age: int) -> list[dict]:
        """The unfinished uploads touched within ``max_age`` seconds (their ``.json`` contents)."""
        fresh, oldest = [], time.time() - max_age
        for meta in self.root.glob("*.json"):
            try:
                touched = max(meta.stat().st_mtime, (self.root / f"{meta.stem}.part").stat().st_mtime)
                info = json.loads(meta.read_text())
            except (OSError, ValueError):
                continue  # finished or swept meanwhile
            if touched >= oldest and isinstance(info, dict):
                fresh.append(info)
        return fresh

    def start(self, *, entry_id: int, user_id: int, size: int, keep: bool = False,
              limits: UploadLimits | None = None) -> str:
        """A new upload's name; ``keep``: the entrant agreed to keep the original for blind judging;
        :class:`UploadError` when ``limits`` are reached."""
        self.root.mkdir(parents=True, exist_ok=True)
        if limits is not None:
            uploads = self._open(limits.max_age)
            if sum(u.get("entry_id") == entry_id for u in uploads) >= limits.per_entry:
                raise UploadError(TOO_MANY_FOR_ENTRY.format(limit=limits.per_entry))
            if sum(u.get("user_id") == user_id for u in uploads) >= limits.per_account:
                raise UploadError(TOO_MANY_FOR_ACCOUNT.format(limit=limits.per_account))
        name = uuid.uuid4().hex
        meta, part = self._paths(name)
        part.touch(exist_ok=False)
        meta.write_text(json.dumps({"entry_id": entry_id, "user_id": user_id, "size": size, "keep": keep}))
        return name

    def keeps(self, name: str) -> bool:
        """Whether the entrant agreed to keep this upload's original for blind judging."""
        meta, _ = self._paths(name)
        try:
            return json.loads(meta.read_text()).get("keep") is True
        except (OSError, ValueError):
            return False

    def status(self, name: str, *, entry_id: int, user_id: int) -> tuple[int, int]:
        """``(offset, size)``: the bytes received so far and the size declared."""
        meta, part = self._paths(name)
        try:
            info = json.loads(meta.read_text())
            offset = part.stat().st_size
        except (OSError, ValueError):
            raise UploadError(GONE) from None
        if info.get("entry_id") != entry_id or info.get("user_id") != user_id:
            raise UploadError(GONE)
        return offset, info["size"]

    def append(self, name: str, *, entry_id: int, user_id: int, offset: int, data: bytes) -> tuple[int, int]:
        """Write ``data`` at ``offset`` (which must be the current end); ``(new offset, size)``."""
        current, size = self.status(name, entry_id=entry_id, user_id=user_id)
        if offset != current:
            raise UploadError(WRONG_OFFSET.format(offset=current), offset=current)
        if current + len(data) > size:
            raise UploadError("上传的内容比文件大小还多，请重新上传。", offset=current)
        if current == 0 and not is_mp4_or_mov(data[:16]):
            self.discard(name)
            raise UploadError(NOT_MP4)
        with open(self._paths(name)[1], "ab") as out:
            out.write(data)
        return current + len(data), size

    def complete(self, name: str) -> str:
        """The finished upload's file name (``<name>.mp4``), for the check."""
        meta, part = self._paths(name)
        os.replace(part, self.root / f"{name}.mp4")
        meta.unlink(missing_ok=True)
        return f"{name}.mp4"

    def path(self, file_name: str) -> Path:
        if not file_name.endswith(".mp4") or not NAME.match(file_name[:-4]):
            raise UploadError(GONE)
        return self.root / file_name

    def keep(self, file_name: str) -> str:
        """Keep a finished upload for blind judging: its kept name (``<name>.mp4`` under ``kept/``)."""
        source = self.path(file_name)
        kept = self.kept_path(file_name)
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.unlink(missing_ok=True)
        try:
            os.link(source, kept)
        except OSError:
            shutil.copyfile(source, kept)
        return file_name

    def kept_path(self, file_name: str) -> Path:
        return self.root / "kept" / self.path(file_name).name

    def discard_kept(self, file_name: str) -> None:
        try:
            self.kept_path(file_name).unlink(missing_ok=True)
        except UploadError:  # not a name this store gives: nothing of ours to delete
            pass

    def discard(self, name: str) -> None:
        for path in (*self._paths(name), self.root / f"{name}.mp4"):
            path.unlink(missing_ok=True)

    def sweep(self, *, max_age: int) -> Usage:
        """Delete the uploads abandoned for ``max_age`` seconds (``.part`` and ``.json``, or a
        ``.json`` whose ``.part`` is gone); what was deleted. A finished ``.mp4`` belongs to its
        check and is left alone."""
        files = size = 0
        oldest = time.time() - max_age
        for path in [*self.root.glob("*.part"), *self.root.glob("*.json")]:
            try:
                stat = path.stat()
                if stat.st_mtime >= oldest or not NAME.match(path.stem):
                    continue
                partner = path.with_suffix(".json" if path.suffix == ".part" else ".part")
                if partner.exists() and partner.stat().st_mtime >= oldest:
                    continue  # its other half is still being written
                path.unlink()
            except FileNotFoundError:
                continue
            files, size = files + 1, size + stat.st_size
        return Usage(files=files, bytes=size)

