"""The benchmarks' recorded figures, their chart and their table (issue 20).

Each benchmark records its headline figures in ``benchmarks/results/<name>.json`` and
redraws ``docs/pages/img/benchmarks.svg``; the docs build makes the latest-figures table
from the same files. These tests keep the three in step without running a benchmark: no
database, no timing.
"""

from __future__ import annotations

import importlib.util
import json
import sys

from tests.docs_examples import ROOT

BENCHMARKS = ROOT / "benchmarks"
HELPERS = {"results", "chart", "lock_waits", "postgres"}


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)  # chart.py imports results by that name
    spec.loader.exec_module(module)
    return module


results = _load("results")
chart = _load("chart")


def test_every_benchmark_records_its_figures():
    scripts = sorted(p.stem for p in BENCHMARKS.glob("*.py") if p.stem not in HELPERS)
    assert len(scripts) >= 13
    for name in scripts:
        source = (BENCHMARKS / f"{name}.py").read_text()
        assert f'record("{name}"' in source, f"benchmarks/{name}.py does not record its figures"
        assert "no_record_flag(parser)" in source, name
        stored = json.loads((BENCHMARKS / "results" / f"{name}.json").read_text())
        assert stored["figures"], name
        for figure in results.figures_of(stored):
            assert figure.date and figure.machine and figure.target is not None, (name, figure)


def test_the_committed_chart_is_the_one_the_figures_draw():
    drawn = chart.render(results.load_all())
    assert (ROOT / "docs" / "pages" / "img" / "benchmarks.svg").read_text() == drawn, (
        "the chart is stale: run `uv run python benchmarks/chart.py`"
    )


def test_the_table_and_the_chart_show_every_figure_and_its_verdict():
    table = results.markdown_table()
    svg = chart.render(results.load_all())
    for stored in results.load_all():
        for figure in results.figures_of(stored):
            assert figure.label in table
            if figure.share_of_target() is not None:
                assert figure.label.replace("'", "&#x27;") in svg
    missed = results.Figure("wait", 84, "ms", 50)
    met = results.Figure("speed-up", 6.2, "x", 1.5, "higher")
    assert (missed.met(), met.met()) == (False, True)
    assert missed.share_of_target() > 1 > met.share_of_target()
    row = results.markdown_table([{"script": "b.py", "figures": [vars(missed)]}])
    assert "| 84 ms | ≤ 50 ms | **missed** |" in row
