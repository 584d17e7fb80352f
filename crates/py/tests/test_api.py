"""quartier.indicators and quartier.rank: the analyze phase step by step (issue 6).

Oracles, none of them the code under test:

- the protected tables the CLI writes (``protected_<dataset>.csv``): every indicator value is
  recomputed here from the published cells (a sum is known when each of its cells is
  published, or when the row total and every other category are), areas from the CLI's
  ``quartier.geojson`` with shapely;
- ``quartier.analyze``'s ranking table (the seed procedure, itself checked against the CLI's
  ``ranking.csv``): the same indicators and, fed the same values, the same composite, ranks,
  selection and drivers;
- NumPy/pandas re-implementations of z-scores and rank normalization for small inputs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import quartier

pd = pytest.importorskip("pandas")

SEED_WEIGHTS = {
    "under25_share": 0.5,
    "under25_density": 0.5,
    "kita_low_income_share": 1.0,
    "child_support_rate": 1.0,
}
UNDER_25 = ["0-2", "3-5", "6-9", "10-11", "12-17", "18-24"]
UNDER_12 = ["0-2", "3-5", "6-9", "10-11"]


@pytest.fixture(scope="module")
def cli_out(demo_out) -> Path:
    """The shared ``quartier demo`` output (conftest.py)."""
    return demo_out


@pytest.fixture(scope="module")
def analyzed(demo):
    hierarchy, tables = demo
    return quartier.analyze(tables, hierarchy, draws=0, permutations=0)


# ---------------------------------------------------------------------------------------------
# The independent indicator oracle: published cells of the CLI's files
# ---------------------------------------------------------------------------------------------


class Published:
    """The published cells of one dataset at one level: ``cells[unit][category]`` (None =
    suppressed), read from the CLI's long CSV."""

    def __init__(self, path: Path, level: str) -> None:
        frame = pd.read_csv(path, dtype={"unit_id": str, "parent_id": str, "category": str})
        frame = frame[frame["layer"] == level]
        self.categories = [c for c in dict.fromkeys(frame["category"]) if c != "total"]
        self.cells: dict[str, dict[str, int | None]] = {}
        for row in frame.itertuples():
            value = None if row.status == "suppressed" else int(row.value)
            self.cells.setdefault(row.unit_id, {})[row.category] = value

    def term(self, unit: str, categories: list[str] | None) -> int | None:
        """The sum of ``categories`` (None = the total), or None when it is not derivable."""
        row = self.cells[unit]
        if not categories:
            return row["total"]
        parts = [row[c] for c in categories]
        if all(p is not None for p in parts):
            return sum(parts)
        others = [row[c] for c in self.categories if c not in categories]
        if row["total"] is None or any(o is None for o in others):
            return None
        return row["total"] - sum(others)


def expected_ratio(num: int | None, den: float | None, scale: float) -> tuple[float, str]:
    if num is None or den is None:
        return np.nan, "suppressed"
    if den == 0:
        return np.nan, "zero_denominator"
    return num / den * scale, "ok"


@pytest.fixture(scope="module")
def published(cli_out):
    return {
        d: Published(cli_out / f"protected_{d}.csv", "quartier")
        for d in ("resident", "kita", "child_support")
    }


@pytest.fixture(scope="module")
def areas_km2(cli_out) -> dict[str, float]:
    gpd = pytest.importorskip("geopandas")
    quarters = gpd.read_file(cli_out / "quartier.geojson")
    import shapely

    # Planar areas in the file's metric CRS (shapely ignores the CRS geopandas assumes).
    area_m2 = shapely.area(np.asarray(quarters.geometry))
    return dict(zip(quarters["id"].astype(str), area_m2 / 1e6))


def test_seed_indicators_equal_the_published_cells(demo, published, areas_km2) -> None:
    hierarchy, tables = demo
    frame = quartier.indicators(tables, hierarchy)
    assert list(frame["unit_id"]) == hierarchy.units("quartier")
    res, kita, cs = published["resident"], published["kita"], published["child_support"]
    statuses = set()
    for row in frame.itertuples(index=False):
        u = row.unit_id
        population = res.term(u, None)
        assert (pd.isna(row.population) and population is None) or row.population == population
        assert row.area_km2 == pytest.approx(areas_km2[u], rel=1e-9)
        under25 = res.term(u, UNDER_25)
        expected = {
            "under25_share": expected_ratio(under25, res.term(u, None), 100.0),
            "under25_density": expected_ratio(under25, areas_km2[u], 1.0),
            "kita_low_income_share": expected_ratio(
                kita.term(u, ["bracket_1", "bracket_2"]), kita.term(u, None), 100.0
            ),
            "child_support_rate": expected_ratio(
                cs.term(u, ["0-5", "6-11"]), res.term(u, UNDER_12), 100.0
            ),
        }
        for name, (value, status) in expected.items():
            got = getattr(row, name)
            assert getattr(row, f"{name}_status") == status, (u, name)
            statuses.add(status)
            if status == "ok":
                assert got == pytest.approx(value, rel=1e-9), (u, name)
                # No smoothing asked: the smoothed column is the value.
                assert getattr(row, f"{name}_smoothed") == got
            else:
                assert np.isnan(got) and np.isnan(getattr(row, f"{name}_smoothed"))
    # The demo has both kinds, so both branches above were exercised.
    assert {"ok", "suppressed"} <= statuses


