"""The slogan check's endpoints, for an entry's author and the staff who may review it:
chunked upload of the original video, the check's state, its evidence frames.

    POST /entries/<id>/slogan/uploads            {"size": bytes, "keep_for_judging": bool}
                                                                  → 201 {"upload", "offset", "chunk_bytes"}
    GET  /entries/<id>/slogan/uploads/<upload>                    → {"upload", "offset", "size"}
    PUT  /entries/<id>/slogan/uploads/<upload>?offset=N  (bytes)  → {"offset", "size", "check"}
    GET  /entries/<id>/slogan/check                               → {"check": {...} | null}
    GET  /entries/<id>/slogan/frames/<n>.jpg                      → evidence frame n (1, 2, 3; JPEG)

Errors are ``{"error": "<中文>"}``; a chunk at the wrong offset answers 409 with the offset to
resume from. The last chunk turns the upload into a queued check and enqueues it; with
``keep_for_judging: true`` (the entrant ticked the consent) the original is also kept for blind
judging until the results are published (:mod:`contest.domain.judging_videos`).
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, request
from flask_login import current_user, login_required

from contest.blueprints.entries import bp
from contest import clock
from contest.domain import judging_videos
from contest.domain import slogan_checks as rules
from contest.domain.errors import DomainError, NotFound
from contest.integrations.evidence import evidence_store, size_label
from contest.extensions import db
from contest.jobs.slogan import enqueue
from contest.models import Entry
from contest.slogan.frames import VideoError, check_limits, probe
from contest.slogan.uploads import GONE, UploadError, UploadLimits, UploadStore
from contest.extensions import limiter
from contest.web.json_body import json_object
from contest.web.limits import configured
from contest.web.numbers import MAX_INT64, json_int, parse_int


def _entry(entry_id: int) -> Entry:
    return rules.check_access(db.session.get(Entry, entry_id), current_user)


def _uploads() -> UploadStore:
    return UploadStore.from_config(current_app.config)


def _chunk_bytes() -> int:
    return current_app.config["CONTEST_SLOGAN_CHUNK_BYTES"]


def _error(message: str, status: int, **extra):
    return jsonify(error=message, **extra), status


@bp.post("/<int:entry_id>/slogan/uploads")
@login_required
@limiter.limit(configured("CONTEST_SLOGAN_UPLOAD_LIMIT"), key_func=lambda: f"user:{current_user.get_id()}",
               exempt_when=lambda: not current_user.is_authenticated)
def slogan_upload_start(entry_id: int):
    """At most CONTEST_SLOGAN_UPLOAD_LIMIT starts per account, and a few unfinished uploads at
    once per entry and per account (429 beyond them; docs/operations.md, "Uploads")."""
    entry = _entry(entry_id)
    body = json_object()
    size = json_int(body, "size", low=0, high=MAX_INT64)
    if size is None:
        return _error("请告诉我们文件大小（size，字节）。", 400)
    keep = body.get("keep_for_judging", False)
    if not isinstance(keep, bool):
        return _error("是否保留原视频供匿名评审（keep_for_judging）要填 true 或 false。", 400)
    if keep and entry.user_id != current_user.id:
        return _error("只有作者本人可以同意保留原视频供匿名评审。", 403)
    rules.check_upload(entry, size=size)
    try:
        name = _uploads().start(entry_id=entry.id, user_id=current_user.id, size=size, keep=keep,
                                limits=UploadLimits.from_config(current_app.config))
    except UploadError as exc:
        return _error(exc.message, 429)
    return jsonify(upload=name, offset=0, chunk_bytes=_chunk_bytes()), 201


@bp.get("/<int:entry_id>/slogan/uploads/<upload>")
@login_required
def slogan_upload_status(entry_id: int, upload: str):
    entry = _entry(entry_id)
    try:
        offset, size = _uploads().status(upload, entry_id=entry.id, user_id=current_user.id)
    except UploadError as exc:
        return _error(exc.message, 404)
    return jsonify(upload=upload, offset=offset, size=size)


@bp.put("/<int:entry_id>/slogan/uploads/<upload>")
@login_required
def slogan_upload_chunk(entry_id: int, upload: str):
    entry = _entry(entry_id)
    offset_arg = parse_int(request.args.get("offset"), low=0, high=MAX_INT64)
    if offset_arg is None:
        return _error("缺少上传位置（offset）。", 400)
    data = request.get_data(cache=False)
    if not data:
        return _error("这一段没有内容。", 400)
    if len(data) > _chunk_bytes():
        return _error(f"每段不能超过 {size_label(_chunk_bytes())}。", 413)
    store = _uploads()
    try:
        offset, size = store.append(upload, entry_id=entry.id, user_id=current_user.id,
                                    offset=offset_arg, data=data)
    except UploadError as exc:
        if exc.offset is not None:
            return _error(exc.message, 409, offset=exc.offset)
        return _error(exc.message, 404 if exc.message == GONE else 422)
    if offset < size:
        return jsonify(offset=offset, size=size, check=None)
    keep = store.keeps(upload)
    file_name = store.complete(upload)
    user, replaced = current_user._get_current_object(), None
    try:
        info = probe(store.path(file_name))
        check_limits(store.path(file_name))  # what the frames carry, whatever the header claims
        check = rules.queue_check(entry, user=user, upload_name=file_name,
                                  size=size, duration=info.duration, now=clock.now())
        if keep:
            replaced = judging_videos.keep(entry, store.keep(file_name), user=user, now=clock.now())
        db.session.commit()
    except (VideoError, DomainError) as exc:
        db.session.rollback()
        store.path(file_name).unlink(missing_ok=True)
        store.discard_kept(file_name)
        return _error(exc.message, 422)
    if replaced:
        store.discard_kept(replaced)
    enqueue(current_app._get_current_object(), check.id)
    db.session.expire_all()
    return jsonify(offset=offset, size=size, check=rules.check_json(rules.latest_check(entry))), 201


@bp.get("/<int:entry_id>/slogan/check")
@login_required
def slogan_check_state(entry_id: int):
    entry = _entry(entry_id)
    return jsonify(check=rules.check_json(rules.latest_check(entry)))


@bp.get("/<int:entry_id>/slogan/frames/<int:number>.jpg")
@login_required
def slogan_frame(entry_id: int, number: int):
    entry = _entry(entry_id)
    check = rules.latest_check(entry)
    frames = check.frames if check is not None else []
    if number > len(frames):
        raise NotFound("没有找到这一帧。")
    with evidence_store().open(frames[number - 1]["name"]) as image:
        response = Response(image.read(), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response
