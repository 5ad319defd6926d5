"""Benchmark reports: per edition an `index.html` and, per participating municipality,
`reports/<edition>/<municipality_code>.html` plus the same report as `<code>.pdf`.

Reads only the published release (`published/ictbench.duckdb`, read-only): the
indicator definitions and units from `marts.indicators`, the peer group labels and
order from `marts.peer_groups`, never `dbt_project.yml` or the contracts, so a report
always describes the release it shows. A report shows the municipality's own values
beside its peer group's statistics (P25, median, P75; suppressed ones as "te weinig
deelnemers"), its trend over the editions, its plausibility findings and the size of
its peer group, never another municipality's individual values. Each page is one
self-contained file: inline CSS and inline SVG, no script, no network resource.
"""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import jinja2

from pipelines.reporting import charts
from pipelines.reporting.formatting import (
    SUPPRESSED_TEXT,
    format_indicator_value,
    name_sort_key,
    peer_group_label,
    unbreakable_amounts,
)
from pipelines.reporting.pdf import write_pdfs

TEMPLATES = Path(__file__).parent / "templates"
TREND_INDICATOR = "ict_cost_per_inhabitant"
ALL = "all"  # the peer group of every participant (marts.peer_benchmarks, marts.peer_groups)


@dataclass(frozen=True)
class Indicator:
    """An indicator as the published release defines it (`marts.indicators`)."""

    code: str
    label_nl: str
    unit: str
    unit_nl: str
    first_edition: int


@dataclass(frozen=True)
class PeerStats:
    n: int
    p25: float | None
    median: float | None
    p75: float | None
    suppressed: bool


@dataclass
class ReleaseData:
    """What the reports need from the published release, loaded once."""

    editions: list[int]
    indicators: list[Indicator]  # in the release's sort order
    # peer group code -> Dutch label, in the release's sort order (`all` last)
    peer_group_labels: dict[str, str]
    # (edition, municipality) -> (name, peer_group)
    participants: dict[tuple[int, str], tuple[str, str | None]]
    # (edition, municipality, indicator) -> value
    values: dict[tuple[int, str, str], float]
    # (edition, peer_group, indicator) -> stats
    peers: dict[tuple[int, str, str], PeerStats]
    # municipality -> indicator -> edition -> (value, recomputed)
    trends: dict[str, dict[str, dict[int, tuple[float, bool]]]]
    # (edition, municipality) -> findings (finding_code, question, message)
    findings: dict[tuple[int, str], list[dict[str, object]]] = field(default_factory=dict)
    # (edition, peer_group) -> number of participants in the group
    group_sizes: dict[tuple[int, str | None], int] = field(default_factory=dict)


def load_release(published_db: Path) -> ReleaseData:
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        indicators = [
            Indicator(str(code), str(label), str(unit), str(unit_nl), int(first))
            for code, label, unit, unit_nl, first in con.execute(
                "select indicator_code, label_nl, unit, unit_nl, first_edition "
                "from marts.indicators order by sort_order"
            ).fetchall()
        ]
        peer_group_labels = {
            str(code): str(label)
            for code, label in con.execute(
                "select peer_group, label_nl from marts.peer_groups order by sort_order"
            ).fetchall()
        }
        participants: dict[tuple[int, str], tuple[str, str | None]] = {}
        for edition, code, name, peer_group in con.execute(
            """
            select s.edition, s.municipality_code,
                coalesce(any_value(v.municipality_name), any_value(s.municipality_code)),
                any_value(v.peer_group)
            from marts.submissions as s
            left join marts.indicator_values as v
                on s.edition = v.edition and s.municipality_code = v.municipality_code
            where s.status = 'loaded' and s.municipality_code is not null
            group by s.edition, s.municipality_code
            """
        ).fetchall():
            participants[(int(edition), str(code))] = (str(name), peer_group)
        values = {
            (int(e), str(m), str(i)): float(v)
            for e, m, i, v in con.execute(
                "select edition, municipality_code, indicator_code, value "
                "from marts.indicator_values"
            ).fetchall()
        }
        peers = {
            (int(e), str(g), str(i)): PeerStats(int(n), p25, median, p75, bool(s))
            for e, g, i, n, p25, median, p75, s in con.execute(
                "select edition, peer_group, indicator_code, n_participants, p25, median, "
                "p75, suppressed from marts.peer_benchmarks"
            ).fetchall()
        }
        trends: dict[str, dict[str, dict[int, tuple[float, bool]]]] = {}
        for m, i, e, v, recomputed in con.execute(
            "select municipality_code, indicator_code, edition, value, recomputed "
            "from marts.indicator_trends where value is not null"
        ).fetchall():
            trends.setdefault(str(m), {}).setdefault(str(i), {})[int(e)] = (
                float(v),
                bool(recomputed),
            )
        findings: dict[tuple[int, str], list[dict[str, object]]] = {}
        for e, m, code, question, text, message in con.execute(
            "select edition, municipality_code, finding_code, question_code, "
            "question_text, message from marts.plausibility_findings "
            "order by edition, municipality_code, finding_code, question_code"
        ).fetchall():
            findings.setdefault((int(e), str(m)), []).append(
                {"code": code, "question": question, "text": text, "message": message}
            )
    finally:
        con.close()
    group_sizes: dict[tuple[int, str | None], int] = {}
    for (edition, _), (_, group) in participants.items():
        group_sizes[(edition, group)] = group_sizes.get((edition, group), 0) + 1
    editions = sorted({e for e, _ in participants})
    return ReleaseData(
        editions=editions,
        indicators=indicators,
        peer_group_labels=peer_group_labels,
        participants=participants,
        values=values,
        peers=peers,
        trends=trends,
        findings=findings,
        group_sizes=group_sizes,
    )


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env


