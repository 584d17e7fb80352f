"""The QGIS Processing script (examples/qgis/assign_count.py) against the built abi3 wheel.

The wheel (``maturin build --release``; scripts/test builds it once and passes its folder in
``$QUARTIER_WHEEL_DIR``, else it is built here) is installed into a fresh venv of the system
Python that Debian's QGIS uses (``--system-site-packages``, offline). That Python imports it,
then runs the Processing script headless (QGIS offscreen) on the demo town's blocks and a
seeded point set. The output layer is read back here with geopandas and compared with an
independent count: a geopandas spatial join of the same points and blocks, then the rule —
every published count is 0 or >= k and equals the independent count, suppressed cells are
NULL, no row has exactly one suppressed cell, the status tells which. Fails (never skips)
when QGIS, the venv module or the wheel is missing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "examples" / "qgis" / "assign_count.py"
SYSTEM_PYTHON = Path("/usr/bin/python3")
EPSG = 25832
#: A value planted in every point's id column: it must appear in no output and no log.
CANARY = "CANARY-4711"
#: The runs of the algorithm: (name, category field or None, k, snap in metres).
RUNS = {
    "categories": ("category", 3, 0.0),
    "totals_snapped": (None, 5, 20.0),
}

RUNNER = r"""
import json, os, sys, traceback
script, points_path, blocks_path, runs_path, result_path = sys.argv[1:6]
result = {"runs": {}}
try:
    from qgis.core import (QgsApplication, QgsProcessingException, QgsProcessingFeedback,
                           QgsProcessingProvider, QgsVectorLayer)
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing
    Processing.initialize()
    import processing
    from processing.script import ScriptUtils
    import quartier
    result["quartier"] = quartier.__file__

    # As "Add Script to Toolbox" does: the script provider's loader finds the algorithm class.
    loaded = ScriptUtils.loadAlgorithm("assign_count", script)

    class Provider(QgsProcessingProvider):
        def id(self):
            return "quartier"

        def name(self):
            return "quartier"

        def loadAlgorithms(self):
            self.addAlgorithm(loaded)

    provider = Provider()
    QgsApplication.processingRegistry().addProvider(provider)
    alg_id = "quartier:assign_count"
    result["display_name"] = QgsApplication.processingRegistry().algorithmById(alg_id).displayName()

    class Feedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.messages = []

        def pushInfo(self, text):
            self.messages.append(text)

        def reportError(self, text, fatalError=False):
            self.messages.append(text)

    points = QgsVectorLayer(points_path, "points", "ogr")
    blocks = QgsVectorLayer(blocks_path, "blocks", "ogr")
    assert points.isValid() and blocks.isValid()
    for name, run in json.load(open(runs_path)).items():
        feedback = Feedback()
        params = {"POINTS": points, "BLOCKS": blocks, "BLOCK_ID": "id", "K": run["k"],
                  "SNAP": run["snap"], "OUTPUT": run["output"]}
        if run["category"]:
            params["CATEGORY"] = run["category"]
        out = processing.run(alg_id, params, feedback=feedback)
        result["runs"][name] = {"unassigned": out["UNASSIGNED"], "output": str(out["OUTPUT"]),
                                "log": feedback.messages}

    # A geographic CRS is refused with a clear message.
    geographic = QgsVectorLayer("Point?crs=EPSG:4326&field=category:string", "geo", "memory")
    feedback = Feedback()
    try:
        processing.run(alg_id, {"POINTS": geographic, "BLOCKS": blocks, "BLOCK_ID": "id",
                                "OUTPUT": "memory:"}, feedback=feedback)
        result["geographic"] = None
    except QgsProcessingException as e:
        result["geographic"] = [str(e)] + feedback.messages
except Exception:
    result["error"] = traceback.format_exc()
with open(result_path, "w") as f:
    json.dump(result, f)
