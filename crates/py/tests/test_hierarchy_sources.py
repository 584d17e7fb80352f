"""Hierarchy from GeoJSON, GeoPackage and a GeoDataFrame (issue 6, item 1).

The block layer is the one ``quartier demo`` writes (``baublock.geojson``: ``id``, ``name``,
``parent_id``); the four-level layer adds the ortsteil and gemeinde ids from the demo's
``quartier.geojson`` and ``ortsteil.geojson`` with pandas. Oracles: the three sources must
give the same hierarchy; the unit ids of every level must be those of ``demo_town`` (the
same seed as the CLI's default, built in Rust); and ``analyze`` on the same records must
give the same table on each hierarchy. The GeoPackage is written by geopandas/pyogrio
(GDAL), not by quartier.
"""

from __future__ import annotations

import errno
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import quartier

CRS = 25832
FINEST = {"kita": "quartier", "child_support": "quartier"}
TWO_LEVELS = ["quartier", "baublock"]


@pytest.fixture(scope="module")
def demo_dir(demo_out) -> Path:
    """The shared ``quartier demo`` output (conftest.py)."""
    return demo_out


def read_layer(path: Path) -> gpd.GeoDataFrame:
    # quartier writes GeoJSON without a crs member; the coordinates are EPSG:25832.
    return gpd.read_file(path).set_crs(CRS, allow_override=True)


@pytest.fixture(scope="module")
def blocks(demo_dir) -> gpd.GeoDataFrame:
    """The demo's blocks with one id column per level (gemeinde_id ... block_id)."""
    b = read_layer(demo_dir / "baublock.geojson")
    q = read_layer(demo_dir / "quartier.geojson")[["id", "parent_id"]]
    o = read_layer(demo_dir / "ortsteil.geojson")[["id", "parent_id"]]
    frame = b.rename(columns={"id": "block_id", "parent_id": "quartier_id"})
    frame = frame.merge(
        q.rename(columns={"id": "quartier_id", "parent_id": "ortsteil_id"}), on="quartier_id"
    )
    frame = frame.merge(
        o.rename(columns={"id": "ortsteil_id", "parent_id": "gemeinde_id"}), on="ortsteil_id"
    )
    assert len(frame) == len(b)
    columns = ["gemeinde_id", "ortsteil_id", "quartier_id", "block_id", "name", "geometry"]
    return gpd.GeoDataFrame(frame[columns], geometry="geometry", crs=CRS)


def units(h: quartier.Hierarchy) -> dict[str, list[str]]:
    return {level: h.units(level) for level in h.levels}


def test_demo_blocks_read_the_same_from_geojson_geopackage_and_geodataframe(
    demo_dir, tmp_path
) -> None:
    path = demo_dir / "baublock.geojson"
    from_geojson = quartier.Hierarchy.from_geojson(
        path, levels=TWO_LEVELS, id_fields=["parent_id", "id"], name_field="name"
    )
    gdf = read_layer(path)
    gpkg = tmp_path / "baublock.gpkg"
    gdf.to_file(gpkg, driver="GPKG", layer="baublock")
    from_gpkg = quartier.Hierarchy.from_geopackage(
        gpkg, levels=TWO_LEVELS, id_fields=["parent_id", "id"], name_field="name"
    )
    from_gdf = quartier.hierarchy_from_geodataframe(
        gdf, levels=TWO_LEVELS, id_columns=["parent_id", "id"], name_column="name"
    )
    expected = units(from_geojson)
    assert expected["baublock"] == sorted(gdf["id"])
    assert units(from_gpkg) == expected
    assert units(from_gdf) == expected


@pytest.fixture(scope="module")
def three_ways(blocks, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("layers")
    geojson = tmp / "blocks.geojson"
    gpkg = tmp / "blocks.gpkg"
    blocks.to_file(geojson, driver="GeoJSON")
    blocks.to_file(gpkg, driver="GPKG", layer="bloecke")
    return (
        quartier.Hierarchy.from_geojson(geojson, name_field="name"),
        quartier.Hierarchy.from_geopackage(gpkg, layer="bloecke", name_field="name"),
        quartier.hierarchy_from_geodataframe(blocks, name_column="name"),
    )


def test_four_levels_three_ways_have_the_units_of_the_rust_demo_town(three_ways) -> None:
    town, _, _ = quartier.demo_town(2019)
    expected = units(town)
    assert town.levels == list(quartier.Hierarchy.DEFAULT_LEVELS)
    for h in three_ways:
        assert h.levels == town.levels
        assert units(h) == expected


def test_analyze_gives_the_same_table_on_each_hierarchy(three_ways) -> None:
    town, records, groupings = quartier.demo_town(2019)
    frames = []
    for h in (town, *three_ways):
        tables = quartier.protect(
            records, h, snap=5.0, groupings=groupings, finest_levels=FINEST
        )
        frames.append(quartier.analyze(tables, h, draws=50, permutations=49))
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])