class ReportBuilder:
    """Renders the reports of one release; caches the peer charts."""

    def __init__(self, data: ReleaseData) -> None:
        self.data = data
        self.env = _environment()
        self._bases: dict[tuple[int, str, str], charts.BulletBase] = {}
        self._trend_bases: dict[int, charts.TrendBase] = {}

    def _base(self, edition: int, group: str, indicator: Indicator) -> charts.BulletBase | None:
        key = (edition, group, indicator.code)
        if key not in self._bases:
            stats = self.data.peers.get(key)
            if stats is None or stats.suppressed or stats.median is None:
                return None
            assert stats.p25 is not None and stats.p75 is not None
            unit = indicator.unit

            def tick(value: float, decimals: int) -> str:
                return format_indicator_value(value, unit, decimals)

            self._bases[key] = charts.bullet_base(stats.p25, stats.median, stats.p75, tick)
        return self._bases[key]

    def _trend_base(self, edition: int, indicator: Indicator) -> charts.TrendBase:
        """The trend chart's shared part for reports of `edition` (editions up to it)."""
        if edition not in self._trend_bases:
            shown = [e for e in self.data.editions if e <= edition]
            medians = [self.data.peers.get((e, ALL, indicator.code)) for e in shown]
            self._trend_bases[edition] = charts.trend_base(
                shown,
                [m.median if m is not None and not m.suppressed else None for m in medians],
                lambda v: format_indicator_value(v, indicator.unit),
                f"mediaan {self.data.peer_group_labels[ALL]}",
                "uw gemeente",
            )
        return self._trend_bases[edition]

    def _stats_text(self, stats: PeerStats | None, unit: str) -> dict[str, str]:
        if stats is None:  # no peer group (no CBS population) or no statistics at all
            return {
                "n": "0",
                "p25": SUPPRESSED_TEXT,
                "median": SUPPRESSED_TEXT,
                "p75": SUPPRESSED_TEXT,
            }
        if stats.suppressed:
            return {
                "n": str(stats.n),
                "p25": SUPPRESSED_TEXT,
                "median": SUPPRESSED_TEXT,
                "p75": SUPPRESSED_TEXT,
            }
        return {
            "n": str(stats.n),
            "p25": format_indicator_value(stats.p25, unit),
            "median": format_indicator_value(stats.median, unit),
            "p75": format_indicator_value(stats.p75, unit),
        }

    def context(self, edition: int, municipality: str) -> dict[str, object]:
        data = self.data
        name, group = data.participants[(edition, municipality)]
        shown_editions = [e for e in data.editions if e <= edition]
        cards = []
        for indicator in data.indicators:
            if edition < indicator.first_edition:
                continue
            own = data.values.get((edition, municipality, indicator.code))
            stats = data.peers.get((edition, group, indicator.code)) if group else None
            stats_all = data.peers.get((edition, ALL, indicator.code))
            base = self._base(edition, group, indicator) if group else None
            own_text = format_indicator_value(own, indicator.unit)
            chart = (
                charts.bullet_with_marker(base, own, html.escape(f"{name}: {own_text}"))
                if base is not None
                else None
            )
            history = data.trends.get(municipality, {}).get(indicator.code, {})
            trend = [
                {
                    "edition": e,
                    "value": format_indicator_value(history[e][0], indicator.unit)
                    if e in history
                    else "–",
                    "recomputed": e in history and history[e][1],
                }
                for e in shown_editions
                if e >= indicator.first_edition
            ]
            position = None
            if own is not None and stats is not None and not stats.suppressed:
                assert stats.p25 is not None and stats.p75 is not None
                if own < stats.p25:
                    position = "lager dan de meeste vergelijkbare gemeenten"
                elif own > stats.p75:
                    position = "hoger dan de meeste vergelijkbare gemeenten"
                else:
                    position = "in de middelste helft van de vergelijkbare gemeenten"
            cards.append(
                {
                    "code": indicator.code,
                    "label": indicator.label_nl,
                    "unit": indicator.unit_nl,
                    "own": own_text,
                    "has_own": own is not None,
                    "peer": self._stats_text(stats, indicator.unit),
                    "all": self._stats_text(stats_all, indicator.unit),
                    "chart": chart,
                    "position": position,
                    "trend": trend,
                    "has_trend": any(point["edition"] in history for point in trend),
                }
            )
        trend_indicator = next(i for i in data.indicators if i.code == TREND_INDICATOR)
        history = data.trends.get(municipality, {}).get(TREND_INDICATOR, {})
        trend_svg = None
        if any(e in history for e in shown_editions):
            trend_svg = charts.trend_with_own(
                self._trend_base(edition, trend_indicator),
                [history[e][0] if e in history else None for e in shown_editions],
                [
                    format_indicator_value(history[e][0], trend_indicator.unit)
                    + ("*" if history[e][1] else "")
                    if e in history
                    else ""
                    for e in shown_editions
                ],
                html.escape(name),
            )
        return {
            "edition": edition,
            "boekjaar": edition - 1,
            "code": municipality,
            "name": name,
            "peer_group": peer_group_label(group, data.peer_group_labels),
            "has_peer_group": group is not None,
            "all_label": data.peer_group_labels[ALL],
            "group_size": data.group_sizes.get((edition, group), 0),
            "n_all": sum(1 for (e, _) in data.participants if e == edition),
            "cards": cards,
            "trend_svg": trend_svg,
            "trend_label": trend_indicator.label_nl,
            "trend_recomputed": any(v[1] for e, v in history.items() if e <= edition),
            # the reader sees the question and the Dutch message, no internal code
            "findings": [
                {"question": f["text"], "message": unbreakable_amounts(str(f["message"]))}
                for f in data.findings.get((edition, municipality), [])
            ],
            "suppressed_text": SUPPRESSED_TEXT,
        }

    def render(self, edition: int, municipality: str) -> str:
        return self.env.get_template("report.html.j2").render(**self.context(edition, municipality))

    def render_index(self, edition: int) -> str:
        members = sorted(
            (
                {
                    "code": code,
                    "name": name,
                    "peer_group": peer_group_label(group, self.data.peer_group_labels),
                }
                for (e, code), (name, group) in self.data.participants.items()
                if e == edition
            ),
            key=lambda m: (name_sort_key(m["name"]), m["code"]),
        )
        return self.env.get_template("index.html.j2").render(
            edition=edition, boekjaar=edition - 1, members=members
        )


