"""Charts as inline SVG, drawn with matplotlib (Agg, text as SVG text, no external
resources).

The peer part of a benchmark chart (P25-P75 band, median, axis) is the same for every
member of a peer group, so it is drawn once per edition x peer group x indicator; the
municipality's own marker is added to that SVG afterwards at the position matplotlib's
own transform gives. That keeps ~470 reports x 15 indicators fast.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from pipelines.reporting.formatting import tick_decimals

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text (no embedded or external fonts)
        "svg.hashsalt": "ictbench",  # deterministic ids
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
        "font.size": 8,
        "axes.edgecolor": "#8c8c8c",
        "xtick.color": "#4d4d4d",
        "ytick.color": "#4d4d4d",
    }
)

BAND = "#c9dcef"
MEDIAN = "#1f4e79"
OWN = "#d9480f"
GREY = "#8c8c8c"

_ID = re.compile(r'id="([^"]+)"')


@dataclass(frozen=True)
class BulletBase:
    """A rendered peer chart plus what is needed to place the own marker on it."""

    svg: str
    lo: float
    hi: float
    x0: float  # SVG x of lo
    x1: float  # SVG x of hi
    y: float  # SVG y of the marker centre


def _clean_svg(svg: str) -> str:
    """Inline-ready SVG: no XML prolog/DOCTYPE/metadata (they name w3.org/purl URLs),
    no namespace declarations (HTML's parser knows inline SVG), ids unique per chart."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:xlink)?="[^"]*"', "", svg)
    # ids from the content: unique per chart, and the same in every run
    prefix = "c" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:10] + "-"
    ids = set(_ID.findall(svg))
    for old in sorted(ids, key=len, reverse=True):
        svg = svg.replace(f'id="{old}"', f'id="{prefix}{old}"')
        svg = svg.replace(f"#{old})", f"#{prefix}{old})").replace(f'"#{old}"', f'"#{prefix}{old}"')
    return svg.strip()


def _to_svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return _clean_svg(buffer.getvalue())


def axis_range(p25: float, median: float, p75: float) -> tuple[float, float]:
    iqr = p75 - p25
    pad = max(iqr * 1.5, abs(median) * 0.25, 1e-9)
    lo, hi = p25 - pad, p75 + pad
    if p25 >= 0 and lo < 0:
        lo = 0.0
    return lo, hi