def test_seed_indicators_equal_analyze(demo, analyzed) -> None:
    hierarchy, tables = demo
    frame = quartier.indicators(tables, hierarchy)
    assert list(frame["unit_id"]) == list(analyzed["unit_id"])
    pd.testing.assert_series_equal(
        frame["population"], analyzed["population"].astype("Int64"), check_names=False
    )
    for name in SEED_WEIGHTS:
        np.testing.assert_array_equal(frame[name].to_numpy(), analyzed[name].to_numpy())
        assert list(frame[f"{name}_status"]) == list(analyzed[f"{name}_status"])


def test_custom_specs(demo, published, areas_km2) -> None:
    hierarchy, tables = demo
    specs = [
        {
            "name": "under6_share",
            "label": "Children under 6 (%)",
            "measure": "share",
            "numerator": {"dataset": "resident", "categories": ["0-2", "3-5"]},
            "denominator": {"dataset": "resident"},
        },
        {
            "name": "kita_per_1000",
            "measure": "rate",
            "numerator": {"dataset": "kita"},
            "denominator": {"dataset": "resident", "categories": ["0-2", "3-5"]},
            "per": 1000,
        },
        {
            "name": "kita_density",
            "measure": "density",
            "numerator": {"dataset": "kita"},
            "area": "unit",
        },
    ]
    frame = quartier.indicators(tables, hierarchy, specs=specs)
    assert list(frame.columns) == [
        "unit_id",
        "population",
        "area_km2",
        *[f"{s['name']}{suffix}" for s in specs for suffix in ("", "_status", "_smoothed")],
    ]
    res, kita = published["resident"], published["kita"]
    known = 0
    for row in frame.itertuples(index=False):
        u = row.unit_id
        under6 = res.term(u, ["0-2", "3-5"])
        for name, (value, status) in {
            "under6_share": expected_ratio(under6, res.term(u, None), 100.0),
            "kita_per_1000": expected_ratio(kita.term(u, None), under6, 1000.0),
            "kita_density": expected_ratio(kita.term(u, None), areas_km2[u], 1.0),
        }.items():
            assert getattr(row, f"{name}_status") == status, (u, name)
            if status == "ok":
                known += 1
                assert getattr(row, name) == pytest.approx(value, rel=1e-9), (u, name)
    assert known > 0


def test_empirical_bayes_equals_analyze_smoothed_values(demo) -> None:
    hierarchy, tables = demo
    doc = quartier.analyze(tables, hierarchy, draws=0, permutations=0, as_json=True)
    specs = [
        {
            "name": "child_support_rate",
            "measure": "rate",
            "numerator": {"dataset": "child_support", "categories": ["0-5", "6-11"]},
            "denominator": {"dataset": "resident", "categories": UNDER_12},
            "per": 100,
            "smoothing": "empirical_bayes",
        }
    ]
    frame = quartier.indicators(tables, hierarchy, specs=specs)
    expected = np.array(
        [
            np.nan if u["indicators"]["child_support_rate"]["smoothed"] is None
            else u["indicators"]["child_support_rate"]["smoothed"]
            for u in doc["units"]
        ]
    )
    np.testing.assert_allclose(frame["child_support_rate_smoothed"], expected, rtol=1e-12)
    # Smoothing moves at least one rate (else this compares values with themselves).
    raw = frame["child_support_rate"].to_numpy()
    ok = ~np.isnan(raw)
    assert not np.allclose(raw[ok], expected[ok])


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({"measure": "share"}, "`name`"),
        ({"name": "x", "measure": "share", "numerator": {"dataset": "resident"}}, "denominator"),
        ({"name": "x", "measure": "ratio", "numerator": {"dataset": "resident"}}, "`measure`"),
        (
            {"name": "x", "measure": "share", "numerater": {}, "numerator": {}},
            "unknown key `numerater`",
        ),
        ({"name": "x", "measure": "density", "numerator": {"dataset": "pets"}}, "numerator.dataset"),
        (
            {"name": "x", "measure": "density", "numerator": {"dataset": "kita", "categories": "0-2"}},
            "numerator.categories",
        ),
        (
            {"name": "x", "measure": "rate", "per": "many", "numerator": {"dataset": "kita"},
             "denominator": {"dataset": "kita"}},
            "`per`",
        ),
        ({"name": "x", "measure": "density", "numerator": {"dataset": "kita"}, "per": 100}, "`per`"),
        # Errors of the core: an unknown category, an invalid name.
        (
            {"name": "x", "measure": "density",
             "numerator": {"dataset": "resident", "categories": ["CANARY-4711"]}},
            "no category `CANARY-4711`",
        ),
        ({"name": "a b", "measure": "density", "numerator": {"dataset": "kita"}}, "not a column name"),
    ],
)
def test_bad_specs_raise_indicator_error_naming_the_key(demo, spec, needle) -> None:
    hierarchy, tables = demo
    with pytest.raises(quartier.IndicatorError, match=None) as caught:
        quartier.indicators(tables, hierarchy, specs=[spec])
    assert needle in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_unknown_level_is_indicator_error(demo) -> None:
    hierarchy, tables = demo
    with pytest.raises(quartier.IndicatorError, match="unknown level `kreis`"):
        quartier.indicators(tables, hierarchy, level="kreis")


