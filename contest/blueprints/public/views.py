from flask import g, render_template, request
from flask_login import current_user

from contest.blueprints.public import bp
from contest import clock
from contest.integrations.caching import cached_public
from contest.domain import contests
from contest.domain.captions import caption_problems
from contest.domain.entries import MAX_TEXT
from contest.domain.gallery import entry_title, home_page
from contest.extensions import csrf, limiter
from contest.web.contest_choice import contest_for_request
from contest.web.public_pages import public_page


def _home(contest, *, caption: str = "", caption_problems=None, caption_error: str | None = None):
    home = home_page(contest, clock.now(), cache=cached_public)
    return render_template("public/home.html", contest=contest, home=home,
                           title_of=entry_title, caption=caption, caption_problems=caption_problems,
                           caption_error=caption_error)


@bp.get("/")
@public_page
def home():
    return _home(contest_for_request())


@bp.post("/caption-check")
@csrf.exempt  # it changes nothing, and in-app browsers that drop the session cookie must still get an answer
@limiter.limit("60/minute")
def caption_check():
    """The caption tool without JavaScript: the home page again, with the same answer as
    ``POST /api/v1/caption-check``. A signed-out visitor's answer, like the home page, creates no session."""
    g.shared_page = not current_user.is_authenticated
    contest = contest_for_request()
    caption = request.form.get("caption", "")
    if len(caption) > MAX_TEXT:
        return _home(contest, caption=caption[:MAX_TEXT],
                     caption_error=f"作品描述太长了（超过 {MAX_TEXT} 个字），请只粘贴作品描述。"), 400
    problems = caption_problems(caption, hashtag=contest.hashtag, mention=contest.mention)
    return _home(contest, caption=caption, caption_problems=problems)


@bp.get("/contests", endpoint="contests")
def contests_index():
    """Every contest, past, open and future, the latest to open first; each links to its own pages."""
    now = clock.now()
    return render_template("public/contests.html",
                           items=contests.all_contests(now))


@bp.get("/rules")
@public_page
def rules():
    """The rules, rendered from the contest's data (window, cut-off, ties, awards, what disqualifies)."""
    contest = contest_for_request()
    return render_template("public/rules.html", contest=contest, phase=contests.phase(contest, clock.now()))
