"""The report and the GIS layers of ``quartier demo`` (issue 5), checked from the outside.

One run of ``$QUARTIER_BIN demo --out DIR`` per module; the oracles share no code with the
Rust renderers and writers:

- headless Chromium (Debian ``chromium``) renders ``index.html`` and one profile: screenshots
  read back as pixels with Pillow (a blank page fails), the DOM after parsing
  (``--dump-dom``; a missing legend, ranking table or key-figure table fails), a PDF through
  the print CSS, and a NetLog of every request the browser made (any request from the page to
  a network address fails; the checker is itself shown to catch an ``<img src="http://…">``);
- ``ranking.csv`` and the level GeoJSON files of the same run are the reference values for the
  legend counts, the map colours per quarter, the ranking order and the GIS attributes;
- GDAL (``ogrinfo``), pyogrio/geopandas and the stdlib ``sqlite3`` read the GeoPackage.

Chromium and ``ogrinfo`` missing is a failure, not a skip: ``scripts/test`` installs them.
The screenshots and the PDF stay in ``target/test-artefacts/report/`` for people to look at.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
#: Where the screenshots and the PDF are kept (test artefacts, not removed after the run).
ARTEFACTS = ROOT / "target" / "test-artefacts" / "report"
#: The levels of the demo town, top down: one GeoPackage layer and one GeoJSON file each.
LEVELS = ("gemeinde", "ortsteil", "quartier", "baublock")
#: Issue 5: every profile stays under 300 KB.
MAX_PROFILE_BYTES = 300_000
#: A profile prints on at most this many A4 pages.
MAX_PROFILE_PAGES = 3
#: The browser window of the screenshots, px.
WINDOW = (1280, 1800)
#: The only absolute URLs a report file may contain: XML namespace names, never fetched.
NAMESPACES = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/1999/xlink",
}
#: URL schemes that never leave the machine.
LOCAL_SCHEMES = {"file", "data", "about", "chrome", "blob"}
#: Chromium's own background services (time, component updates, accounts, dictionaries)
#: talk to these domains; such requests are not the page's and are ignored, but only when
#: the NetLog says the browser started them (initiator "not an origin", not a file:// page).
BROWSER_SERVICE_DOMAINS = ("google.com", "googleapis.com", "gvt1.com", "gstatic.com")
#: Chromium flags: headless as issue 5 asks, a fresh profile, no background chatter, and a
#: resolver that maps every host name to nothing so that no request leaves the machine.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--lang=de-DE",
]
#: Pixels darker than this in some channel count as ink (not white paper).
INK_BELOW = 240
#: A legend colour is "in the screenshot" with this many pixels within COLOUR_TOLERANCE.
MIN_COLOUR_PIXELS = 40
COLOUR_TOLERANCE = 6


# ---------------------------------------------------------------------------------------------
# tools and the demo run


def tool(name: str) -> str:
    """The path of a system tool; fails (never skips) when it is missing."""
    found = shutil.which(name)
    if found is None:
        pytest.fail(
            f"`{name}` not found: the report checks need Debian chromium and gdal-bin "
            "(scripts/test installs them: apt-get install chromium gdal-bin)"
        )
    return found


@pytest.fixture(scope="module")
def out(demo_out) -> Path:
    """The shared ``quartier demo`` output (conftest.py)."""
    return demo_out


@pytest.fixture(scope="module")
def ranking(out) -> pd.DataFrame:
    """ranking.csv as text, exactly as written (empty field = "")."""
    return pd.read_csv(out / "ranking.csv", dtype=str, keep_default_na=False)


def indicators(ranking: pd.DataFrame) -> list[str]:
    """The indicator ids in column order: the columns X with a column X_status."""
    return [c for c in ranking.columns if f"{c}_status" in ranking.columns]


def level_sizes(out: Path) -> dict[str, int]:
    """Units per level, from the hierarchy's own GeoJSON files (DIR/<level>.geojson)."""
    return {
        level: len(json.loads((out / f"{level}.geojson").read_text("utf-8"))["features"])
        for level in LEVELS
    }


# ---------------------------------------------------------------------------------------------
# headless Chromium


