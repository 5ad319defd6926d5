"""The reports a municipality prints: the PDF's layout on paper, plain Dutch for the reader,
and the index page of an edition.

The layout is checked on WeasyPrint's own layout of the PDF source, page by page: the box
tree of each page (`Page._page_box`; WeasyPrint has no public API for boxes, its version
is pinned in requirements.lock) and, where poppler's `pdftoppm` is installed, the
rasterised PDF. Nothing lies outside the page's content area or runs out of its box (a
card, a table cell), no card or table row is split across two pages, no line break cuts
an amount ('€' | '16.832'). The checks run on the fixture release's own reports and on
two municipalities made from that release: a large one (eight editions, six-digit
amounts, a long name, every finding of the fixture) and a small one (no value at all, no
peer group).
"""

from __future__ import annotations

import html as html_module
import itertools
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pypdf import PdfReader

from pipelines.reporting.formatting import name_sort_key, unbreakable_amounts
from pipelines.reporting.pdf import CHART_URL, pdf_source
from pipelines.reporting.report import ALL, PeerStats, ReleaseData, ReportBuilder, load_release
from tests.test_findings import findings_release

pytestmark = pytest.mark.slow  # builds the fixture release and renders reports

EDITION = 2024
EDITIONS = list(range(2017, EDITION + 1))  # eight editions in a trend
LARGE, LARGE_NAME = "GM0999", "Hardinxveld-Giessendam aan de Merwede"
SMALL, SMALL_NAME = "GM0998", "Lindemond"
GROUP = "250k+"
# more participants of the made-up edition: how a Dutch reader looks them up
OTHERS = {
    "GM0997": "'s-Gravendonk",
    "GM0996": "Súdwâlde",
    "GM0995": "Sneek",
    "GM0994": "Zaltbommel",
    "GM0993": "Eëlderbroek",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return findings_release(tmp_path_factory)


def _long_value(unit: str, n: int) -> float:
    """An own value of a large municipality: six-digit euro amounts, 99,9 %."""
    unit = unit.lower()
    if unit.startswith("eur"):
        return 123_456.7 + 1_111 * n
    if unit == "percent":
        return 99.9
    if unit.startswith("score"):
        return 9.9
    return 1_234.5 + n


def stress_release(base: ReleaseData) -> ReleaseData:
    """The fixture release plus edition 2024 with a large municipality (in every edition
    since 2017 but 2018, long amounts, all the fixture's findings) and a small one (no
    value, no peer group)."""
    indicators = [
        replace(i, first_edition=min(i.first_edition, EDITIONS[0])) for i in base.indicators
    ]
    participants = dict(base.participants)
    for edition in EDITIONS:
        participants[(edition, LARGE)] = (LARGE_NAME, GROUP)
    participants[(EDITION, SMALL)] = (SMALL_NAME, None)
    for code, name in OTHERS.items():
        participants[(EDITION, code)] = (name, GROUP)
    values: dict[tuple[int, str, str], float] = {}
    peers = dict(base.peers)
    history: dict[str, dict[int, tuple[float, bool]]] = {}
    for n, indicator in enumerate(indicators):
        own = _long_value(indicator.unit, n)
        values[(EDITION, LARGE, indicator.code)] = own
        for edition in EDITIONS:
            value = own * (1 + (edition - EDITION) / 40)
            if edition != 2018:  # a year without an answer: "2018: –"
                history.setdefault(indicator.code, {})[edition] = (value, edition < 2021)
            for group, factor in ((GROUP, 0.9), (ALL, 0.8)):
                median = value * factor
                peers[(edition, group, indicator.code)] = PeerStats(
                    6, median * 0.95, median, median * 1.05, False
                )
    group_sizes: dict[tuple[int, str | None], int] = {}
    for (edition, _), (_, member_group) in participants.items():
        group_sizes[(edition, member_group)] = group_sizes.get((edition, member_group), 0) + 1
    findings = dict(base.findings)
    findings[(EDITION, LARGE)] = [f for found in base.findings.values() for f in found]
    return ReleaseData(
        editions=sorted({e for e, _ in participants}),
        indicators=indicators,
        peer_group_labels=base.peer_group_labels,
        participants=participants,
        values={**base.values, **values},
        peers=peers,
        trends={**base.trends, LARGE: history},
        findings=findings,
        group_sizes=group_sizes,
    )


@pytest.fixture(scope="module")
def stress(warehouse: Path) -> ReportBuilder:
    base = load_release(warehouse / "published" / "ictbench.duckdb")
    assert len(base.findings) >= 5 and GROUP in base.peer_group_labels
    return ReportBuilder(stress_release(base))


# --- WeasyPrint's layout of a report ------------------------------------------------


@dataclass
class Layout:
    """A report as WeasyPrint lays it out for the PDF."""

    html: str
    pages: list[Any]  # weasyprint PageBox per page
    pdf: bytes


def lay_out(page_html: str) -> Layout:
    """The report as the PDF renders it (pipelines.reporting.pdf: the page without its
    style sheet, the style sheet apart, the charts as SVG images)."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    source = pdf_source(page_html)

    class Charts(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            assert url.startswith(CHART_URL), url
            chart = source.charts[int(url.removeprefix(CHART_URL))]
            return URLFetcherResponse(url, chart, {"Content-Type": "image/svg+xml"})

    document = HTML(string=source.html, url_fetcher=Charts()).render(
        stylesheets=[CSS(string=source.css)]
    )
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return Layout(page_html, [page._page_box for page in document.pages], pdf)


@pytest.fixture(scope="module")
def layouts(warehouse: Path, stress: ReportBuilder) -> dict[str, Layout]:
    def fixture_page(code: str) -> str:
        return (warehouse / "reports" / "2021" / f"{code}.html").read_text(encoding="utf-8")

    return {
        "large": lay_out(stress.render(EDITION, LARGE)),
        "small": lay_out(stress.render(EDITION, SMALL)),
        "GM0205": lay_out(fixture_page("GM0205")),  # three findings
        "GM0209": lay_out(fixture_page("GM0209")),  # alone in its peer group
    }


DOCUMENTS = ["large", "small", "GM0205", "GM0209"]


def content_boxes(page: Any) -> Iterator[Any]:
    """The boxes of a page's content (not its margin boxes: the running footer)."""
    from weasyprint.formatting_structure import boxes

    for child in page.children:
        if not isinstance(child, boxes.MarginBox):
            yield child


def children(box: Any) -> list[Any]:
    return list(getattr(box, "children", []))


def classes(box: Any) -> set[str]:
    element = getattr(box, "element", None)
    return set((element.get("class") or "").split()) if element is not None else set()


def decorated(box: Any) -> bool:
    """A box that paints a background or a border (a card, a table cell, a fact)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, (boxes.TextBox, boxes.LineBox)):
        return False
    colour = box.style["background_color"]
    borders = [
        getattr(box, f"border_{side}_width", 0) for side in ("top", "right", "bottom", "left")
    ]
    return bool(colour.alpha > 0 or any(width > 0 for width in borders))


def inked(box: Any) -> bool:
    """A box that puts something on paper: text, an image, a background or border."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        return bool(box.text.strip())
    return isinstance(box, boxes.ReplacedBox) or decorated(box)


Rect = tuple[float, float, float, float]


def border_rect(box: Any) -> Rect:
    x, y = box.border_box_x(), box.border_box_y()
    return (x, y, x + box.border_width(), y + box.border_height())


def padding_rect(box: Any) -> Rect:
    x, y = box.padding_box_x(), box.padding_box_y()
    return (x, y, x + box.padding_width(), y + box.padding_height())


def inside(inner: Rect, outer: Rect, slack: float = 0.5) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


def describe(box: Any) -> str:
    text = getattr(box, "text", None)
    tag = getattr(box, "element_tag", "?")
    return f"{type(box).__name__}<{tag} {' '.join(sorted(classes(box)))}>" + (
        f" {text!r}" if text else ""
    )


def inked_boxes(page: Any) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """(box, its decorated ancestors) for each box of the page's content that inks."""

    def walk(box: Any, ancestors: tuple[Any, ...]) -> Iterator[tuple[Any, tuple[Any, ...]]]:
        if inked(box):
            yield box, ancestors
        if decorated(box):
            ancestors = (*ancestors, box)
        for child in children(box):
            yield from walk(child, ancestors)

    for box in content_boxes(page):
        yield from walk(box, ())


def element_pages(layout: Layout) -> dict[Any, set[int]]:
    """Element (of a card, a table row, a fact, a finding) -> the pages it is on."""
    keep = {"card", "fact", "finding", "ok"}
    pages: dict[Any, set[int]] = {}
    for number, page in enumerate(layout.pages, start=1):
        for root in content_boxes(page):
            for box in root.descendants():
                element = getattr(box, "element", None)
                if element is None or box.element_tag not in ("div", "tr"):
                    continue
                if classes(box) & keep or (
                    box.element_tag == "tr" and element.get("data-indicator")
                ):
                    pages.setdefault(element, set()).add(number)
    return pages


def line_text(line: Any) -> str:
    from weasyprint.formatting_structure import boxes

    return "".join(b.text for b in line.descendants() if isinstance(b, boxes.TextBox))


def block_lines(layout: Layout) -> dict[tuple[Any, str], list[str]]:
    """The text of each line, per block (element and kind of box), in page order: a block
    continued on the next page goes on with the same list."""
    from weasyprint.formatting_structure import boxes

    lines: dict[tuple[Any, str], list[str]] = {}
    for page in layout.pages:
        for root in content_boxes(page):
            for box in root.descendants():
                for child in children(box):
                    if isinstance(child, boxes.LineBox):
                        key = (getattr(box, "element", None), type(box).__name__)
                        lines.setdefault(key, []).append(line_text(child))
    return lines


# An amount and what belongs to it, as one unit no line may break: '€ 16.832', '3,8 %',
# '2019: € 16.832*', '2018: –' (\s: any space, the no-break one too, and a line break).
UNIT = re.compile(r"\d{4}:\s*(?:€\s*)?-?\d[\d.]*(?:,\d+)?(?:\s*%)?\*?|\d{4}:\s*–|€\s*-?\d|\d\s*%")


def broken_units(lines: list[str]) -> list[str]:
    """The units of text that a break between two of these lines cuts in two."""
    broken = []
    for first, second in itertools.pairwise(lines):
        joined = first.rstrip() + "\n" + second.lstrip()
        cut = len(first.rstrip())
        broken += [m.group(0) for m in UNIT.finditer(joined) if m.start() < cut < m.end()]
    return broken


# --- the layout on paper --------------------------------------------------------------


@pytest.mark.parametrize("name", DOCUMENTS)
def test_nothing_runs_past_its_box_or_the_page_margin(
    layouts: dict[str, Layout], name: str
) -> None:
    layout = layouts[name]
    checked = 0
    for number, page in enumerate(layout.pages, start=1):
        area = (
            page.content_box_x(),
            page.content_box_y(),
            page.content_box_x() + page.width,
            page.content_box_y() + page.height,
        )
        for box, ancestors in inked_boxes(page):
            rect = border_rect(box)
            assert inside(rect, area), (name, number, describe(box), rect, area)
            for ancestor in ancestors:  # inside each box that draws around it
                assert inside(rect, padding_rect(ancestor)), (
                    name,
                    number,
                    describe(box),
                    "outside",
                    describe(ancestor),
                )
            checked += 1
    assert checked > 300  # the whole report was looked at


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_card_or_table_row_is_split_across_pages(layouts: dict[str, Layout], name: str) -> None:
    layout = layouts[name]
    pages = element_pages(layout)
    split = {
        (element.tag, element.get("class"), element.get("data-indicator")): found
        for element, found in pages.items()
        if len(found) > 1
    }
    assert not split, (name, split)
    shown = len(re.findall(r'<tr data-indicator="', layout.html))
    assert shown >= 13  # the indicators of the edition, each a row and a card
    kinds = [(element.tag, element.get("class")) for element in pages]
    assert kinds.count(("tr", None)) == shown
    assert kinds.count(("div", "card")) == shown
    assert kinds.count(("div", "fact")) == 4
    assert len(layout.pages) >= 3


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_line_breaks_an_amount(layouts: dict[str, Layout], name: str) -> None:
    lines = block_lines(layouts[name])
    broken = {
        str(element.get("class") or element.tag): cut
        for (element, _), texts in lines.items()
        if element is not None and (cut := broken_units(texts))
    }
    assert not broken, (name, broken)
    # a value of the overview table is on one line of its cell
    cells = [
        texts
        for (element, _), texts in lines.items()
        if element is not None and element.tag == "td" and element.get("class") in ("own", "")
    ]
    assert len(cells) >= 2 * len(re.findall(r'<tr data-indicator="', layouts[name].html))
    assert all(len(texts) == 1 for texts in cells), [t for t in cells if len(t) > 1]
    # the trend lines were looked at
    trends = [
        texts
        for (element, _), texts in lines.items()
        if element is not None and element.get("class") == "trend"
    ]
    assert len(trends) >= 13 and all(texts[0].startswith("Uw verloop: ") for texts in trends)


def test_the_check_for_broken_amounts_sees_a_broken_amount() -> None:
    assert broken_units(["Mediaan €", "16.832 · middelste"]) == ["€\n1"]
    assert broken_units(["Uw verloop: 2019:", "€\u00a016.832*"]) == ["2019:\n€\u00a016.832*"]
    assert broken_units(["32,2", "% – hoger"]) == ["2\n%"]
    assert (
        broken_units(["Uw verloop: 2019:\u00a0– 2020:\u00a0€\u00a0111*", "2021:\u00a0€\u00a0110*"])
        == []
    )
    assert broken_units(["middelste helft € 102 tot", "€ 122 · 6 gemeenten"]) == []


def test_the_print_layout_is_cheap_for_weasyprint(layouts: dict[str, Layout]) -> None:
    """Plain block and table layout: no flex box, no inline-block but the legend's three
    swatches, the trend of a card one text (not a box per edition)."""
    from weasyprint.formatting_structure import boxes

    for name in DOCUMENTS:
        found = [
            box
            for page in layouts[name].pages
            for root in content_boxes(page)
            for box in root.descendants()
        ]
        assert not [b for b in found if isinstance(b, boxes.FlexContainerBox)], name
        inline_blocks = [b for b in found if isinstance(b, boxes.InlineBlockBox)]
        assert [classes(b) for b in inline_blocks] == [{"swatch"}] * 3, name
        trends = [b for b in found if "trend" in classes(b)]
        assert len(trends) >= 13, name
        for trend in trends:  # each line of a trend: one text, no box per edition
            assert all(
                [type(c) for c in children(line)] == [boxes.TextBox]
                for line in children(trend)
                if isinstance(line, boxes.LineBox)
            ), name


PDFTOPPM = shutil.which("pdftoppm")


@pytest.mark.skipif(
    PDFTOPPM is None, reason="pdftoppm is not on PATH (apt-get install poppler-utils)"
)
@pytest.mark.parametrize("name", DOCUMENTS)
def test_printed_margins_stay_blank(layouts: dict[str, Layout], name: str, tmp_path: Path) -> None:
    """On the rasterised PDF: nothing inked in the left, right and top page margins
    (14 mm, 14 mm, 16 mm; the bottom margin has the running footer)."""
    from PIL import Image

    assert PDFTOPPM is not None
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(layouts[name].pdf)
    subprocess.run(
        [PDFTOPPM, "-r", "72", "-gray", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == len(layouts[name].pages)
    mm = 72 / 25.4
    for path in images:
        image = Image.open(path)
        width, height = image.size
        left, right, top = int(14 * mm) - 1, width - int(14 * mm) + 1, int(16 * mm) - 1
        for region in ((0, 0, left, height), (right, 0, width, height), (0, 0, width, top)):
            darkest = min(image.crop(region).getdata())
            assert darkest > 245, (name, path.name, region, darkest)
        assert min(image.crop((left, top, right, height)).getdata()) < 160  # not blank


# --- plain Dutch for the reader ---------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a reader sees: no markup, no attribute, no style sheet."""

    INLINE = frozenset({"a", "strong", "span", "em", "b", "i"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._style = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._style += tag == "style"
        if tag not in self.INLINE:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self._style -= tag == "style"
        if tag not in self.INLINE:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._style:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The visible text, runs of ASCII white space as one space (the no-break and em
    spaces of the page are kept)."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return re.sub(r"[ \t\r\n\f]+", " ", "".join(parser.parts)).strip()


def pdf_text(pdf: bytes) -> str:
    return " ".join(
        " ".join((p.extract_text() or "").split()) for p in PdfReader(BytesIO(pdf)).pages
    )


INTERNAL_CODE = re.compile(r"\b[A-Z]{2,}(?:_[A-Z0-9]+)+\b|\b[a-z]+(?:_[a-z0-9]+)+\b")
DOUBLED_DASH = re.compile(r"[–—-]\s*[–—]|[–—]\s*[–—-]|(?<![\w-])-\s+-(?![\w-])")


def test_the_text_checks_see_a_code_and_a_doubled_dash() -> None:
    assert INTERNAL_CODE.findall("MISSING_ANSWERED_LAST_EDITION · pct_plaatsonafhankelijk") == [
        "MISSING_ANSWERED_LAST_EDITION",
        "pct_plaatsonafhankelijk",
    ]
    assert not INTERNAL_CODE.findall("Gemeentecode GM0363 · ICT-kosten per fte · 's-Gravendonk")
    assert DOUBLED_DASH.findall("Lindemond: – – geen waarde · 2019: ––") == ["– –", "––"]
    assert not DOUBLED_DASH.findall(
        "2019: – 2020: € 111 · (25e–75e percentiel) · Hardinxveld-Giessendam"
    )


def test_no_internal_code_and_no_doubled_dash_in_what_a_reader_sees(
    warehouse: Path, layouts: dict[str, Layout], stress: ReportBuilder
) -> None:
    texts = {
        str(path.relative_to(warehouse)): visible_text(path.read_text(encoding="utf-8"))
        for path in sorted((warehouse / "reports").rglob("*.html"))
    }
    texts |= {  # the PDFs of one edition (the same pages; pypdf takes its time)
        str(path.relative_to(warehouse)): pdf_text(path.read_bytes())
        for path in sorted((warehouse / "reports" / "2021").glob("*.pdf"))
    }
    for name, layout in layouts.items():
        texts[f"{name}.html"] = visible_text(layout.html)
        texts[f"{name}.pdf"] = pdf_text(layout.pdf)
    texts["index.html"] = visible_text(stress.render_index(EDITION))
    # (9 reports + the index) x 2 editions, 9 PDFs, 4 laid out (HTML and PDF), an index
    assert len(texts) == 20 + 9 + 8 + 1
    found = {name: INTERNAL_CODE.findall(text) for name, text in texts.items()}
    assert not {name: codes for name, codes in found.items() if codes}
    dashes = {name: DOUBLED_DASH.findall(text) for name, text in texts.items()}
    assert not {name: d for name, d in dashes.items() if d}
    # the codes the release has are in the markup only (data-indicator), never as text
    assert 'data-indicator="ict_cost_per_inhabitant"' in layouts["GM0205"].html
    # the small municipality without any value: each card says so in words
    small = texts["small.html"]
    assert small.count(
        f"{SMALL_NAME}: geen waarde (vraag niet of niet volledig beantwoord)"
    ) == len(re.findall(r'<div class="card"', layouts["small"].html))
    assert small.count("Uw verloop: nog geen waarden") == small.count("geen waarde (vraag")
    # a missing year of the large one: "2018: –" between the years with a value
    assert "\u20032018:\u00a0–\u20032019:\u00a0€\u00a0" in texts["large.html"]


def test_findings_show_the_question_and_the_dutch_message(
    warehouse: Path, layouts: dict[str, Layout]
) -> None:
    text = visible_text(layouts["GM0205"].html)
    printed = pdf_text(layouts["GM0205"].pdf)
    con = duckdb.connect(str(warehouse / "published" / "ictbench.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select finding_code, question_code, question_text, message "
            "from marts.plausibility_findings where edition = 2021 and municipality_code = 'GM0205'"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == 3
    for code, question, question_text, message in rows:
        assert str(question_text) in text and unbreakable_amounts(str(message)) in text, code
        assert str(code) not in text and str(code) not in printed
        assert str(question) not in text and str(question) not in printed
        assert " ".join(str(question_text).split()[:4]) in printed
    assert "(120,0\u00a0%) is hoger dan 100\u00a0%" in text


# --- the index of an edition ----------------------------------------------------------------


def index_entries(html: str) -> list[tuple[str, str, str, str]]:
    """(name, code, report link, pdf link) per listed participant, in the listed order."""
    return [
        (name, code, page, pdf)
        for page, name, code, pdf in re.findall(
            r'<li><a href="([^"]+)">([^<]+)</a> \((GM\d{4}), <a href="([^"]+)">pdf</a>\)</li>', html
        )
    ]


def test_the_index_finds_each_report_by_name_or_code_without_scripts(
    warehouse: Path, stress: ReportBuilder
) -> None:
    for edition in (2020, 2021):
        folder = warehouse / "reports" / str(edition)
        page = (folder / "index.html").read_text(encoding="utf-8")
        assert "<script" not in page.lower() and "onclick" not in page.lower()
        entries = index_entries(page)
        codes = sorted(p.stem for p in folder.glob("GM*.html"))
        assert sorted(code for _, code, _, _ in entries) == codes  # every participant
        for name, code, report, pdf in entries:
            assert (report, pdf) == (f"{code}.html", f"{code}.pdf")
            assert (folder / report).exists() and (folder / pdf).exists()
            assert f"<h1>{name}</h1>" in (folder / report).read_text(encoding="utf-8")
        names = [name for name, *_ in entries]
        assert names == [
            "Aastad",
            "Beekdorp",
            "Catwijk",
            "Dalum",
            "Eemhoven",
            "Fierdam",
            "Gulpvelde",
            "Hoogmeer",
            "IJsselburg",
        ]
        text = visible_text(page)
        assert all(f"{name} ({code}, pdf)" in text for name, code, _, _ in entries)
    # sorted as a Dutch reader looks a name up: no article, no accent, no case
    made_up = [
        (html_module.unescape(name), code)
        for name, code, _, _ in index_entries(stress.render_index(EDITION))
    ]
    assert [name for name, _ in made_up] == [
        "Eëlderbroek",
        "'s-Gravendonk",
        LARGE_NAME,
        SMALL_NAME,
        "Sneek",
        "Súdwâlde",
        "Zaltbommel",
    ]
    assert made_up == sorted(made_up, key=lambda entry: name_sort_key(entry[0]))
