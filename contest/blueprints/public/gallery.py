"""The gallery of approved entries, an entry's public page with its share card, and a
citizen's public profile (the rules: ``contest.domain.gallery``)."""

from __future__ import annotations

import io
from dataclasses import asdict

import segno
from flask import current_app, make_response, render_template, request

from contest.blueprints.public import bp
from contest.integrations.caching import cached_public
from contest.render.charts import bar_chart, likes_chart, table_rows
from contest import clock
from contest.domain import gallery
from contest.domain.leaderboards import popularity_board
from contest.render.poster import Poster, poster_png
from contest.domain.likes import correction_in_force
from contest.web.boundary import attempt, commit
from contest.web.origin import canonical_url_for
from contest.web.contest_choice import contest_for_request, showing
from contest.web.platform import douyin
from contest.web.public_pages import public_page

QR_MAX_AGE = 7 * 24 * 3600  # the image depends on the entry's URL alone
POSTER_MAX_AGE = 600  # the poster shows likes, read every few minutes; browsers revalidate with its ETag after
SORT_OPTIONS = [{"key": key, "name": name} for key, name in gallery.SORTS.items()]


@bp.get("/gallery", endpoint="gallery")
@public_page
def gallery_index():
    """Approved entries, 20 a page: ``?theme=&area=&q=&sort=new|likes&page=``; bad values → 400 with the
    reason. ``q`` may be a pasted Douyin link or share text (searched as its video id)."""
    contest = contest_for_request()
    args = request.args
    asked = attempt(lambda: gallery.gallery_filters(contest, theme=args.get("theme"), area=args.get("area"),
                                                    q=gallery.search_term(args.get("q"), douyin()),
                                                    page=args.get("page"), sort=args.get("sort")))
    if not asked.ok:
        return _gallery_page(contest, gallery.gallery_filters(contest), None, error=asked.error.message), 400
    filters = asked.value
    result = cached_public("gallery", lambda: gallery.gallery_page(contest, **asdict(filters)),
                           contest=contest.slug, **asdict(filters))
    return _gallery_page(contest, filters, result)


def _gallery_page(contest, filters: gallery.GalleryFilters, result: gallery.GalleryPage | None,
                  error: str | None = None) -> str:
    # The filters the paging links keep (the page number apart).
    link_params = {k: v for k, v in asdict(filters).items() if v and k != "page"}
    return render_template("public/gallery.html", contest=contest, error=error, result=result, filters=filters,
                           sorts=gallery.SORTS, sort_options=SORT_OPTIONS, link_params=link_params)


def share_url(entry_id: int) -> str:
    """The entry page's absolute URL: what the share card shows and the QR code encodes."""
    return canonical_url_for("public.entry", entry_id=entry_id)


def qr_svg(url: str) -> bytes:
    """``url`` as a standalone QR code SVG (black on white, the standard quiet zone of 4 modules)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=4, border=4, title="作品页面二维码")
    return out.getvalue()


@bp.get("/gallery/<int:entry_id>")
@public_page
def entry(entry_id: int):
    """An approved entry: the Douyin player (or, when the entrant keeps their nickname private, the cover and a
    link: the player would show it; docs/rules.md §10), caption, tally, counted like history, share card."""
    item = gallery.public_entry(entry_id)
    card = gallery.entry_card(item)
    snapshots = gallery.counted_history(item)
    closes_at = item.contest.closes_at
    url = share_url(item.id)
    return render_template("public/entry.html", contest=showing(item.contest), entry=item, card=card,
                           correction=correction_in_force(item), player=douyin().player_url(item.video_id) if item.show_nickname else None, share_url=url,
                           douyin_url=douyin().share_url(item.video_id),
                           share_text=gallery.share_text(item.contest, card.title, url),
                           chart=likes_chart(snapshots, closes_at=closes_at),
                           readings=table_rows(snapshots, closes_at=closes_at))


@bp.get("/gallery/<int:entry_id>/qr.svg")
def entry_qr(entry_id: int):
    """The share card's QR code of the entry page's URL, cacheable (it changes only with the URL)."""
    item = gallery.public_entry(entry_id)
    response = make_response(qr_svg(share_url(item.id)))
    response.content_type = "image/svg+xml"
    response.cache_control.public = True
    response.cache_control.max_age = QR_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/gallery/<int:entry_id>/poster.png")
def entry_poster(entry_id: int):
    """The entry's share poster (拉票海报, :mod:`contest.render.poster`): its title, author, likes or
    place on the overall board, the contest's name and slogan, a QR code of the entry page. Rendered
    once per version of the public data (the public cache), kept by browsers and proxies for
    :data:`POSTER_MAX_AGE` seconds, then revalidated by its ``ETag``."""
    item = gallery.public_entry(entry_id)
    url = share_url(item.id)

    def render() -> bytes:
        card = gallery.entry_card(item)
        contest = item.contest
        board = popularity_board(contest, theme=None, limit=contest.popularity_award_size, now=clock.now(),
                                 cache=cached_public)
        place = next((row.rank for row in board.rows if row.entry_id == item.id), None)
        poster = Poster(title=card.title, author=card.author, theme=card.theme, area=card.area, likes=card.likes,
                        place=place, contest=contest.name, slogan=contest.slogan, url=url)
        config = current_app.config
        return poster_png(poster, font_path=config["CONTEST_CJK_FONT"], font_index=config["CONTEST_CJK_FONT_INDEX"])

    response = make_response(cached_public("poster", render, entry=item.id, url=url))
    response.content_type = "image/png"
    response.headers["Content-Disposition"] = f'inline; filename="poster-{item.id}.png"'
    response.cache_control.public = True
    response.cache_control.max_age = POSTER_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/areas", endpoint="areas")
@public_page
def areas():
    """县区擂台: every county and district compared (entries, approved, likes, its leading entry),
    most likes first, with a chart of the likes."""
    contest = contest_for_request()
    standings = cached_public("areas", lambda: gallery.area_standings(contest), contest=contest.slug)
    return render_template("public/areas.html", contest=contest, standings=standings,
                           chart=bar_chart([(a.name, a.likes) for a in standings], unit="赞"))


@bp.get("/areas/<key>")
def area(key: str):
    """One county's or district's approved entries, most liked first, with its counts; ``?page=``."""
    contest = contest_for_request()
    filters = commit(lambda: gallery.gallery_filters(contest, page=request.args.get("page")))
    result = cached_public("area", lambda: gallery.area_page(contest, key, page=filters.page),
                           contest=contest.slug, area=key, page=filters.page)
    return render_template("public/area.html", contest=contest, area=result)


@bp.get("/people/<int:user_id>")
@public_page
def profile(user_id: int):
    """A citizen's approved entries that they agreed to show under their nickname (else 404)."""
    contest = contest_for_request()
    return render_template("public/profile.html", contest=contest, profile=gallery.public_profile(contest, user_id))