def chromium(page: Path, work: Path, name: str, *action: str) -> tuple[Path, str]:
    """Runs headless Chromium once on ``page`` with a NetLog (``{work}/{name}.netlog.json``);
    returns the NetLog's path and the standard output (the DOM with ``--dump-dom``)."""
    netlog = work / f"{name}.netlog.json"
    done = subprocess.run(
        [
            tool("chromium"),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={work / 'chromium-profile'}",
            f"--log-net-log={netlog}",
            *action,
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    assert netlog.is_file(), "chromium wrote no NetLog"
    return netlog, done.stdout.decode("utf-8")


@dataclass
class Rendered:
    """What Chromium made of one page."""

    page: Path
    screenshot: Path
    dom: str
    netlogs: list[Path]
    pdf: Path | None = None


def profile_unit(ranking: pd.DataFrame) -> str:
    """The quarter whose profile is rendered: the best-ranked selected quarter with a
    suppressed value (so the footnote is checked), else any with one, else the first."""
    ind = indicators(ranking)
    suppressed = ranking[[f"{i}_status" for i in ind]].eq("suppressed").any(axis=1)
    selected = ranking["selected"].eq("true")
    for mask in (suppressed & selected, suppressed, pd.Series(True, index=ranking.index)):
        rows = ranking[mask]
        if len(rows):
            return rows.sort_values("rank", key=lambda r: r.astype(int))["unit_id"].iloc[0]
    raise AssertionError("ranking.csv has no rows")


@pytest.fixture(scope="module")
def rendered(out, ranking, tmp_path_factory) -> dict[str, Rendered]:
    """Screenshots, DOMs, NetLogs (and a PDF of the profile) of index.html and one profile."""
    tool("chromium")
    work = tmp_path_factory.mktemp("chromium")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    unit = profile_unit(ranking)
    pages = {"index": out / "report" / "index.html"}
    pages["profile"] = out / "report" / f"quartier-{unit}.html"
    result = {}
    for key, page in pages.items():
        assert page.is_file(), f"{page} missing"
        shot = ARTEFACTS / f"{key}.png"
        shot.unlink(missing_ok=True)
        shot_log, _ = chromium(page, work, f"{key}-screenshot", f"--screenshot={shot}")
        assert shot.is_file(), f"chromium wrote no screenshot of {page.name}"
        dom_log, dom = chromium(page, work, f"{key}-dom", "--dump-dom")
        assert "</html>" in dom, f"--dump-dom of {page.name}: {dom[:200]!r}"
        result[key] = Rendered(page, shot, dom, [shot_log, dom_log])
        print(f"screenshot of {page.name}: {shot}")
    pdf = ARTEFACTS / "profile.pdf"
    pdf.unlink(missing_ok=True)
    pdf_log, _ = chromium(
        pages["profile"], work, "profile-pdf", f"--print-to-pdf={pdf}", "--no-pdf-header-footer"
    )
    assert pdf.is_file(), f"chromium wrote no PDF of {pages['profile'].name}"
    result["profile"].netlogs.append(pdf_log)
    result["profile"].pdf = pdf
    print(f"PDF of {pages['profile'].name}: {pdf}")
    return result


# ---------------------------------------------------------------------------------------------
# a small DOM (the stdlib HTML parser; tag and attribute names come lowercased)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


@dataclass(eq=False)  # identity, not a recursive comparison through parent and children
class Node:
    """An element of the parsed page."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def elements(self) -> list[Node]:
        """The child elements (no text)."""
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        """This element and every descendant, in document order (optionally one tag only)."""
        if tag is None or self.tag == tag:
            yield self
        for child in self.elements():
            yield from child.iter(tag)

    def text(self) -> str:
        """The text content, whitespace collapsed."""
        parts: list[str] = []

        def walk(node: Node) -> None:
            for c in node.children:
                if isinstance(c, str):
                    parts.append(c)
                else:
                    walk(c)

        walk(self)
        return " ".join("".join(parts).split())

    def ancestors(self) -> Iterator[Node]:
        """The parent, its parent, … up to the root."""
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def names(self) -> str:
        """The class and id attributes, lowercased (to find e.g. a legend by name)."""
        return f"{self.attrs.get('class', '')} {self.attrs.get('id', '')}".lower()


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(text: str) -> Node:
    """Parses HTML (or XHTML, or the DOM dump) into a tree of `Node`s."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# ---------------------------------------------------------------------------------------------
# colours and legends


def colour(value: str) -> str | None:
    """A solid colour as ``#rrggbb``; None for none, url(…) patterns and unknown forms."""
    v = value.strip().lower()
    if re.fullmatch(r"#[0-9a-f]{3}", v):
        return "#" + "".join(ch * 2 for ch in v[1:])
    if re.fullmatch(r"#[0-9a-f]{6}", v):
        return v
    m = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,[^)]*)?\)", v)
    if m:
        return "#" + "".join(f"{int(x):02x}" for x in m.groups())
    named = {"white": "#ffffff", "black": "#000000"}
    return named.get(v)


