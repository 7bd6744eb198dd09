"""The domain's modules import each other without a circle (imports inside functions count)."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "domain_imports.py"


@pytest.fixture(scope="module")
def graph_tools():
    spec = importlib.util.spec_from_file_location("domain_imports", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_domain_import_graph_has_no_cycle(graph_tools):
    assert graph_tools.cycles(graph_tools.import_graph()) == []


def test_the_read_side_imports_no_rule_that_changes_awards_or_entries(graph_tools):
    graph = graph_tools.import_graph()
    write_side = {"awards", "entries", "review", "judging", "objections", "tally_corrections"}
    assert {name: graph[name] & write_side for name in ("gallery", "leaderboards", "staff_reports", "award_lists")} \
        == {"gallery": set(), "leaderboards": set(), "staff_reports": set(), "award_lists": set()}


def test_imports_inside_functions_and_cycles_are_found(graph_tools, tmp_path):
    (tmp_path / "a.py").write_text("from contest.domain import b\n")
    (tmp_path / "b.py").write_text("def late():\n    from contest.domain.c import x\n")
    (tmp_path / "c.py").write_text("import contest.domain.a\n")
    (tmp_path / "d.py").write_text("from contest.domain.errors import DomainError\n")
    graph = graph_tools.import_graph(tmp_path)
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert graph_tools.cycles(graph) == [["a", "b", "c"]]


def test_layers_put_each_module_above_what_it_imports(graph_tools):
    graph = {"clock": set(), "likes": {"clock"}, "awards": {"likes", "clock"}, "gallery": {"likes"}}
    assert graph_tools.layers(graph) == [["clock"], ["likes"], ["awards", "gallery"]]
