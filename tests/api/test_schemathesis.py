"""schemathesis, with a fixed seed, against /api/v1/openapi.json, driving the real app in-process.

Three callers: anonymous (every operation: the citizen and staff ones must refuse as documented),
a signed-in citizen who linked Douyin (public and citizen operations), and an admin with an API
token (staff operations). Valid and invalid input (positive and negative generation); the checks
are: no 5xx, every status and content type documented, every body matching its schema. Some
draws use the seeded world's own ids and keys, so that success answers are checked too, not
just refusals.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import DataGenerationMethod

from tests.support.world import SLUG, call, load_schema

TAGS = {"anonymous": ["public", "citizen", "staff"], "citizen": ["public", "citizen"], "staff": ["staff"]}
# Values the seeded world knows, mixed into the generated query strings and bodies.
KNOWN_QUERY = {"contest": SLUG, "theme": "life", "area": "hetang", "status": "pending"}


@pytest.fixture(params=sorted(TAGS))
def caller(request) -> str:
    return request.param


@pytest.fixture
def api_schema(world, caller):
    schema = load_schema(world.app, data_generation_methods=DataGenerationMethod.all()).include(tag=TAGS[caller])
    known_bodies = {
        "api.create_entry": {"video_id": world.fresh_video_id, "theme": "village", "area": "liling",
                             "accept_rules": True, "show_nickname": True},
        "staff_api.decide_entry": {"decision": "request_fix", "reason": "请补上口号字幕"},
    }

    @schema.hook("before_generate_path_parameters")
    def _seeded_ids(context, strategy):
        if "entry_id" not in context.operation.path:
            return strategy
        return st.one_of(strategy, st.fixed_dictionaries({"entry_id": st.sampled_from(world.entry_ids)}))

    @schema.hook("before_generate_query")
    def _known_values(context, strategy):
        return st.one_of(strategy, strategy.map(
            lambda query: {**query, **{k: v for k, v in KNOWN_QUERY.items() if k in query}}
            if isinstance(query, dict) else query))

    @schema.hook("before_generate_body")
    def _known_body(context, strategy):
        known = known_bodies.get(context.operation.definition.raw["operationId"])
        return strategy if known is None else st.one_of(strategy, st.just(known))

    return schema


schema = schemathesis.from_pytest_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_documented(case, world, caller):
    call(world, case, caller)