def fill_of(node: Node) -> str:
    """The fill of an element: its style's fill, its fill attribute, else its nearest
    ancestor's (SVG inheritance)."""
    for n in (node, *node.ancestors()):
        m = re.search(r"(?:^|;)\s*fill\s*:\s*([^;]+)", n.attrs.get("style", ""))
        if m:
            return m.group(1).strip()
        if "fill" in n.attrs:
            return n.attrs["fill"]
    return "black"


@dataclass
class LegendEntry:
    """One row of a map legend: swatch fill, label and unit count (None: no count)."""

    fill: str
    label: str
    count: int | None

    @property
    def is_class(self) -> bool:
        return self.count is not None and colour(self.fill) is not None

    @property
    def is_no_data(self) -> bool:
        return self.count is not None and self.fill.strip().startswith("url(")


def legend_groups(svg: Node) -> list[Node]:
    """The legend(s) of a map: the outermost ``<g>`` named like a legend (class or id), else
    the ``<g>`` elements holding at least two swatch rows (a ``<rect>`` then a ``<text>``)."""
    named = [g for g in svg.iter("g") if "legend" in g.names()]
    outer = [g for g in named if not any(any(a is n for n in named) for a in g.ancestors())]
    if outer:
        return outer
    return [g for g in svg.iter("g") if len(swatch_rows(g, recursive=False)) >= 2]


def swatch_rows(group: Node, *, recursive: bool = True) -> list[LegendEntry]:
    """The swatch rows under ``group``: each ``<rect>`` whose next sibling element is a
    ``<text>``, with the label's trailing "(n)" read as the unit count."""
    entries = []
    parents = list(group.iter()) if recursive else [group]
    for parent in parents:
        kids = parent.elements()
        for rect, label in zip(kids, kids[1:]):
            if rect.tag == "rect" and label.tag == "text":
                text = label.text()
                m = re.search(r"\((\d[\d.\u202f ]*)\)\s*$", text)
                count = int(re.sub(r"\D", "", m.group(1))) if m else None
                entries.append(LegendEntry(fill_of(rect), text, count))
    return entries


def legend(svg: Node) -> list[LegendEntry]:
    """All entries of the map's legend(s), in order."""
    return [e for g in legend_groups(svg) for e in swatch_rows(g)]


def composite_map(page: Node) -> tuple[Node, list[LegendEntry]]:
    """The first ``<svg>`` of the page with a legend of at least three classes."""
    for svg in page.iter("svg"):
        entries = legend(svg)
        if sum(e.is_class for e in entries) >= 3:
            return svg, entries
    raise AssertionError("no map with a legend of at least 3 classes on the page")


# ---------------------------------------------------------------------------------------------
# the network checker (NetLog)

#: A network URL in a NetLog event: group 1 the scheme and host, group 2 the host.
URL_RE = re.compile(r"\b((?:https?|wss?|ftp)://([^/\s\"'<>\[\]{};,?#]+))", re.IGNORECASE)
#: An absolute URL in a report file, whole.
ABSOLUTE_URL_RE = re.compile(r"\b(?:https?|wss?|ftp)://[^\s\"'<>)]*", re.IGNORECASE)


def _browser_service(host: str) -> bool:
    host = host.lower().split(":")[0]
    return host == "~notfound" or any(
        host == d or host.endswith("." + d) for d in BROWSER_SERVICE_DOMAINS
    )


def network_requests(netlog: Path) -> list[str]:
    """Every request in a Chromium NetLog that went (or tried to go) to a network address
    on behalf of the page: URL requests with a non-local scheme, unless the browser itself
    started them for one of its background services; plus any other network URL the log
    mentions (preconnects, sockets, DNS) outside those services."""
    log = json.loads(netlog.read_text("utf-8"))
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    assert log["events"], f"{netlog} has no events: the NetLog is not recording"
    found = []
    for event in log["events"]:
        params = event.get("params") or {}
        if not isinstance(params, dict):
            continue
        url = params.get("url")
        if isinstance(url, str) and names.get(event["type"]) == "URL_REQUEST_START_JOB":
            parts = urlsplit(url)
            if parts.scheme.lower() in LOCAL_SCHEMES:
                continue
            by_browser = params.get("initiator") == "not an origin" and "file:" not in str(
                params.get("network_isolation_key", "")
            )
            if not (by_browser and _browser_service(parts.hostname or "")):
                found.append(url)
        for match in URL_RE.finditer(json.dumps(params)):
            if not _browser_service(match.group(2)):
                found.append(match.group(1))
    return sorted(set(found))