def test_from_wkb_reads_big_endian_and_z_and_a_mapping_of_ids(blocks, three_ways) -> None:
    geoms = blocks.geometry.to_numpy()
    big_endian_z = shapely.to_wkb(shapely.force_3d(geoms, z=7.0), byte_order=0, output_dimension=3)
    assert big_endian_z[0][0] == 0 and shapely.has_z(shapely.from_wkb(big_endian_z[0]))
    ids = {
        level: blocks[column].tolist()
        for level, column in zip(quartier.Hierarchy.DEFAULT_LEVELS, quartier.Hierarchy.DEFAULT_ID_FIELDS)
    }
    h = quartier.Hierarchy.from_wkb(list(big_endian_z), ids)
    assert units(h) == units(three_ways[0])
    # Columns in a sequence, levels given.
    h2 = quartier.Hierarchy.from_wkb(
        shapely.to_wkb(geoms),
        [ids["quartier"], ids["baublock"]],
        levels=TWO_LEVELS,
    )
    assert h2.units("baublock") == h.units("baublock")


def test_integer_id_columns_become_decimal_text(tmp_path) -> None:
    squares = [shapely.box(x, 0, x + 10, 10) for x in (0, 10, 20)]
    gdf = gpd.GeoDataFrame(
        {"q": [7, 7, 8], "b": [1.0, 2.0, 3.0]}, geometry=squares, crs=CRS
    )
    from_gdf = quartier.hierarchy_from_geodataframe(
        gdf, levels=TWO_LEVELS, id_columns=["q", "b"]
    )
    gpkg = tmp_path / "ints.gpkg"
    gdf.to_file(gpkg, driver="GPKG")
    from_gpkg = quartier.Hierarchy.from_geopackage(gpkg, levels=TWO_LEVELS, id_fields=["q", "b"])
    assert units(from_gdf) == {"quartier": ["7", "8"], "baublock": ["1", "2", "3"]}
    assert units(from_gpkg) == units(from_gdf)


# ---- errors ----


def test_a_point_geometry_raises_quartier_io_error_naming_the_feature(blocks) -> None:
    gdf = blocks.copy()
    gdf.loc[gdf.index[3], "geometry"] = shapely.Point(462400.0, 5778800.0)
    with pytest.raises(quartier.QuartierIOError) as err:
        quartier.hierarchy_from_geodataframe(gdf)
    message = str(err.value)
    assert "feature 3" in message
    assert "Point is not supported" in message
    assert "462400" not in message and gdf["block_id"].iloc[3] not in message
    assert isinstance(err.value, quartier.QuartierError)


def test_a_geographic_crs_raises_value_error(blocks) -> None:
    with pytest.raises(ValueError, match="not projected") as err:
        quartier.hierarchy_from_geodataframe(blocks.to_crs(4326))
    assert not isinstance(err.value, quartier.QuartierError)


def test_a_missing_geometry_is_reported_by_validation(blocks) -> None:
    gdf = blocks.copy()
    gdf.loc[gdf.index[0], "geometry"] = None
    with pytest.raises(quartier.HierarchyError):
        quartier.hierarchy_from_geodataframe(gdf)


def test_a_missing_id_names_the_feature_and_the_level(blocks) -> None:
    gdf = blocks.copy()
    gdf.loc[gdf.index[5], "quartier_id"] = None
    with pytest.raises(quartier.QuartierIOError, match=r"feature 5, column `quartier`: missing id"):
        quartier.hierarchy_from_geodataframe(gdf)


def test_geopackage_errors_name_layer_and_field(blocks, tmp_path) -> None:
    gpkg = tmp_path / "blocks.gpkg"
    blocks.to_file(gpkg, driver="GPKG", layer="bloecke")
    with pytest.raises(quartier.QuartierIOError, match=r"layer `nope`: no feature layer.*`bloecke`"):
        quartier.Hierarchy.from_geopackage(gpkg, layer="nope")
    with pytest.raises(quartier.QuartierIOError, match=r"field `block_nr`: no such column"):
        quartier.Hierarchy.from_geopackage(
            gpkg, id_fields=["gemeinde_id", "ortsteil_id", "quartier_id", "block_nr"]
        )
    with pytest.raises(quartier.QuartierIOError) as err:
        quartier.Hierarchy.from_geopackage(tmp_path / "missing.gpkg")
    assert err.value.errno == errno.ENOENT
    assert not (tmp_path / "missing.gpkg").exists()