# ---------------------------------------------------------------------------------------------
# rank
# ---------------------------------------------------------------------------------------------


def test_rank_equals_the_point_ranking_of_analyze(analyzed) -> None:
    values = analyzed.set_index("unit_id")[list(SEED_WEIGHTS)]
    got = quartier.rank(values, population=analyzed["population"], weights=SEED_WEIGHTS)
    assert list(got["unit_id"]) == list(analyzed["unit_id"])
    for name in SEED_WEIGHTS:
        np.testing.assert_allclose(
            got[f"{name}_norm"], analyzed[f"{name}_norm"], rtol=1e-12, atol=1e-12
        )
    np.testing.assert_allclose(got["composite"], analyzed["composite"], rtol=1e-12, atol=1e-12)
    pd.testing.assert_series_equal(
        got["rank"], analyzed["rank"].astype("Int64"), check_names=False
    )
    assert list(got["selected"]) == list(analyzed["selected"])
    assert list(got["drivers"]) == list(analyzed["drivers"].fillna(""))
    assert list(got["excluded"] != "") == list(analyzed["excluded"].notna())
    assert got["selected"].any()
    assert "rank_median" not in got.columns


def test_rank_equals_numpy_zscores() -> None:
    """Enger without a minimum: z-scores (ddof 0), weighted mean, re-standardized."""
    rng = np.random.default_rng(7)
    a, b = rng.normal(10, 3, 12), rng.normal(50, 9, 12)
    got = quartier.rank(
        {"a": a, "b": b},
        directions={"b": "lower_is_worse"},
        weights=[2.0, 1.0],
        min_population="none",
    )
    z = lambda x: (x - x.mean()) / x.std()  # noqa: E731 (ddof = 0)
    composite = z((2 * z(a) + z(-b)) / 3)
    np.testing.assert_allclose(got["composite"], composite, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["b_norm"], z(-b), rtol=1e-12, atol=1e-12)
    ranks = pd.Series(-composite).rank(method="min").astype("Int64")
    pd.testing.assert_series_equal(got["rank"], ranks, check_names=False)
    assert list(got["selected"]) == list(composite > 1.0)
    assert list(got["unit_id"]) == [str(i) for i in range(12)]


def test_rank_normalization_selection_and_missing_values() -> None:
    x = np.array([3.0, 1.0, np.nan, 7.0, 5.0, 2.0])
    y = np.array([1.0, 4.0, 2.0, 9.0, 3.0, 6.0])
    units = ["A", "B", "C", "D", "E", "F"]
    got = quartier.rank(
        {"x": x, "y": y},
        units=units,
        normalization="rank",
        min_population="none",
        selection=("top", 2),
    )
    # Average ranks over the units that have a value; C is ranked on y alone (re-weighted).
    rx = pd.Series(x).rank(method="average").to_numpy()
    ry = pd.Series(y).rank(method="average").to_numpy()
    mean = np.where(np.isnan(rx), ry, (rx + ry) / 2)
    composite = (mean - mean.mean()) / mean.std()
    np.testing.assert_allclose(got["composite"], composite, rtol=1e-12)
    assert np.isnan(got["x_norm"][2])
    assert list(got["unit_id"]) == units
    # Top 2 by rank: E and F tie for rank 2 and are both selected.
    top2 = pd.Series(-composite, index=units).rank(method="min") <= 2
    assert list(got["selected"]) == list(top2)
    assert got["selected"].sum() == 3
    # berlin_mss excludes a unit with a missing value instead.
    mss = quartier.rank({"x": x, "y": y}, units=units, preset="berlin_mss", min_population="none")
    assert mss["excluded"][2] == "missing" and pd.isna(mss["rank"][2])