def test_the_network_checker_catches_a_request_from_the_page(tmp_path) -> None:
    # The oracle's own test: a page that fetches an image, a style sheet and a frame from
    # network addresses must be reported, and a page without any must not.
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"/>'
        '<link rel="stylesheet" href="https://cdn.example.invalid/x.css"/></head><body>'
        '<p>offline?</p><img src="http://example.invalid/x.png" alt=""/>'
        '<iframe src="http://frame.example.invalid/"></iframe></body></html>',
        "utf-8",
    )
    good = tmp_path / "good.html"
    good.write_text(
        '<!DOCTYPE html><html><body><p>offline</p><img alt="" src="data:image/gif;base64,'
        'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"/></body></html>',
        "utf-8",
    )
    found = network_requests(chromium(bad, tmp_path, "bad", "--dump-dom")[0])
    assert "http://example.invalid/x.png" in found, found
    assert "https://cdn.example.invalid/x.css" in found, found
    assert any("frame.example.invalid" in u for u in found), found
    assert network_requests(chromium(good, tmp_path, "good", "--dump-dom")[0]) == []


# ---------------------------------------------------------------------------------------------
# the report in the browser


def test_no_page_requests_a_network_address(rendered) -> None:
    for key, r in rendered.items():
        for netlog in r.netlogs:
            assert network_requests(netlog) == [], f"{r.page.name} ({netlog.name})"