@dataclass(frozen=True)
class ReportResult:
    editions: dict[int, int]  # edition -> municipality reports written
    pdf_files: int  # PDFs rendered in this run (unchanged reports keep theirs)
    seconds_html: float
    seconds_pdf: float


def write_if_changed(path: Path, text: str) -> bool:
    """Write `text` to `path` unless it holds it already (an unchanged page keeps its
    file, its time and its PDF); whether it was written."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def write_reports(
    published_db: Path,
    reports_dir: Path,
    editions: Sequence[int],
    pdf: bool = True,
    workers: int | None = None,
) -> ReportResult:
    """Write the reports of the given editions (each edition's folder is replaced)."""
    started = time.perf_counter()
    data = load_release(published_db)
    builder = ReportBuilder(data)
    written: dict[int, int] = {}
    pdf_jobs: list[tuple[str, str]] = []
    for edition in editions:
        target = reports_dir / str(edition)
        target.mkdir(parents=True, exist_ok=True)
        members = sorted(code for (e, code) in data.participants if e == edition)
        keep = {"index.html"} | {f"{code}.{ext}" for code in members for ext in ("html", "pdf")}
        for old in [*target.glob("*.html"), *target.glob("*.pdf")]:
            if old.name not in keep:  # a municipality no longer in the release
                old.unlink()
        for code in members:
            page = target / f"{code}.html"
            document = target / f"{code}.pdf"
            changed = write_if_changed(page, builder.render(edition, code))
            # a PDF is redone only when its page changed (or it is missing)
            if changed or not document.exists():
                document.unlink(missing_ok=True)
                pdf_jobs.append((str(page), str(document)))
        write_if_changed(target / "index.html", builder.render_index(edition))
        written[edition] = len(members)
    seconds_html = time.perf_counter() - started
    started = time.perf_counter()
    pdfs = write_pdfs(pdf_jobs, workers) if pdf else 0
    return ReportResult(
        editions=written,
        pdf_files=pdfs,
        seconds_html=seconds_html,
        seconds_pdf=time.perf_counter() - started,
    )
