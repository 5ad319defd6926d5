"""The data dictionary (dbt docs as one static page): every refresh writes it before
publication, fresh, and it opens offline: it references nothing on the network, and
headless Chromium with every network request refused renders the project's models and
their column descriptions without trying to fetch anything."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from pipelines.orchestration.assets import docs
from pipelines.orchestration.assets.docs import DATA_DICTIONARY, STATIC_PAGE, data_dictionary
from pipelines.orchestration.assets.transform import mart_keys
from pipelines.orchestration.definitions import defs
from pipelines.orchestration.jobs import REFRESH_JOB
from pipelines.settings import load_settings
from tests.conftest import REPO_ROOT
from tests.shared_releases import small_release

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not on PATH (apt-get install chromium)"
)

# A URL that leaves the machine: with a network scheme, or protocol-relative.
NETWORK_URL = re.compile(r"^\s*(?:(?:https?|wss?|ftp):)?//", re.IGNORECASE)
# Attributes that make a browser load something (not <a href>, which is only a link).
LOADING_ATTRIBUTES = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
CSS_NETWORK = re.compile(
    r"""url\(\s*['"]?\s*(?:(?:https?|wss?|ftp):)?//|@import\s+['"]\s*(?:(?:https?|wss?|ftp):)?//""",
    re.IGNORECASE,
)


class _NetworkReferences(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name == "style" and CSS_NETWORK.search(value):
                self.found.append(f"<{tag} style={value[:120]!r}>")
            if name not in LOADING_ATTRIBUTES.get(tag, ()):
                continue
            if name == "srcset":  # "a.png 1x, https://…/b.png 2x"
                urls = [part.split()[0] for part in value.split(",") if part.strip()]
            else:
                urls = [value]
            for url in urls:
                if NETWORK_URL.match(url):
                    self.found.append(f"<{tag} {name}={url[:120]!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and CSS_NETWORK.search(data):
            self.found.append(f"<style> {CSS_NETWORK.search(data)[0]!r}…")  # type: ignore[index]


def network_references(html: str) -> list[str]:
    """Tags and style sheets of `html` that would load something from the network."""
    parser = _NetworkReferences()
    parser.feed(html)
    parser.close()
    return parser.found


def page_requests(netlog: Path) -> list[str]:
    """The network requests a page started, from Chromium's net log: every URL request
    but file://, data: and the like, and but the browser's own (its initiator is 'not an
    origin'; a page's is its origin, 'null' for a file)."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start_job or "url" not in params:
            continue
        if params.get("initiator") == "not an origin":
            continue
        if re.match(r"(?:https?|wss?|ftp):", params["url"], re.IGNORECASE):
            requests.append(str(params["url"]))
    return requests


def render_offline(url: str, work: Path) -> tuple[str, list[str]]:
    """The DOM of `url` after its scripts ran in headless Chromium, every network request
    refused (no name resolves, the proxy is a closed port), and the network requests the
    page started."""
    assert CHROMIUM is not None
    work.mkdir(parents=True, exist_ok=True)
    netlog = work / "netlog.json"
    completed = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={work / 'profile'}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=http://127.0.0.1:9",
            f"--log-net-log={netlog}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return completed.stdout, page_requests(netlog)


def visible_text(dom: str) -> str:
    """What the page shows: the DOM without scripts, style sheets and markup."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def documented_columns(model: str) -> dict[str, str]:
    """Column descriptions of a mart as dbt_project/models/marts/_marts.yml writes them,
    those that are plain text (no doc() block, no markup)."""
    spec = yaml.safe_load((REPO_ROOT / "dbt_project/models/marts/_marts.yml").read_text())
    (found,) = [m for m in spec["models"] if m["name"] == model]
    return {
        c["name"]: " ".join(c["description"].split())
        for c in found["columns"]
        if re.fullmatch(r"[A-Za-z0-9 .,()+\-]+", c.get("description") or "")
    }


def test_the_data_dictionary_follows_every_mart_in_the_refresh() -> None:
    graph = defs.resolve_asset_graph()
    node = graph.get(data_dictionary.key)
    assert node.parent_keys == set(mart_keys())
    assert data_dictionary.key.to_user_string() == DATA_DICTIONARY
    assert data_dictionary.group_names_by_key[data_dictionary.key] == "publish"
    job = defs.resolve_job_def(REFRESH_JOB)
    assert data_dictionary.key in job.asset_layer.asset_graph.executable_asset_keys


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dictionary as a refresh published it (what analysts open)."""
    return small_release(tmp_path_factory) / "published" / "docs" / "index.html"


@pytest.mark.slow
def test_every_refresh_publishes_the_page_it_generated(
    tmp_path_factory: pytest.TempPathFactory, page: Path
) -> None:
    warehouse = small_release(tmp_path_factory)
    generated = load_settings({"ICTBENCH_WAREHOUSE": str(warehouse)}).data_dictionary_dir
    assert page.read_bytes() == (generated / STATIC_PAGE).read_bytes()


@pytest.mark.slow
def test_the_page_holds_the_project_inline(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    # dbt's page with the manifest and the catalog inline (--static): no file beside it needed
    assert '"MANIFEST.JSON INLINE DATA"' not in html and '"CATALOG.JSON INLINE DATA"' not in html
    assert '"model.ictbench.indicator_values"' in html
    assert '"marts"' in html
    # With usage statistics on, the page would load dbt's tracker from the network.
    assert re.search(r'"send_anonymous_usage_stats":\s*false', html)
    assert not re.search(r'"send_anonymous_usage_stats":\s*true', html)


@pytest.mark.slow
def test_the_page_references_nothing_on_the_network(page: Path) -> None:
    assert network_references(page.read_text(encoding="utf-8")) == []


def test_the_network_checks_see_a_page_that_fetches(tmp_path: Path) -> None:
    """The two probes below are not blind: on a page that fetches, both see it."""
    html = (
        '<html><head><link rel="stylesheet" href="https://fonts.example.invalid/a.css">'
        '<style>@font-face { src: url("//cdn.example.invalid/f.woff") }</style>'
        '<script src="//cdn.example.invalid/x.js"></script></head><body>'
        '<img srcset="a.png 1x, https://img.example.invalid/b.png 2x">'
        '<a href="https://example.invalid/">a link loads nothing</a>'
        "<script>var i = document.createElement('img');"
        "i.src = 'https://tracker.example.invalid/p.gif'; document.body.appendChild(i);</script>"
        "</body></html>"
    )
    assert len(network_references(html)) == 4  # link, @font-face, script, srcset; not the <a>
    if CHROMIUM is None:
        pytest.skip("chromium is not on PATH")
    control = tmp_path / "control.html"
    control.write_text(html, encoding="utf-8")
    _, requests = render_offline(control.as_uri(), tmp_path / "chromium")
    assert "https://fonts.example.invalid/a.css" in requests
    assert "https://tracker.example.invalid/p.gif" in requests


@pytest.mark.slow
@needs_chromium
def test_chromium_shows_the_models_offline(page: Path, tmp_path: Path) -> None:
    url = page.as_uri() + "#!/model/model.ictbench.indicator_values"
    dom, requests = render_offline(url, tmp_path)
    assert requests == []  # nothing was even tried
    # what the scripts added (dbt's style sheets among them) loads nothing either
    assert network_references(dom) == []
    text = visible_text(dom)
    for model in ("indicator_values", "peer_benchmarks", "peer_groups", "indicators"):
        assert model in text, model
    descriptions = documented_columns("indicator_values")
    assert len(descriptions) >= 3
    for column, description in descriptions.items():
        assert column in text
        assert description in text, (column, description)


@pytest.mark.slow
def test_make_docs_rewrites_the_page_and_nothing_stale_survives(
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`make docs` (the asset alone, on the current build): the folder is emptied first,
    a dbt run that writes no page fails, saying so, and an unchanged state skips dbt."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(small_release(tmp_path_factory), warehouse, symlinks=True)
    monkeypatch.setenv("ICTBENCH_WAREHOUSE", str(warehouse))
    target = load_settings().data_dictionary_dir
    stale = target / "stale.txt"
    stale.write_text("from an earlier run")

    # a dbt command that succeeds and writes no page (fast: it only prints a folder)
    monkeypatch.setattr(docs, "dbt_docs_args", lambda: ["debug", "--config-dir"])
    assert docs.main() == 1
    assert f"wrote no {target / STATIC_PAGE}" in capsys.readouterr().err
    assert not stale.exists() and not (target / STATIC_PAGE).exists()

    stale.write_text("from an earlier run")
    monkeypatch.undo()  # the real command again (and the environment as it was)
    monkeypatch.setenv("ICTBENCH_WAREHOUSE", str(warehouse))
    assert docs.main() == 0
    assert str(target / STATIC_PAGE) in capsys.readouterr().out
    assert not stale.exists()
    assert '"model.ictbench.indicator_values"' in (target / STATIC_PAGE).read_text(encoding="utf-8")

    # Same code, dbt project and contracts: the page stands, dbt does not run again.
    written = (target / STATIC_PAGE).stat().st_mtime_ns
    assert docs.main() == 0
    assert (target / STATIC_PAGE).stat().st_mtime_ns == written
    # Anything else documented (here: a state file that no longer matches): dbt runs.
    (target / docs.STATE_FILE).write_text("an older dbt project")
    assert docs.main() == 0
    assert (target / STATIC_PAGE).stat().st_mtime_ns != written
    assert (target / docs.STATE_FILE).read_text() == docs.documented_state(docs.dbt_docs_args())


def test_make_docs_without_a_build_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ICTBENCH_WAREHOUSE", str(tmp_path / "warehouse"))
    assert docs.main() == 1
    assert "run a refresh first" in capsys.readouterr().err