def test_from_wkb_argument_errors() -> None:
    wkb = shapely.to_wkb([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    with pytest.raises(TypeError, match=r"geometries\[1\] is str"):
        quartier.Hierarchy.from_wkb([wkb[0], "POLYGON"], [["a", "a"], ["1", "2"]], levels=TWO_LEVELS)
    with pytest.raises(TypeError, match=r"ids\[1\]\[0\] is int"):
        quartier.Hierarchy.from_wkb(wkb, [["a", "a"], [1, 2]], levels=TWO_LEVELS)
    with pytest.raises(KeyError, match="baublock"):
        quartier.Hierarchy.from_wkb(wkb, {"quartier": ["a", "a"]}, levels=TWO_LEVELS)
    with pytest.raises(quartier.QuartierIOError, match=r"column `baublock`: 1 values, expected 2"):
        quartier.Hierarchy.from_wkb(wkb, {"quartier": ["a", "a"], "baublock": ["1"]})
    with pytest.raises(quartier.QuartierIOError, match="4 levels but 2 id columns"):
        quartier.Hierarchy.from_wkb(wkb, [["a", "a"], ["1", "2"]])
    with pytest.raises(quartier.QuartierIOError, match="feature 0: the wkb ends too early"):
        quartier.Hierarchy.from_wkb([wkb[0][:20], wkb[1]], [["a", "a"], ["1", "2"]], levels=TWO_LEVELS)
    h = quartier.Hierarchy.from_wkb(
        np.asarray(wkb, dtype=object), {"quartier": ["a", "a"], "baublock": ["1", "2"]}
    )
    assert units(h) == {"quartier": ["a"], "baublock": ["1", "2"]}


def test_hierarchy_to_geodataframe_round_trips_and_matches_the_published_layer(
    demo_dir,
) -> None:
    """The units of a level as a GeoDataFrame: the same geometries as the layer the CLI
    publishes (``<level>.geojson``), and back into the same hierarchy."""
    hierarchy, _, _ = quartier.demo_town(2019)
    blocks = quartier.hierarchy_to_geodataframe(hierarchy, "baublock")
    quarters = quartier.hierarchy_to_geodataframe(hierarchy, "quartier")
    assert blocks.crs.to_epsg() == 25832
    assert sorted(blocks.unit_id) == sorted(hierarchy.units("baublock"))
    assert len(quarters) == len(hierarchy.units("quartier"))
    # Every block lies in its parent quarter; a quarter's area is the sum of its blocks'.
    by_id = quarters.set_index("unit_id").geometry
    parent_of = dict(zip(blocks.unit_id, blocks.parent_id))
    assert all(
        by_id[parent_of[b]].buffer(1e-6).covers(g)
        for b, g in zip(blocks.unit_id, blocks.geometry)
    )
    sums = blocks.assign(area=blocks.area).groupby("parent_id").area.sum()
    np.testing.assert_allclose(
        sums.loc[quarters.unit_id].to_numpy(), quarters.area.to_numpy(), rtol=1e-9
    )
    # The same geometries as the CLI's published block layer (the demo's seed is 2019).
    published = read_layer(demo_dir / "baublock.geojson").set_index("id")
    ours = blocks.set_index("unit_id")
    assert shapely.equals_exact(
        ours.geometry.loc[published.index].to_numpy(), published.geometry.to_numpy(), 1e-9
    ).all()
    # And back: quarter and district ids as columns give the same hierarchy.
    district = dict(zip(quarters.unit_id, quarters.parent_id))
    frame = blocks.assign(
        quartier_id=blocks.parent_id,
        ortsteil_id=blocks.parent_id.map(district),
        gemeinde_id=hierarchy.units("gemeinde")[0],
    )
    again = quartier.hierarchy_from_geodataframe(
        frame,
        levels=["gemeinde", "ortsteil", "quartier", "baublock"],
        id_columns=["gemeinde_id", "ortsteil_id", "quartier_id", "unit_id"],
    )
    for level in hierarchy.levels:
        assert sorted(again.units(level)) == sorted(hierarchy.units(level))
