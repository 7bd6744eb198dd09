"""Hypothesis-generated input on every form, query string and JSON endpoint of the site: never a 500.

The routes come from ``app.url_map``, so a route added later is fuzzed as well. Each is called as
the role that uses it — the organiser console as an admin (judging as a judge), the staff API with
an admin's token, everything else as a signed-in citizen who linked Douyin — with a valid CSRF
token, so that the input gets past the door and into the views. Field names (and the values a
page offers, such as a select's options) are read from the forms on the site's own pages; query
parameters and JSON keys also from the source. Values: text of any script, NULs, huge strings,
numbers, several values for one name, files, missing fields; for JSON endpoints also wrong types,
non-JSON and non-UTF-8 bodies. Bounded: ``derandomize`` and :data:`EXAMPLES` per route.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from contest import create_app
from contest import clock
from contest.domain.announcements import create_announcement
from contest.extensions import db
from contest.models import Contest, LikeFlag, Role, User
from contest.models.awards import Announcement, AwardKind, AwardList, AwardPlace
from tests.support.world import SLUG
from tests.conftest import CSRF_META, csrf_from, make_environ

EXAMPLES = 20
SOURCE = Path(__file__).resolve().parents[2] / "contest"
VIEW_SOURCES = [*(SOURCE / "blueprints").rglob("*.py"), *(SOURCE / "web").glob("*.py")]
PASSWORD = "secret-pass-1"


def site_rules() -> list[Rule]:
    app = create_app(environ=make_environ("sqlite://", "http://127.0.0.1:9"))
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: (r.rule, r.endpoint))


RULES = site_rules()
FORM_RULES = [r for r in RULES if "POST" in r.methods and not r.rule.startswith("/api/")]
JSON_RULES = [r for r in RULES if "POST" in r.methods and r.rule.startswith("/api/")]
GET_RULES = [r for r in RULES if "GET" in r.methods]


def _source_names(pattern: str) -> set[str]:
    found = set()
    for path in VIEW_SOURCES:
        for groups in re.findall(pattern, path.read_text()):
            found.update(name for name in (groups if isinstance(groups, tuple) else (groups,)) if name)
    return found


# Query parameters and JSON keys the views read, found in the source.
QUERY_NAMES = sorted(_source_names(r'args(?:\.get|\.getlist)?[(\[]\s*"(\w+)"') | {"contest", "page", "next"})
JSON_KEYS = sorted(_source_names(r'body\.get\(\s*"(\w+)"|\(\s*body\s*,\s*"(\w+)"|body\[\s*"(\w+)"'))


# --- values -----------------------------------------------------------------------------

# Numbers at the edges: of a 32-bit INTEGER (PostgreSQL's ids), of 64 bits (SQLite's), of a float;
# digits int() reads and digits it does not ("²" is a digit to str.isdigit()).
NUMBERS = ["0", "-1", "1", "2", "3", "2147483647", "2147483648", "-2147483649", "9223372036854775808",
           "99999999999999999999999999", "1e309", "-1e309", "NaN", "-0", "0x10", "1_000", "١٢٣", "３", "²", "1:²"]
SPECIAL = ["", " ", "true", "null", "[]", "{}", "2020-06-18", "2020-06-18T25:61:00", "9999-12-31T23:59:59+08:00",
           "../../../etc/passwd", "<script>alert(1)</script>", "%00", "\x00", "a\x00b", "\u202e\u200b", "😀株洲",
           "'; DROP TABLE entry; --", "https://v.douyin.com/ZZtry01/",
           "https://www.douyin.com/video/7000000000000000000", "13800000001", "x" * 5000]
HUGE = "长" * 100_000


def texts(huge: str = HUGE):
    return st.one_of(st.text(max_size=40), st.sampled_from(SPECIAL), st.sampled_from(NUMBERS),
                     st.integers().map(str), st.floats().map(str),
                     st.text(max_size=8).map(lambda s: f"{s}\x00{s}"), st.just(huge))


text_values = texts()
# A query string is a line of the request, which servers cap at a few kilobytes.
query_values = texts("x" * 8000)


uploads = st.builds(lambda data, name: (io.BytesIO(data), name), st.binary(max_size=64), st.text(max_size=12))


def anything(values=text_values, files: bool = True):
    """A field's value: a number at an edge, any text, several values for the name, or a file."""
    choices = [st.sampled_from(NUMBERS), values, st.lists(values, min_size=2, max_size=3)]
    return st.one_of(*choices, uploads) if files else st.one_of(*choices)


