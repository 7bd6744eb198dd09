"""Ids and numbers from requests go through one parser (``contest.web.numbers``): in a route, a
query string, a form or a JSON body, an id is ASCII digits from 1 to 2**31 - 1 (PostgreSQL's
INTEGER). Anything else is a 404 (a path) or a 400 with a Chinese message, never a database error."""

import html

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from contest import create_app
from contest.extensions import db
from contest.models import EntryStatus
from contest.models.notification import Notification
from contest.web.numbers import MAX_ID, parse_id, parse_int
from tests.support.review import APPROVE, bulk, decide, fresh, token
from tests.conftest import csrf_from, make_environ

PAST_INT32 = ["2147483648", "99999999999", "99999999999999999999", "9" * 5000]
NOT_IDS = ["0", "-1", "+1", "1.0", "1e3", "0x10", "1_000", " 1", "١٢", "１２", "²", ""]


def id_rules():
    app = create_app(environ=make_environ("sqlite://", "http://127.0.0.1:9"))
    return sorted((r for r in app.url_map.iter_rules()
                   if any(isinstance(c, IntegerConverter) for c in r._converters.values())), key=lambda r: r.rule)


ID_RULES = id_rules()


def with_id(rule, value: str) -> str:
    """The rule's path with ``value`` in every id slot (other slots: their first choice)."""
    values = {name: min(converter.items) if hasattr(converter, "items") else MAX_ID
              for name, converter in rule._converters.items()}
    path = rule.map.bind("localhost").build(rule.endpoint, values,
                                            method=sorted(rule.methods - {"HEAD", "OPTIONS"})[0])
    return path.replace(str(MAX_ID), value)


# --- the parser ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("1", 1), ("0042", 42), (str(MAX_ID), MAX_ID), ("0" * 5000 + "7", 7), (7, 7), (MAX_ID, MAX_ID),
    *((v, None) for v in PAST_INT32 + NOT_IDS),
    (0, None), (-1, None), (MAX_ID + 1, None), (True, None), (1.0, None), (None, None), ([1], None),
])
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_parse_int_bounds():
    assert (parse_int("0"), parse_int("20", low=1, high=20), parse_int("21", low=1, high=20),
            parse_int(str(2**63 - 1), high=2**63 - 1), parse_int(str(2**63), high=2**63 - 1)) == (
        0, 20, None, 2**63 - 1, None)


# --- routes -------------------------------------------------------------------------------------

def test_the_id_routes_are_found():
    assert len(ID_RULES) >= 20
    assert {"staff_api.show_entry", "organiser.review_entry", "public.entry", "entries.withdraw"} <= {
        r.endpoint for r in ID_RULES}


@pytest.mark.parametrize("rule", ID_RULES, ids=lambda r: r.endpoint)
def test_every_id_route_takes_ids_in_range_and_nothing_else(rule):
    adapter = rule.map.bind("localhost")
    method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
    assert adapter.match(with_id(rule, str(MAX_ID)), method=method)[0] == rule.endpoint
    assert adapter.match(with_id(rule, "1"), method=method)[0] == rule.endpoint
    for value in PAST_INT32 + [v for v in NOT_IDS if v]:
        with pytest.raises(NotFound):
            adapter.match(with_id(rule, value), method=method)


@pytest.mark.parametrize("rule", ID_RULES, ids=lambda r: r.endpoint)
def test_every_id_route_answers_an_out_of_range_id_with_404(app, client, rule):
    headers = {"X-CSRFToken": csrf_from(client)}  # a POST gets past the CSRF check to the routing
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
        for value in ("2147483648", "99999999999999999999", "١٢"):
            response = client.open(with_id(rule, value), method=method, headers=headers)
            assert response.status_code == 404, (method, value)
            if rule.rule.startswith("/api/"):
                assert response.get_json() == {"error": "页面不存在。"}


# --- forms and query strings ---------------------------------------------------------------------

@pytest.mark.parametrize("value", PAST_INT32[:3] + ["١", "0", "-1", "abc", ""])
def test_marking_messages_read_with_a_bad_id_answers_400(entry, reviewer, author, signed_in, value):
    decide(signed_in(reviewer), entry, **APPROVE)
    entrant = signed_in(author)
    response = entrant.post("/entries/inbox/read", data={"csrf_token": token(entrant), "id": ["1", value]})
    assert response.status_code == 400
    assert f"编号无效：{value}" in html.unescape(response.get_data(as_text=True))
    assert [n.read_at for n in db.session.scalars(db.select(Notification))] == [None]


