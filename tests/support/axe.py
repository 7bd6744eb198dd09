"""The axe-core accessibility scan the browser tests run on every page (tests/browser/axe.min.js)."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).parent.parent / "browser" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {iframes: false, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