# Values most fields take: a form that mostly holds them gets past its own checks, so that what is
# generated for the other fields reaches the rules behind them.
PLAUSIBLE = ["1", "2", "这是一段足够长的说明文字，用来通过各项长度检查。", "2020-06-25T12:00", "y"]


def form_bodies(fields: dict[str, set[str]]):
    """A form as its page would post it (each field a value the page offers or most fields take),
    with one or two fields replaced by anything and maybe one left out."""
    names = sorted(fields)
    if not names:
        return st.just({})
    plausible = st.fixed_dictionaries({n: st.sampled_from(sorted(fields[n]) + PLAUSIBLE) for n in names})
    return st.builds(lambda base, changed, dropped: {k: v for k, v in {**base, **changed}.items() if k not in dropped},
                     plausible, st.dictionaries(st.sampled_from(names), anything(), max_size=2),
                     st.sets(st.sampled_from(names), max_size=1))


# JSON's \u escapes can carry what no form can: a lone surrogate.
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | text_values | st.just("a\ud800b")
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c,
                                                                                              max_size=3), max_leaves=6)
json_bodies = st.one_of(
    st.fixed_dictionaries({}, optional={k: json_values for k in JSON_KEYS}).map(
        lambda b: ("application/json", json.dumps(b))),
    json_values.map(lambda v: ("application/json", json.dumps(v))),
    st.binary(max_size=80).map(lambda b: ("application/json", b)),  # not JSON, not even UTF-8
    st.tuples(st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]),
              st.text(max_size=60)),
    st.just(("application/json", json.dumps({k: HUGE * 3 for k in JSON_KEYS}))),
)


def path_values(rule: Rule):
    """Values for the rule's path: mostly rows that exist (ids restart at 1 in every test), else any."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = st.one_of(st.integers(1, 6), st.integers(0, 2 ** 70))
        elif isinstance(converter, AnyConverter):
            values[name] = st.sampled_from(sorted(converter.items))
        else:
            values[name] = st.text(min_size=1, max_size=30)
    return st.fixed_dictionaries(values)


def sample_path(rule: Rule) -> dict:
    """Path values that exist in the seeded world."""
    return {name: 1 if isinstance(c, IntegerConverter) else sorted(c.items)[0] if isinstance(c, AnyConverter) else "x"
            for name, c in rule._converters.items()}


def build(rule: Rule, values: dict) -> str:
    return rule.map.bind("localhost").build(rule.endpoint, values, method=sorted(rule.methods - {"HEAD", "OPTIONS"})[0])


# --- who calls what, and the forms on the site's pages --------------------------------------------

def caller_for(rule: Rule) -> str:
    if rule.rule.startswith("/api/v1/staff"):
        return "token"
    if rule.rule.startswith("/staff/judging"):
        return "judge"
    return "admin" if rule.rule.startswith("/staff") else "citizen"


class Forms(HTMLParser):
    """Each form's method, action and fields, with the values the page offers for them."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: list[tuple[str, str, dict[str, set[str]]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(((a.get("method") or "get").upper(), urlsplit(a.get("action") or self.page_path).path,
                               defaultdict(set)))
        elif self.forms and tag in {"input", "select", "textarea", "button"} and a.get("name"):
            values = self.forms[-1][2][a["name"]]
            if a.get("value"):
                values.add(a["value"])
            self._select = a["name"] if tag == "select" else None
        elif self.forms and tag == "option" and self._select and a.get("value") is not None:
            self.forms[-1][2][self._select].add(a["value"])


class Site:
    """The seeded world, a signed-in client per role, and what the pages' forms ask for."""

    def __init__(self, world, client):
        self.app = world.app
        self.tokens = {"token": world.staff_headers}
        self.fields: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self._clients = {"citizen": client}

    def client(self, role: str):
        if role == "token":
            return self.app.test_client()
        if role not in self._clients:
            user = db.session.scalar(db.select(User).where(User.role == Role(role)).order_by(User.id))
            signed_in = self.app.test_client()
            response = signed_in.post("/accounts/login", data={"phone": user.phone, "password": PASSWORD,
                                                               "csrf_token": csrf_from(signed_in)})
            assert response.status_code == 302, response.get_data(as_text=True)
            self._clients[role] = signed_in
        return self._clients[role]

    def form_fields(self, method: str, endpoint: str) -> dict[str, set[str]]:
        """The fields of the endpoint's forms; for a form no page showed (the state of the world
        did not call for it), every field name any form has."""
        if (method, endpoint) in self.fields:
            return self.fields[(method, endpoint)]
        return {name: set() for (m, _), fields in self.fields.items() if m == method for name in fields}

    def csrf(self, client) -> str:
        # A signed-out visitor's public pages carry no token; the sign-in form always does.
        found = CSRF_META.search(client.get("/rules").get_data(as_text=True))
        return (found or CSRF_META.search(client.get("/accounts/login").get_data(as_text=True))).group(1)

    def read_forms(self) -> None:
        adapter = self.app.url_map.bind("localhost")
        for rule in GET_RULES:
            url = build(rule, sample_path(rule))
            response = self.client(caller_for(rule)).get(url, headers=self.tokens.get(caller_for(rule), {}))
            if response.mimetype != "text/html":
                continue
            parser = Forms(urlsplit(url).path)
            parser.feed(response.get_data(as_text=True))
            for method, action, fields in parser.forms:
                try:
                    endpoint, _ = adapter.match(action, method=method)
                except HTTPException:  # a form to another site (the sandbox's authorize page, say)
                    continue
                for name, offered in fields.items():
                    self.fields[(method, endpoint)][name] |= offered