def ink(path: Path) -> np.ndarray:
    """The screenshot as an (h, w, 3) uint8 array."""
    from PIL import Image  # pillow: crates/py/requirements-dev.txt

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def colour_pixels(pixels: np.ndarray, hex_colour: str) -> int:
    """Pixels within COLOUR_TOLERANCE of a colour."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)
    close = np.abs(pixels.astype(np.int16) - rgb).max(axis=2) <= COLOUR_TOLERANCE
    return int(close.sum())


def assert_not_blank(pixels: np.ndarray, name: str) -> None:
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0]), f"{name}: {pixels.shape}"
    share = float((pixels.min(axis=2) < INK_BELOW).mean())
    assert share >= 0.03, f"{name}: only {share:.1%} of the screenshot is not white"
    distinct = len(np.unique(pixels.reshape(-1, 3), axis=0))
    assert distinct >= 64, f"{name}: only {distinct} distinct colours"


def test_index_screenshot_is_not_blank_and_shows_the_class_colours(rendered) -> None:
    r = rendered["index"]
    pixels = ink(r.screenshot)
    assert_not_blank(pixels, r.screenshot.name)
    _, entries = composite_map(parse_html(r.dom))
    colours = sorted({colour(e.fill) for e in entries if e.is_class})
    seen = {c: colour_pixels(pixels, c) for c in colours}
    shown = [c for c, n in seen.items() if n >= MIN_COLOUR_PIXELS]
    assert len(shown) >= 3, f"legend colours in the screenshot (pixels): {seen}"


def test_profile_screenshot_is_not_blank_and_shows_its_figures(rendered) -> None:
    r = rendered["profile"]
    pixels = ink(r.screenshot)
    assert_not_blank(pixels, r.screenshot.name)
    # The solid fills of the page's SVGs (locator, charts, age bars) apart from grey-white.
    dom = parse_html(r.dom)
    fills = set()
    for svg in dom.iter("svg"):
        for node in svg.iter():
            c = colour(node.attrs.get("fill", ""))
            if c and min(int(c[i : i + 2], 16) for i in (1, 3, 5)) < INK_BELOW:
                fills.add(c)
    seen = {c: colour_pixels(pixels, c) for c in sorted(fills)}
    shown = [c for c, n in seen.items() if n >= MIN_COLOUR_PIXELS]
    assert len(shown) >= 3, f"SVG fill colours in the screenshot (pixels): {seen}"


def test_index_map_has_a_legend_matching_the_ranking_classes(rendered, ranking) -> None:
    svg, entries = composite_map(parse_html(rendered["index"].dom))
    classes = [e for e in entries if e.is_class]
    no_data = [e for e in entries if e.is_no_data]
    assert len({colour(e.fill) for e in classes}) == len(classes), "class colours repeat"
    assert any(re.search(r"\d,\d", e.label) for e in classes), (
        f"no class bound with a decimal comma: {[e.label for e in classes]}"
    )
    # The counts per class are those of ranking.csv's composite class (1 = first entry).
    per_class = Counter(ranking["class"])
    assert [e.count for e in classes] == [per_class.get(str(i + 1), 0) for i in range(len(classes))]
    assert set(per_class) - {""} <= {str(i + 1) for i in range(len(classes))}, per_class
    assert sum(e.count for e in no_data) == per_class.get("", 0)
    assert sum(e.count for e in classes + no_data) == len(ranking)
    # Each quarter is drawn in the colour of its class (found by id, title or link).
    legend_nodes = {id(n) for g in legend_groups(svg) for n in g.iter()}
    shapes = {}
    for node in svg.iter():
        if id(node) in legend_nodes or node.tag not in {"path", "polygon", "g", "a"}:
            continue
        titles = [t.text() for t in node.elements() if t.tag == "title"]
        keys = " ".join([node.attrs.get("id", ""), node.attrs.get("href", ""), *titles])
        for unit in ranking["unit_id"]:
            if unit in keys:
                shapes.setdefault(unit, node)
    for unit, cls in zip(ranking["unit_id"], ranking["class"]):
        assert unit in shapes, f"quarter {unit} not found on the map"
        node = shapes[unit]
        if node.tag in {"g", "a"}:  # a link or group around the shape: take the shape
            node = next(n for n in node.iter() if n.tag in {"path", "polygon"})
        fill = fill_of(node)
        if cls:
            assert colour(fill) == colour(classes[int(cls) - 1].fill), (unit, cls, fill)
        else:
            assert fill.startswith("url("), (unit, fill)


def test_every_map_file_has_a_legend_counting_every_unit(out) -> None:
    # maps/<level>-<indicator>.svg: the legend counts add up to the level's units, and at the
    # quarter level they are the GeoPackage's <indicator>_class counts (NULL = no data).
    gpd = pytest.importorskip("geopandas")
    sizes = level_sizes(out)
    layer = gpd.read_file(out / "gis" / "quartier.gpkg", layer="quartier")
    maps = sorted((out / "report" / "maps").glob("*.svg"))
    assert any(m.name == "quartier-composite.svg" for m in maps), [m.name for m in maps]
    for path in maps:
        level, _, indicator = path.stem.partition("-")
        assert level in sizes, path.name
        svg = next(parse_html(path.read_text("utf-8")).iter("svg"))
        entries = legend(svg)
        classes = [e.count for e in entries if e.is_class]
        no_data = [e.count for e in entries if e.is_no_data]
        assert len(classes) >= 3, (path.name, entries)
        assert sum(classes) + sum(no_data) == sizes[level], (path.name, entries)
        column = "class" if indicator == "composite" else f"{indicator}_class"
        if level == "quartier":
            assert column in layer.columns, (path.name, column)
            values = layer[column]
            counts = Counter(int(v) for v in values.dropna())
            assert classes == [counts.get(i + 1, 0) for i in range(len(classes))], path.name
            assert sum(no_data) == int(values.isna().sum()), path.name


def body_rows(table: Node) -> list[Node]:
    """The rows of a table that hold data cells (not the header row)."""
    return [tr for tr in table.iter("tr") if any(c.tag == "td" for c in tr.elements())]


def test_index_ranking_table_lists_every_quarter_in_rank_order(rendered, ranking) -> None:
    page = parse_html(rendered["index"].dom)
    units = list(ranking["unit_id"])
    tables = [t for t in page.iter("table") if len(body_rows(t)) == len(units)]
    assert tables, f"no table with {len(units)} rows on the index"
    by_rank = list(ranking.sort_values("rank", key=lambda r: r.astype(int))["unit_id"])
    for table in tables:
        order = [next((u for u in units if u in tr.text()), None) for tr in body_rows(table)]
        if order == by_rank:
            break
    else:
        pytest.fail(f"no table lists the quarters in rank order {by_rank}")
    # Every quarter's row links its profile.
    links = {a.attrs.get("href", "") for tr in body_rows(table) for a in tr.iter("a")}
    assert {f"quartier-{u}.html" for u in units} <= links, links


def test_index_links_resolve(out) -> None:
    report = out / "report"
    page = parse_html((report / "index.html").read_text("utf-8"))
    hrefs = {a.attrs["href"] for a in page.iter("a") if "href" in a.attrs}
    for href in sorted(hrefs):
        target = href.split("#")[0]
        if target:
            assert (report / target).is_file(), f"index.html links {href}: no such file"
    profiles = {p.name for p in report.glob("quartier-*.html")}
    assert profiles <= hrefs, sorted(profiles - hrefs)


def german_number(text: str) -> tuple[float, int] | None:
    """The first number in German format ("1.234,5", "-0,40") and its decimals."""
    m = re.search(r"[-−]?\d{1,3}(?:\.\d{3})*(?:,(\d+))?|[-−]?\d+(?:,(\d+))?", text)
    if m is None:
        return None
    raw = m.group(0).replace("−", "-")
    decimals = len((m.group(1) or m.group(2) or ""))
    return float(raw.replace(".", "").replace(",", ".")), decimals


def test_profile_key_figures_and_suppression_footnote(rendered, ranking) -> None:
    r = rendered["profile"]
    page = parse_html(r.dom)
    unit = r.page.name.removeprefix("quartier-").removesuffix(".html")
    row = ranking[ranking["unit_id"] == unit].iloc[0]
    ind = indicators(ranking)
    assert unit in next(page.iter("title")).text()
    tables = [t for t in page.iter("table") if len(body_rows(t)) == len(ind)]
    named = [t for t in tables if any("figure" in n.names() for n in (t, *t.ancestors()))]
    assert tables, f"no key-figure table with one row per indicator ({len(ind)})"
    table = (named or tables)[0]
    for i, tr in zip(ind, body_rows(table)):
        cells = [c for c in tr.elements() if c.tag == "td"]
        value = cells[0]
        status, csv_value = row[f"{i}_status"], row[i]
        if status == "suppressed":
            marks = [s.text() for s in value.iter("sup")]
            assert marks and marks[0], f"{i}: suppressed value without a mark: {value.text()!r}"
            notes = [
                n
                for n in page.iter()
                if n.tag in {"li", "p", "div", "dd", "small", "footer", "aside"}
                and not any(a is table for a in n.ancestors())
                and n.text().startswith(marks[0])
                and len(n.text()) > len(marks[0]) + 3
            ]
            assert notes, f"{i}: mark {marks[0]!r} has no footnote outside the table"
        elif csv_value == "":
            assert not re.search(r"\d", value.text()), f"{i}: no value but {value.text()!r}"
        else:
            parsed = german_number(value.text())
            assert parsed is not None, f"{i}: no number in {value.text()!r}"
            shown, decimals = parsed
            assert abs(shown - float(csv_value)) <= 0.5 * 10**-decimals + 1e-9, (
                f"{i}: shown {value.text()!r}, ranking.csv {csv_value}"
            )


# ---------------------------------------------------------------------------------------------
# the report files


def report_files(out: Path) -> list[Path]:
    report = out / "report"
    return sorted([*report.glob("*.html"), *report.glob("maps/*.svg")])


def test_report_files_are_self_contained(out) -> None:
    files = report_files(out)
    assert files
    for path in files:
        text = path.read_text("utf-8")
        assert "<script" not in text.lower(), f"{path.name} has a script"
        urls = set(ABSOLUTE_URL_RE.findall(text))
        assert urls <= NAMESPACES, f"{path.name}: absolute URLs {sorted(urls - NAMESPACES)}"
        # Nothing protocol-relative ("//host/…") or external in src, href or url(…) either.
        refs = re.findall(r"""(?:\bsrc|\bhref)\s*=\s*["']([^"']*)["']""", text)
        refs += re.findall(r"""url\(\s*["']?([^"')]*)""", text)
        for ref in refs:
            assert not ref.startswith("//"), f"{path.name}: {ref}"
            scheme = urlsplit(ref).scheme.lower()
            assert scheme in {"", "data"}, f"{path.name}: {ref}"


def test_pages_carry_print_css_for_a4(out) -> None:
    for path in sorted((out / "report").glob("*.html")):
        text = path.read_text("utf-8")
        assert re.search(r"@page\s*\{[^}]*\bsize\s*:\s*A4", text, re.IGNORECASE), path.name
        assert "@media print" in text, path.name


def test_profile_prints_on_at_most_three_pages(rendered) -> None:
    pdf = rendered["profile"].pdf
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF"), f"{pdf} is not a PDF"
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))
    assert 1 <= pages <= MAX_PROFILE_PAGES, f"{pages} pages"


