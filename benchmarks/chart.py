"""Draw docs/pages/img/benchmarks.svg: every benchmark's figures against their targets.

One horizontal bar per figure, its length the figure as a share of its target on a log
scale (1.0 = exactly the target; left of the line is better), green when met, red when
not. Written as plain SVG text rather than through a plotting library: the output is
byte-for-byte the same for the same results, so a test can check that the committed
chart is the one the results draw, and the docs build needs nothing extra.

    uv run python benchmarks/chart.py     # redraw from benchmarks/results/*.json
"""

from __future__ import annotations

import math
import sys
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import figures_of, load_all

CHART = Path(__file__).resolve().parent.parent / "docs" / "pages" / "img" / "benchmarks.svg"
ROW, LABEL, BAR, RIGHT = 22, 520, 330, 300
LOW, HIGH = 0.1, 100.0  # the axis: a tenth of the target to 100 times it


def _x(share: float) -> float:
    clipped = min(max(share, LOW), HIGH)
    return LABEL + BAR * (math.log10(clipped) - math.log10(LOW)) / math.log10(HIGH / LOW)


def render(results: list[dict]) -> str:
    rows = [
        (result, figure)
        for result in results
        for figure in figures_of(result)
        if figure.share_of_target() is not None
    ]
    height = 60 + ROW * len(rows) + 30
    width = LABEL + BAR + RIGHT
    one = _x(1.0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        '<text x="10" y="20" font-size="14" font-weight="bold">Each benchmark against its'
        " target (1 = the target; left of the line is better, log scale)</text>",
    ]
    for tick in (0.1, 1, 10, 100):
        x = _x(tick)
        out.append(f'<line x1="{x:.1f}" y1="40" x2="{x:.1f}" y2="{height - 30}" stroke="#ddd"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle">{tick:g}x</text>')
    for n, (result, figure) in enumerate(rows):
        y = 48 + ROW * n
        share = figure.share_of_target()
        colour = "#2e7d32" if figure.met() else "#c62828"
        label = escape(f"{result['benchmark']}: {figure.label}")
        left, right = sorted((one, _x(share)))
        value = escape(_shown(figure) + f" ({figure.date})")
        out += [
            f'<text x="{LABEL - 8}" y="{y + 13}" text-anchor="end">{label}</text>',
            f'<rect x="{left:.1f}" y="{y + 3}" width="{max(right - left, 1):.1f}" '
            f'height="{ROW - 8}" fill="{colour}"/>',
            f'<text x="{LABEL + BAR + 8}" y="{y + 13}">{value}</text>',
        ]
    out.append(f'<line x1="{one:.1f}" y1="40" x2="{one:.1f}" y2="{height - 30}" stroke="black"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _shown(figure) -> str:
    sign = "<=" if figure.better == "lower" else ">="
    return f"{figure.value:g} {figure.unit} (target {sign} {figure.target:g})"


def write_chart() -> Path:
    CHART.parent.mkdir(parents=True, exist_ok=True)
    CHART.write_text(render(load_all()))
    return CHART


if __name__ == "__main__":
    print(write_chart())
