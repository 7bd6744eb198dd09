"""``flask --app contest …`` commands: thin wrappers over domain functions."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Callable, Iterator

import click
from flask import Flask, current_app

from contest import clock
from contest.domain.errors import DomainError
from contest.extensions import cache, db


def _fail(exc: DomainError):
    raise click.ClickException(exc.message)


@click.command("create-contest")
@click.option("--slug", default=None, help="活动标识（小写字母、数字、连字符）。默认 zhuzhou-2020。")
@click.option("--name", default=None, help="活动名称。")
@click.option("--opens", default=None, help="开始时间，ISO 8601；无时区即北京时间；只写日期即当天 00:00:00。")
@click.option("--closes", default=None, help="结束时间，ISO 8601；只写日期即当天 23:59:59（含）。")
@click.option("--theme-places", is_flag=True, default=False,
              help="除总榜外，每个主题也各设获奖名额（默认不设：每个奖项总榜前十，按公告）。")
@click.option("--min-judges", type=int, default=None,
              help="优秀奖每件作品需要的评委人数（1 到 50，默认 3）：评分评委达到这个人数的作品才参加排名。")
def create_contest_command(slug, name, opens, closes, theme_places, min_judges):
    """Create a contest. With no options: the 2020 contest exactly as the article describes."""
    from contest.domain.contests import DEFAULT_MIN_JUDGES, ZHUZHOU_2020, Rules, create_contest, parse_instant

    given = [o for o in (slug, name, opens, closes) if o is not None]
    if given and len(given) != 4:
        raise click.UsageError("--slug、--name、--opens、--closes 要么都不填，要么都要填。")
    slug = slug or ZHUZHOU_2020["slug"]
    name = name or ZHUZHOU_2020["name"]
    try:
        contest = create_contest(
            slug=slug, name=name,
            opens_at=parse_instant(opens or ZHUZHOU_2020["opens"], end_of_day=False),
            closes_at=parse_instant(closes or ZHUZHOU_2020["closes"], end_of_day=True),
            rules=Rules(theme_award_places=theme_places,
                        min_judges=DEFAULT_MIN_JUDGES if min_judges is None else min_judges),
        )
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(
        f"已创建活动 {contest.slug}：{contest.name}，"
        f"{clock.to_local(contest.opens_at):%Y-%m-%d %H:%M:%S} 至 {clock.to_local(contest.closes_at):%Y-%m-%d %H:%M:%S}（北京时间）"
        + f"；优秀奖每件作品需要 {contest.min_judges} 位评委评分"
        + ("；每个主题另设获奖名额" if contest.theme_award_places else "")
    )


@click.command("create-user")
@click.option("--role", type=click.Choice(["admin", "reviewer", "judge", "citizen"]), required=True, help="角色。")
@click.option("--phone", required=True, help="手机号（11 位大陆号码）。")
@click.option("--name", "nickname", required=True, help="昵称或姓名。")
def create_user_command(role, phone, nickname):
    """Create an account. The password comes from CONTEST_NEW_PASSWORD or a prompt."""
    from contest.domain.accounts import create_user
    from contest.models import Role

    password = os.environ.get("CONTEST_NEW_PASSWORD") or click.prompt(
        "密码", hide_input=True, confirmation_prompt=True
    )
    try:
        user = create_user(phone=phone, nickname=nickname, password=password, role=Role(role), now=clock.now())
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(f"已创建{user.role.label}账号：{user.phone}（{user.nickname}）")


@contextlib.contextmanager
def _progress(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar in a terminal (nothing otherwise); yields the function that advances it."""
    if not (sys.stdout.isatty() and length):
        yield lambda n: None
        return
    with click.progressbar(length=length, label=label) as bar:
        yield bar.update


@click.command("seed-demo")
@click.option("--entries", type=int, default=None,
              help="再添加 N 个已通过的作品（连同参赛者、扫描、点赞快照和积分），用于规模测试。")
@click.option("--snapshots", type=int, default=None,
              help="与 --entries 同用：每个作品 K 条快照，来自 K 次分布在活动已进行时间里的扫描（默认 0）。")
@click.option("--phase", type=click.Choice(["open", "closed", "notice", "published"]), default=None,
              help="把演示活动推进到这个阶段：open 进行中；closed 已截止、三位评委已评分；notice 获奖名单公示中、"
                   "有一条异议待答复；published 获奖名单已公布。可以在同一个数据库上依次运行，阶段不能倒退。")
