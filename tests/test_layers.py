"""The floors: the domain and the models do not reach up for the framework or the integrations
(imports inside functions count). The factory hands them what they need."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "contest"

DOMAIN_FORBIDDEN = ("flask", "contest.caching", "contest.sms", "contest.sms_outbox", "contest.jobs",
                    "contest.blueprints", "contest.views_support", "contest.evidence")
MODELS_FORBIDDEN = ("flask", "contest.domain")
MODELS_ALLOWED = ("contest.clock",)  # moves below the models next (a mechanical rename)


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (``from a import b`` as ``a.b``:
    ``b`` is a module or a name of ``a``, and ``from contest import caching`` must count as ``contest.caching``)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def reaching(folder: str, forbidden: tuple[str, ...], allowed: tuple[str, ...] = ()) -> dict[str, list[str]]:
    found = {}
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        bad = sorted(name for name in imported(path) if name not in allowed
                     and not any(name.startswith(f"{a}.") for a in allowed)
                     and any(name == f or name.startswith(f"{f}.") for f in forbidden))
        if bad:
            found[str(path.relative_to(PACKAGE.parent))] = bad
    return found


def test_imported_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import a.b\nfrom c import d\n\ndef f():\n    from flask import current_app\n")
    assert imported(module) == {"a.b", "c.d", "flask.current_app"}


@pytest.mark.parametrize(("folder", "forbidden", "allowed"), [
    ("domain", DOMAIN_FORBIDDEN, ()),
    ("models", MODELS_FORBIDDEN, MODELS_ALLOWED),
])
def test_the_lower_floors_do_not_import_the_upper_ones(folder, forbidden, allowed):
    assert reaching(folder, forbidden, allowed) == {}
