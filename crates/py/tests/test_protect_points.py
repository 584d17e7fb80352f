"""quartier.protect_points: protected counts of any points by any categories.

Oracle: the built-in record path. Residents counted by their age groups through
``protect_points`` (the groups computed here with ``np.digitize``, independently of the core's
mapping) must give exactly the cells — values and suppression pattern — that
``quartier.anonymize`` publishes for the resident dataset with the same rule and no groupings,
because both build the same linked-table model. And every published count is 0 or >= k.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import quartier

AGE_EDGES = [3, 6, 10, 12, 18, 25]
AGE_LABELS = ["0-2", "3-5", "6-9", "10-11", "12-17", "18-24", "25+"]


@pytest.fixture(scope="module")
def town():
    hierarchy, records, _ = quartier.demo_town(2019)
    residents = records[records.kind == "resident"].reset_index(drop=True)
    return hierarchy, residents


def test_counts_by_age_group_equal_the_builtin_resident_tables(town) -> None:
    hierarchy, residents = town
    groups = np.asarray(AGE_LABELS, dtype=object)[np.digitize(residents.age, AGE_EDGES)]
    cells, summary = quartier.protect_points(
        hierarchy,
        residents.x.to_numpy(),
        residents.y.to_numpy(),
        groups,
        labels=AGE_LABELS,
        k=3,
        snap=5.0,
    )
    tables, protocol = quartier.anonymize(residents, hierarchy, k=3, snap=5.0)
    builtin = tables[(tables.dataset == "resident")]
    ours = cells.rename(columns={"level": "layer"})
    key = ["layer", "unit_id", "category"]
    merged = ours.merge(builtin[key + ["value"]], on=key, how="outer", suffixes=("", "_builtin"))
    assert len(merged) == len(ours) == len(builtin)
    pd.testing.assert_series_equal(
        merged["value"], merged["value_builtin"], check_names=False
    )
    assert cells.value.isna().any(), "the demo has small cells"
    published = cells.value.dropna()
    assert ((published == 0) | (published >= 3)).all()
    records = protocol["datasets"][0]["records"]
    assert summary["read"] == records["read"] == len(residents)
    assert summary["assigned"] == records["assigned"]
    assert summary["snapped"] == records["snapped"]


def test_totals_only_and_errors(town) -> None:
    hierarchy, residents = town
    cells, summary = quartier.protect_points(
        hierarchy, residents.x.to_numpy(), residents.y.to_numpy(), k=5
    )
    assert set(cells.category) == {"total"}
    top = cells[cells.level == hierarchy.levels[0]]
    assigned = summary["assigned"] + summary["snapped"]
    assert top.value.tolist() == [assigned]
    with pytest.raises(quartier.TableError, match="one per point"):
        quartier.protect_points(
            hierarchy, residents.x.to_numpy(), residents.y.to_numpy(), ["a", "b"]
        )
    with pytest.raises(ValueError, match="not among the labels"):
        quartier.protect_points(
            hierarchy, residents.x.to_numpy(), residents.y.to_numpy(),
            np.full(len(residents), "x"), labels=["a", "b"],
        )
    # Another column order is another (valid) model: same totals, every cell 0 or >= k.
    sorted_cells, _ = quartier.protect_points(
        hierarchy, residents.x.to_numpy(), residents.y.to_numpy(),
        np.asarray(AGE_LABELS, dtype=object)[np.digitize(residents.age, AGE_EDGES)], k=3,
    )
    assert sorted(set(sorted_cells.category) - {"total"}) == sorted(AGE_LABELS)
    published = sorted_cells.value.dropna()
    assert ((published == 0) | (published >= 3)).all()
    with pytest.raises(quartier.AssignError):
        quartier.protect_points(hierarchy, np.zeros(3), np.zeros(2))
