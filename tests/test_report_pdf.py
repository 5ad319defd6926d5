"""The reports as PDF: every chart of a page is drawn in its PDF, WeasyPrint renders
without a warning (the renderer refuses any), and the charts are those matplotlib drew
before (scale, ticks, colours), with value labels that never overlap.

Most tests render pages of a small hand-made release (fast); the slow one checks every
PDF of the findings fixture's real refresh."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream, IndirectObject

from pipelines.reporting import charts
from pipelines.reporting.formatting import format_indicator_value
from pipelines.reporting.pdf import (
    SVG_NS,
    PdfRenderer,
    PdfRenderError,
    pdf_source,
    svg_document,
    write_pdfs,
)
from pipelines.reporting.report import (
    ALL,
    Indicator,
    PeerStats,
    ReleaseData,
    ReportBuilder,
)

# --- counting the charts drawn in a PDF --------------------------------------------------

AXIS_GREY = (0x8C / 255,) * 3


def _operations(stream: Any, reader: PdfReader) -> list[tuple[list[Any], bytes]]:
    return list(ContentStream(stream, reader).operations)


def _axes_in(ops: list[tuple[list[Any], bytes]], resources: Any, reader: PdfReader) -> int:
    """Solid grey horizontal strokes: each chart's value axis (`charts._axis`), which
    nothing else in a report draws (WeasyPrint fills solid borders; the trend chart's
    other grey lines are dashed)."""
    count = 0
    stroke: tuple[float, ...] = ()
    dash: list[Any] = []
    saved: list[tuple[tuple[float, ...], list[Any]]] = []
    path: list[tuple[bytes, list[float]]] = []
    xobjects = {}
    if resources is not None:
        resolved = resources.get_object()
        if "/XObject" in resolved:
            xobjects = resolved["/XObject"].get_object()
    for operands, op in ops:
        if op == b"q":
            saved.append((stroke, dash))
        elif op == b"Q":
            stroke, dash = saved.pop()
        elif op == b"RG":
            stroke = tuple(float(v) for v in operands)
        elif op == b"d":
            dash = list(operands[0])
        elif op in (b"m", b"l", b"c", b"v", b"y", b"re", b"h"):
            path.append((op, [float(v) for v in operands]))
        elif op in (b"S", b"s", b"B", b"B*", b"b", b"b*", b"f", b"F", b"f*", b"n"):
            if op in (b"S", b"B") and _is_axis(path, stroke, dash):
                count += 1
            path = []
        elif op == b"Do":
            xobject = xobjects[operands[0]]
            if isinstance(xobject, IndirectObject):
                xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                count += _axes_in(_operations(xobject, reader), xobject.get("/Resources"), reader)
    return count


def _is_axis(
    path: list[tuple[bytes, list[float]]], stroke: tuple[float, ...], dash: list[Any]
) -> bool:
    if (
        dash
        or len(stroke) != 3
        or any(abs(a - b) > 0.003 for a, b in zip(stroke, AXIS_GREY, strict=True))
    ):
        return False
    if [op for op, _ in path] != [b"m", b"l"]:
        return False
    (x0, y0), (x1, y1) = path[0][1], path[1][1]
    return y0 == y1 and abs(x1 - x0) > 100  # in the chart's units: its full width


def drawn_charts(pdf: bytes | Path) -> int:
    """The charts drawn in a PDF: its value axes, on every page and in every form."""
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    return sum(
        _axes_in(_operations(page.get_contents(), reader), page.get("/Resources"), reader)
        for page in reader.pages
    )


# --- a small hand-made release ----------------------------------------------------------

INDICATORS = [
    Indicator("ict_cost_per_inhabitant", "ICT-kosten per inwoner", "eur", "euro per inwoner", 2021),
    Indicator("saas_share", "Aandeel SaaS", "percent", "procent", 2021),
    Indicator("satisfaction", "Tevredenheid over ICT", "score 1-10", "rapportcijfer 1-10", 2022),
]
PEOPLE = {
    "GM0001": ("Aadorp", "<20k"),
    "GM0002": ("Beekveld", "<20k"),
    "GM0003": ("Cromstrijen-Noord", "<20k"),
    "GM0004": ("Dalfsen", "<20k"),
    "GM0005": ("Eemsdelta", "<20k"),
    "GM0006": ("Lindemond", "20k-50k"),  # alone in its group: suppressed
}


def small_release() -> ReleaseData:
    editions = [2021, 2022, 2023]
    participants: dict[tuple[int, str], tuple[str, str | None]] = {
        (e, code): person for e in editions for code, person in PEOPLE.items()
    }
    values: dict[tuple[int, str, str], float] = {}
    for e in editions:
        for i, code in enumerate(PEOPLE):
            values[(e, code, "ict_cost_per_inhabitant")] = 80.0 + 7 * i + 3 * (e - 2021)
            values[(e, code, "saas_share")] = 20.0 + 5 * i
            if e >= 2022 and code != "GM0003":  # GM0003 did not answer: no marker
                values[(e, code, "satisfaction")] = 6.0 + 0.3 * i
    peers: dict[tuple[int, str, str], PeerStats] = {}
    for e in editions:
        for indicator in INDICATORS:
            for group in ("<20k", ALL):
                members = [
                    v
                    for (ve, code, vi), v in values.items()
                    if ve == e and vi == indicator.code and (group == ALL or code < "GM0006")
                ]
                if not members:
                    continue
                members.sort()
                q = len(members) - 1
                peers[(e, group, indicator.code)] = PeerStats(
                    len(members), members[q // 4], members[q // 2], members[3 * q // 4], False
                )
            peers[(e, "20k-50k", indicator.code)] = PeerStats(1, None, None, None, True)
    trends = {
        code: {
            i.code: {
                e: (v, False) for (e, c, ic), v in values.items() if c == code and ic == i.code
            }
            for i in INDICATORS
        }
        for code in PEOPLE
    }
    group_sizes: dict[tuple[int, str | None], int] = {}
    for (e, _code), (_name, peer_group) in participants.items():
        group_sizes[(e, peer_group)] = group_sizes.get((e, peer_group), 0) + 1
    return ReleaseData(
        editions=editions,
        indicators=INDICATORS,
        peer_group_labels={
            "<20k": "minder dan 20.000 inwoners",
            "20k-50k": "20.000 tot 50.000 inwoners",
            ALL: "alle deelnemers",
        },
        participants=participants,
        values=values,
        peers=peers,
        trends=trends,
        findings={
            (2023, "GM0002"): [
                {
                    "code": "PERCENT_OVER_100",
                    "question": "saas_share",
                    "text": "Aandeel SaaS",
                    "message": "Het aandeel (120,0 %) is hoger dan 100 %.",
                }
            ]
        },
        group_sizes=group_sizes,
    )


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    builder = ReportBuilder(small_release())
    return {code: builder.render(2023, code) for code in PEOPLE}


@pytest.fixture(scope="module")
def renderer() -> PdfRenderer:
    return PdfRenderer()


def test_every_chart_of_a_page_is_drawn_in_its_pdf(
    pages: dict[str, str], renderer: PdfRenderer
) -> None:
    # 3 benchmark charts + the trend chart; none for Lindemond's suppressed peer group
    assert pages["GM0001"].count("<svg") == 4
    assert pages["GM0006"].count("<svg") == 1
    for code, page in pages.items():
        pdf = renderer.render(page, name=code)
        assert drawn_charts(pdf) == page.count("<svg"), code
        text = " ".join(
            " ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages
        )
        assert PEOPLE[code][0] in text
        # the trend chart's text is in the PDF: its legend, which only the chart writes
        assert "uw gemeente" not in re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
        assert "uw gemeente" in text


def test_the_shared_style_sheet_renders_as_the_page_own(
    pages: dict[str, str], renderer: PdfRenderer
) -> None:
    """The renderer parses a page's <style> once per edition and passes it beside the
    page: the same pages, the same text as WeasyPrint on the page as it is."""
    from weasyprint import HTML

    page = pages["GM0002"]
    source = pdf_source(page)
    data_uris = iter(source.charts)
    as_is = re.sub(
        r"ictbench-chart:\d+",
        lambda _: "data:image/svg+xml;base64," + base64.b64encode(next(data_uris)).decode(),
        source.html,
    ).replace("<head>", f"<head><style>{source.css}</style>", 1)
    plain = PdfReader(io.BytesIO(HTML(string=as_is).write_pdf()))
    shared = PdfReader(io.BytesIO(renderer.render(page)))
    assert len(shared.pages) == len(plain.pages) >= 2
    for a, b in zip(shared.pages, plain.pages, strict=True):
        assert a.extract_text() == b.extract_text()


# --- strictness ---------------------------------------------------------------------------

AXIS = '<line x1="10" y1="40" x2="300" y2="40" fill="none" stroke="#8c8c8c" stroke-width="0.8"/>'
# matplotlib's markers: a path in <defs>, drawn with <use xlink:href>
MATPLOTLIB_LIKE = (
    '<svg width="331.2pt" height="56.16pt" viewBox="0 0 331.2 56.16" version="1.1">'
    '<defs><path id="m1" d="M 0 0 L 0 3" style="stroke: #4d4d4d"/></defs>'
    f'<use xlink:href="#m1" x="60" y="40"/>{AXIS}</svg>'
)
PLAIN_CHART = f'<svg width="331.2pt" height="56.16pt" viewBox="0 0 331.2 56.16">{AXIS}</svg>'


def page_with(*charts_svg: str, style: str = "", extra: str = "") -> str:
    body = "".join(f"<div>{svg}</div>" for svg in charts_svg)
    return (
        f'<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8"><title>t</title>'
        f"<style>img {{ width: 100%; }} {style}</style></head><body>{body}{extra}</body></html>"
    )


def test_the_old_xlink_bug_loses_a_chart_and_the_count_sees_it(renderer: PdfRenderer) -> None:
    """The old pdf_source declared the SVG namespace only: WeasyPrint could not load a
    chart using xlink:href (every matplotlib chart), logged an error and drew nothing.
    Counting the drawn charts catches it; the renderer declares xlink and draws it."""
    from weasyprint import HTML

    page = page_with(PLAIN_CHART, MATPLOTLIB_LIKE)

    def old_image(match: re.Match[str]) -> str:
        svg = match.group(0).replace("<svg", f'<svg xmlns="{SVG_NS}"', 1)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img alt="" src="data:image/svg+xml;base64,{data}">'

    old_pdf = HTML(string=re.sub(r"<svg.*?</svg>", old_image, page, flags=re.S)).write_pdf()
    assert page.count("<svg") == 2
    assert drawn_charts(old_pdf) == 1  # the matplotlib-like chart is missing
    assert drawn_charts(renderer.render(page)) == 2


def test_a_chart_weasyprint_cannot_load_fails_the_report(renderer: PdfRenderer) -> None:
    broken = PLAIN_CHART.replace("<line", '<line inkscape:label="axis"', 1)  # unbound prefix
    with pytest.raises(
        PdfRenderError,
        match=r"PDF of GM0999\.html: WeasyPrint: Failed to load image at 'ictbench-chart:1'",
    ):
        renderer.render(page_with(PLAIN_CHART, broken), name="GM0999.html")


def test_any_weasyprint_warning_fails_the_report(renderer: PdfRenderer) -> None:
    for name in ("x.html", "y.html"):  # each page with that style sheet
        with pytest.raises(PdfRenderError, match=rf"PDF of {name}: WeasyPrint: .*colour"):
            renderer.render(page_with(PLAIN_CHART, style="p { colour: red; }"), name=name)
    # the renderer stays usable: the next page renders
    assert drawn_charts(renderer.render(page_with(PLAIN_CHART))) == 1


def test_a_report_fetches_nothing_but_its_charts(renderer: PdfRenderer, tmp_path: Path) -> None:
    local = tmp_path / "logo.png"
    local.write_bytes(b"not fetched")
    for url in ("https://example.invalid/logo.png", local.as_uri()):
        with pytest.raises(PdfRenderError, match="made from its page alone"):
            renderer.render(page_with(PLAIN_CHART, extra=f'<img src="{url}" alt="">'))


def test_a_failed_report_leaves_no_pdf_and_fails_the_run(tmp_path: Path) -> None:
    good, bad = tmp_path / "GM0001.html", tmp_path / "GM0002.html"
    good.write_text(page_with(PLAIN_CHART), encoding="utf-8")
    bad.write_text(page_with(PLAIN_CHART, style="p { colour: red; }"), encoding="utf-8")
    (tmp_path / "GM0002.pdf").write_bytes(b"an old PDF")
    jobs = [(str(good), str(tmp_path / "GM0001.pdf")), (str(bad), str(tmp_path / "GM0002.pdf"))]
    # in worker processes, as a refresh renders them: the error names the page
    with pytest.raises(PdfRenderError, match=r"GM0002\.html: WeasyPrint: .*colour"):
        write_pdfs(jobs, workers=2)
    assert not (tmp_path / "GM0002.pdf").exists()
    assert drawn_charts(tmp_path / "GM0001.pdf") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "GM0001.html",
        "GM0001.pdf",
        "GM0002.html",
    ]


# --- the charts ---------------------------------------------------------------------------


def svg_tree(svg: str) -> ET.Element:
    """The chart as the standalone SVG document the PDF gets (well-formed XML)."""
    return ET.fromstring(svg_document(svg))


def tag(element: ET.Element) -> str:
    return element.tag.removeprefix("{" + SVG_NS + "}")


def euro(value: float, decimals: int) -> str:
    return format_indicator_value(value, "eur", decimals)


@pytest.mark.parametrize(
    ("p25", "median", "p75"),
    [(87.35, 112.0, 118.0), (0.0, 1.19, 1.77), (9960.0, 11376.0, 12124.0), (6.8, 7.0, 7.1)],
)
def test_a_bullet_chart_has_matplotlib_scale_and_ticks(
    p25: float, median: float, p75: float
) -> None:
    """The hand-written chart puts band, median and ticks where matplotlib's axes did
    (the figure of the old charts: 4.6 x 0.78 in, axes at 0.04, 0.42, 0.92, 0.5)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from pipelines.reporting.formatting import tick_decimals

    lo, hi = charts.axis_range(p25, median, p75)
    fig = plt.figure(figsize=(4.6, 0.78), dpi=72)
    ax = fig.add_axes((0.04, 0.42, 0.92, 0.5))
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    decimals = tick_decimals(ticks[1] - ticks[0])
    expected = [(float(ax.transData.transform((t, 0))[0]), euro(t, decimals)) for t in ticks]
    median_x = float(ax.transData.transform((median, 0))[0])
    plt.close(fig)

    base = charts.bullet_base(p25, median, p75, euro)
    root = svg_tree(charts.bullet_with_marker(base, median, "Aadorp"))
    texts = [(float(t.get("x", "")), t.text) for t in root.iter() if tag(t) == "text"]
    assert [text for _, text in texts] == [text for _, text in expected]
    assert [x for x, _ in texts] == pytest.approx([x for x, _ in expected], abs=0.01)
    (line,) = [e for e in root.iter() if tag(e) == "line" and e.get("stroke") == charts.MEDIAN]
    assert float(line.get("x1", "")) == pytest.approx(median_x, abs=0.01)
    (band,) = [e for e in root.iter() if tag(e) == "rect"]
    assert band.get("fill") == charts.BAND
    # the own marker at the own value: here the median
    (marker,) = [e for e in root.iter() if tag(e) == "circle"]
    assert marker.get("fill") == charts.OWN
    assert float(marker.get("cx", "")) == pytest.approx(median_x, abs=0.01)