@pytest.fixture
def site(world, client, make_user):
    now = clock.now()
    contest = db.session.scalar(db.select(Contest))
    make_user(role="judge", nickname="评委老刘", phone="13800000003")
    admin = db.session.scalar(db.select(User).where(User.role == Role.ADMIN))
    create_announcement(contest, title="公告", body="正文", kind="other", staff=admin, now=now)
    # The figures the awards page shows for an excellence place, which the world leaves out.
    excellence = db.select(AwardPlace).join(AwardList).where(AwardList.kind == AwardKind.EXCELLENCE)
    for place in db.session.scalars(excellence):
        place.detail = {"z_mean": place.value, "raw_mean": 82.5, "spread": 0.4, "judges": 3}
    db.session.add(LikeFlag(entry_id=world.entry_ids[1], kind="burst", window_start=now - timedelta(hours=2),
                            window_end=now - timedelta(hours=1), message="一小时内点赞暴涨", numbers={}))
    db.session.commit()
    seeded = Site(world, client)
    seeded.read_forms()
    return seeded


# --- the fuzzing ------------------------------------------------------------------------------------

# Before the generated examples, every field at once takes each of these (the values that most
# often get through a first check and break what parses them next), several values, and a file.
EDGES = ["", "²", "-1", "2147483648", "99999999999999999999", "1e309", "١٢٣", "\x00"]
JSON_EDGES = [None, True, -1, 2 ** 31, 2 ** 64, 1e308, "²", "99999999999999999999", [], {}]


def edge_forms(fields: dict[str, set[str]]) -> list[dict]:
    """Every field at each edge; and every field the page offers no value for at each edge, the
    others at the first value offered (so that a select's check does not stop the form first)."""
    values = [*EDGES, HUGE, ["1", "²"]]
    offered = {n: sorted(v)[0] for n, v in fields.items() if v}
    return ([{n: value for n in fields} for value in values]
            + [{**{n: value for n in fields}, **offered} for value in values if offered]
            + [{n: (io.BytesIO(b"x"), "x.png") for n in fields}])


def with_edges(test, rule: Rule, **bodies: list):
    """``test`` with an explicit example for each of ``bodies`` (by argument name), on a path that exists."""
    (argument, values), = bodies.items()
    for value in values:
        test = example(path=sample_path(rule), **{argument: value})(test)
    return test


FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def fuzz_each(rules: list[Rule], fuzz_one) -> None:
    """Run ``fuzz_one(rule)`` for every rule and report every rule that answered 500, with the example."""
    failures = {}
    for rule in rules:
        try:
            fuzz_one(rule)
        except Exception as exc:
            failures[f"{sorted(rule.methods - {'HEAD', 'OPTIONS'})} {rule.rule}"] = "\n".join(
                [repr(exc)[:600], *getattr(exc, "__notes__", [])])[:3000]
    assert failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())


def assert_no_server_error(response, url: str, sent) -> None:
    assert response.status_code < 500, (url, sent, response.get_data(as_text=True)[:500])
    if url.startswith("/api/") and response.status_code >= 400:
        assert response.is_json and "error" in response.get_json(), (url, response.get_data(as_text=True)[:300])


def test_every_form_answers_generated_input_without_a_500(site):
    def fuzz_one(rule: Rule):
        role = caller_for(rule)
        client = site.client(role)
        token = site.csrf(client)
        fields = {name: offered for name, offered in site.form_fields("POST", rule.endpoint).items()
                  if name != "csrf_token"}
        form_data = st.builds(lambda data, extra: {**extra, **data, "csrf_token": token}, form_bodies(fields),
                              st.dictionaries(st.text(min_size=1, max_size=10), text_values, max_size=2))

        @FUZZ
        @given(path=path_values(rule), body=st.one_of(form_data, json_bodies))
        def post(path, body):
            url = build(rule, path)
            if isinstance(body, dict):
                response = client.post(url, data=body)
            else:  # what a script might post to a form: JSON and the rest, the token in the header
                response = client.post(url, data=body[1], content_type=body[0], headers={"X-CSRFToken": token})
            assert_no_server_error(response, url, body)

        with_edges(post, rule, body=[{**edge, "csrf_token": token} for edge in edge_forms(fields)])()

    fuzz_each(FORM_RULES, fuzz_one)


