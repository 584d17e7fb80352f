"""quartier.count and BlockCounts: records counted in chunks or partitions, merged, protected once."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import quartier

pd = pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def demo():
    hierarchy, records, groupings = quartier.demo_town(2019)
    return hierarchy, records, groupings


def chunks(records, n: int, seed: int):
    """`records` shuffled and cut into `n` disjoint chunks."""
    order = np.random.default_rng(seed).permutation(len(records))
    return [records.iloc[part] for part in np.array_split(order, n)]


def test_partitions_merged_and_pickled_give_the_tables_of_one_run(demo):
    hierarchy, records, groupings = demo
    whole_tables, whole_protocol = quartier.anonymize(
        records, hierarchy, snap=5.0, groupings=groupings
    )
    parts = [quartier.count(chunk, hierarchy, snap=5.0) for chunk in chunks(records, 5, 1)]
    # As a Dask or Spark worker would send them back: pickled.
    parts = [pickle.loads(pickle.dumps(p)) for p in parts]
    merged = parts[0]
    for p in parts[1:]:
        merged = merged + p
    assert merged == sum(parts[1:], parts[0])
    tables, protocol = quartier.anonymize(merged, hierarchy, groupings=groupings)
    pd.testing.assert_frame_equal(tables, whole_tables)
    assert protocol == whole_protocol


def test_counts_account_for_every_record(demo):
    hierarchy, records, _ = demo
    counts = quartier.count(records, hierarchy, snap=5.0)
    assert counts.blocks == len(hierarchy.units(hierarchy.levels[-1]))
    for dataset in quartier.RECORD_KINDS:
        mine = records[records["kind"] == dataset]
        s = counts.summary(dataset)
        assert s["read"] == len(mine)
        outcomes = ["assigned", "snapped", "no_coordinate", "invalid_coordinate", "outside"]
        assert s["read"] == sum(s[o] for o in outcomes)
        # Independent: records without a position have both coordinates NaN.
        assert s["no_coordinate"] == int((mine["x"].isna() & mine["y"].isna()).sum())
        table = counts.counts(dataset)
        assert table.shape[0] == counts.blocks
        assert int(table.sum()) == s["assigned"] + s["snapped"]
    # Residents per block against shapely (no snapping: points covered by a block; a point
    # on a shared edge goes to the block with the smallest id, as documented).
    shapely = pytest.importorskip("shapely")
    plain = quartier.count(records, hierarchy)
    blocks = quartier.hierarchy_to_geodataframe(hierarchy, hierarchy.levels[-1])
    geoms = np.asarray(blocks.geometry.values)
    tree = shapely.STRtree(geoms)
    residents = records[(records["kind"] == "resident") & records["x"].notna() & records["y"].notna()]
    points = shapely.points(residents["x"].to_numpy(), residents["y"].to_numpy())
    point_idx, block_idx = tree.query(points, predicate="covered_by")
    ids = np.asarray(blocks["unit_id"])
    first = {}
    for p, b in zip(point_idx.tolist(), block_idx.tolist()):
        if p not in first or ids[b] < ids[first[p]]:
            first[p] = b
    expected = np.bincount(np.fromiter(first.values(), dtype=np.int64), minlength=counts.blocks)
    np.testing.assert_array_equal(plain.counts("resident").sum(axis=1), expected)
    assert plain.summary("resident")["assigned"] == len(first)


def test_inconsistent_or_foreign_counts_are_refused(demo):
    hierarchy, records, _ = demo
    counts = quartier.count(records, hierarchy)
    rebuild, (blocks, layer, snap, datasets) = counts.__reduce__()
    name, table, outcomes = datasets[0]
    forged = table.copy()
    forged[0] += 1  # one count more than records assigned
    with pytest.raises(quartier.TableError, match="inconsistent"):
        rebuild(blocks, layer, snap, [(name, forged, outcomes), *datasets[1:]])
    with pytest.raises(quartier.TableError, match="blocks"):
        _ = counts + rebuild(blocks + 1, layer, snap, [])
    # Counts of another block layer with as many blocks (other ids) neither merge nor protect.
    foreign = rebuild(blocks, layer ^ 1, snap, datasets)
    with pytest.raises(quartier.TableError, match="another block layer"):
        _ = counts + foreign
    with pytest.raises(quartier.TableError, match="another block layer"):
        quartier.anonymize(foreign, hierarchy)
    with pytest.raises(quartier.TableError, match="snap"):
        _ = counts + quartier.count(records, hierarchy, snap=5.0)
    with pytest.raises(ValueError, match="snap"):
        quartier.anonymize(counts, hierarchy, snap=5.0)
    with pytest.raises(ValueError, match="unknown dataset"):
        counts.summary("pets")