def test_one_profile_per_quarter_each_under_300_kb(out, ranking) -> None:
    report = out / "report"
    profiles = sorted(report.glob("quartier-*.html"))
    assert [p.name for p in profiles] == sorted(f"quartier-{u}.html" for u in ranking["unit_id"])
    sizes = {p.name: p.stat().st_size for p in profiles}
    print(f"profile sizes: {min(sizes.values())}–{max(sizes.values())} bytes")
    too_big = {n: s for n, s in sizes.items() if s >= MAX_PROFILE_BYTES}
    assert not too_big, too_big


# ---------------------------------------------------------------------------------------------
# GIS outputs


def same_value(text: str, value: object) -> bool:
    """Whether a GIS value equals a CSV field: "" = NULL/NaN, true/false = 1/0, numbers to
    1e-9, text exactly."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    if text == "":
        return missing
    if missing:
        return False
    if isinstance(value, str):
        return value == text
    if text in ("true", "false"):
        return isinstance(value, (bool, np.bool_, int, np.integer)) and int(value) == (
            text == "true"
        )
    try:
        expected = float(text)
    except ValueError:
        return False
    return math.isclose(float(value), expected, rel_tol=1e-9, abs_tol=1e-9)


def same_gis_value(a: object, b: object) -> bool:
    """Whether two GIS values are equal: NULL = NULL (None or NaN), booleans = 1/0, numbers
    to 1e-9, text exactly (an empty string is not NULL)."""

    def missing(v: object) -> bool:
        return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))

    if missing(a) or missing(b):
        return missing(a) and missing(b)
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def test_gpkg_has_one_layer_per_level(out) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    layers = pyogrio.list_layers(out / "gis" / "quartier.gpkg")
    spatial = sorted(name for name, geometry in layers if geometry is not None)
    assert spatial == sorted(LEVELS), layers


def test_gpkg_quartier_layer_equals_ranking_csv(out, ranking) -> None:
    gpd = pytest.importorskip("geopandas")
    layer = gpd.read_file(out / "gis" / "quartier.gpkg", layer="quartier")
    assert layer.crs is not None and layer.crs.to_epsg() == 25832, layer.crs
    assert len(layer) == len(ranking) == level_sizes(out)["quartier"]
    assert layer.geometry.notna().all() and not layer.geometry.is_empty.any()
    assert layer.geometry.is_valid.all(), list(layer.loc[~layer.geometry.is_valid, "unit_id"])
    missing = [c for c in ranking.columns if c not in layer.columns]
    assert not missing, f"columns of ranking.csv missing in the layer: {missing}"
    for c in ["name", "parent_id", "area_km2", *[f"{i}_class" for i in indicators(ranking)]]:
        assert c in layer.columns, c
    rows = layer.set_index("unit_id")
    assert sorted(rows.index) == sorted(ranking["unit_id"])
    wrong = []
    for _, expected in ranking.iterrows():
        got = rows.loc[expected["unit_id"]]
        for c in ranking.columns:
            if c != "unit_id" and not same_value(expected[c], got[c]):
                wrong.append((expected["unit_id"], c, expected[c], got[c]))
    assert not wrong, wrong[:20]
    # The area column is the geometry's (km², to 0.1 %).
    assert np.allclose(layer["area_km2"], layer.geometry.area / 1e6, rtol=1e-3)


def test_gpkg_baublock_layer_has_every_block(out) -> None:
    gpd = pytest.importorskip("geopandas")
    blocks = gpd.read_file(out / "gis" / "quartier.gpkg", layer="baublock")
    assert len(blocks) == level_sizes(out)["baublock"]


def test_gpkg_layer_styles_hold_a_categorized_qgis_style(out) -> None:
    con = sqlite3.connect(f"file:{out / 'gis' / 'quartier.gpkg'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT f_geometry_column, useAsDefault, styleQML FROM layer_styles "
            "WHERE f_table_name = 'quartier'"
        ).fetchall()
        (geom_column,) = con.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = 'quartier'"
        ).fetchone()
    finally:
        con.close()
    assert len(rows) == 1, rows
    column, default, qml = rows[0]
    assert column == geom_column
    assert int(default) == 1
    root = ET.fromstring(qml)
    assert root.tag == "qgis"
    renderers = [
        r
        for r in root.iter("renderer-v2")
        if r.get("type") == "categorizedSymbol" and r.get("attr") == "class"
    ]
    assert len(renderers) == 1, [r.attrib for r in root.iter("renderer-v2")]
    # The style's class colours are the report map's (maps/quartier-composite.svg).
    renderer = renderers[0]
    symbols = {}
    for symbol in renderer.iter("symbol"):
        for option in symbol.iter("Option"):
            if option.get("name") == "color":
                r, g, b = (int(x) for x in option.get("value", "").split(",")[:3])
                symbols[symbol.get("name")] = f"#{r:02x}{g:02x}{b:02x}"
                break
    by_value = {
        c.get("value"): symbols.get(c.get("symbol")) for c in renderer.iter("category")
    }
    svg = (out / "report" / "maps" / "quartier-composite.svg").read_text("utf-8")
    _, entries = composite_map(parse_html(svg))
    classes = [colour(e.fill) for e in entries if e.is_class]
    assert [by_value.get(str(i + 1)) for i in range(len(classes))] == classes, by_value


QGIS_SCRIPT = """
import json, os, sys
from qgis.core import QgsApplication, QgsRenderContext, QgsVectorLayer
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
layer = QgsVectorLayer(sys.argv[1] + "|layername=quartier", "quartier", "ogr")
renderer = layer.renderer()
context = QgsRenderContext()
renderer.startRender(context, layer.fields())
features = []
for f in layer.getFeatures():
    symbol = renderer.symbolForFeature(f, context)
    features.append([f["unit_id"], symbol.color().name() if symbol else None])
