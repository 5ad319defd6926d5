"""Charts as inline SVG, drawn with matplotlib (Agg, text as SVG text, no external
resources).

The peer part of a benchmark chart (P25-P75 band, median, axis) is the same for every
member of a peer group, so it is drawn once per edition x peer group x indicator; the
municipality's own marker is added to that SVG afterwards at the position matplotlib's
own transform gives. That keeps ~470 reports x 15 indicators fast.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

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

_counter = itertools.count()
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
    prefix = f"c{next(_counter)}-"
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
    p25: float, median: float, p75: float, tick_format: Callable[[float], str]
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
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    ax.set_xticks(ticks, [tick_format(t) for t in ticks])
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


def trend_chart(
    editions: Sequence[int],
    own: Sequence[float | None],
    reference: Sequence[float | None],
    tick_format: Callable[[float], str],
    own_label: str,
    reference_label: str,
) -> str:
    """Own values over the editions beside the median of all participants."""
    fig = plt.figure(figsize=(6.4, 2.3), dpi=72)
    ax = fig.add_axes((0.12, 0.2, 0.85, 0.7))
    xs = list(editions)

    def series(values: Sequence[float | None]) -> tuple[list[int], list[float]]:
        pairs = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    rx, ry = series(reference)
    ax.plot(rx, ry, color=GREY, lw=1.5, ls="--", marker="s", ms=4, label=reference_label)
    ox, oy = series(own)
    ax.plot(ox, oy, color=OWN, lw=2.2, marker="o", ms=6, label=own_label)
    for x, v in zip(ox, oy, strict=True):
        ax.annotate(
            tick_format(v),
            (x, v),
            textcoords="offset points",
            xytext=(0, 7),
            ha="center",
            fontsize=7,
            color=OWN,
        )
    ax.set_xticks(xs, [str(x) for x in xs])
    ax.set_xlim(min(xs) - 0.4, max(xs) + 0.4)
    values = oy + ry
    if values:
        low, high = min(values), max(values)
        pad = (high - low) * 0.25 or abs(high) * 0.1 or 1.0
        ax.set_ylim(min(0.0, low - pad) if low >= 0 else low - pad, high + pad)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: tick_format(v)))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e6e6e6", lw=0.8)
    ax.set_axisbelow(True)
    ax.legend(loc="lower left", frameon=False, ncols=2, fontsize=7, bbox_to_anchor=(0, -0.32))
    return _to_svg(fig)