@pytest.mark.parametrize("value", ["2147483648:1", "99999999999:1", "99999999999999999999:1", "{id}:2147483648",
                                   "{id}:99999999999", "{id}:١", "١:1", "{id}:", "{id}", "{id}:0", "{id}:-1"])
def test_bulk_approval_with_a_bad_id_or_version_answers_400(entry, reviewer, signed_in, value):
    client = signed_in(reviewer)
    value = value.format(id=entry.id)
    response = client.post("/staff/bulk-approve", data={"entry": [value], "attest": "y", "csrf_token": token(client)})
    assert response.status_code == 400
    assert f"作品编号或版本无效：{value}" in html.unescape(response.get_data(as_text=True))
    assert fresh(entry).status is EntryStatus.PENDING


def test_bulk_approval_still_approves_good_values(entry, reviewer, signed_in):
    assert bulk(signed_in(reviewer), [entry]).status_code == 302
    assert fresh(entry).status is EntryStatus.APPROVED


@pytest.mark.parametrize(("query", "error"), [
    ("actor=2147483648", "操作人请填写账号编号或手机号。"),
    ("actor=99999999999999999999", "操作人请填写账号编号或手机号。"),
    ("actor=١٢", "操作人请填写账号编号或手机号。"),
    ("actor=0", "操作人请填写账号编号或手机号。"),
    ("target=entry:2147483648", "对象请按“类型:编号”填写，例如 entry:12，或只写类型。"),
    ("target=entry:١", "对象请按“类型:编号”填写，例如 entry:12，或只写类型。"),
    ("before_id=2147483648", "翻页参数无效。"),
    ("before_id=١", "翻页参数无效。"),
])
def test_the_audit_trail_refuses_ids_out_of_range_with_400(staff, signed_in, query, error):
    response = signed_in(staff("admin")).get(f"/staff/audit?{query}")
    assert response.status_code == 400
    assert error in html.unescape(response.get_data(as_text=True))


def test_the_audit_trail_still_filters_by_an_id_in_range(staff, signed_in):
    admin = staff("admin")
    assert signed_in(admin).get(f"/staff/audit?actor={MAX_ID}&target=entry:{MAX_ID}&before_id={MAX_ID}").status_code == 200


@pytest.mark.parametrize(("path", "data", "error"), [
    ("/staff/tokens", {"action": "revoke", "token_id": "2147483648"}, "没有找到这个令牌。"),
    ("/staff/tokens", {"action": "revoke", "token_id": "١"}, "没有找到这个令牌。"),
    ("/staff/users", {"user_id": "2147483648", "role": "judge"}, "没有找到这个账号。"),
    ("/staff/users", {"user_id": "١", "role": "judge"}, "没有找到这个账号。"),
])
def test_staff_forms_with_an_id_out_of_range_answer_404(staff, signed_in, path, data, error):
    client = signed_in(staff("admin"))
    response = client.post(path, data={**data, "csrf_token": token(client)})
    assert response.status_code == 404
    assert error in response.get_data(as_text=True)


# --- the review form's version -----------------------------------------------------------------------

@pytest.mark.parametrize("version", ["abc", "١", "0", "-1", "1.0", "2147483648", "99999999999", "99999999999999999999"])
def test_a_review_form_version_that_is_not_a_plain_number_is_refused(entry, reviewer, signed_in, version):
    response = decide(signed_in(reviewer), entry, version=version, **APPROVE)
    assert response.status_code == 422
    assert "页面上的作品版本无效，请刷新页面后重新审核。" in response.get_data(as_text=True)
    assert (fresh(entry).status, fresh(entry).version) == (EntryStatus.PENDING, 1)


def test_a_review_form_without_a_version_is_taken(entry, reviewer, signed_in):
    assert decide(signed_in(reviewer), entry, version="", **APPROVE).status_code == 302
    assert (fresh(entry).status, fresh(entry).version) == (EntryStatus.APPROVED, 2)


@pytest.mark.parametrize("value", ["2147483648", "99999999999999999999", "١٢", "0", "1.0", "abc"])
@pytest.mark.parametrize("path", ["/staff/awards/disqualify", "/staff/awards/correct"])
def test_the_award_forms_refuse_an_entry_number_out_of_range(contest, staff, signed_in, path, value):
    client = signed_in(staff("admin"))
    response = client.post(f"{path}?contest=zhuzhou-2020", data={
        "entry_id": value, "reason": "抄袭", "kind": "popularity", "csrf_token": token(client)})
    assert response.status_code == 302
    assert "没有这个编号的作品。" in client.get(response.headers["Location"]).get_data(as_text=True)
