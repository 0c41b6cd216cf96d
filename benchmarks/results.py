"""The latest figure of each benchmark, kept beside the scripts that measure them.

Every benchmark ends by calling ``record(...)`` with its headline figures, each next to
its target. The file ``benchmarks/results/<benchmark>.json`` then holds the latest run
(date, machine, load), and the chart ``docs/pages/img/benchmarks.svg`` is drawn again
from all of them, so the reference site's benchmarks page (its table is generated from
the same files) never shows a figure older than the last run. ``--no-record`` on a
benchmark's command line skips it, for a quick exploratory run.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"


@dataclass(frozen=True)
class Figure:
    """One measured figure and the target it is held to.

    ``better`` says which way is good: ``"lower"`` (a time, a ratio to a baseline that
    should stay small) or ``"higher"`` (a speed-up, a share of throughput).
    """

    label: str
    value: float
    unit: str  # "x" (ratio to the baseline), "s", "ms", "%"
    target: float | None = None
    better: str = "lower"
    baseline: str = ""  # what the ratio is against, or the baseline's own figure
    date: str = ""  # filled by record(): figures of one script may come from different runs
    machine: str = ""

    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    def share_of_target(self) -> float | None:
        """Measured against target, 1.0 at the target and above 1.0 when missed."""
        if self.target in (None, 0) or self.value == 0:
            return None
        ratio = self.value / self.target
        return ratio if self.better == "lower" else 1 / ratio


def machine() -> str:
    """What the figures were measured on: cores, architecture, load at the end."""
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores {platform.machine()}, load {load}"


def record(benchmark: str, figures: list[Figure], *, note: str = "") -> None:
    """Store the run's figures and draw the chart again (unless ``--no-record``).

    A figure replaces the stored one of the same label; the others stay, so a run of
    one part of a benchmark (``batch_update.py --parts 3``) keeps the other parts'.
    """
    if "--no-record" in sys.argv:
        return
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{benchmark}.json"
    today, where = datetime.now(UTC).strftime("%Y-%m-%d"), machine()
    new = [replace(figure, date=today, machine=where) for figure in figures]
    kept = [f for f in _stored(path) if f.label not in {n.label for n in new}]
    data = {
        "benchmark": benchmark,
        "script": f"benchmarks/{benchmark}.py",
        "note": note,
        "figures": [asdict(figure) for figure in kept + new],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    from chart import write_chart  # the sibling script; benchmarks run as scripts

    write_chart()
    print(f"recorded in {path}; chart redrawn")


def _stored(path: Path) -> list[Figure]:
    return figures_of(json.loads(path.read_text())) if path.exists() else []


def load_all() -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(RESULTS.glob("*.json"))]


def figures_of(result: dict) -> list[Figure]:
    return [Figure(**figure) for figure in result["figures"]]


def no_record_flag(parser) -> None:
    """Add ``--no-record`` to a benchmark's argparse parser (``record`` reads sys.argv)."""
    parser.add_argument(
        "--no-record", action="store_true", help="do not store the figures or redraw the chart"
    )


def markdown_table(results: list[dict] | None = None) -> str:
    """The latest figures as the benchmarks page shows them, one row per figure."""
    rows = [
        "| benchmark | figure | measured | target | | baseline | date, machine |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in load_all() if results is None else results:
        for figure in figures_of(result):
            sign = "≤" if figure.better == "lower" else "≥"
            target = "" if figure.target is None else f"{sign} {figure.target:g} {figure.unit}"
            verdict = {True: "met", False: "**missed**", None: ""}[figure.met()]
            rows.append(
                f"| `{result['script']}` | {figure.label} | {figure.value:g} {figure.unit} "
                f"| {target} | {verdict} | {figure.baseline} "
                f"| {figure.date}, {figure.machine} |"
            )
    return "\n".join(rows) + "\n"