def seed_demo_command(entries, snapshots, phase):
    """Create the demo contest, demo accounts and entries (and the sandbox's world when configured). Idempotent.
    With --phase, move the demo contest on to that phase (docs/demo.md).
    With --entries N [--snapshots K], also add N approved entries with K sweeps of like history (bulk inserts)."""
    from contest.ops.demo import seed_demo
    from contest.ops.demo_scale import check_scale, seed_scale_demo

    if entries is None and snapshots is not None:
        raise click.UsageError("--snapshots 需要与 --entries 一起使用。")
    try:
        if entries is not None:
            check_scale(entries, snapshots or 0)
        report = seed_demo(now=clock.now(), sandbox_url=current_app.config["CONTEST_DOUYIN_SANDBOX_URL"],
                           douyin=current_app.extensions["douyin"], phase=phase)
        db.session.commit()
        for line in report:
            click.echo(line)
        if entries is not None:
            with _progress(entries, "生成规模数据") as advance:
                scale = seed_scale_demo(entries=entries, snapshots=snapshots or 0, now=clock.now(), progress=advance)
            click.echo(scale.line())
    except DomainError as exc:
        _fail(exc)


def _database_file_step(step: Callable, path: Path) -> None:
    """Run ``backup`` or ``restore`` on the app's database and print its one-line summary."""
    try:
        report = step(db.engine, path)
    except DomainError as exc:
        _fail(exc)
    click.echo(report.line())


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
def backup_command(path):
    """Back up the database to PATH: SQLite's online backup API (safe while the site writes),
    or pg_dump --format=custom for PostgreSQL."""
    from contest.ops.backup import backup, describe

    click.echo(f"正在备份 {describe(db.engine.url)} 到 {path} …")
    _database_file_step(backup, path)


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="确认用这个备份覆盖当前数据库的全部数据。")
def restore_command(path, yes):
    """Replace the whole database with the backup at PATH (made by the backup command).
    Stop the web instances and workers first. Refuses without --yes."""
    from contest.ops.backup import describe, restore

    target = describe(db.engine.url)
    if not yes:
        raise click.ClickException(f"恢复会用 {path} 覆盖 {target} 的全部数据。"
                                   "请先停止网站和后台任务，确认无误后加 --yes 再运行。")
    click.echo(f"正在用 {path} 恢复 {target} …")
    _database_file_step(restore, path)
    # Public pages cached before the restore (in Redis, shared by every instance) must not outlive it.
    cache.clear()


@click.command("douyin-sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", default=5001, show_default=True, type=int, help="监听端口。")
@click.option("--state-file", default=None, help="把沙盒状态保存在这个 JSON 文件里（默认只在内存中）。")
def douyin_sandbox_command(host, port, state_file):
    """Serve the Douyin sandbox (a faithful local fake of Douyin). This command is sandbox mode."""
    from werkzeug.serving import run_simple

    from contest.douyin.sandbox import create_sandbox_app

    app = create_sandbox_app(state_file=state_file)
    click.echo(f"抖音沙盒运行在 http://{host}:{port}  （站点请设置 CONTEST_DOUYIN_SANDBOX_URL=http://{host}:{port}）")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@click.command("rotate-token-key")
def rotate_token_key_command():
    """Re-encrypt stored Douyin tokens with the first key of CONTEST_TOKEN_KEYS."""
    from contest.domain.douyin_identity import reencrypt_tokens

    count = reencrypt_tokens()
    db.session.commit()
    click.echo(f"已用最新的密钥重新加密 {count} 个抖音账号的令牌。")