sys.stdout.flush()
# QGIS' own shutdown (app.exitQgis) segfaults headless here; leave without it.
os._exit(0)
"""


def fail_unless(done: subprocess.CompletedProcess, what: str) -> None:
    if done.returncode != 0:
        pytest.fail(
            f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )


def quartier_bin() -> Path:
    """The CLI: ``$QUARTIER_BIN`` (scripts/test sets it), else a built one under target/."""
    env = os.environ.get("QUARTIER_BIN")
    profiles = ("debug", "release")
    candidates = [Path(env)] if env else [ROOT / "target" / p / "quartier" for p in profiles]
    for path in candidates:
        if path.is_file():
            return path
    pytest.fail("no quartier binary: set QUARTIER_BIN or run `cargo build -p quartier-cli`")


@pytest.fixture(scope="module")
def wheel_dir(tmp_path_factory) -> Path:
    """The folder holding the abi3 wheel: ``$QUARTIER_WHEEL_DIR``, else one built now."""
    env = os.environ.get("QUARTIER_WHEEL_DIR")
    if env:
        folder = Path(env)
    else:
        folder = tmp_path_factory.mktemp("wheel")
        maturin = Path(sys.executable).parent / "maturin"
        done = subprocess.run(
            [str(maturin), "build", "--release", "--quiet"]
            + ["-m", "crates/py/Cargo.toml", "-o", str(folder)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        fail_unless(done, "maturin build --release")
    wheels = sorted(folder.glob("quartier-*.whl"))
    names = [w.name for w in wheels]
    assert len(wheels) == 1, f"expected one quartier wheel in {folder}, found {names}"
    # One wheel for every CPython >= 3.9: the stable ABI.
    assert re.search(r"-cp39-abi3-[^-]+\.whl$", wheels[0].name), wheels[0].name
    return folder


@pytest.fixture(scope="module")
def qgis_python(wheel_dir, tmp_path_factory) -> Path:
    """A fresh venv of QGIS' system Python with the wheel installed (offline)."""
    if not SYSTEM_PYTHON.is_file():
        pytest.fail(f"{SYSTEM_PYTHON} is missing (the Python of Debian's python3-qgis)")
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import qgis.core"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        pytest.fail(
            "QGIS' Python bindings are missing: scripts/test installs them "
            "(apt-get install python3-qgis)\n" + probe.stderr[-500:]
        )
    venv = tmp_path_factory.mktemp("qgis-venv") / "venv"
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-m", "venv", "--system-site-packages", str(venv)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    fail_unless(done, "python3 -m venv (Debian needs python3-venv; scripts/test installs it)")
    python = venv / "bin" / "python"
    # Offline: numpy (>= 1.21) comes from Debian's python3-numpy in the system site-packages.
    done = subprocess.run(
        [
            str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-index", "--find-links", str(wheel_dir), "quartier",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    fail_unless(done, "pip install of the wheel into the QGIS venv")
    return python


def test_the_wheel_imports_in_qgis_python(qgis_python) -> None:
    """The installed wheel, not the source tree, is what QGIS' Python imports, and it works."""
    code = (
        "import json, quartier, qgis.core, numpy\n"
        "h, records, _ = quartier.demo_town(7)\n"
        "print(json.dumps({'file': quartier.__file__, 'levels': h.levels,"
        " 'n': len(records['kind']), 'version': quartier.__version__}))\n"
    )
    done = subprocess.run(
        [str(qgis_python), "-c", code], capture_output=True, text=True, timeout=300, cwd="/"
    )
    fail_unless(done, "import quartier in QGIS' Python")
    info = json.loads(done.stdout.strip().splitlines()[-1])
    venv = qgis_python.parent.parent
    assert Path(info["file"]).is_relative_to(venv), info["file"]
    import quartier

    hierarchy, records, _ = quartier.demo_town(7)
    assert info["levels"] == hierarchy.levels
    assert info["n"] == len(records["kind"])
    assert info["version"] == quartier.__version__


@pytest.fixture(scope="module")
def layers(tmp_path_factory) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, Path, Path]:
    """The demo town's blocks (from ``quartier demo``) and seeded points, as GeoPackages."""
    folder = tmp_path_factory.mktemp("qgis-data")
    done = subprocess.run(
        [str(quartier_bin()), "demo", "--quiet", "--out", str(folder / "demo")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    fail_unless(done, "quartier demo")
    blocks = gpd.read_file(folder / "demo" / "baublock.geojson")[["id", "geometry"]]
    blocks = blocks.set_crs(EPSG, allow_override=True)
    rng = np.random.default_rng(20240606)
    n = 8000
    x0, y0, x1, y1 = blocks.total_bounds
    xs = rng.uniform(x0 - 50, x1 + 50, n)
    ys = rng.uniform(y0 - 50, y1 + 50, n)
    values = np.array(["a", "b", "c", None], dtype=object)
    category = rng.choice(values, n, p=[0.6, 0.3, 0.08, 0.02])
    geometry = [Point(x, y) for x, y in zip(xs, ys)]
    # A few records without a position: counted as not assigned.
    for i in range(0, 40, 8):
        geometry[i] = None
    points = gpd.GeoDataFrame(
        {"person_id": [f"{CANARY}-{i}" for i in range(n)], "category": category},
        geometry=geometry,
        crs=EPSG,
    )
    blocks_path = folder / "blocks.gpkg"
    points_path = folder / "points.gpkg"
    blocks.to_file(blocks_path, driver="GPKG")
    points.to_file(points_path, driver="GPKG")
    return points, blocks, points_path, blocks_path


@pytest.fixture(scope="module")
def qgis_run(qgis_python, layers, tmp_path_factory) -> dict:
    """Runs the Processing script headless in QGIS: every run of ``RUNS`` plus a refusal."""
    _, _, points_path, blocks_path = layers
    folder = tmp_path_factory.mktemp("qgis-run")
    runner = folder / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    runs = {
        name: {"category": category, "k": k, "snap": snap, "output": str(folder / f"{name}.gpkg")}
        for name, (category, k, snap) in RUNS.items()
    }
    (folder / "runs.json").write_text(json.dumps(runs), encoding="utf-8")
    result_path = folder / "result.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(folder))
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(qgis_python), str(runner), str(SCRIPT), str(points_path), str(blocks_path),
         str(folder / "runs.json"), str(result_path)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=folder,
    )
    if not result_path.is_file():
        fail_unless(done, "the QGIS runner")
        pytest.fail(f"the QGIS runner wrote no result:\n{done.stderr[-3000:]}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    assert "error" not in result, result["error"]
    assert Path(result["quartier"]).is_relative_to(qgis_python.parent.parent), result["quartier"]
    result["stdout"] = done.stdout + done.stderr
    result["specs"] = runs
    return result


def expected_counts(points: gpd.GeoDataFrame, blocks: gpd.GeoDataFrame, snap: float) -> pd.Series:
    """The independent oracle: the block id of every point (NaN = not assigned).

    A point inside a block (geopandas ``within``), else — with a snap distance — the nearest
    block within ``snap`` metres (``sjoin_nearest``).
    """
    located = points[points.geometry.notna()]
    joined = gpd.sjoin(located, blocks, predicate="within", how="left")
    assert not joined.index.duplicated().any(), "a random point on a shared edge; change the seed"
    block = joined["id"].reindex(points.index)
    if snap > 0:
        outside = located.loc[block.loc[located.index].isna()]
        near = gpd.sjoin_nearest(outside, blocks, how="inner", max_distance=snap)
        near = near[~near.index.duplicated()]
        block.loc[near.index] = near["id"]
    return block


@pytest.mark.parametrize("run", sorted(RUNS))
def test_output_layer_counts_match_an_independent_count(run, qgis_run, layers) -> None:
    points, blocks, _, _ = layers
    category_field, k, snap = RUNS[run]
    got = qgis_run["runs"][run]
    out = gpd.read_file(got["output"])
    block = expected_counts(points, blocks, snap)
    assert got["unassigned"] == int(block.isna().sum())

    # One feature per block with its geometry, in the block CRS.
    assert out.crs.to_epsg() == EPSG
    assert sorted(out["id"]) == sorted(blocks["id"])
    area = blocks.set_index("id").area
    assert np.allclose(out.set_index("id").area.loc[area.index], area, rtol=0, atol=1e-3)

    if category_field is None:
        categories: list[str] = []
        cells = pd.DataFrame(index=blocks["id"])
    else:
        labels = points[category_field].fillna("NULL")
        categories = sorted(labels.unique())
        cells = pd.crosstab(block.dropna(), labels[block.notna()]).reindex(
            index=blocks["id"], columns=categories, fill_value=0
        )
        cells.columns = [f"n_{c}" for c in categories]
    cells["total"] = block.value_counts().reindex(blocks["id"], fill_value=0)
    columns = list(cells.columns)
    assert list(out.columns) == ["id", *columns, "status", "geometry"]

    published = suppressed = 0
    out = out.set_index("id")
    for unit, expected in cells.iterrows():
        row = out.loc[unit]
        hidden = [c for c in columns if pd.isna(row[c])]
        for c in columns:
            if c in hidden:
                continue
            value = int(row[c])
            assert value == expected[c], (unit, c)
            assert value == 0 or value >= k, (unit, c)
            published += 1
        # Every cell the rule protects is suppressed, and never a single one in a row (it
        # would follow from the others by subtraction); the status names the case.
        for c in columns:
            if 0 < expected[c] < k:
                assert c in hidden, (unit, c)
        if category_field is None:
            # Totals only: one cell per block and nothing to hide it behind; exactly the
            # cells of the rule are suppressed.
            assert bool(hidden) == (0 < expected["total"] < k), unit
        else:
            assert len(hidden) != 1, unit
        status = "published" if not hidden else "partly suppressed"
        if "total" in hidden:
            status = "suppressed"
        assert row["status"] == status, unit
        suppressed += len(hidden)
    # The data are meant to exercise both sides of the rule.
    assert published > 0
    assert suppressed > 0


def test_the_algorithm_is_registered_with_its_name(qgis_run) -> None:
    assert qgis_run["display_name"] == "Assign points to blocks and count (protected)"


def test_nothing_personal_reaches_the_log(qgis_run) -> None:
    """The log holds aggregates only: no point id, no coordinate (6+ digit numbers here)."""
    for name, run in qgis_run["runs"].items():
        log = "\n".join(run["log"])
        assert "points:" in log and "not assigned" in log, (name, log)
        assert CANARY not in log, name
        assert not re.search(r"\d{6,}", log.replace(run["output"], "")), (name, log)
    assert CANARY not in qgis_run["stdout"]


def test_a_geographic_crs_is_refused(qgis_run) -> None:
    messages = qgis_run["geographic"]
    assert messages is not None, "a point layer in EPSG:4326 was accepted"
    text = "\n".join(messages)
    assert "point layer" in text and "geographic" in text and "EPSG:4326" in text, text
