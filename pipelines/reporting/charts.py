"""Charts as small hand-written SVG, the same markup inline in the HTML page and as an
image in the PDF.

The geometry is the one matplotlib drew before (figure and axes sizes, colours, line
widths, text sizes); matplotlib still chooses the axis ticks (`MaxNLocator`) and measures
text (its DejaVu Sans metrics), but draws nothing. Each chart is a few plain elements with
presentation attributes: no clip paths, no `<defs>`/`<use>`, no style sheets, no ids. A
browser draws that as before; WeasyPrint, which walks an SVG node by node (and lays out
SVG text letter by letter), draws a report's charts in well under half the time it took
for matplotlib's SVG (clip paths, `<use>` markers, a style attribute per element).

The peer part of a benchmark chart (P25-P75 band, median, axis) is the same for every
member of a peer group, so it is written once per edition x peer group x indicator; the
municipality's own marker is added to that SVG afterwards.

Text is escaped here; the `title`/`label` arguments that become an SVG `<title>` are
expected escaped by the caller.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator

from pipelines.reporting.formatting import tick_decimals

BAND = "#c9dcef"
MEDIAN = "#1f4e79"
OWN = "#d9480f"
GREY = "#8c8c8c"
TICK = "#4d4d4d"
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
# DejaVu Sans' font box (hhea ascender / descender, in em): every glyph's ink lies within
ASCENT = 0.93
DESCENT = 0.24

# Bullet chart (pt; 4.6 x 0.78 in, axes at 0.04, 0.42, 0.92, 0.5 of the figure)
BULLET_WIDTH, BULLET_HEIGHT = 331.2, 56.16
BULLET_X0, BULLET_X1 = 13.248, 317.952  # the value axis
BULLET_AXIS_Y = 32.5728
BULLET_MARKER_Y = 18.5328  # the middle of the axes
BAND_TOP, BAND_BOTTOM = 8.7048, 28.3608  # 15 % - 85 % of the axes' height
MEDIAN_TOP, MEDIAN_BOTTOM = 5.8968, 31.1688  # 5 % - 95 %
TICK_LENGTH = 3.0
TICK_SIZE = 8.0
TICK_BASELINE = 43.65

# Trend chart (pt; 6.4 x 2.1 in, axes at 0.03, 0.14, 0.94, 0.7 of the figure)
TREND_WIDTH, TREND_HEIGHT = 460.8, 151.2
TREND_X0, TREND_X1 = 13.824, 446.976
TREND_TOP, TREND_AXIS_Y = 24.192, 130.032
YEAR_BASELINE = 140.11
LEGEND_Y = 12.19  # the legend's sample lines; its text baseline is 2.45 lower
LEGEND_SIZE = 7.0
MEDIAN_LABEL_SIZE = 6.5
OWN_LABEL_SIZE = 7.0
# value labels stay between the legend and the axis
LABEL_TOP = LEGEND_Y + 2.45 + DESCENT * LEGEND_SIZE + 2.0
LABEL_BOTTOM = TREND_AXIS_Y - 1.0
LABEL_GAP = 1.0  # at least this much space between two value labels


def _text(x: float, y: float, text: str, anchor: str = "middle", **attributes: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    return (
        f'<text x="{x:.2f}" y="{y:.2f}" text-anchor="{anchor}"{extra}>'
        f"{html.escape(text, quote=False)}</text>"
    )


def _svg(width: float, height: float, body: str) -> str:
    return (
        f'<svg width="{width}pt" height="{height}pt" viewBox="0 0 {width} {height}" '
        f'version="1.1" font-family="{FONT}">{body}</svg>'
    )


@functools.lru_cache(maxsize=4)
def _font(size: float, bold: bool) -> FontProperties:
    return FontProperties(family="DejaVu Sans", size=size, weight="bold" if bold else "normal")


_TEXT = TextToPath()


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """The advance width of `text` in DejaVu Sans at `size` (pt = SVG user units), as
    matplotlib measured it to lay out its legend."""
    width, _, _ = _TEXT.get_text_width_height_descent(text, _font(size, bold), False)
    return float(width)


@dataclass(frozen=True)
class BulletBase:
    """A rendered peer chart plus what is needed to place the own marker on it."""

    svg: str
    lo: float
    hi: float
    x0: float  # SVG x of lo
    x1: float  # SVG x of hi
    y: float  # SVG y of the marker centre


def axis_range(p25: float, median: float, p75: float) -> tuple[float, float]:
    iqr = p75 - p25
    pad = max(iqr * 1.5, abs(median) * 0.25, 1e-9)
    lo, hi = p25 - pad, p75 + pad
    if p25 >= 0 and lo < 0:
        lo = 0.0
    return lo, hi


def axis_ticks(lo: float, hi: float) -> list[float]:
    """The ticks matplotlib's axis shows for the range (at most 5 intervals)."""
    return [float(t) for t in MaxNLocator(nbins=5).tick_values(lo, hi) if lo <= t <= hi]