def parse_every(text: str) -> timedelta:
    """``10m``, ``1h``, ``30s`` or plain seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    text = text.strip().lower()
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise click.BadParameter(f"无法识别的间隔：{text}（例如 10m、1h、30s）") from None
    if seconds <= 0:
        raise click.BadParameter("间隔必须大于 0。")
    return timedelta(seconds=seconds)


def _sweep_once(app: Flask, concurrency: int | None) -> tuple[str, timedelta]:
    from contest.jobs.polling import run_sweep
    from contest.jobs.ratelimit import Pacer

    if app.config["CONTEST_REDIS_URL"]:
        from contest.jobs.queue import enqueue_sweep

        sweep_id, jobs = enqueue_sweep(app)
        return f"扫描 #{sweep_id} 已拆分为 {jobs} 个任务交给 RQ 队列 contest-polling（rq worker 执行）。", timedelta(0)
    bar = None

    def on_start(total: int) -> None:
        nonlocal bar
        if sys.stdout.isatty() and total:
            bar = click.progressbar(length=total, label="读取点赞数").__enter__()

    try:
        report = run_sweep(app, client=app.extensions["douyin"], pacer=Pacer(app.config["CONTEST_POLL_RATE"]),
                           concurrency=concurrency or app.config["CONTEST_POLL_CONCURRENCY"],
                           on_start=on_start, progress=lambda n: bar.update(n) if bar else None)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    return report.line(), timedelta(seconds=report.seconds)


@click.command("poll-likes")
@click.option("--loop", is_flag=True, help="一直运行，每隔 --every 扫描一次（临近截止时更频繁，并安排在截止前完成最后一次）。")
@click.option("--every", default="10m", show_default=True, help="扫描间隔，例如 10m、1h、30s。")
@click.option("--concurrency", type=int, default=None, help="同时读取的作者数（默认 CONTEST_POLL_CONCURRENCY）。")
def poll_likes_command(loop, every, concurrency):
    """Read the like counts of every entry in play (one sweep), or keep doing it with --loop."""
    from contest.domain.likes import next_sweep_delay
    from contest.jobs.polling import contests_in_scope

    app = current_app._get_current_object()
    interval = parse_every(every)
    while True:
        line, duration = _sweep_once(app, concurrency)
        click.echo(line)
        _release_judging_videos(app)
        if not loop:
            return
        now = clock.now()
        closes = [c.closes_at for c in contests_in_scope(now)]
        db.session.rollback()
        delay = next_sweep_delay(now, every=interval, closes=closes, last_duration=duration)
        click.echo(f"下一次扫描：{clock.to_local(now + delay):%Y-%m-%d %H:%M:%S}（北京时间）")
        try:
            time.sleep(delay.total_seconds())
        except KeyboardInterrupt:
            click.echo("已停止。")
            return


def _release_judging_videos(app: Flask) -> None:
    from contest.jobs.slogan import release_judging_videos

    deleted = release_judging_videos(app.config)
    if deleted:
        click.echo(f"已删除 {deleted} 个供匿名评审的原视频（获奖名单已公布、作品已关闭或账号已注销）。")


@click.command("delete-judging-videos")
def delete_judging_videos_command():
    """Delete the originals kept for blind judging whose time is over (poll-likes does it after each sweep)."""
    app = current_app._get_current_object()
    _release_judging_videos(app)
    click.echo("供匿名评审的原视频已清理。")


def _user_by_phone(phone: str):
    from contest.domain.phones import normalise_phone
    from contest.models import User

    try:
        number = normalise_phone(phone)
    except DomainError as exc:
        _fail(exc)
    user = db.session.scalar(db.select(User).where(User.phone == number))
    if user is None:
        raise click.ClickException(f"没有找到手机号为 {number} 的账号。")
    return user


@click.command("create-token")
@click.option("--phone", required=True, help="工作人员的手机号。")
@click.option("--name", default="命令行创建", show_default=True, help="令牌用途，便于日后辨认。")
def create_token_command(phone, name):
    """Issue a staff API token; it is printed once, alone on the last line."""
    from contest.domain.privacy import mask_phone
    from contest.domain.staff_tokens import issue_token

    user = _user_by_phone(phone)
    try:
        token, plain = issue_token(user, name=name, now=clock.now())
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(f"已为{user.role.label} {user.nickname}（{mask_phone(user.phone)}）创建访问令牌“{token.name}”"
               f"（{token.prefix}…）。令牌只显示这一次，请妥善保存：")
    click.echo(plain)


@click.command("revoke-token")
@click.option("--prefix", default=None, help="令牌前缀（令牌列表中显示的开头部分）。")
@click.option("--phone", default=None, help="与 --all 一起使用：撤销这个账号的全部令牌。")
@click.option("--all", "all_", is_flag=True, help="撤销 --phone 账号的全部令牌。")
def revoke_token_command(prefix, phone, all_):
    """Revoke one token by its prefix, or every token of a staff member."""
    from contest.domain.staff_tokens import revoke_all, revoke_token, tokens_by_prefix

    if bool(prefix) == bool(phone or all_) or (phone and not all_) or (all_ and not phone):
        raise click.UsageError("请使用 --prefix X，或 --phone P --all（二选一）。")
    try:
        if prefix:
            found = tokens_by_prefix(prefix)
            if not found:
                raise click.ClickException(f"没有以 {prefix} 开头的有效令牌。")
            if len(found) > 1:
                raise click.ClickException(f"有 {len(found)} 个有效令牌以 {prefix} 开头，请给出更长的前缀。")
            revoke_token(found[0], actor=None, now=clock.now())
            revoked = found
        else:
            revoked = revoke_all(_user_by_phone(phone), actor=None, now=clock.now())
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(f"已撤销 {len(revoked)} 个令牌" + (f"：{'、'.join(t.prefix + '…' for t in revoked)}" if revoked else "") + "。")


@click.command("set-role")
@click.option("--phone", required=True, help="账号的手机号。")
@click.option("--role", type=click.Choice(["admin", "reviewer", "judge", "citizen"]), required=True, help="新角色。")
@click.option("--areas", default="", help="审核员负责的区域标识，逗号分隔（例如 hetang,liling）；不填即全部区域。")
def set_role_command(phone, role, areas):
    """Change an account's role (and a reviewer's areas); recorded in the audit trail."""
    from contest.domain.staff_accounts import set_role
    from contest.models import Role

    user = _user_by_phone(phone)
    keys = [k for k in areas.split(",") if k.strip()]
    try:
        changed = set_role(user, role=Role(role), area_keys=keys, actor=None, now=clock.now())
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    scope = ("，负责区域：" + "、".join(user.area_keys)) if user.area_keys else (
        "，负责全部区域" if user.role is Role.REVIEWER else "")
    click.echo(f"{user.nickname} 现在是{user.role.label}{scope}。" if changed else f"{user.nickname} 的角色没有变化。")


@click.command("check-slogan")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--contest", "slug", default=None, help="活动标识；默认当前活动（还没有活动时用 2020 年活动的口号）。")
def check_slogan_command(path, slug):
    """Look for the contest's slogan as a subtitle in a video file. The last line printed is
    one JSON object: found, meets_rule, longest_seconds, segments [{start, end, text}]."""
    import json

    from contest.domain.slogan_checks import slogan_rule
    from contest.slogan.detect import SubtitleDetector
    from contest.slogan.frames import VideoError

    try:
        slogan, min_seconds = slogan_rule(slug, clock.now())
    except DomainError as exc:
        _fail(exc)
    if not Path(path).is_file():
        click.echo(f"找不到文件：{path}", err=True)
        sys.exit(1)
    started = time.perf_counter()
    try:
        finding = SubtitleDetector().detect(path, slogan=slogan, min_seconds=min_seconds)
    except VideoError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"口号“{slogan}”：视频 {finding.duration:.1f} 秒，读了 {finding.reads} 帧，"
               f"用时 {time.perf_counter() - started:.1f} 秒。", err=True)
    click.echo(json.dumps(finding.as_json(), ensure_ascii=False))


@click.command("sweep-uploads")
@click.option("--older-than", type=click.IntRange(min=1), default=None,
              help="删除超过这么多秒没有新内容的未完成上传（默认 CONTEST_SLOGAN_UPLOAD_MAX_AGE）。")
def sweep_uploads_command(older_than):
    """Delete abandoned slogan-check uploads (.part files no byte reached for a while)."""
    from contest.jobs.slogan import sweep_abandoned_uploads

    swept = sweep_abandoned_uploads(current_app.config, max_age=older_than)
    click.echo(f"已删除 {swept.files} 个废弃的上传文件，共 {swept.bytes} 字节。")


def register(app: Flask) -> None:
    for command in (create_contest_command, create_user_command, seed_demo_command, douyin_sandbox_command,
                    rotate_token_key_command, poll_likes_command, create_token_command, revoke_token_command,
                    set_role_command, backup_command, restore_command, check_slogan_command,
                    delete_judging_videos_command, sweep_uploads_command):
        app.cli.add_command(command)
