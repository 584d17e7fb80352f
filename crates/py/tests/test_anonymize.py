"""quartier.anonymize, quartier.Hierarchy and quartier.demo_town (the Python side of issue 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import quartier

pd = pytest.importorskip("pandas")


def square(x0: float, y0: float, size: float = 40.0) -> list[list[float]]:
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


@pytest.fixture()
def layer(tmp_path):
    """2 × 3 blocks of 40 m in 2 quarters, 1 ortsteil, 1 gemeinde."""
    features = []
    for i in range(6):
        x0, y0 = 461_000.0 + (i % 3) * 50, 5_780_000.0 + (i // 3) * 50
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "gemeinde_id": "G",
                    "ortsteil_id": "O1",
                    "quartier_id": f"Q{i // 3}",
                    "block_id": f"B{i}",
                },
                "geometry": {"type": "Polygon", "coordinates": [square(x0, y0)]},
            }
        )
    path = tmp_path / "blocks.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_hierarchy_from_geojson(layer) -> None:
    h = quartier.Hierarchy.from_geojson(layer)
    assert h.levels == ["gemeinde", "ortsteil", "quartier", "baublock"]
    assert h.units("quartier") == ["Q0", "Q1"]
    assert h.units("baublock") == [f"B{i}" for i in range(6)]
    with pytest.raises(KeyError):
        h.units("kreis")
    assert "baublock=6" in repr(h)


def residents(n_per_block: list[int], ages: list[int]) -> dict[str, np.ndarray]:
    xs, ys, a = [], [], []
    for b, n in enumerate(n_per_block):
        x0, y0 = 461_000.0 + (b % 3) * 50, 5_780_000.0 + (b // 3) * 50
        for j in range(n):
            xs.append(x0 + 5 + j)
            ys.append(y0 + 5)
            a.append(ages[j % len(ages)])
    return {
        "kind": np.array(["resident"] * len(xs), dtype=object),
        "x": np.array(xs),
        "y": np.array(ys),
        "age": np.array(a, dtype=float),
    }


def test_anonymize_protects_and_matches_the_csv_format(layer) -> None:
    h = quartier.Hierarchy.from_geojson(layer)
    records = residents([1, 7, 9, 4, 12, 6], [4, 30, 30, 70, 15])
    tables, protocol = quartier.anonymize(pd.DataFrame(records), h)
    assert list(tables.columns) == [
        "dataset", "layer", "unit_id", "parent_id", "category", "value", "status",
    ]
    assert set(tables["dataset"]) == set(quartier.RECORD_KINDS)
    res = tables[tables["dataset"] == "resident"]
    assert list(dict.fromkeys(res["layer"])) == h.levels
    assert set(res["status"]) == {"published", "suppressed"}
    suppressed = res["status"] == "suppressed"
    assert res.loc[suppressed, "value"].isna().all()
    published = res.loc[~suppressed, "value"].astype(int)
    assert not ((published > 0) & (published < 3)).any()
    top = res[(res["layer"] == "gemeinde") & (res["category"] == "total")]
    assert top["value"].tolist() == [39]
    assert protocol["parameters"]["k"] == 3
    assert protocol["parameters"]["zeros"] == "publish"


def test_anonymize_groupings_and_dict_input(layer) -> None:
    h = quartier.Hierarchy.from_geojson(layer)
    records = residents([1, 7, 9, 4, 12, 6], [4, 30])
    groupings = {"grundschulbezirk": {f"B{i}": f"S{i % 2}" for i in range(6)}}
    tables, _ = quartier.anonymize(records, h, k=4, groupings=groupings)
    assert "grundschulbezirk" in set(tables["layer"])
    with pytest.raises(quartier.DisclosureError):
        quartier.anonymize(records, h, groupings={"g": {"NOPE": "S"}})


def test_anonymize_bad_records(layer) -> None:
    h = quartier.Hierarchy.from_geojson(layer)
    records = residents([3], [30])
    records["age"][1] = np.nan
    with pytest.raises(ValueError, match="`age` of record 1"):
        quartier.anonymize(records, h)
    records = residents([3], [30])
    records["kind"][2] = "pet"
    with pytest.raises(ValueError, match="`kind` of record 2"):
        quartier.anonymize(records, h)


def test_demo_town_records() -> None:
    h, records, groupings = quartier.demo_town(3)
    assert h.levels == ["gemeinde", "ortsteil", "quartier", "baublock"]
    assert set(records["kind"]) == set(quartier.RECORD_KINDS)
    assert list(groupings) == ["grundschulbezirk"]
    assert set(groupings["grundschulbezirk"]) <= set(h.units("baublock"))