def bullet_base(
    p25: float, median: float, p75: float, tick_format: Callable[[float, int], str]
) -> BulletBase:
    """The peer part of a benchmark chart: band P25-P75, median line, value axis."""
    lo, hi = axis_range(p25, median, p75)

    def x(value: float) -> float:
        return BULLET_X0 + (value - lo) / (hi - lo) * (BULLET_X1 - BULLET_X0)

    ticks = axis_ticks(lo, hi)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(hi - lo)
    decimals = tick_decimals(step)
    marks = " ".join(f"M {x(t):.2f} {BULLET_AXIS_Y} v {TICK_LENGTH}" for t in ticks)
    labels = "".join(_text(x(t), TICK_BASELINE, tick_format(t, decimals)) for t in ticks)
    body = (
        f'<rect x="{x(p25):.2f}" y="{BAND_TOP}" width="{x(p75) - x(p25):.2f}" '
        f'height="{BAND_BOTTOM - BAND_TOP:.4f}" fill="{BAND}"/>'
        f'<line x1="{x(median):.2f}" y1="{MEDIAN_BOTTOM}" x2="{x(median):.2f}" '
        f'y2="{MEDIAN_TOP}" fill="none" stroke="{MEDIAN}" stroke-width="2.2"/>'
        + (f'<path d="{marks}" fill="none" stroke="{TICK}" stroke-width="0.8"/>' if ticks else "")
        + _axis(BULLET_X0, BULLET_X1, BULLET_AXIS_Y)
        + f'<g font-size="{TICK_SIZE:g}" fill="{TICK}">{labels}</g>'
    )
    return BulletBase(
        svg=_svg(BULLET_WIDTH, BULLET_HEIGHT, body),
        lo=lo,
        hi=hi,
        x0=BULLET_X0,
        x1=BULLET_X1,
        y=BULLET_MARKER_Y,
    )


def bullet_with_marker(base: BulletBase, own: float | None, label: str) -> str:
    """The base chart with the municipality's own value as a marker (an arrow at the
    edge when it lies outside the axis)."""
    if own is None:
        return base.svg
    fraction = (own - base.lo) / (base.hi - base.lo)
    x = base.x0 + min(max(fraction, 0.0), 1.0) * (base.x1 - base.x0)
    y = base.y
    if 0.0 <= fraction <= 1.0:
        shape = (
            f'<circle cx="{x:.2f}" cy="{y:.2f}" r="6" fill="{OWN}" stroke="#ffffff" '
            'stroke-width="1.5"/>'
        )
    else:
        d = 8 if fraction > 1 else -8
        shape = (
            f'<path d="M {x - d:.2f} {y - 7:.2f} L {x:.2f} {y:.2f} L {x - d:.2f} {y + 7:.2f} Z" '
            f'fill="{OWN}" stroke="#ffffff" stroke-width="1"/>'
        )
    marker = f'<g class="own-value"><title>{label}</title>{shape}</g>'
    return base.svg.replace("</svg>", marker + "</svg>")


@dataclass(frozen=True)
class TrendBase:
    """The trend chart's shared part (legend, years, axis, the reference line of the
    median of all participants); `trend_with_own` adds the municipality's line and the
    value labels of both lines."""

    svg: str
    editions: tuple[int, ...]
    y_top: float  # data value at the top of the axis
    x_at: tuple[float, float]  # SVG x = a + b * edition
    y_at: tuple[float, float]  # SVG y = a + b * value
    # per edition: the reference value and its label (None: no reference)
    reference: tuple[tuple[float, str] | None, ...]


