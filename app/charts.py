"""Small, accessible SVG charts drawn on the server.

Why server-side SVG and no chart library: the admin must work without external URLs and without
JavaScript, and a chart that arrives inside the HTML is visible at once, prints, and scales to any
width (viewBox + width 100%). Three shapes cover the owner's pages: a time series with history,
forecast and its interval band; vertical bars over periods; horizontal bars for shares.

Accessibility: each chart is `role="img"` labelled by its own <title> and <desc> (a one-sentence
summary with the key numbers); series are told apart by line style (solid / dashed / band) and by a
legend in text, never by colour alone; and every page that shows a chart also offers the numbers
as a table. Colours come from CSS classes (static/css/admin-insights.css may restyle them), with
presentation attributes as a fallback so the SVG also reads well on its own (e.g. saved to a file).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 300
MARGIN_LEFT = 78
MARGIN_RIGHT = 16
MARGIN_TOP = 40
MARGIN_BOTTOM = 30

COLOR_HISTORY = "#5b3a29"
COLOR_FORECAST = "#1f6f8b"
COLOR_BAND = "#9cc9d8"
COLOR_BAR = "#8a5a3c"
COLOR_GRID = "#e4dcd3"
COLOR_TEXT = "#3d332c"

Format = Callable[[float], str]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k steps) covering [low, high], starting at `low` rounded down."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0, 1.0]
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def plain_number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.1f}"


@dataclass(frozen=True)
class ChartData:
    """What a bar chart and a share chart both draw: the chart's id, its accessible title and
    description, labelled values and how a value is written. The two charts differ only in layout."""

    chart_id: str
    title: str
    desc: str
    labels: Sequence[str]
    values: Sequence[float]
    value_format: Format = plain_number


@dataclass
class _Frame:
    """Plot area (the chart inside its margins) and the y scale shared by the chart kinds."""

    width: int
    height: int
    y_ticks: list[float]
    left: float = field(init=False, default=MARGIN_LEFT)
    top: float = field(init=False, default=MARGIN_TOP)
    right: float = field(init=False)
    bottom: float = field(init=False)

    def __post_init__(self) -> None:
        self.right = self.width - MARGIN_RIGHT
        self.bottom = self.height - MARGIN_BOTTOM

    def y(self, value: float) -> float:
        low, high = self.y_ticks[0], self.y_ticks[-1]
        span = (high - low) or 1.0
        return self.bottom - (value - low) / span * (self.bottom - self.top)


def _open(chart_id: str, title: str, desc: str, width: int, height: int, css: str) -> list[str]:
    chart_id = str(escape(chart_id))
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="12" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _y_axis(frame: _Frame, fmt: Format, label: str) -> list[str]:
    parts = ['<g class="chart__grid" aria-hidden="true">']
    for tick in frame.y_ticks:
        y = frame.y(tick)
        parts.append(
            f'<line x1="{frame.left:.1f}" x2="{frame.right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{COLOR_GRID}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{frame.left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" fill="{COLOR_TEXT}">'
            f"{escape(fmt(tick))}</text>"
        )
    parts.append(
        f'<text x="12" y="{(frame.top + frame.bottom) / 2:.1f}" text-anchor="middle" fill="{COLOR_TEXT}" '
        f'transform="rotate(-90 12 {(frame.top + frame.bottom) / 2:.1f})">{escape(label)}</text>'
    )
    parts.append(
        f'<line x1="{frame.left:.1f}" x2="{frame.right:.1f}" y1="{frame.bottom:.1f}" y2="{frame.bottom:.1f}" '
        f'stroke="{COLOR_TEXT}" stroke-width="1"/>'
    )
    parts.append("</g>")
    return parts


def _legend(items: Sequence[tuple[str, str]], width: int) -> list[str]:
    """items: (swatch svg markup at origin, label). Laid out left to right above the plot."""
    parts = ['<g class="chart__legend">']
    x = MARGIN_LEFT
    for swatch, label in items:
        parts.append(f'<g transform="translate({x:.1f} 14)">{swatch}')
        parts.append(f'<text x="26" y="4" fill="{COLOR_TEXT}">{escape(label)}</text></g>')
        x += 34 + 7 * len(label)
        if x > width - 80:
            break
    parts.append("</g>")
    return parts


def _points(xs: Sequence[float], ys: Sequence[float]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


def _tick_every(count: int, room: float, label_width: float) -> int:
    fits = max(1, int(room // label_width))
    return max(1, math.ceil(count / fits))


def forecast_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    history_dates: Sequence[date],
    history: Sequence[float],
    forecast_dates: Sequence[date],
    forecast: Sequence[float],
    lower: Sequence[float],
    upper: Sequence[float],
    level: int = 80,
    y_label: str = "Units per day",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Markup:
    """Daily history (solid), forecast (dashed) and its interval (band), with a "today" marker."""
    dates = [*history_dates, *forecast_dates]
    if not dates:
        return _empty(chart_id, title, "No sales and no forecast to show yet.", width, height)
    top = max([*history, *forecast, *upper, 1.0])
    frame = _Frame(width, height, nice_ticks(0.0, top))
    first = dates[0]
    span = max(1, (dates[-1] - first).days)

    def x(day: date) -> float:
        return frame.left + (day - first).days / span * (frame.right - frame.left)

    parts = _open(chart_id, title, desc, width, height, "chart--forecast")
    parts += _y_axis(frame, plain_number, y_label)
    if forecast_dates:
        band_top = [(x(d), frame.y(v)) for d, v in zip(forecast_dates, upper, strict=True)]
        band_bottom = [(x(d), frame.y(v)) for d, v in zip(forecast_dates, lower, strict=True)]
        polygon = " ".join(f"{px:.1f},{py:.1f}" for px, py in [*band_top, *reversed(band_bottom)])
        parts.append(f'<polygon class="chart__band" points="{polygon}" fill="{COLOR_BAND}" fill-opacity="0.55"/>')
        today = x(forecast_dates[0])
        parts.append(
            f'<line class="chart__today" x1="{today:.1f}" x2="{today:.1f}" y1="{frame.top:.1f}" '
            f'y2="{frame.bottom:.1f}" stroke="{COLOR_TEXT}" stroke-width="1" stroke-dasharray="2 3"/>'
        )
        parts.append(f'<text x="{today + 4:.1f}" y="{frame.top + 12:.1f}" fill="{COLOR_TEXT}">Today</text>')
    if history:
        parts.append(
            f'<polyline class="chart__history" fill="none" stroke="{COLOR_HISTORY}" stroke-width="1.5" '
            f'points="{_points([x(d) for d in history_dates], [frame.y(v) for v in history])}"/>'
        )
    if forecast:
        # Joined to the last observed day, so the eye follows history into the forecast.
        xs = [x(d) for d in forecast_dates]
        ys = [frame.y(v) for v in forecast]
        if history:
            xs, ys = [x(history_dates[-1]), *xs], [frame.y(history[-1]), *ys]
        parts.append(
            f'<polyline class="chart__forecast" fill="none" stroke="{COLOR_FORECAST}" stroke-width="2" '
            f'stroke-dasharray="6 4" points="{_points(xs, ys)}"/>'
        )
    every = _tick_every(span + 1, frame.right - frame.left, 70)
    parts.append('<g class="chart__x" aria-hidden="true">')
    step = max(7, every - every % 7) if span > 21 else every
    day_index = 0
    while day_index <= span:
        day = date.fromordinal(first.toordinal() + day_index)
        parts.append(
            f'<text x="{x(day):.1f}" y="{frame.bottom + 16:.1f}" text-anchor="middle" fill="{COLOR_TEXT}">'
            f"{day.strftime('%d %b')}</text>"
        )
        day_index += step
    parts.append("</g>")
    parts += _legend(
        [
            (f'<line x1="0" x2="20" y1="0" y2="0" stroke="{COLOR_HISTORY}" stroke-width="2"/>', "Sold per day"),
            (
                f'<line x1="0" x2="20" y1="0" y2="0" stroke="{COLOR_FORECAST}" stroke-width="2" '
                'stroke-dasharray="6 4"/>',
                "Forecast",
            ),
            (
                f'<rect x="0" y="-6" width="20" height="12" fill="{COLOR_BAND}" fill-opacity="0.55"/>',
                f"{level}% interval",
            ),
        ],
        width,
    )
    parts.append("</svg>")
    return _markup(parts)


def bar_chart(
    data: ChartData, *, y_label: str = "", legend: str | None = None, width: int = WIDTH, height: int = HEIGHT
) -> Markup:
    """Vertical bars over ordered periods; each bar has its own <title> (a tooltip with the value)."""
    labels, values, value_format = data.labels, data.values, data.value_format
    if not values:
        return _empty(data.chart_id, data.title, "Nothing to show for this period.", width, height)
    frame = _Frame(width, height, nice_ticks(0.0, max([*values, 1e-9])))
    slot = (frame.right - frame.left) / len(values)
    bar = max(1.0, slot * 0.72)
    parts = _open(data.chart_id, data.title, data.desc, width, height, "chart--bars")
    parts += _y_axis(frame, value_format, y_label)
    parts.append('<g class="chart__bars">')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = frame.left + i * slot + (slot - bar) / 2
        y = frame.y(value)
        parts.append(
            f'<rect class="chart__bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
            f'height="{max(0.0, frame.bottom - y):.1f}" fill="{COLOR_BAR}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></rect>"
        )
    parts.append("</g>")
    every = _tick_every(len(labels), frame.right - frame.left, 64)
    parts.append('<g class="chart__x" aria-hidden="true">')
    for i in range(0, len(labels), every):
        x = frame.left + i * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{frame.bottom + 16:.1f}" text-anchor="middle" fill="{COLOR_TEXT}">'
            f"{escape(_short(labels[i]))}</text>"
        )
    parts.append("</g>")
    if legend:
        parts += _legend([(f'<rect x="0" y="-6" width="20" height="12" fill="{COLOR_BAR}"/>', legend)], width)
    parts.append("</svg>")
    return _markup(parts)


def share_chart(data: ChartData, *, width: int = WIDTH) -> Markup:
    """Horizontal bars with their value and share written next to each (no legend needed)."""
    labels, values, value_format = data.labels, data.values, data.value_format
    if not values:
        return _empty(data.chart_id, data.title, "Nothing to show for this period.", width, 120)
    row = 30
    height = 20 + row * len(values)
    label_width = 150
    right = width - 150
    top = max([*values, 1e-9])
    total = sum(values) or 1.0
    parts = _open(data.chart_id, data.title, data.desc, width, height, "chart--shares")
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 10 + i * row
        length = (right - label_width) * (value / top)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" fill="{COLOR_TEXT}">{escape(label)}</text>'
        )
        parts.append(
            f'<rect class="chart__bar" x="{label_width}" y="{y + 4}" width="{max(0.0, length):.1f}" height="18" '
            f'fill="{COLOR_BAR}"/>'
        )
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + 17}" fill="{COLOR_TEXT}">'
            f"{escape(value_format(value))} ({value / total:.0%})</text>"
        )
    parts.append("</svg>")
    return _markup(parts)


DASH = ' stroke-dasharray="6 4"'


@dataclass(frozen=True)
class Series:
    """One line of a `time_chart`: its legend label, values (None: no data, a gap in the line) and
    whether it is drawn dashed (told apart by style, not by colour alone)."""

    label: str
    values: Sequence[float | None]
    dashed: bool = False


def time_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    times: Sequence[datetime],
    series: Sequence[Series],
    y_label: str,
    value_format: Format = plain_number,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Markup:
    """Lines over evenly spaced times (the System health page's 5-minute buckets of the last day),
    with hours on the x axis; a missing value breaks its line instead of drawing it at zero."""
    present = [v for line in series for v in line.values if v is not None]
    if not times or not present:
        return _empty(chart_id, title, "No requests recorded in this period yet.", width, height)
    frame = _Frame(width, height, nice_ticks(0.0, max([*present, 1e-9])))
    step = (frame.right - frame.left) / max(1, len(times) - 1)
    parts = _open(chart_id, title, desc, width, height, "chart--time")
    parts += _y_axis(frame, value_format, y_label)
    colours = (COLOR_HISTORY, COLOR_FORECAST)
    for n, line in enumerate(series):
        colour = colours[n % len(colours)]
        dash = DASH if line.dashed else ""
        run: list[tuple[float, float]] = []
        for i, value in enumerate([*line.values, None]):
            if value is not None:
                run.append((frame.left + i * step, frame.y(value)))
                continue
            if len(run) == 1:  # a lone point: a dot, so it is not lost
                parts.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="2" fill="{colour}"/>')
            elif run:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline class="chart__line" fill="none" stroke="{colour}" stroke-width="1.5"{dash} '
                    f'points="{points}"/>'
                )
            run = []
    parts.append('<g class="chart__x" aria-hidden="true">')
    every = _tick_every(len(times), frame.right - frame.left, 56)
    for i in range(0, len(times), every):
        parts.append(
            f'<text x="{frame.left + i * step:.1f}" y="{frame.bottom + 16:.1f}" text-anchor="middle" '
            f'fill="{COLOR_TEXT}">{times[i].strftime("%H:%M")}</text>'
        )
    parts.append("</g>")
    parts += _legend(
        [
            (
                f'<line x1="0" x2="20" y1="0" y2="0" stroke="{colours[n % len(colours)]}" stroke-width="2"'
                + (DASH if line.dashed else "")
                + "/>",
                line.label,
            )
            for n, line in enumerate(series)
        ],
        width,
    )
    parts.append("</svg>")
    return _markup(parts)


def _markup(parts: list[str]) -> Markup:
    """The finished SVG. Safe to mark: every text and attribute value from data went through
    `escape` (or is a number formatted here), so nothing in `parts` is unescaped input."""
    return Markup("".join(parts))  # noqa: S704 - see docstring


def _short(label: str) -> str:
    return label if len(label) <= 12 else label[:11] + "…"


def _empty(chart_id: str, title: str, message: str, width: int, height: int) -> Markup:
    parts = _open(chart_id, title, message, width, height, "chart--empty")
    parts.append(
        f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" fill="{COLOR_TEXT}">'
        f"{escape(message)}</text></svg>"
    )
    return _markup(parts)
