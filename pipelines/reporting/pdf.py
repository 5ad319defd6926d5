"""The benchmark reports as PDF: each report's HTML page rendered by WeasyPrint, strictly.

A page's inline charts (`<svg>`) become SVG images for WeasyPrint (which then styles only
the HTML, and draws each chart with its SVG renderer); the images are served from memory
by a URL fetcher that fetches nothing else, so a PDF is made from its page alone.

Strict: any WeasyPrint warning or error while a document is rendered (an image that does
not load or draw, a CSS declaration it does not understand, ...) fails that report with
`PdfRenderError`, naming the page and WeasyPrint's messages, and no PDF is left behind.

Fast: a worker process imports WeasyPrint once and renders many documents with one
`PdfRenderer`, which shares the font configuration and the parsed style sheet (the same
for every report of an edition) between them.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from weasyprint import CSS

SVG_NS = "http" + "://www.w3.org/2000/svg"  # namespace names, never fetched
XLINK_NS = "http" + "://www.w3.org/1999/xlink"
CHART_URL = "ictbench-chart:"  # + the chart's index in the page

_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


class PdfRenderError(RuntimeError):
    """WeasyPrint could not render a report as it is (its message says why)."""


@dataclass(frozen=True)
class PdfSource:
    """What WeasyPrint renders for a report page."""

    html: str  # the page, each chart an <img src="ictbench-chart:N">, without its <style>
    css: str  # the page's style sheet (the same for every report of an edition)
    charts: tuple[bytes, ...]  # chart N as an SVG document


def svg_document(svg: str) -> bytes:
    """An inline SVG (the HTML parser knows its namespaces) as a standalone SVG
    document, which needs them declared."""
    declarations = ""
    if "xmlns=" not in svg[: svg.index(">")]:
        declarations += f' xmlns="{SVG_NS}"'
    if "xmlns:xlink=" not in svg[: svg.index(">")]:
        declarations += f' xmlns:xlink="{XLINK_NS}"'
    return svg.replace("<svg", "<svg" + declarations, 1).encode("utf-8")


def pdf_source(page_html: str) -> PdfSource:
    """The report for WeasyPrint: the same page, each inline chart as an image (WeasyPrint
    then styles only the HTML, which makes it ~2x faster), its style sheet apart (parsed
    once per edition by `PdfRenderer`)."""
    charts: list[bytes] = []

    def image(match: re.Match[str]) -> str:
        charts.append(svg_document(match.group(0)))
        return f'<img class="chart-img" alt="" src="{CHART_URL}{len(charts) - 1}">'

    html = _SVG.sub(image, page_html)
    styles = _STYLE.findall(html)
    return PdfSource(html=_STYLE.sub("", html), css="\n".join(styles), charts=tuple(charts))


class _Records(logging.Handler):
    """Collects what WeasyPrint logs at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.messages.append(message if len(message) <= 500 else message[:500] + " ...")


@contextmanager
def _weasyprint_messages() -> Iterator[list[str]]:
    """WeasyPrint's warnings and errors while the block runs."""
    logger = logging.getLogger("weasyprint")
    records = _Records()
    level = logger.level
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    logger.addHandler(records)
    try:
        yield records.messages
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)


def _refuse(name: str, messages: list[str]) -> None:
    if messages:
        raise PdfRenderError(f"PDF of {name}: WeasyPrint: " + " | ".join(messages))


class PdfRenderer:
    """Renders report pages to PDF, one after the other, in this process."""

    def __init__(self) -> None:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class ChartFetcher(URLFetcher):
            """Serves a page's charts from memory and refuses any other URL."""

            def __init__(self, charts: Sequence[bytes]) -> None:
                super().__init__()
                self.charts = charts
                self.fetched: set[int] = set()

            def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
                number = url.removeprefix(CHART_URL)
                index = int(number) if url.startswith(CHART_URL) and number.isdigit() else -1
                if 0 <= index < len(self.charts):
                    self.fetched.add(index)
                    return URLFetcherResponse(
                        url, self.charts[index], {"Content-Type": "image/svg+xml"}
                    )
                raise ValueError(f"a report is made from its page alone, not from {url!r}")

        self._weasyprint = weasyprint
        self._fetcher = ChartFetcher
        self._fonts = FontConfiguration()
        self._stylesheets: dict[str, CSS] = {}

    def _stylesheet(self, css: str, name: str) -> CSS:
        """The parsed style sheet (one per edition; a sheet WeasyPrint warns about is
        never kept, so every report using it fails)."""
        if css not in self._stylesheets:
            with _weasyprint_messages() as messages:
                sheet = self._weasyprint.CSS(
                    string=css, font_config=self._fonts, url_fetcher=self._fetcher(())
                )
            _refuse(name, messages)
            if len(self._stylesheets) >= 16:  # a long run keeps few
                self._stylesheets.clear()
            self._stylesheets[css] = sheet
        return self._stylesheets[css]

    def render(self, page_html: str, name: str = "report") -> bytes:
        """The PDF of a report page; `PdfRenderError` naming `name` when WeasyPrint
        warns or fails, or leaves out a chart of the page."""
        source = pdf_source(page_html)
        stylesheets = [self._stylesheet(source.css, name)] if source.css else []
        fetcher = self._fetcher(source.charts)
        with _weasyprint_messages() as messages:
            try:
                document = self._weasyprint.HTML(string=source.html, url_fetcher=fetcher)
                pdf = document.write_pdf(stylesheets=stylesheets, font_config=self._fonts)
            except Exception as error:
                raise PdfRenderError(f"PDF of {name}: WeasyPrint failed: {error!r}") from error
        _refuse(name, messages)
        missing = sorted(set(range(len(source.charts))) - fetcher.fetched)
        if missing:
            raise PdfRenderError(f"PDF of {name}: chart(s) {missing} of the page not in the PDF")
        assert isinstance(pdf, bytes)
        return pdf

    def write(self, source: Path, target: Path) -> None:
        """Render the page `source` to `target` (no file when rendering fails)."""
        target.unlink(missing_ok=True)
        pdf = self.render(source.read_text(encoding="utf-8"), name=str(source))
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(pdf)
        partial.replace(target)


def _write_pdfs(jobs: Sequence[tuple[str, str]]) -> int:
    """Render (html, pdf) pairs in this process, with one renderer."""
    renderer = PdfRenderer()
    for source, target in jobs:
        renderer.write(Path(source), Path(target))
    return len(jobs)


def write_pdfs(jobs: Sequence[tuple[str, str]], workers: int | None = None) -> int:
    """Render (html, pdf) pairs; in `workers` processes (default: the CPU count), each
    importing WeasyPrint once and rendering its share of the documents."""
    if not jobs:
        return 0
    n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if n == 1:
        return _write_pdfs(jobs)
    chunks = [list(jobs[i::n]) for i in range(n)]
    # forkserver: no fork of a process that may hold threads (Dagster, DuckDB)
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=n, mp_context=context) as pool:
        return sum(pool.map(_write_pdfs, chunks))