def trend_base(
    editions: Sequence[int],
    reference: Sequence[float | None],
    tick_format: Callable[[float], str],
    reference_label: str,
    own_label: str,
) -> TrendBase:
    xs = list(editions)
    values = [v for v in reference if v is not None]
    top = max(values or [1.0]) * 2.0
    if top <= 0:
        top = 2.0
    x_b = (TREND_X1 - TREND_X0) / (max(xs) - min(xs) + 0.8)
    x_a = TREND_X0 - x_b * (min(xs) - 0.4)
    y_a, y_b = TREND_AXIS_Y, -(TREND_AXIS_Y - TREND_TOP) / top
    points = [
        (x_a + x_b * e, y_a + y_b * v) for e, v in zip(xs, reference, strict=True) if v is not None
    ]
    parts = [
        _text(x_a + x_b * e, YEAR_BASELINE, str(e), font_size=f"{TICK_SIZE:g}", fill=TICK)
        for e in xs
    ]
    parts.append(_axis(TREND_X0, TREND_X1, TREND_AXIS_Y))
    if len(points) > 1:
        coordinates = " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{GREY}" '
            'stroke-width="1.5" stroke-dasharray="5.55,2.4"/>'
        )
    parts.extend(_square(x, y) for x, y in points)
    # the legend (matplotlib's layout: 14 pt samples, 5.6 pt to the text, 14 pt between)
    text_y = LEGEND_Y + 2.45
    second = 39.724 + text_width(reference_label, LEGEND_SIZE) + 14.0
    parts.append(
        f'<line x1="20.12" y1="{LEGEND_Y}" x2="34.12" y2="{LEGEND_Y}" fill="none" '
        f'stroke="{GREY}" stroke-width="1.5" stroke-dasharray="5.55,2.4"/>'
        + _square(27.124, LEGEND_Y)
        + _text(39.724, text_y, reference_label, "start", font_size=f"{LEGEND_SIZE:g}")
        + f'<line x1="{second:.2f}" y1="{LEGEND_Y}" x2="{second + 14:.2f}" y2="{LEGEND_Y}" '
        f'fill="none" stroke="{OWN}" stroke-width="2.2" stroke-linecap="square"/>'
        f'<circle cx="{second + 7:.2f}" cy="{LEGEND_Y}" r="3.5" fill="{OWN}"/>'
        + _text(second + 19.6, text_y, own_label, "start", font_size=f"{LEGEND_SIZE:g}")
    )
    return TrendBase(
        svg=_svg(TREND_WIDTH, TREND_HEIGHT, "".join(parts)),
        editions=tuple(xs),
        y_top=top,
        x_at=(x_a, x_b),
        y_at=(y_a, y_b),
        reference=tuple(None if v is None else (v, tick_format(v)) for v in reference),
    )


def _axis(x0: float, x1: float, y: float) -> str:
    """A chart's value axis: every chart has exactly one, a solid grey line (what the
    tests count to know that a chart was drawn)."""
    return (
        f'<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" fill="none" stroke="{GREY}" '
        'stroke-width="0.8" stroke-linecap="square"/>'
    )


def _square(x: float, y: float) -> str:
    """matplotlib's 4 pt square marker with its 1 pt edge: 5 pt."""
    return f'<rect x="{x - 2.5:.2f}" y="{y - 2.5:.2f}" width="5" height="5" fill="{GREY}"/>'


@dataclass
class _Label:
    """A value label written at its point's x, above or below the point's marker."""

    text: str
    size: float
    marker: tuple[float, float]  # the marker's top and bottom (SVG y)
    pad_above: float  # from the marker to the label's font box when written above it
    pad_below: float
    baseline: float = 0.0
    above: bool = True  # written above its marker

    @property
    def box(self) -> tuple[float, float]:
        """Top and bottom of the label's font box (every glyph's ink lies within)."""
        return self.baseline - ASCENT * self.size, self.baseline + DESCENT * self.size

    def put_above(self, bottom: float) -> None:
        self.baseline, self.above = bottom - DESCENT * self.size, True

    def put_below(self, top: float) -> None:
        self.baseline, self.above = top + ASCENT * self.size, False

    def fits(self) -> bool:
        top, bottom = self.box
        return top >= LABEL_TOP and bottom <= LABEL_BOTTOM


