"""Spatial statistics against libpysal and esda on Berlin's planning areas.

Oracles, on the real Shapefile (542 planning areas, EPSG:25833) and the MSS 2021 indicators
(S4, child poverty share, on the 536 areas with a valid value):

- neighbour lists: ``libpysal.weights.Queen.from_dataframe`` / ``Rook.from_dataframe``
  (``use_index=False``), equal list by list;
- global Moran: ``esda.Moran(y, w)`` with ``w.transform = "r"``: I, EI, VI_norm, z_norm and
  p_norm to 1e-9, on a real variable (S4, joined on PLR_ID), on a seeded random one, and on a
  subset of the areas with islands;
- local Moran: ``esda.Moran_Local``'s ``Is`` to 1e-9 and quadrants ``q`` exactly.

Permutation p-values cannot be equal (esda draws with NumPy's generator): with 9,999
permutations each, the test compares them statistically, as stated at each assertion.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import esda  # type: ignore[import-untyped]
import geopandas as gpd
import libpysal  # type: ignore[import-untyped]
import numpy as np
import pandas as pd
import pytest
import shapely

import quartier

DATA = Path(
    os.environ.get(
        "QUARTIER_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data"
    )
)
LOR = DATA / "berlin-lor-2021-geometries"
PLANNING_AREAS = LOR / "lor_planungsraeume_2021.shp"
MSS = DATA / "berlin-mss-2021" / "tesch_mss_2021_index_indikatoren.csv"


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    frame = gpd.read_file(PLANNING_AREAS)
    mss = pd.read_csv(MSS, dtype={"PLR_ID": str})
    merged = frame.merge(mss[["PLR_ID", "S4"]], on="PLR_ID", how="left", validate="1:1")
    assert len(merged) == 542
    # Six areas with under 300 residents or outliers carry the sentinel -9999: drop them, so
    # the variable and the weights are those of the remaining 536 areas.
    valid = merged[merged["S4"] != -9999].reset_index(drop=True)
    assert len(valid) == 536
    assert valid["S4"].between(0, 100).all()
    return valid


def libpysal_weights(frame: gpd.GeoDataFrame, kind: str) -> libpysal.weights.W:
    cls = libpysal.weights.Queen if kind == "queen" else libpysal.weights.Rook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands
        return cls.from_dataframe(frame, use_index=False)


def libpysal_lists(w: libpysal.weights.W) -> list[list[int]]:
    return [sorted(w.neighbors[i]) for i in range(w.n)]


@pytest.mark.parametrize("kind", ["queen", "rook"])
@pytest.mark.parametrize(
    "layer", ["lor_planungsraeume_2021.shp", "lor_bezirksregionen_2021.shp"]
)
def test_neighbour_lists_equal_libpysal(kind: str, layer: str) -> None:
    frame = gpd.read_file(LOR / layer)
    ours = quartier.contiguity(frame.geometry, kind=kind)
    expected = libpysal_lists(libpysal_weights(frame, kind))
    assert len(ours) == len(frame)
    assert ours.to_lists() == expected
    assert ours.n_links == sum(len(n) for n in expected) > 2 * len(frame)
    assert list(ours.islands()) == [i for i, n in enumerate(expected) if not n]


def test_rook_is_stricter_than_queen_on_berlin(areas: gpd.GeoDataFrame) -> None:
    queen = quartier.contiguity(areas.geometry, kind="queen")
    rook = quartier.contiguity(areas.geometry, kind="rook")
    assert rook.n_links < queen.n_links
    for i in range(len(queen)):
        assert set(rook.neighbours(i)) <= set(queen.neighbours(i))
    # A tolerance only adds neighbours (these layers are exactly noded, so few or none).
    loose = quartier.contiguity(areas.geometry, kind="queen", tolerance=0.5)
    for i in range(len(queen)):
        assert set(queen.neighbours(i)) <= set(loose.neighbours(i))


def assert_moran_equals_esda(y: np.ndarray, ours: quartier.Weights, w: libpysal.weights.W) -> None:
    w.transform = "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = esda.Moran(y, w, permutations=0)
    got = quartier.moran(y, ours, permutations=0)
    for ours_key, esda_attr in [
        ("I", "I"),
        ("EI", "EI"),
        ("VI_norm", "VI_norm"),
        ("z_norm", "z_norm"),
        ("p_norm", "p_norm"),
    ]:
        assert got[ours_key] == pytest.approx(getattr(expected, esda_attr), abs=1e-9, rel=0), (
            ours_key
        )
    assert got["p_sim"] is None


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_moran_equals_esda_on_s4_and_random_values(areas: gpd.GeoDataFrame, kind: str) -> None:
    ours = quartier.contiguity(areas.geometry, kind=kind)
    w = libpysal_weights(areas, kind)
    s4 = areas["S4"].to_numpy(dtype=np.float64)
    assert_moran_equals_esda(s4, ours, w)
    noise = np.random.default_rng(20261201).normal(50.0, 10.0, len(areas))
    assert_moran_equals_esda(noise, ours, w)
    # S4 (child poverty) clusters strongly; the noise does not.
    assert quartier.moran(s4, ours, permutations=0)["z_norm"] > 10
    assert abs(quartier.moran(noise, ours, permutations=0)["z_norm"]) < 4


def test_moran_with_islands_equals_esda(areas: gpd.GeoDataFrame) -> None:
    # Every third area: many areas lose all their neighbours.
    subset = areas.iloc[::3].reset_index(drop=True)
    ours = quartier.contiguity(subset.geometry, kind="rook")
    w = libpysal_weights(subset, "rook")
    assert ours.to_lists() == libpysal_lists(w)
    assert len(ours.islands()) >= 5
    # A strided view of the column: the binding refuses to copy silently.
    y = np.ascontiguousarray(subset["S4"].to_numpy(dtype=np.float64))
    assert_moran_equals_esda(y, ours, w)
    w.transform = "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = esda.Moran_Local(y, w, permutations=0)
    got = quartier.local_moran(y, ours, permutations=0)
    np.testing.assert_allclose(got["Is"], expected.Is, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(got["q"], expected.q)


@pytest.mark.parametrize("kind", ["queen", "rook"])
def test_local_moran_equals_esda(areas: gpd.GeoDataFrame, kind: str) -> None:
    ours = quartier.contiguity(areas.geometry, kind=kind)
    w = libpysal_weights(areas, kind)
    w.transform = "r"
    y = areas["S4"].to_numpy(dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = esda.Moran_Local(y, w, permutations=0)
    got = quartier.local_moran(y, ours, permutations=0)
    np.testing.assert_allclose(got["Is"], expected.Is, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(got["q"], expected.q)
    assert got["q"].dtype == np.uint8
    assert set(np.unique(got["q"])) == {1, 2, 3, 4}
    assert got["p_sim"] is None


def test_permutation_p_values_agree_with_esda_statistically(areas: gpd.GeoDataFrame) -> None:
    """Not equal draws, equal distributions: both are Monte Carlo estimates of the same
    exact permutation p-values, each with a binomial standard error of at most
    sqrt(0.25 / 9999) = 0.005."""
    ours = quartier.contiguity(areas.geometry, kind="queen")
    w = libpysal_weights(areas, "queen")
    w.transform = "r"
    noise = np.random.default_rng(7).normal(0.0, 1.0, len(areas))
    s4 = areas["S4"].to_numpy(dtype=np.float64)
    perms = 9999
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(11)
        global_esda = esda.Moran(noise, w, permutations=perms)
        local_esda = esda.Moran_Local(s4, w, permutations=perms, seed=12)
    global_ours = quartier.moran(noise, ours, permutations=perms, seed=11)
    local_ours = quartier.local_moran(s4, ours, permutations=perms, seed=12)

    # Global: the folded p-values differ by less than 4 combined standard errors.
    assert abs(global_ours["p_sim"] - global_esda.p_sim) < 4 * np.sqrt(2 * 0.25 / perms)
    # The permutation mean and sd estimate the same moments (sd of the mean ~ sd / 100).
    assert global_ours["EI_sim"] == pytest.approx(global_esda.EI_sim, abs=0.002)
    assert global_ours["seI_sim"] == pytest.approx(global_esda.seI_sim, rel=0.05)

    # Local: per unit within 4 combined standard errors of p (p(1 - p) / perms each), on
    # average much closer, and the same units significant at 0.05 up to those near 0.05.
    p_ours, p_esda = local_ours["p_sim"], local_esda.p_sim
    se = np.sqrt(2 * np.maximum(p_esda * (1 - p_esda), 1 / perms) / perms)
    assert np.all(np.abs(p_ours - p_esda) < 4 * se + 1e-12), np.max(np.abs(p_ours - p_esda) / se)
    # Two independent estimates differ by 0.8 se on average; esda reuses one set of draws
    # for all units, so its errors are correlated across units: allow twice that.
    assert np.mean(np.abs(p_ours - p_esda)) < 2 * np.mean(0.8 * se)
    sig_ours, sig_esda = p_ours < 0.05, p_esda < 0.05
    jaccard = (sig_ours & sig_esda).sum() / (sig_ours | sig_esda).sum()
    assert jaccard > 0.9, jaccard
    assert sig_esda.sum() > 50  # S4 has many significant clusters: the check is not vacuous


def test_permutations_are_seeded(areas: gpd.GeoDataFrame) -> None:
    ours = quartier.contiguity(areas.geometry, kind="queen")
    y = areas["S4"].to_numpy(dtype=np.float64)
    a = quartier.local_moran(y, ours, permutations=99, seed=1)
    b = quartier.local_moran(y, ours, permutations=99, seed=1)
    c = quartier.local_moran(y, ours, permutations=99, seed=2)
    np.testing.assert_array_equal(a["p_sim"], b["p_sim"])
    assert not np.array_equal(a["p_sim"], c["p_sim"])
    assert quartier.moran(y, ours, seed=5) == quartier.moran(y, ours, seed=5)


def test_weights_from_libpysal_lists_round_trip(areas: gpd.GeoDataFrame) -> None:
    lists = libpysal_lists(libpysal_weights(areas, "queen"))
    w = quartier.Weights.from_neighbours(lists)
    assert w == quartier.contiguity(areas.geometry, kind="queen")
    np.testing.assert_array_equal(w.cardinalities(), [len(n) for n in lists])
    assert w.offsets[-1] == len(w.indices) == w.n_links
    assert w.neighbours(0) == lists[0]


def test_errors() -> None:
    w = quartier.Weights.from_neighbours([[1], [0, 2], [1]])
    with pytest.raises(quartier.QuartierError, match="2 values were given for weights of 3"):
        quartier.moran(np.array([1.0, 2.0]), w)
    with pytest.raises(quartier.QuartierError, match="position 1 is not finite"):
        quartier.local_moran(np.array([1.0, np.nan, 2.0]), w)
    with pytest.raises(quartier.QuartierError, match="all 3 values are equal"):
        quartier.moran(np.array([2.0, 2.0, 2.0]), w)
    with pytest.raises(TypeError):
        quartier.moran(np.array([1, 2, 3]), w)  # int64
    with pytest.raises(ValueError, match="contiguous"):
        quartier.moran(np.arange(6.0)[::2], w)
    with pytest.raises(quartier.QuartierError, match="does not list unit 0"):
        quartier.Weights.from_neighbours([[1], []])
    with pytest.raises(IndexError):
        w.neighbours(3)
    squares = [shapely.box(0, 0, 1, 1), shapely.Polygon(), shapely.box(1, 0, 2, 1)]
    with pytest.raises(quartier.QuartierError, match="polygon 1 is empty"):
        quartier.contiguity(squares)
    with pytest.raises(ValueError, match="queen"):
        quartier.contiguity(squares[:1], kind="bishop")
    with pytest.raises(quartier.QuartierError, match="tolerance"):
        quartier.contiguity(squares[:1], tolerance=-1.0)


def test_multipolygons_and_holes() -> None:
    outer = shapely.Polygon(
        [(0, 0), (3, 0), (3, 3), (0, 3)], holes=[[(1, 1), (1, 2), (2, 2), (2, 1)]]
    )
    enclave = shapely.box(1, 1, 2, 2)
    two_parts = shapely.MultiPolygon([shapely.box(3, 0, 4, 1), shapely.box(5, 0, 6, 1)])
    far = shapely.box(10, 10, 11, 11)
    polygons = [outer, enclave, two_parts, far]
    # two_parts touches outer's edge (3,0)-(3,3) along (3,0)-(3,1): a common vertex (3,0) but
    # no common edge, since outer has no vertex at (3,1) (libpysal's semantics).
    queen = quartier.contiguity(polygons, kind="queen")
    assert queen.to_lists() == [[1, 2], [0], [0], []]
    rook = quartier.contiguity(polygons, kind="rook")
    assert rook.to_lists() == [[1], [0], [], []]
    assert repr(rook) == "Weights(units=4, links=2, islands=2)"
    frame = gpd.GeoDataFrame(geometry=polygons)
    assert queen.to_lists() == libpysal_lists(libpysal_weights(frame, "queen"))
    assert rook.to_lists() == libpysal_lists(libpysal_weights(frame, "rook"))