def test_a_trend_chart_has_matplotlib_positions() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    editions, medians = [2019, 2020, 2021, 2022], [87.51, 91.05, None, 101.0]
    fig = plt.figure(figsize=(6.4, 2.1), dpi=72)
    ax = fig.add_axes((0.03, 0.14, 0.94, 0.7))
    ax.set_xlim(2018.6, 2022.4)
    ax.set_ylim(0.0, 202.0)
    expected = [
        coordinate
        for e, v in zip(editions, medians, strict=True)
        if v is not None
        for coordinate in (
            float(ax.transData.transform((e, v))[0]),
            151.2 - float(ax.transData.transform((e, v))[1]),
        )
    ]
    plt.close(fig)
    base = charts.trend_base(
        editions, medians, lambda v: euro(v, 2), "mediaan alle deelnemers", "uw gemeente"
    )
    svg = charts.trend_with_own(base, [None] * 4, [""] * 4, "Aadorp")
    root = svg_tree(svg)
    squares = [c for x, y, _ in points(svg)["median"] for c in (x, y)]
    assert squares == pytest.approx(expected, abs=0.01)
    # the legend's second entry after the first one's text (matplotlib's layout)
    circle = next(e for e in root.iter() if tag(e) == "circle")
    assert float(circle.get("cx", "")) == pytest.approx(149.585719, abs=0.01)