def bullet_base(
    p25: float, median: float, p75: float, tick_format: Callable[[float, int], str]
) -> BulletBase:
    """The peer part of a benchmark chart: band P25-P75, median line, value axis."""
    lo, hi = axis_range(p25, median, p75)
    fig = plt.figure(figsize=(4.6, 0.78), dpi=72)
    ax = fig.add_axes((0.04, 0.42, 0.92, 0.5))
    ax.axvspan(p25, p75, ymin=0.15, ymax=0.85, color=BAND, lw=0)
    ax.plot([median, median], [0.05, 0.95], color=MEDIAN, lw=2.2, solid_capstyle="butt")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(hi - lo)
    ax.set_xticks(ticks, [tick_format(t, tick_decimals(step)) for t in ticks])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=3, pad=2)
    height_pt = fig.get_figheight() * 72
    (x0, y_mid), (x1, _) = ax.transData.transform([(lo, 0.5), (hi, 0.5)])
    scale = 72 / fig.dpi
    return BulletBase(
        svg=_to_svg(fig),
        lo=lo,
        hi=hi,
        x0=x0 * scale,
        x1=x1 * scale,
        y=height_pt - y_mid * scale,
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
    """A rendered trend chart with the reference line (median of all participants); the
    municipality's own line is added by `trend_with_own` (linear maps from matplotlib)."""

    svg: str
    editions: tuple[int, ...]
    y_top: float  # data value at the top of the axis
    x_at: tuple[float, float]  # SVG x = a + b * edition
    y_at: tuple[float, float]  # SVG y = a + b * value


def trend_base(
    editions: Sequence[int],
    reference: Sequence[float | None],
    tick_format: Callable[[float], str],
    reference_label: str,
    own_label: str,
) -> TrendBase:
    fig = plt.figure(figsize=(6.4, 2.1), dpi=72)
    ax = fig.add_axes((0.03, 0.14, 0.94, 0.7))
    xs = list(editions)
    pairs = [(x, v) for x, v in zip(xs, reference, strict=True) if v is not None]
    ax.plot(
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        color=GREY,
        lw=1.5,
        ls="--",
        marker="s",
        ms=4,
        label=reference_label,
    )
    for x, v in pairs:
        ax.annotate(
            tick_format(v),
            (x, v),
            textcoords="offset points",
            xytext=(0, -12),
            ha="center",
            fontsize=6.5,
            color=GREY,
        )
    ax.plot([], [], color=OWN, lw=2.2, marker="o", ms=6, label=own_label)
    top = max([p[1] for p in pairs] or [1.0]) * 2.0
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlim(min(xs) - 0.4, max(xs) + 0.4)
    ax.set_ylim(0.0, top)
    # values are written at the points: no y axis needed
    ax.yaxis.set_visible(False)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0, pad=4)
    ax.legend(loc="upper left", frameon=False, ncols=2, fontsize=7, bbox_to_anchor=(0, 1.2))
    height_pt = fig.get_figheight() * 72
    scale = 72 / fig.dpi
    (ax0, ay0), (ax1, ay1) = ax.transData.transform([(xs[0], 0.0), (xs[0] + 1, top)])
    x_b = (ax1 - ax0) * scale
    y_b = -(ay1 - ay0) * scale / top
    return TrendBase(
        svg=_to_svg(fig),
        editions=tuple(xs),
        y_top=top,
        x_at=(ax0 * scale - x_b * xs[0], x_b),
        y_at=(height_pt - ay0 * scale, y_b),
    )


def trend_with_own(
    base: TrendBase, own: Sequence[float | None], labels: Sequence[str], title: str
) -> str:
    """The base with the own values as a line with points and their values written above
    (a value above the axis is drawn at the top as a triangle, its value written out)."""
    parts: list[str] = []
    segment: list[tuple[float, float]] = []
    segments: list[list[tuple[float, float]]] = []
    points = []
    for edition, value, label in zip(base.editions, own, labels, strict=True):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        clipped = min(max(value, 0.0), base.y_top)
        x = base.x_at[0] + base.x_at[1] * edition
        y = base.y_at[0] + base.y_at[1] * clipped
        segment.append((x, y))
        points.append((x, y, label, clipped != value))
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            coordinates = " ".join(f"{x:.2f},{y:.2f}" for x, y in seg)
            parts.append(
                f'<polyline points="{coordinates}" fill="none" stroke="{OWN}" '
                'stroke-width="2.2" stroke-linejoin="round"/>'
            )
    for x, y, label, clipped in points:
        if clipped:
            parts.append(
                f'<path d="M {x - 6:.2f} {y + 4:.2f} L {x:.2f} {y - 6:.2f} L {x + 6:.2f} '
                f'{y + 4:.2f} Z" fill="{OWN}"/>'
            )
            ty = y + 16
        else:
            parts.append(
                f'<circle cx="{x:.2f}" cy="{y:.2f}" r="4" fill="{OWN}" stroke="#ffffff" '
                'stroke-width="1"/>'
            )
            ty = y - 8
        parts.append(
            f'<text x="{x:.2f}" y="{ty:.2f}" text-anchor="middle" fill="{OWN}" '
            f"style=\"font: bold 7px 'DejaVu Sans', sans-serif\">{label}</text>"
        )
    group = f'<g class="own-trend"><title>{title}</title>{"".join(parts)}</g>'
    return base.svg.replace("</svg>", group + "</svg>")
