"""Real data: Berlin's 542 planning areas (Shapefile) and 2,880 Kita points.

quartier's assignment must equal the independent oracle shapely ``covers`` (with the
smallest-id rule) on every point, reading the same Shapefile that geopandas reads.
The data lives beside the project in ``../shared/data`` (or ``$QUARTIER_SHARED_DATA``);
a missing file is a failure, not a skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

import quartier

DATA = Path(
    os.environ.get(
        "QUARTIER_SHARED_DATA", Path(__file__).resolve().parents[4] / "shared" / "data"
    )
)
SHP = DATA / "berlin-lor-2021-geometries" / "lor_planungsraeume_2021.shp"
KITAS = DATA / "berlin-plr-facilities" / "kindertagesstaetten.geojson"


def test_shapefile_assignment_equals_shapely_covers_on_berlin_kitas() -> None:
    areas = gpd.read_file(SHP)
    kitas = gpd.read_file(KITAS)
    index = quartier.UnitIndex.from_file(SHP, "PLR_ID")
    assert index.unit_ids == list(areas["PLR_ID"])

    x = np.ascontiguousarray(kitas.geometry.x.to_numpy(), dtype=np.float64)
    y = np.ascontiguousarray(kitas.geometry.y.to_numpy(), dtype=np.float64)
    unit, outcome = index.assign(x, y)
    assert len(unit) == len(kitas) == 2880

    tree = shapely.STRtree(areas.geometry.to_numpy())
    pts, polys = tree.query(shapely.points(x, y), predicate="covered_by")
    expected = np.full(len(x), -1, dtype=np.int64)
    ids = areas["PLR_ID"].to_numpy()
    for p, q in zip(pts, polys):
        if expected[p] < 0 or ids[q].encode() < ids[expected[p]].encode():
            expected[p] = q
    np.testing.assert_array_equal(unit, expected)
    assert (outcome == quartier.ASSIGNED).sum() == (expected >= 0).sum()


def test_shapefile_errors_name_record_and_field() -> None:
    try:
        quartier.UnitIndex.from_file(SHP, "NO_SUCH_FIELD")
    except quartier.QuartierIOError as e:
        msg = str(e)
        assert "lor_planungsraeume_2021.shp" in msg and "NO_SUCH_FIELD" in msg, msg
        assert "record 0" in msg, msg
    else:
        raise AssertionError("a missing id field must raise")