renderer.stopRender(context)
print(json.dumps({
    "valid": layer.isValid(),
    "crs": layer.crs().authid(),
    "renderer": renderer.type(),
    "attribute": renderer.classAttribute() if renderer.type() == "categorizedSymbol" else None,
    "features": features,
}), flush=True)
# QGIS' own shutdown (app.exitQgis) crashes in some headless builds after the work is done;
# leave without it.
os._exit(0)
"""


def test_qgis_opens_the_geopackage_already_styled(out, tmp_path) -> None:
    """QGIS (Debian python3-qgis, offscreen) loads the layer with the default style from
    ``layer_styles`` and draws every quarter in its class colour of the composite map."""
    python = Path("/usr/bin/python3")
    probe = subprocess.run(
        [str(python), "-c", "import qgis.core"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        pytest.fail(
            "QGIS' Python bindings are missing: scripts/test installs them "
            "(apt-get install python3-qgis)\n" + probe.stderr[-500:]
        )
    script = tmp_path / "qgis_check.py"
    script.write_text(QGIS_SCRIPT, encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(tmp_path))
    done = subprocess.run(
        [str(python), str(script), str(out / "gis" / "quartier.gpkg")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["valid"] and result["crs"] == "EPSG:25832", result
    assert (result["renderer"], result["attribute"]) == ("categorizedSymbol", "class")
    svg = parse_html((out / "report" / "maps" / "quartier-composite.svg").read_text("utf-8"))
    fills = {}
    for node in svg.iter("path"):
        node_id = node.attrs.get("id", "")
        if node_id.startswith("m-u-"):
            fills[node_id[len("m-u-"):]] = colour(node.attrs.get("fill", ""))
    assert len(result["features"]) == 20
    for unit_id, drawn in result["features"]:
        expected = fills[unit_id.replace(".", "_")]
        if expected is not None:  # a class colour; no-data units are patterns in the SVG
            assert drawn == expected, (unit_id, drawn, expected)


def ogrinfo(path: Path) -> dict[str, int]:
    """``ogrinfo -ro -so -al``: feature counts per layer; fails on an error or a warning."""
    done = subprocess.run(
        [tool("ogrinfo"), "-ro", "-so", "-al", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for stream in (done.stdout, done.stderr):
        assert "ERROR" not in stream and "Warning" not in stream, f"{path.name}: {stream}"
    counts = {}
    layer = None
    for line in done.stdout.splitlines():
        if line.startswith("Layer name: "):
            layer = line.removeprefix("Layer name: ").strip()
        elif line.startswith("Feature Count: ") and layer is not None:
            counts[layer] = int(line.removeprefix("Feature Count: "))
    return counts


def test_ogrinfo_reads_the_gpkg_and_the_geojson_layers(out) -> None:
    sizes = level_sizes(out)
    counts = ogrinfo(out / "gis" / "quartier.gpkg")
    assert {level: counts.get(level) for level in LEVELS} == sizes, counts
    for level in LEVELS:
        counts = ogrinfo(out / "gis" / f"{level}.geojson")
        assert list(counts.values()) == [sizes[level]], (level, counts)


def test_geojson_quartier_layer_equals_the_gpkg_layer(out) -> None:
    gpd = pytest.importorskip("geopandas")
    shapely_geometry = pytest.importorskip("shapely.geometry")
    layer = gpd.read_file(out / "gis" / "quartier.gpkg", layer="quartier").set_index("unit_id")
    features = json.loads((out / "gis" / "quartier.geojson").read_text("utf-8"))["features"]
    assert len(features) == len(layer)
    columns = [c for c in layer.columns if c != "geometry"]
    wrong = []
    for feature in features:
        props = feature["properties"]
        assert sorted(props) == sorted(["unit_id", *columns]), sorted(props)
        got = layer.loc[props["unit_id"]]
        for c in columns:
            value = props[c]
            if not same_gis_value(value, got[c]):
                wrong.append((props["unit_id"], c, value, got[c]))
        # Same coordinates (both in the project CRS), up to float noise.
        shape = shapely_geometry.shape(feature["geometry"])
        assert shape.symmetric_difference(got.geometry).area <= 1e-6 * got.geometry.area
    assert not wrong, wrong[:20]