# --- value labels of the trend chart --------------------------------------------------------

ASCENT, DESCENT, WIDTH = 0.93, 0.24, 0.75  # em; DejaVu Sans' widest digit is 0.7 em


def label_boxes(svg: str) -> Iterator[tuple[str, str, float, float, float, float]]:
    """(kind, text, left, top, right, bottom) of each value label, conservatively."""
    root = svg_tree(svg)
    for group in root.iter():
        kind = {charts.OWN: "own", charts.GREY: "median"}.get(group.get("fill", ""))
        if tag(group) != "g" or kind is None:
            continue
        size = float(group.get("font-size", ""))
        for text in group:
            assert tag(text) == "text" and text.get("text-anchor") == "middle"
            x, y, label = float(text.get("x", "")), float(text.get("y", "")), text.text or ""
            half = len(label) * WIDTH * size / 2
            yield kind, label, x - half, y - ASCENT * size, x + half, y + DESCENT * size


def overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def points(svg: str) -> dict[str, list[tuple[float, float, float]]]:
    """The reference squares' and the own points' (or triangles') centres and their
    half size."""
    root = svg_tree(svg)
    median = [
        (float(e.get("x", "")) + 2.5, float(e.get("y", "")) + 2.5, 2.5)
        for e in root.iter()
        if tag(e) == "rect"
    ][:-1]  # the last square is the legend's
    own: list[tuple[float, float, float]] = []
    for group in root.iter():
        if group.get("class") != "own-trend":
            continue
        for shape in group:
            if tag(shape) == "circle":  # r 4 and a 1 pt white edge
                own.append((float(shape.get("cx", "")), float(shape.get("cy", "")), 4.5))
            elif tag(shape) == "path":  # "M x-6 y+4 L x y-6 L x+6 y+4 Z"
                numbers = [float(n) for n in re.findall(r"-?[\d.]+", shape.get("d", ""))]
                own.append((numbers[2], numbers[3] + 6, 6.0))
    return {"median": median, "own": own}


