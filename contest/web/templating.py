"""What every template may use: the filters for Beijing time, masking and labels, the Douyin link of a
video, and the site-wide values (demo mode, roles, limits, wording)."""

from __future__ import annotations

from flask import Flask

from contest import clock
from contest.domain import ownership
from contest.domain.captions import without_tags
from contest.domain.privacy import mask_name, mask_phone
from contest.domain.slogan_checks import MAX_BYTES as SLOGAN_MAX_BYTES, clock_label, subtitle_label
from contest.models import Role
from contest.printable import for_xml
from contest.web.platform import douyin

local_time = clock.beijing  # the template filter


def register(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(mask_name, "mask_name")
    app.add_template_filter(without_tags, "entry_title")
    app.add_template_filter(clock_label, "clock_label")
    app.add_template_filter(subtitle_label, "slogan_label")
    app.add_template_filter(for_xml, "xml_text")  # what people typed, in an XML document (the Atom feed)
    # The video on Douyin (its share page; the sandbox's in sandbox mode): where a visitor likes it.
    app.add_template_global(lambda video_id: douyin().share_url(video_id), "douyin_video_url")

    @app.context_processor
    def _globals():
        return {"demo_mode": app.config["CONTEST_DEMO_MODE"], "Role": Role, "slogan_max_bytes": SLOGAN_MAX_BYTES,
                "owner_unproven": ownership.UNPROVEN_LABEL, "owner_why_link": ownership.WHY_LINK}