def test_population_minimum_and_unknown_population() -> None:
    values = {"x": np.array([1.0, 2.0, 3.0, 4.0])}
    got = quartier.rank(values, population=np.array([500.0, 299.0, np.nan, 300.0]))
    assert list(got["excluded"]) == ["", "below_minimum_population", "population_unknown", ""]
    # Without population the enger minimum excludes every unit: nothing is ranked.
    none = quartier.rank(values, selection="none", min_population=0)
    assert (none["excluded"] == "population_unknown").all()


def test_rank_uncertainty_is_ordered_and_deterministic(analyzed) -> None:
    values = analyzed.set_index("unit_id")[list(SEED_WEIGHTS)]
    kwargs = dict(population=analyzed["population"], weights=SEED_WEIGHTS, draws=300)
    first = quartier.rank(values, seed=5, **kwargs)
    again = quartier.rank(values, seed=5, **kwargs)
    other = quartier.rank(values, seed=6, **kwargs)
    pd.testing.assert_frame_equal(first, again)
    assert not first["p_selected"].equals(other["p_selected"])
    ranked = first[first["rank"].notna()]
    assert len(ranked) > 3
    assert (ranked["rank_p05"] <= ranked["rank_median"]).all()
    assert (ranked["rank_median"] <= ranked["rank_p95"]).all()
    assert ranked["p_selected"].between(0, 1).all()
    # The point ranking is unchanged by the draws.
    point = quartier.rank(values, population=analyzed["population"], weights=SEED_WEIGHTS)
    pd.testing.assert_series_equal(first["composite"], point["composite"])
    # Excluded units have no interval.
    assert first.loc[first["rank"].isna(), "rank_median"].isna().all()


def test_one_criterion_has_no_rank_uncertainty() -> None:
    """Weights are the only perturbation: with one criterion every draw is the point ranking."""
    x = np.array([4.0, 9.0, 1.0, 7.0, 3.0, 8.0, 2.0])
    got = quartier.rank({"x": x}, min_population="none", draws=50)
    ranks = got["rank"].astype(float)
    np.testing.assert_array_equal(got["rank_median"], ranks)
    np.testing.assert_array_equal(got["rank_p05"], ranks)
    np.testing.assert_array_equal(got["rank_p95"], ranks)
    np.testing.assert_array_equal(got["p_selected"], got["selected"].astype(float))


def test_rank_input_errors() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="contiguous"):
        quartier.rank({"x": np.arange(8.0)[::2]})
    with pytest.raises(quartier.RankError, match="non-finite value for unit `2`"):
        quartier.rank({"x": np.array([1.0, 2.0, np.inf, 4.0])}, min_population="none")
    with pytest.raises(quartier.RankError, match="unknown preset `berlin`"):
        quartier.rank({"x": x}, preset="berlin")
    with pytest.raises(quartier.RankError, match="unknown normalization"):
        quartier.rank({"x": x}, normalization="z")
    with pytest.raises(quartier.RankError, match="unknown criterion `y`"):
        quartier.rank({"x": x}, directions={"y": "lower_is_worse"})
    with pytest.raises(quartier.RankError, match="unknown direction"):
        quartier.rank({"x": x}, directions={"x": "down"})
    with pytest.raises(quartier.RankError, match="1 weights given for 2 criteria"):
        quartier.rank({"x": x, "y": x}, weights=[1.0])
    with pytest.raises(quartier.RankError, match="selection must be"):
        quartier.rank({"x": x}, selection=("best", 2))
    with pytest.raises(quartier.RankError, match="same value for every ranked unit"):
        quartier.rank({"x": np.ones(4)}, min_population="none")
    with pytest.raises(quartier.RankError, match="values of `x` has 4 values but there are 3 units"):
        quartier.rank({"x": x}, units=["a", "b", "c"])
    with pytest.raises(quartier.RankError, match="no criteria"):
        quartier.rank({})


def test_dict_form_has_the_dataframe_columns(demo) -> None:
    """The dict (no-pandas) form holds the same columns as the DataFrame."""
    hierarchy, tables = demo
    columns = quartier._quartier._indicators(hierarchy, tables, "quartier", None)
    frame = quartier.indicators(tables, hierarchy)
    assert list(columns) == list(frame.columns)
    assert json.dumps(list(columns["unit_id"])) == json.dumps(list(frame["unit_id"]))
