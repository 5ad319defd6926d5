"""Benchmark reports (HTML + PDF) on the findings fixture: the numbers are the marts',
nothing leaks, nothing is fetched from the network, and a browser renders the charts."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from pipelines.reporting.formatting import (
    SUPPRESSED_TEXT,
    format_indicator_value,
)
from pipelines.reporting.report import ReportBuilder, load_release
from tests.test_findings import findings_release

pytestmark = pytest.mark.slow  # builds the fixture release and renders reports

MUNICIPALITIES = [f"GM020{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return findings_release(tmp_path_factory)


def page(warehouse: Path, code: str, edition: int = 2021) -> str:
    return (warehouse / "reports" / str(edition) / f"{code}.html").read_text(encoding="utf-8")


def query(warehouse: Path, sql: str, params: list[object]) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(warehouse / "published" / "ictbench.duckdb"), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def published_indicators(warehouse: Path) -> dict[str, tuple[str, str, str]]:
    """indicator code -> (unit, Dutch label, Dutch unit), as the release defines them."""
    return {
        str(code): (str(unit), str(label), str(unit_nl))
        for code, unit, label, unit_nl in query(
            warehouse, "select indicator_code, unit, label_nl, unit_nl from marts.indicators", []
        )
    }


def summary_cells(html: str, indicator: str) -> list[str]:
    """The cells of an indicator's overview row (an amount keeps its no-break space)."""
    row = re.search(rf'<tr data-indicator="{indicator}">(.*?)</tr>', html, re.S)
    assert row, indicator
    return [
        re.sub(r"[ \t\r\n]+", " ", c).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    ]


def test_a_report_per_participant_and_an_index(warehouse: Path) -> None:
    for edition in (2020, 2021):
        folder = warehouse / "reports" / str(edition)
        assert sorted(p.stem for p in folder.glob("GM*.html")) == MUNICIPALITIES
        assert sorted(p.stem for p in folder.glob("GM*.pdf")) == MUNICIPALITIES
        index = (folder / "index.html").read_text(encoding="utf-8")
        assert all(f'href="{code}.html"' in index for code in MUNICIPALITIES)


def test_report_numbers_are_the_marts(warehouse: Path) -> None:
    html = page(warehouse, "GM0201")
    units = {code: unit for code, (unit, _, _) in published_indicators(warehouse).items()}
    values = dict(
        query(
            warehouse,
            "select indicator_code, value from marts.indicator_values "
            "where edition = 2021 and municipality_code = 'GM0201'",
            [],
        )
    )
    assert len(values) == 15
    peers = {
        r[0]: r[1:]
        for r in query(
            warehouse,
            "select indicator_code, n_participants, p25, median, p75 from marts.peer_benchmarks "
            "where edition = 2021 and peer_group = '<20k'",
            [],
        )
    }
    for code, value in values.items():
        cells = summary_cells(html, code)
        n, p25, median, p75 = peers[code]
        assert cells[1] == format_indicator_value(value, units[code]), code
        assert cells[2:6] == [
            format_indicator_value(p25, units[code]),
            format_indicator_value(median, units[code]),
            format_indicator_value(p75, units[code]),
            str(n),
        ], code
    # by hand: 1,000,000 / 10,000 inhabitants; peer median of 81.01 ... 5,095 is 100
    assert summary_cells(html, "ict_cost_per_inhabitant")[1:4] == [
        "€\u00a0100",  # a no-break space: an amount never breaks over two lines
        "€\u00a097,20",
        "€\u00a0100",
    ]
    assert 'id="group-size">8<' in html  # eight municipalities in <20k


def test_labels_and_order_come_from_the_published_release(warehouse: Path, tmp_path: Path) -> None:
    """The reports describe the release they show: indicator and peer group labels and
    the indicator order are the published tables', whatever the code defines now."""
    html = page(warehouse, "GM0201")
    assert "vergelijkingsgroep: gemeenten met minder dan 20.000 inwoners" in html
    assert "<th>Mediaan alle deelnemers</th>" in html
    shown = re.findall(r'<tr data-indicator="([a-z0-9_]+)">', html)
    in_order = [
        str(code)
        for (code,) in query(
            warehouse, "select indicator_code from marts.indicators order by sort_order", []
        )
    ]
    assert shown == in_order
    # a release with other labels and another order: the reports follow it
    copy = tmp_path / "ictbench.duckdb"
    shutil.copy(warehouse / "published" / "ictbench.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "update marts.peer_groups set label_nl = 'hoogstens 19.999 inwoners' "
            "where peer_group = '<20k'"
        )
        con.execute("update marts.peer_groups set label_nl = 'iedereen' where peer_group = 'all'")
        con.execute(
            "update marts.indicators set label_nl = 'Kosten per inwoner (proef)', "
            "sort_order = -sort_order"
        )
    finally:
        con.close()
    other = ReportBuilder(load_release(copy)).render(2021, "GM0201")
    assert "vergelijkingsgroep: gemeenten met hoogstens 19.999 inwoners" in other
    assert "minder dan 20.000" not in other
    assert "<th>Mediaan iedereen</th>" in other and "alle deelnemers" not in other
    assert "Kosten per inwoner (proef)" in other
    assert re.findall(r'<tr data-indicator="([a-z0-9_]+)">', other) == in_order[::-1]


