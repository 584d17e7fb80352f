"""Class breaks: quartier's bins and classes equal mapclassify's on the same data.

mapclassify 2.10 is the oracle for ``Quantiles``, ``EqualInterval``, ``StdMean``,
``UserDefined`` and ``FisherJenks`` (``.bins`` and ``.yb``). For Fisher–Jenks a second,
independent oracle is a plain O(k·n²) dynamic program in NumPy below: mapclassify runs its
program in 32-bit floats and can miss the optimum, where quartier must not.

The Berlin MSS 2021 indicator table lives beside the project in ``../shared/data`` (or
``$QUARTIER_SHARED_DATA``); a missing file is a failure, not a skip.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import mapclassify as mc
import numpy as np
import pandas as pd
import pytest

import quartier

DATA = Path(
    os.environ.get(
        "QUARTIER_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data"
    )
)
MSS = DATA / "berlin-mss-2021" / "tesch_mss_2021_index_indikatoren.csv"

#: The exception of the classify errors (a dedicated subclass once the bindings define one).
ERROR = getattr(quartier, "ClassifyError", quartier.QuartierError)

SENTINEL = -9999.0  # the MSS table's code for planning areas without valid values


def mss(column: str, *, keep_sentinel: bool = False) -> np.ndarray:
    table = pd.read_csv(MSS, dtype={"PLR_ID": str})
    assert len(table) == 542
    values = table[column].to_numpy(dtype=np.float64)
    if not keep_sentinel:
        values = values[values != SENTINEL]
    return np.ascontiguousarray(values)


def datasets() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20210)
    return {
        "normal-200": rng.normal(50.0, 10.0, 200),
        "normal-1000": rng.normal(-3.0, 0.5, 1000),
        "lognormal-500": rng.lognormal(0.0, 1.0, 500),
        "lognormal-3000": rng.lognormal(3.0, 1.2, 3000),
        "ties-rounded-300": np.round(rng.normal(0.0, 3.0, 300)),
        "ties-one-decimal-400": np.round(rng.gamma(2.0, 5.0, 400), 1),
        "berlin-mss-s4": mss("S4"),
        "berlin-mss-s3": mss("S3"),
    }


DATASETS = datasets()
KS = [1, 2, 3, 4, 5, 7, 9]


def quiet(cls, *args, **kwargs):
    """A mapclassify classifier, without its warnings about collapsed classes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(*args, **kwargs)