EDITIONS = [2019, 2020, 2021, 2022, 2023, 2024]
MEDIANS = [87.51, 91.05, 95.44, 96.41, 101.0, 106.0]
CASES: dict[str, list[float | None]] = {
    # Lindemond 2023: € 88,83 against a median of € 101 (the labels overlapped)
    "close below": [None, None, None, None, 88.83, None],
    "just below": [86.0, 89.5, 93.0, 95.0, 98.0, 103.0],
    "just above": [89.0, 93.0, 97.5, 98.0, 104.0, 109.0],
    "equal": [m for m in MEDIANS],
    "crossing": [80.0, 95.0, 90.0, 100.0, 97.0, 112.0],
    "near zero": [3.0, 1.0, 0.0, 2.0, 4.0, 5.0],
    "near the top": [205.0, 209.0, 211.0, 200.0, 212.0, 190.0],
    "above the axis": [250.0, 90.0, 400.0, 95.0, 101.0, 107.0],
    "gaps": [None, 90.0, None, 97.0, 101.0, None],
    # a point just above or below the other: the labels away from both points
    "a point apart": [92.0, 86.0, 99.0, 91.0, 105.0, 101.0],
}


@pytest.mark.parametrize("case", list(CASES))
def test_value_labels_never_overlap(case: str) -> None:
    own = CASES[case]
    base = charts.trend_base(
        EDITIONS, MEDIANS, lambda v: euro(v, 2), "mediaan alle deelnemers", "uw gemeente"
    )
    labels = [
        euro(v, 2) + ("*" if i == 3 else "") if v is not None else "" for i, v in enumerate(own)
    ]
    svg = charts.trend_with_own(base, own, labels, "Lindemond")
    boxes = list(label_boxes(svg))
    assert len([b for b in boxes if b[0] == "median"]) == 6
    assert [b[1] for b in boxes if b[0] == "own"] == [label for label in labels if label]
    for i, a in enumerate(boxes):
        # between the legend and the axis (its years below)
        assert a[5] <= charts.TREND_AXIS_Y and a[3] >= charts.LEGEND_Y + 4, a
        for b in boxes[i + 1 :]:
            assert not overlaps(a[2:], b[2:]), (a, b)
    # each label next to its point (its x, at most 20 pt above or below it), and no
    # label on a point
    at = points(svg)
    for kind in ("median", "own"):
        shown = [b for b in boxes if b[0] == kind]
        for (x, y, _), (_, _, left, top, right, bottom) in zip(at[kind], shown, strict=True):
            assert (left + right) / 2 == pytest.approx(x, abs=0.01)
            assert min(abs(top - y), abs(bottom - y)) < 20
    for x, y, r in at["median"] + at["own"]:
        for box in boxes:
            assert not overlaps((x - r, y - r, x + r, y + r), box[2:]), (x, y, box)