def test_suppressed_statistics_show_as_too_few_participants(warehouse: Path) -> None:
    html = page(warehouse, "GM0209")  # alone in 20k-50k
    cells = summary_cells(html, "ict_cost_per_inhabitant")
    assert cells[1] == "€\u00a0100"
    assert cells[2:5] == [SUPPRESSED_TEXT] * 3
    assert cells[5] == "1"
    assert 'id="group-size">1<' in html


def test_findings_appear_in_the_report(warehouse: Path) -> None:
    html = page(warehouse, "GM0205")
    # the question and the Dutch message; the finding's code is no text for the reader
    finding = (
        '<div class="finding"><div class="question">Percentage medewerkers dat '
        "plaatsonafhankelijk kan werken</div>Uw antwoord bij"
    )
    assert finding in html and "(120,0\u00a0%) is hoger dan 100\u00a0%" in html
    assert "PERCENT_OVER_100" not in html and "pct_plaatsonafhankelijk" not in html
    assert "Bij de controle van uw antwoorden vielen geen waarden op." in page(warehouse, "GM0201")


def test_no_other_municipality_leaks_into_a_report(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select municipality_code, municipality_name, indicator_code, value "
        "from marts.indicator_values where edition = 2021",
        [],
    )
    indicators = published_indicators(warehouse)
    units = {code: unit for code, (unit, _, _) in indicators.items()}
    labels = sorted(
        {label for _, label, _ in indicators.values()}
        | {unit_nl for _, _, unit_nl in indicators.values()},
        key=len,
        reverse=True,
    )
    for code in MUNICIPALITIES:
        html = page(warehouse, code)
        # the visible text outside the charts (axis ticks aside) and the style sheet
        text = re.sub(r"<svg.*?</svg>|<style>.*?</style>", "", html, flags=re.S)
        # the own findings' messages quote the municipality's own answers
        text = re.sub(
            r'<div class="finding">(?:<div class="question">[^<]*</div>)?[^<]*</div>', "", text
        )
        text = re.sub(r"<[^>]+>", " ", text)  # the text, not the markup
        for label in labels:  # "per 100.000 inwoners" names no value
            text = text.replace(label, "")
        tokens = set(re.findall(r"(?:€[ \u00a0])?-?\d[\d.]*(?:,\d+)?(?:[ \u00a0]%)?", text))
        # what a report may show: its own values and the peer statistics
        allowed = {
            cell
            for indicator in units
            if f'data-indicator="{indicator}"' in html
            for cell in summary_cells(html, indicator)
        }
        # the own trend of a card: "2020:&nbsp;€ 97,20*&emsp;2021:&nbsp;€ 100"
        allowed |= set(re.findall(r"\d{4}:&nbsp;([^&<*]+)", html))
        for other, name, indicator, value in rows:
            if other == code:
                continue
            assert other not in html, (code, other)
            assert str(name) not in html, (code, name)
            shown = format_indicator_value(float(value), units[str(indicator)])  # type: ignore[arg-type]
            if shown in allowed:
                continue  # equal to a statistic or to one of the own values
            assert shown not in tokens, (code, other, indicator, shown)


def test_pages_are_self_contained(warehouse: Path) -> None:
    for path in (warehouse / "reports").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, path
        assert "<script" not in text.lower() and "<link" not in text.lower(), path
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", text, re.I), path
        assert not re.search(r"url\((?!#)", text), path  # only url(#local-id)


def test_pdf_has_the_report(warehouse: Path) -> None:
    reader = PdfReader(warehouse / "reports" / "2021" / "GM0209.pdf")
    assert 2 <= len(reader.pages) <= 6
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert "IJsselburg" in text
    assert "ICT-kosten per inwoner" in text
    assert SUPPRESSED_TEXT in text
    first = " ".join((reader.pages[0].extract_text() or "").split())
    assert "editie 2021" in first.lower()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on PATH (apt-get install chromium)")
def test_chromium_renders_the_charts(warehouse: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    report = warehouse / "reports" / "2021" / "GM0207.html"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert dom.count("<svg") == 16  # 15 benchmark charts + the trend chart
    assert dom.count('class="own-value"') == 15  # the own marker on every chart
    assert 'class="own-trend"' in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            *flags,
            "--hide-scrollbars",
            "--window-size=1000,2000",
            f"--screenshot={shot}",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50  # not a blank page
    # the own-value orange (#d9480f) of the markers is on screen
    assert any(
        abs(r - 0xD9) < 12 and abs(g - 0x48) < 12 and abs(b - 0x0F) < 12 for _, (r, g, b) in colours
    )