def check_same(values: np.ndarray, bins: np.ndarray, oracle) -> None:
    np.testing.assert_allclose(bins, oracle.bins, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(quartier.classify(values, bins), oracle.yb)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("k", [*KS, 10, 29, 31])
def test_quantiles_equal_mapclassify(name: str, k: int) -> None:
    values = DATASETS[name]
    bins = quartier.class_breaks(values, "quantiles", k=k)
    check_same(values, bins, quiet(mc.Quantiles, values, k=k))


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("k", [*KS, 10, 29, 31])
def test_equal_interval_equals_mapclassify(name: str, k: int) -> None:
    values = DATASETS[name]
    bins = quartier.class_breaks(values, "equal_interval", k=k)
    check_same(values, bins, quiet(mc.EqualInterval, values, k=k))


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize(
    "multiples", [None, [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], [-3.0, -1.5, 1.5, 3.0], [0.0], [-1.0, 4.0]]
)
def test_std_mean_equals_mapclassify(name: str, multiples: list[float] | None) -> None:
    values = DATASETS[name]
    bins = quartier.class_breaks(values, "std_mean", multiples=multiples)
    oracle = quiet(mc.StdMean, values) if multiples is None else quiet(
        mc.StdMean, values, multiples=multiples
    )
    check_same(values, bins, oracle)


@pytest.mark.parametrize("name", DATASETS)
def test_manual_equals_user_defined(name: str) -> None:
    values = DATASETS[name]
    lo, hi = np.percentile(values, [10, 60])
    for breaks in ([lo, hi], [lo], [values.max()], [lo, hi, values.max() + 1.0]):
        bins = quartier.class_breaks(values, "manual", breaks=breaks)
        check_same(values, bins, quiet(mc.UserDefined, values, breaks))


def fisher_jenks_oracle(values: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Exact Fisher–Jenks by the plain O(k·n²) program in float64: bins and least cost.

    Among equal costs the earliest start of the last class wins (mapclassify's rule).
    """
    x = np.sort(values)
    n = len(x)
    shifted = x - x.mean()
    s1 = np.concatenate([[0.0], np.cumsum(shifted)])
    s2 = np.concatenate([[0.0], np.cumsum(shifted * shifted)])
    j = np.arange(1, n + 1)
    cost = np.concatenate([[0.0], s2[1:] - s1[1:] ** 2 / j])
    start = np.zeros((k + 1, n + 1), dtype=np.int64)
    for c in range(2, k + 1):
        nxt = np.full(n + 1, np.inf)
        for end in range(c, n + 1):
            i = np.arange(c - 1, end)
            total = cost[i] + (s2[end] - s2[i]) - (s1[end] - s1[i]) ** 2 / (end - i)
            best = int(np.argmin(total))
            nxt[end] = total[best]
            start[c, end] = i[best]
        cost = nxt
    ends = [n]
    for c in range(k, 1, -1):
        ends.append(int(start[c, ends[-1]]))
    return x[np.array(ends[::-1]) - 1], float(cost[n])


def within_ss(values: np.ndarray, bins: np.ndarray) -> float:
    """Total squared deviation from the class means, two-pass per class."""
    classes = np.searchsorted(bins, values, side="left")
    return float(
        sum(((values[classes == c] - values[classes == c].mean()) ** 2).sum() for c in np.unique(classes))
    )


FJ_CASES = [
    (name, k)
    for name in DATASETS
    for k in KS
    if not (name == "lognormal-3000" and k > 5)  # keeps the NumPy oracle's time small
]


#: Cases where mapclassify's 32-bit program misses the optimum (its within-class sum of
#: squares is larger than quartier's and the float64 oracle's).
MAPCLASSIFY_MISSES = {("normal-1000", 7)}


@pytest.mark.parametrize(("name", "k"), FJ_CASES)
def test_fisher_jenks_equals_mapclassify_and_the_exact_oracle(name: str, k: int) -> None:
    values = DATASETS[name]
    bins = quartier.class_breaks(values, "fisher_jenks", k=k)
    exact, _ = fisher_jenks_oracle(values, k)
    np.testing.assert_array_equal(bins, exact)
    oracle = quiet(mc.FisherJenks, values, k=k)
    if (name, k) in MAPCLASSIFY_MISSES:
        assert not np.array_equal(bins, oracle.bins)
        assert within_ss(values, bins) < within_ss(values, oracle.bins)
    else:
        check_same(values, bins, oracle)


def test_fisher_jenks_beats_mapclassify_where_its_float32_program_misses() -> None:
    # MSS S1 with the 6 sentinel rows kept: the -9999 outliers make mapclassify's 32-bit
    # sums too coarse for k = 9; it returns a partition with a larger within-class sum of
    # squares. quartier returns the optimum of the float64 oracle.
    values = mss("S1", keep_sentinel=True)
    k = 9
    bins = quartier.class_breaks(values, "fisher_jenks", k=k)
    theirs = quiet(mc.FisherJenks, values, k=k).bins
    exact, _ = fisher_jenks_oracle(values, k)
    np.testing.assert_array_equal(bins, exact)
    assert not np.array_equal(bins, theirs)
    assert within_ss(values, bins) < within_ss(values, theirs)


def test_method_names_are_flexible() -> None:
    values = DATASETS["normal-200"]
    ref = quartier.class_breaks(values, "fisher_jenks", k=4)
    for name in ("FisherJenks", "fisher-jenks", "FISHER_JENKS"):
        np.testing.assert_array_equal(quartier.class_breaks(values, name, k=4), ref)
    np.testing.assert_array_equal(
        quartier.class_breaks(values, "UserDefined", breaks=[50.0]),
        quartier.class_breaks(values, "manual", breaks=[50.0]),
    )


def test_classify_handles_nan_and_values_above_the_last_bin() -> None:
    classes = quartier.classify(np.array([np.nan, 0.0, 1.0, 1.5, 2.0, 3.0, -np.inf]), [1.0, 2.0])
    assert classes.dtype == np.int64
    assert classes.tolist() == [-1, 0, 0, 1, 1, -1, 0]
    # mapclassify's bins work as given, as a list or an array
    values = DATASETS["berlin-mss-s4"]
    oracle = mc.Quantiles(values, k=5)
    np.testing.assert_array_equal(quartier.classify(values, oracle.bins), oracle.yb)
    np.testing.assert_array_equal(quartier.classify(values, list(oracle.bins)), oracle.yb)


VALUES = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])


@pytest.mark.parametrize(
    ("values", "method", "kwargs", "message"),
    [
        (VALUES, "jenks", {}, "unknown classification method \"jenks\"; expected one of quantiles, equal_interval, fisher_jenks, std_mean, manual"),
        (np.array([]), "quantiles", {}, "no values to classify"),
        (np.array([1.0, 2.0, 3.0, np.nan]), "quantiles", {"k": 2}, "value at position 3 is not finite (NaN); drop missing units before classifying"),
        (np.array([np.inf, 2.0]), "std_mean", {}, "value at position 0 is not finite (inf); drop missing units before classifying"),
        (VALUES, "quantiles", {"k": 0}, "the number of classes must be at least 1"),
        (VALUES[:3], "equal_interval", {"k": 5}, "equal_interval needs at least 5 values, got 3"),
        (VALUES[:3], "quantiles", {"k": 4}, "quantiles needs at least 4 values, got 3"),
        (np.array([1.0, 1.0, 2.0, 2.0]), "fisher_jenks", {"k": 3}, "fisher_jenks needs at least 3 distinct values for 3 classes, got 2"),
        (np.full(4, 2.5), "equal_interval", {"k": 2}, "equal_interval needs values that are not all equal (all are 2.5)"),
        (np.full(4, 2.5), "std_mean", {}, "std_mean needs values that are not all equal (all are 2.5)"),
        (np.array([1.0]), "std_mean", {}, "std_mean needs at least 2 values, got 1"),
        (VALUES, "manual", {}, "manual needs breaks"),
        (VALUES, "manual", {"breaks": []}, "breaks must not be empty"),
        (VALUES, "manual", {"breaks": [1.0, 3.0, 2.0]}, "breaks must increase: breaks[2] = 2 after 3"),
        (VALUES, "manual", {"breaks": [1.0, np.nan]}, "breaks[1] is not finite (NaN)"),
        (VALUES, "std_mean", {"multiples": [1.0, 1.0]}, "multiples must increase: multiples[1] = 1 after 1"),
        (VALUES, "quantiles", {"multiples": [1.0]}, "quantiles does not take multiples"),
        (VALUES, "std_mean", {"breaks": [1.0]}, "std_mean does not take breaks"),
    ],
)
def test_errors_name_the_problem(values, method, kwargs, message) -> None:
    with pytest.raises(ERROR) as info:
        quartier.class_breaks(values, method, **kwargs)
    assert str(info.value) == message


def test_mapclassify_refuses_the_same_degenerate_inputs() -> None:
    # Where quartier refuses, mapclassify does too (it raises ValueError) ...
    with pytest.raises(ValueError):
        quiet(mc.FisherJenks, np.array([1.0, 1.0, 2.0, 2.0]), k=3)
    with pytest.raises(ValueError):
        quiet(mc.EqualInterval, np.full(4, 2.5), k=2)
    # ... except constant values for StdMean, where it returns equal bins.
    assert np.all(quiet(mc.StdMean, np.full(4, 2.5)).bins == 2.5)


def test_non_contiguous_and_wrong_dtype_are_refused() -> None:
    values = np.arange(20.0)[::2]
    with pytest.raises(ValueError, match="contiguous"):
        quartier.class_breaks(values, "quantiles")
    with pytest.raises(TypeError):
        quartier.class_breaks(np.arange(20), "quantiles")
    with pytest.raises(ERROR, match="bins must increase"):
        quartier.classify(np.arange(3.0), [2.0, 1.0])
    with pytest.raises(ERROR, match="bins must not be empty"):
        quartier.classify(np.arange(3.0), [])
