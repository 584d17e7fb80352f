"""quartier.protect / quartier.analyze: the analyze phase from Python (issue 4).

Oracles: the CLI's ``ranking.csv`` (the Python DataFrame must be the same table), esda's
``Empirical_Bayes`` for the smoothed rates, and esda's ``Moran`` on the composite with
libpysal weights built from the same neighbour lists.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import quartier

FINEST = {"kita": "quartier", "child_support": "quartier"}


@pytest.fixture(scope="module")
def cli_out(demo_out) -> Path:
    """The shared ``quartier demo`` output (conftest.py)."""
    return demo_out


def test_python_ranking_equals_the_cli_ranking_csv(demo, cli_out) -> None:
    tmp_path = cli_out
    hierarchy, tables = demo
    frame = quartier.analyze(tables, hierarchy)
    cli = pd.read_csv(
        tmp_path / "ranking.csv", dtype={"unit_id": str, "excluded": str, "drivers": str}
    )
    pd.testing.assert_frame_equal(frame, cli)
    assert list(frame["unit_id"]) == hierarchy.units("quartier")
    # Ranks 1..n with ties sharing the smallest rank; selected = composite > 1.
    ranked = frame.dropna(subset=["rank"])
    assert ranked["rank"].min() == 1
    assert (frame["selected"] == (frame["composite"] > 1.0)).all()
    assert (ranked["rank_p05"] <= ranked["rank_median"]).all()
    assert (ranked["rank_median"] <= ranked["rank_p95"]).all()


def test_tables_handle_exposes_layers_not_records(demo) -> None:
    _, tables = demo
    assert tables.datasets() == ["resident", "kita", "child_support"]
    layers = dict(tables.layers())
    assert layers["kita"] == ["gemeinde", "ortsteil", "quartier"]
    assert layers["resident"][-1] == "grundschulbezirk"
    assert len(tables) == 3


def test_smoothed_rates_equal_esda_empirical_bayes(demo) -> None:
    from esda.smoothing import Empirical_Bayes

    hierarchy, tables = demo
    doc = quartier.analyze(tables, hierarchy, draws=0, permutations=0, as_json=True)
    checked = 0
    for indicator in ("under25_share", "kita_low_income_share", "child_support_rate"):
        values = [u["indicators"][indicator] for u in doc["units"]]
        known = [v for v in values if v["status"] == "ok"]
        e = np.array([v["numerator"] for v in known], dtype=float)
        b = np.array([v["denominator"] for v in known], dtype=float)
        expected = Empirical_Bayes(e, b).r.ravel() * 100.0
        # esda keeps a negative variance estimate; we clamp it to 0 (documented). Compare
        # where esda's estimate is non-negative, else every value must be the mean rate.
        r_mean = e.sum() / b.sum()
        r_var = (b * (e / b - r_mean) ** 2).sum() / b.sum() - r_mean / b.mean()
        got = np.array([v["smoothed"] for v in known])
        if r_var >= 0:
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
            checked += 1
        else:
            np.testing.assert_allclose(got, np.full(len(got), r_mean * 100.0), rtol=1e-12)
    assert checked >= 1, "no indicator had a positive EB variance: the test compares nothing"


def test_moran_of_the_composite_equals_esda(demo, cli_out) -> None:
    import geopandas as gpd
    from esda.moran import Moran
    from libpysal.weights import W

    hierarchy, tables = demo
    doc = quartier.analyze(tables, hierarchy, draws=0, permutations=0, as_json=True)
    units = [u for u in doc["units"] if u["composite"] is not None]
    y = np.array([u["composite"] for u in units])
    # The same neighbour lists as the analysis: queen contiguity with 25 m tolerance over the
    # ranked quarters, from the core's own contiguity on their geometries.
    ids = [u["unit_id"] for u in units]
    quarters = gpd.read_file(cli_out / "quartier.geojson").set_index("id")
    weights = quartier.contiguity(quarters.loc[ids].geometry, kind="queen", tolerance=25.0)
    neighbours = {i: list(weights.neighbours(i)) for i in range(len(ids))}
    w = W(neighbours, silence_warnings=True)
    w.transform = "r"
    m = Moran(y, w, permutations=0)
    assert doc["moran"]["i"] == pytest.approx(m.I, abs=1e-9)
    assert doc["moran"]["expected"] == pytest.approx(m.EI, abs=1e-12)
    assert doc["moran"]["variance_normal"] == pytest.approx(m.VI_norm, abs=1e-9)
    assert doc["moran"]["z_normal"] == pytest.approx(m.z_norm, abs=1e-9)


def test_errors_map_to_their_classes(demo) -> None:
    hierarchy, tables = demo
    with pytest.raises(quartier.IndicatorError, match="stadtteil") as info:
        quartier.analyze(tables, hierarchy, level="stadtteil")
    assert isinstance(info.value, ValueError)
    hierarchy_b, records_b, _ = quartier.demo_town(5)
    with pytest.raises(quartier.IndicatorError, match="hierarchy"):
        quartier.analyze(tables, hierarchy_b)
    with pytest.raises(ValueError, match="finest_levels"):
        quartier.protect(records_b, hierarchy_b, finest_levels={"wohngeld": "quartier"})
    with pytest.raises(quartier.TableError, match="stadtteil"):
        quartier.protect(records_b, hierarchy_b, finest_levels={"kita": "stadtteil"})
    assert issubclass(quartier.RankError, quartier.QuartierError)
    assert issubclass(quartier.ClassifyError, ValueError)
    assert issubclass(quartier.SpatialError, ValueError)


def test_report_from_python_writes_the_cli_report(demo, cli_out, tmp_path) -> None:
    """quartier.report writes the same maps, pages and GIS values as ``quartier demo``.

    The demo's catalogue is the CLI's own; here a one-entry catalogue is given, so the pages
    differ from the CLI's in the sources only; maps and the GeoPackage's ranked layer are
    compared byte for byte and value for value, and the protocol summary is shown.
    """
    import geopandas as gpd

    hierarchy, tables = demo
    catalogue = [
        {"dataset": "resident", "title": "Einwohnermelderegister", "office": "Bürgeramt",
         "reference_date": "2021-12-31", "legal_basis": "§ 34 BMG"},
    ]
    index = quartier.report(tables, hierarchy, tmp_path, title="Musterstadt", catalogue=catalogue)
    assert index == tmp_path / "report" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert "Rangfolge" in html and "Bürgeramt" in html
    assert "Protokoll der Geheimhaltung" in html and "Prüfung bestanden" in html
    assert quartier.audit(tables)["resident"]["passed"] is True
    for svg in sorted((cli_out / "report" / "maps").glob("*.svg")):
        ours = tmp_path / "report" / "maps" / svg.name
        assert ours.read_bytes() == svg.read_bytes(), svg.name
    mine = gpd.read_file(tmp_path / "gis" / "quartier.gpkg", layer="quartier")
    theirs = gpd.read_file(cli_out / "gis" / "quartier.gpkg", layer="quartier")
    pd.testing.assert_frame_equal(mine, theirs)
    frame = quartier.analyze(tables, hierarchy)
    np.testing.assert_allclose(
        mine["composite"].to_numpy(dtype=float), frame["composite"].to_numpy(dtype=float)
    )

    english = quartier.report(tables, hierarchy, tmp_path / "en", language="en", draws=0)
    assert 'lang="en"' in english.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="language"):
        quartier.report(tables, hierarchy, tmp_path / "x", language="fr")
    with pytest.raises(ValueError, match="entry 0 lacks office"):
        quartier.report(tables, hierarchy, tmp_path / "x", catalogue=[{"dataset": "resident",
                        "title": "t", "reference_date": "2021-12-31"}])
    assert issubclass(quartier.RenderError, quartier.QuartierError)
    assert issubclass(quartier.RenderError, ValueError)


def test_protected_tables_handle_carries_the_protocol_of_its_run(demo) -> None:
    """The handle protect returns: datasets, layers and the protocol of the run that made it,
    the same document anonymize returns for the same input."""
    import json

    hierarchy, tables = demo
    assert isinstance(tables, quartier.ProtectedTables)
    assert tables.datasets() == ["resident", "kita", "child_support"]
    assert len(tables) == 3
    layers = dict(tables.layers())
    assert "baublock" in layers["resident"] and "baublock" not in layers["kita"]
    _, records, groupings = quartier.demo_town(2019)
    _, protocol = quartier.anonymize(
        records, hierarchy, snap=5.0, groupings=groupings, finest_levels=FINEST
    )
    assert json.loads(tables.protocol()) == protocol
