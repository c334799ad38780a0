"""Charts drawn on the server as SVG, from a list of (label, value), for the dashboard and the reports.

Each chart is an image to a screen reader (``role="img"``) named by its ``<title>`` and described by the data
table beside it (``aria-describedby``), which carries the same figures as text. The SVG scales to its box
(``viewBox``, no fixed width) and uses presentation attributes only, so the Content-Security-Policy's
refusal of inline styles does not touch it. No script, nothing fetched."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

BAR = "#005eb8"        # NHS blue
GOOD = "#007f3b"       # NHS green: meets the target
SHORT = "#d5281b"      # NHS red: below the target
TRACK = "#e8edee"      # NHS pale grey
INK = "#212b32"        # NHS text colour
FONT = "Frutiger W01, Arial, sans-serif"

Point = tuple[str, float | None]


def percent(value: float | None) -> str:
    """A share as people write it: 0.2 -> "20%", None -> "–"."""
    return "–" if value is None else f"{value * 100:.0f}%"


def number(value: float | None) -> str:
    """A count or a number of days: whole numbers without a point, others to one place."""
    if value is None:
        return "–"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _open(chart_id: str, title: str, table_id: str, width: int, height: int) -> list[str]:
    return [f'<svg class="app-chart" id="{escape(chart_id)}" role="img" viewBox="0 0 {width} {height}" '
            f'preserveAspectRatio="xMinYMin meet" aria-labelledby="{escape(chart_id)}-title" '
            f'aria-describedby="{escape(table_id)}" font-family="{FONT}" font-size="14" fill="{INK}">',
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>']


def bar_chart(points: Sequence[Point], *, chart_id: str, title: str, table_id: str,
              fmt: Callable[[float | None], str] = number, top: float | None = None,
              target: float | None = None) -> Markup:
    """Horizontal bars, one per (label, value), longest scale ``top`` (default: the largest value).
    ``target``: a dark line across the bars at that value, and each bar green when it is above it (the
    compliance target is "more than"), red when not."""
    width, gap, row_h = 640, 8, 48  # each row: its label on a line of its own, the bar under it
    bar_w = width - 80
    height = max(1, len(points)) * row_h + 4
    values = [v for _, v in points if v is not None]
    scale = top if top is not None else max([*values, target or 0, 0]) or 1
    out = _open(chart_id, title, table_id, width, height)
    for i, (label, value) in enumerate(points):
        y = i * row_h
        text = str(label)
        shown = text if len(text) <= 80 else text[:79] + "…"
        out.append(f'<text x="0" y="{y + 16}">{escape(shown)}</text>')
        out.append(f'<rect x="0" y="{y + 22}" width="{bar_w}" height="20" fill="{TRACK}"/>')
        length = 0 if value is None else max(0.0, min(1.0, value / scale)) * bar_w
        colour = BAR if target is None or value is None else (GOOD if value > target + 1e-12 else SHORT)
        out.append(f'<rect x="0" y="{y + 22}" width="{length:.1f}" height="20" fill="{colour}"/>')
        out.append(f'<text x="{bar_w + gap}" y="{y + 38}" font-weight="bold">{escape(fmt(value))}</text>')
    if target is not None:
        x = min(1.0, target / scale) * bar_w
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="{INK}" stroke-width="3"/>')
    out.append("</svg>")
    return Markup("".join(out))


def column_chart(points: Sequence[Point], *, chart_id: str, title: str, table_id: str,
                 fmt: Callable[[float | None], str] = number, top: float | None = None,
                 target: float | None = None) -> Markup:
    """Vertical columns over time (months, quarters), in order, each labelled under its column and valued
    above it. ``target``: a dark line across at that value; columns green above it, red below."""
    n = max(1, len(points))
    width, height, base, head = 640, 240, 200, 24
    slot = (width - 20) / n
    col_w = max(4.0, slot * 0.62)
    values = [v for _, v in points if v is not None]
    scale = top if top is not None else max([*values, target or 0, 0]) or 1
    small = n > 6  # many columns: smaller type so the labels do not run into each other
    out = _open(chart_id, title, table_id, width, height)
    out.append(f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{INK}" stroke-width="1"/>')
    for i, (label, value) in enumerate(points):
        cx = 10 + slot * i + slot / 2
        h = 0 if value is None else max(0.0, min(1.0, value / scale)) * (base - head)
        colour = BAR if target is None or value is None else (GOOD if value > target + 1e-12 else SHORT)
        out.append(f'<rect x="{cx - col_w / 2:.1f}" y="{base - h:.1f}" width="{col_w:.1f}" height="{h:.1f}" '
                   f'fill="{colour}"/>')
        size = ' font-size="12"' if small else ""
        out.append(f'<text x="{cx:.1f}" y="{base - h - 6:.1f}" text-anchor="middle"{size}>{escape(fmt(value))}</text>')
        lines = str(label).split(" ", 1) if small else [str(label)]
        for k, part in enumerate(lines):
            out.append(f'<text x="{cx:.1f}" y="{base + 18 + 14 * k}" text-anchor="middle"{size}>{escape(part)}</text>')
    if target is not None:
        y = base - min(1.0, target / scale) * (base - head)
        out.append(f'<line x1="10" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{INK}" stroke-width="2" '
                   f'stroke-dasharray="6 4"/>')
    out.append("</svg>")
    return Markup("".join(out))


def register(app) -> None:
    app.jinja_env.globals.update(bar_chart=bar_chart, column_chart=column_chart, as_percent=percent,
                                as_number=number)
    app.add_template_filter(percent, "percent")
    app.add_template_filter(number, "number")
