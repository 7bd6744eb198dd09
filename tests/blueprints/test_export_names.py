"""Every export of a contest names its file and its columns the same way: ``<contest>-<what>.<fmt>``, and the
public pages' words 视频编号 and 区县 (never 视频ID or 区域)."""

from __future__ import annotations

import pytest

from tests.support.exports import read_csv

HEADERS = {
    "entries": ["作品编号", "视频编号", "主题", "区县", "状态", "作品描述", "作者", "手机号", "同意公开昵称",
                "发布时间", "提交时间", "状态更新时间", "状态说明", "计入赞数", "更正前赞数", "更正时间", "更正原因"],
    "tallies": ["作品编号", "视频编号", "作者", "状态", "计入赞数", "计入读数时间", "更正前赞数", "更正时间", "更正原因",
                "读数时间", "赞数", "来源", "是否计入", "记录人", "截图", "备注"],
    "scores": ["作品编号", "视频编号", "主题", "作品状态", "评委编号", "评委", "主题契合（0–10）", "创意（0–10）",
               "制作（0–10）", "株洲特色（0–10）", "总分（0–100）", "首次评分时间", "最后修改时间"],
    "winners": ["奖项", "版本", "状态", "范围", "名次", "作品编号", "视频编号", "主题", "区县", "作者",
                "成绩", "原始平均分", "评委人数"],
}


@pytest.mark.parametrize("what", sorted(HEADERS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_is_named_alike(client, contest, make_user, login, what, fmt):
    login(make_user(role="admin"))
    response = client.get(f"/staff/exports/{what}.{fmt}?contest={contest.slug}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{contest.slug}-{what}.{fmt}"
    if fmt == "csv":
        assert read_csv(response)[0] == HEADERS[what]


def test_no_export_says_video_id_or_region():
    every = {name for headers in HEADERS.values() for name in headers}
    assert not every & {"视频ID", "视频id", "区域"}
