def test_rules_page_states_the_cutoff_and_tie_rules_from_the_contest(client, make_contest):
    make_contest()
    page = client.get("/rules?contest=zhuzhou-2020").get_data(as_text=True)
    assert "2020年06月18日 00:00:00 至\n       2020年07月17日 23:59:59（北京时间，含首尾两天）" in page
    assert "截止时刻（2020年07月17日 23:59:59，北京时间）或之前最后一次记录" in page
    assert "赞数相同时，先达到该赞数的作品排名在前" in page
    assert "人气奖：按上述点赞得分排名，前 10 名。" in page
    assert "同一作品可以同时获得两个奖项。" in page
    assert "#动力株洲文旅通" in page and "@株洲足迹" in page


def test_rules_page_for_an_unknown_contest_is_a_chinese_404(client, make_contest):
    make_contest()
    response = client.get("/rules?contest=nope")
    assert response.status_code == 404
    assert "没有找到活动“nope”。" in response.get_data(as_text=True)


def test_rules_page_says_whether_themes_have_award_places(client, make_contest):
    from contest.extensions import db

    contest = make_contest()
    page = client.get("/rules?contest=zhuzhou-2020").get_data(as_text=True)
    assert '<li id="theme-places">获奖名额按总榜计算，不按主题分设。</li>' in page
    assert "任何人都可以对名单上的作品提出异议" in page
    contest.theme_award_places = True
    db.session.commit()
    page = client.get("/rules?contest=zhuzhou-2020").get_data(as_text=True)
    assert ('<li id="theme-places">除总榜外，每个主题（株洲美好生活秀、株洲达人才艺秀、美丽乡村旅游秀）'
            '另设人气奖前 10 名、优秀奖前 10 名。</li>') in page