def test_every_json_endpoint_answers_malformed_bodies_without_a_500(site):
    def fuzz_one(rule: Rule):
        role = caller_for(rule)
        client = site.client(role)
        headers = site.tokens.get(role) or {"X-CSRFToken": site.csrf(client)}

        @FUZZ
        @given(path=path_values(rule), body=json_bodies)
        def post(path, body):
            url = build(rule, path)
            content_type, raw = body
            assert_no_server_error(client.post(url, data=raw, content_type=content_type, headers=headers), url, body)

        edges = [("application/json", json.dumps({k: value for k in JSON_KEYS})) for value in JSON_EDGES]
        with_edges(post, rule, body=edges)()

    fuzz_each(JSON_RULES, fuzz_one)


def test_every_page_and_get_endpoint_answers_generated_queries_without_a_500(site):
    def fuzz_one(rule: Rule):
        role = caller_for(rule)
        client = site.client(role)
        headers = site.tokens.get(role, {})
        names = {name: anything(query_values, files=False) for name in QUERY_NAMES}
        names.update({name: st.sampled_from(sorted(offered) + PLAUSIBLE) | anything(query_values, files=False)
                      for name, offered in site.fields.get(("GET", rule.endpoint), {}).items()})

        @FUZZ
        @given(path=path_values(rule), query=st.fixed_dictionaries({}, optional=names))
        def get(path, query):
            url = build(rule, path)
            assert_no_server_error(client.get(url, query_string=query, headers=headers), url, query)

        # The contest stays the seeded one in these: an unknown contest is a 404 before anything else.
        edges = [{**{n: value for n in names}, "contest": SLUG} for value in [*EDGES, "x" * 8000, ["1", "²"]]]
        with_edges(get, rule, query=edges)()

    fuzz_each(GET_RULES, fuzz_one)


# --- what the fuzzing found, pinned ------------------------------------------------------------

def test_an_uploaded_file_under_a_text_fields_name_is_not_taken_for_typed_text(client):
    token = csrf_from(client)
    response = client.post("/accounts/login", data={"phone": (io.BytesIO(b""), "0"), "password": "x" * 8,
                                                    "csrf_token": token})
    assert response.status_code == 422
    assert "请输入手机号。" in response.get_data(as_text=True)


def test_a_multipart_field_whose_name_cannot_be_read_is_ignored(client):
    """werkzeug reads a multipart part named "\r" as a field named None (a file beside it makes the
    body multipart)."""
    token = csrf_from(client)
    response = client.post("/accounts/login", data={"\r": "", "x": (io.BytesIO(b"x"), ""), "phone": "13800000001",
                                                    "password": "wrong-pass-1", "csrf_token": token})
    assert response.status_code == 422
    assert "手机号或密码错误。" in response.get_data(as_text=True)


def test_a_json_body_posted_to_a_form_is_no_form(client):
    token = csrf_from(client)
    response = client.post("/accounts/login", json={"phone": ["13800000001"], "password": {"a": 1}},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "请输入手机号。" in page and "请输入密码。" in page


@pytest.mark.parametrize("path", ["/gallery/2147483648", "/gallery/99999999999999999999999",
                                  "/people/9223372036854775808"])
def test_an_id_beyond_the_databases_integers_is_a_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "页面不存在。" in response.get_data(as_text=True)


NUL_REFUSED = "请求内容含有无法保存的字符（U+0000），请删除后重试。"


def test_nul_in_a_pages_query_string_or_form_is_refused_before_any_query(client, make_contest, make_user, login):
    make_contest()
    page = client.get("/leaderboards", query_string={"contest": "zhuzhou\x002020"})
    assert page.status_code == 400 and NUL_REFUSED in page.get_data(as_text=True)
    login(make_user(role="admin"))
    token = CSRF_META.search(client.get("/staff/announcements").get_data(as_text=True)).group(1)
    posted = client.post("/staff/announcements", data={"title": "公\x00告", "body": "正文", "kind": "other",
                                                       "csrf_token": token})
    assert posted.status_code == 400 and NUL_REFUSED in posted.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Announcement)) == 0