def test_the_lower_value_is_written_below_its_point() -> None:
    base = charts.trend_base(
        EDITIONS, MEDIANS, lambda v: euro(v, 2), "mediaan alle deelnemers", "uw gemeente"
    )
    own = CASES["crossing"]
    svg = charts.trend_with_own(base, own, [euro(v, 2) for v in own if v is not None], "Lindemond")
    boxes = list(label_boxes(svg))
    at = points(svg)
    for i, (value, median) in enumerate(zip(own, MEDIANS, strict=True)):
        assert value is not None
        (own_box,) = [b for b in boxes if b[0] == "own" and b[1] == euro(value, 2)]
        median_box = [b for b in boxes if b[0] == "median"][i]
        own_above = own_box[5] < at["own"][i][1]
        median_above = median_box[5] < at["median"][i][1]
        assert own_above == (value >= median), (value, median)
        assert median_above == (value < median), (value, median)


# --- the real refresh ---------------------------------------------------------------------


@pytest.mark.slow
def test_every_pdf_of_a_refresh_draws_all_its_charts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The findings fixture's refresh (strict renderer: no WeasyPrint warning, or the
    refresh would have failed): each PDF draws as many charts as its page has."""
    from tests.test_findings import findings_release

    warehouse = findings_release(tmp_path_factory)
    counted: dict[str, int] = {}
    for page in sorted((warehouse / "reports").glob("*/GM*.html")):
        expected = page.read_text(encoding="utf-8").count("<svg")
        counted[f"{page.parent.name}/{page.stem}"] = expected
        assert drawn_charts(page.with_suffix(".pdf")) == expected, page
    assert len(counted) == 18  # 9 municipalities x 2 editions
    assert counted["2021/GM0201"] == 16  # 15 benchmark charts + the trend chart
    assert counted["2021/GM0209"] == 1  # alone in its peer group: only the trend chart