def _apart(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[1] + LABEL_GAP <= b[0] or b[1] + LABEL_GAP <= a[0]


def place_labels(upper: _Label | None, lower: _Label | None) -> None:
    """Place the value labels of one edition (both at the same x): the label of the
    higher point above its marker, the other's below its marker, a label on the other
    side when it would leave the plot; then each label moved away from its marker while
    it touches the other label or the other marker."""
    if upper is not None:
        upper.put_above(upper.marker[0] - upper.pad_above)
        if not upper.fits():
            upper.put_below(upper.marker[1] + upper.pad_below)
    if lower is not None:
        lower.put_below(lower.marker[1] + lower.pad_below)
        if not lower.fits():
            lower.put_above(lower.marker[0] - lower.pad_above)
    if upper is None or lower is None:
        return
    for _ in range(4):
        moved = False
        for label, other in ((upper, lower), (lower, upper)):
            for obstacle in (other.marker, other.box):
                if not _apart(label.box, obstacle):
                    if label.above:
                        label.put_above(obstacle[0] - LABEL_GAP)
                    else:
                        label.put_below(obstacle[1] + LABEL_GAP)
                    moved = True
        if not moved:
            return


def trend_with_own(
    base: TrendBase, own: Sequence[float | None], labels: Sequence[str], title: str
) -> str:
    """The base with the own values as a line with points and their values written
    next to them (a value above the axis is drawn at the top as a triangle, its value
    written out), and the reference values written next to theirs: per edition the
    label of the higher value above its point, the other below, never overlapping."""
    shapes: list[str] = []
    own_texts: list[str] = []
    reference_texts: list[str] = []
    segments: list[list[tuple[float, float]]] = [[]]
    for edition, value, text, ref in zip(base.editions, own, labels, base.reference, strict=True):
        x = base.x_at[0] + base.x_at[1] * edition
        own_label = ref_label = None
        own_y = ref_y = 0.0
        if ref is not None:
            ref_y = base.y_at[0] + base.y_at[1] * ref[0]
            # a 5 pt square; below it the text as matplotlib wrote it (baseline at 12 pt)
            ref_label = _Label(ref[1], MEDIAN_LABEL_SIZE, (ref_y - 2.5, ref_y + 2.5), 1.5, 3.45)
        if value is None:
            segments.append([])
        else:
            clipped = min(max(value, 0.0), base.y_top)
            own_y = base.y_at[0] + base.y_at[1] * clipped
            segments[-1].append((x, own_y))
            if clipped != value:  # a triangle at the top, its value below it
                shapes.append(
                    f'<path d="M {x - 6:.2f} {own_y + 4:.2f} L {x:.2f} {own_y - 6:.2f} '
                    f'L {x + 6:.2f} {own_y + 4:.2f} Z" fill="{OWN}"/>'
                )
                own_label = _Label(text, OWN_LABEL_SIZE, (own_y - 6, own_y + 4), 5.5, 5.5)
            else:  # a point of 4.5 pt
                shapes.append(
                    f'<circle cx="{x:.2f}" cy="{own_y:.2f}" r="4" fill="{OWN}" '
                    'stroke="#ffffff" stroke-width="1"/>'
                )
                own_label = _Label(text, OWN_LABEL_SIZE, (own_y - 4.5, own_y + 4.5), 1.8, 1.8)
        if own_label is not None and ref_label is not None and own_y > ref_y:
            place_labels(ref_label, own_label)  # the own value is the lower one
        else:
            place_labels(own_label, ref_label)
        if own_label is not None:
            own_texts.append(_text(x, own_label.baseline, own_label.text))
        if ref_label is not None:
            reference_texts.append(_text(x, ref_label.baseline, ref_label.text))
    lines = [
        f'<polyline points="{" ".join(f"{x:.2f},{y:.2f}" for x, y in segment)}" fill="none" '
        f'stroke="{OWN}" stroke-width="2.2" stroke-linejoin="round"/>'
        for segment in segments
        if len(segment) > 1
    ]
    reference_group = (
        f'<g class="reference-values" font-size="{MEDIAN_LABEL_SIZE:g}" fill="{GREY}">'
        f"{''.join(reference_texts)}</g>"
        if reference_texts
        else ""
    )
    own_group = (
        f'<g class="own-trend"><title>{title}</title>{"".join(lines)}{"".join(shapes)}'
        f'<g font-size="{OWN_LABEL_SIZE:g}" font-weight="bold" fill="{OWN}">'
        f"{''.join(own_texts)}</g></g>"
    )
    return base.svg.replace("</svg>", reference_group + own_group + "</svg>")
