#!/usr/bin/env python3
"""Side-by-side: quartier's UnitIndex.assign against geopandas and shapely on the same data.

The blocks and points come from quartier's seeded synthetic town (the same generator the
Rust benches use), so every tool answers the same question on the same input:

- geopandas ``sjoin(points, blocks, predicate="within")`` with both GeoDataFrames built
  beforehand; for ``within`` geopandas builds an STRtree over the *points* and queries it with
  the blocks, so it is timed twice: cold (that tree built inside the call, as in a user's first
  sjoin) and with the tree cached (query only);
- shapely 2 ``STRtree(blocks).query(points, predicate="covered_by")``, tree and point
  geometries built beforehand (query only);
- quartier ``index.assign(x, y)`` on float64 arrays, index built beforehand (its build time is
  reported apart).

Times are the best of ``--repeat`` runs (``time.perf_counter``). Peak memory is measured in a
fresh subprocess per tool: the child loads the data, resets the kernel's peak-RSS counter by
writing ``5`` to ``/proc/self/clear_refs`` (after ``malloc_trim(0)``, so freed heap pages
cannot hide new allocations), runs the call once and reads ``VmHWM`` from
``/proc/self/status``; the peak minus the RSS just before the call is the call's own memory
(inputs excluded, outputs included). ``tracemalloc`` cannot see Rust or GEOS allocations.

Agreement: quartier is checked on every point against shapely's ``covers`` with the tie rule
(smallest id in byte order). ``within`` drops points on block boundaries, so its disagreements
with quartier are counted and reported, not treated as errors.

Usage (inside the venv that has quartier built with ``maturin develop --release``)::

    python benches/compare.py                       # 10k blocks x 1M points
    python benches/compare.py --blocks 1000 --points 100000 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

import quartier
from quartier import _quartier


def best_of(repeat: int, fn, setup=None):
    """Best wall time of ``repeat`` runs of ``fn(setup())`` (or ``fn()``) and the last result.

    ``setup`` runs outside the timer."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        arg = setup() if setup is not None else None
        t0 = time.perf_counter()
        result = fn(arg) if setup is not None else fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def proc_status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak_rss() -> bool:
    """Resets VmHWM to the current RSS (Linux >= 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def memory_child(tool: str, args: argparse.Namespace) -> None:
    """Runs in a fresh process: measures the peak memory of one call of ``tool``."""
    import shapely

    ids, geojson, x, y = _quartier._synthetic(args.blocks, args.points, args.boundary_share, args.seed)
    if tool == "quartier":
        index = _quartier._synthetic_index(args.blocks, args.seed)

        def call():
            return index.assign(x, y)
    elif tool == "shapely":
        tree = shapely.STRtree(shapely.from_geojson(geojson))
        points = shapely.points(x, y)

        def call():
            return tree.query(points, predicate="covered_by")
    else:
        raise SystemExit(f"unknown tool {tool}")
    del geojson
    # Give freed heap pages back to the OS, so that the call cannot hide its allocations
    # in memory that is already resident.
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    if not reset_peak_rss():
        print(json.dumps({"error": "cannot reset the peak RSS (/proc/self/clear_refs)"}))
        return
    before = proc_status_kib("VmRSS")
    result = call()
    peak = proc_status_kib("VmHWM")
    del result
    print(json.dumps({"before_kib": before, "peak_kib": peak, "delta_bytes": (peak - before) * 1024}))


def measure_memory(tool: str, args: argparse.Namespace) -> dict:
    cmd = [
        sys.executable,
        os.path.abspath(__file__),
        "--memory-child",
        tool,
        "--blocks",
        str(args.blocks),
        "--points",
        str(args.points),
        "--boundary-share",
        str(args.boundary_share),
        "--seed",
        str(args.seed),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def tie_rule_oracle(pairs: tuple[np.ndarray, np.ndarray], ids: list[str], n: int) -> np.ndarray:
    """Per point, the id of the covering block with the smallest id (byte order), or None."""
    point_idx, block_idx = pairs
    order = sorted(range(len(ids)), key=lambda i: ids[i].encode("utf-8"))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(ids))
    none = np.iinfo(np.int64).max
    best = np.full(n, none, dtype=np.int64)
    np.minimum.at(best, point_idx, rank[block_idx])
    id_by_rank = np.asarray([ids[i] for i in order] + [None], dtype=object)
    return id_by_rank[np.where(best == none, len(ids), best)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--boundary-share", type=float, default=0.05,
                        help="share of points exactly on block edges and vertices")
    parser.add_argument("--seed", type=int, default=42,
                        help="blocks use SEED, points SEED + 1 (the Rust bench: 42, 43)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-geopandas", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--memory-child", choices=["quartier", "shapely"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args)
        return

    import shapely

    n = args.points
    print(f"machine: {os.cpu_count()} cpus, {cpu_model()}, Python {platform.python_version()}")
    print(f"versions: quartier {quartier.__version__}, numpy {np.__version__}, shapely {shapely.__version__}")
    print(f"data: {args.blocks} blocks x {n} points, boundary share {args.boundary_share}, seed {args.seed}")

    t0 = time.perf_counter()
    ids, geojson, x, y = _quartier._synthetic(args.blocks, n, args.boundary_share, args.seed)
    print(f"generate: {time.perf_counter() - t0:.2f} s")
    geoms = shapely.from_geojson(geojson)
    points = shapely.points(x, y)
    figures: dict = {"blocks": args.blocks, "points": n, "cpus": os.cpu_count(), "cpu": cpu_model()}

    # quartier
    t_build, index = best_of(args.repeat, lambda: _quartier._synthetic_index(args.blocks, args.seed))
    t_q, (unit, outcome) = best_of(args.repeat, lambda: index.assign(x, y))
    figures["quartier_build_s"] = t_build
    figures["quartier_assign_s"] = t_q

    # shapely STRtree, query only
    t_tree, tree = best_of(args.repeat, lambda: shapely.STRtree(geoms))
    t_s, pairs = best_of(args.repeat, lambda: tree.query(points, predicate="covered_by"))
    figures["strtree_build_s"] = t_tree
    figures["strtree_query_s"] = t_s

    # agreement with shapely covers + tie rule, every point
    want = tie_rule_oracle(pairs, ids, n)
    id_of = np.asarray(index.unit_ids + [None], dtype=object)
    got = id_of[np.where(unit >= 0, unit, len(id_of) - 1)]
    disagree_covers = int((got != want).sum())
    figures["disagree_covers"] = disagree_covers

    rows = [("quartier assign", t_q), ("shapely STRtree.query(covered_by)", t_s)]

    if not args.skip_geopandas:
        import geopandas as gpd

        blocks_gdf = gpd.GeoDataFrame({"block_id": ids}, geometry=geoms)
        _ = blocks_gdf.sindex
        # For predicate="within", geopandas queries a tree over the *points* with the blocks
        # ("contains"). Cold: a fresh points GeoDataFrame per run (made outside the timer), so
        # the call builds that tree, as a user's first sjoin does. Warm: the tree is cached.
        t_cold, _ = best_of(
            args.repeat,
            lambda pts: gpd.sjoin(pts, blocks_gdf, how="inner", predicate="within"),
            setup=lambda: gpd.GeoDataFrame(geometry=points),
        )
        points_gdf = gpd.GeoDataFrame(geometry=points)
        _ = points_gdf.sindex
        t_g, joined = best_of(
            args.repeat, lambda: gpd.sjoin(points_gdf, blocks_gdf, how="inner", predicate="within")
        )
        figures["sjoin_within_cold_s"] = t_cold
        figures["sjoin_within_s"] = t_g
        rows.append(("geopandas sjoin(within), cold", t_cold))
        rows.append(("geopandas sjoin(within), tree cached", t_g))
        within = np.full(n, None, dtype=object)
        # a point strictly inside is within exactly one block
        within[joined.index.to_numpy()] = joined["block_id"].to_numpy()
        dropped = int(((within == None) & (got != None)).sum())  # noqa: E711
        differ = int(((within != None) & (within != got)).sum())  # noqa: E711
        figures["within_dropped_boundary_points"] = dropped
        figures["within_other_block"] = differ

    print()
    print(f"{'assignment':38} {'time s':>9} {'M pts/s':>9} {'quartier speedup':>17}")
    for name, t in rows:
        print(f"{name:38} {t:9.4f} {n / t / 1e6:9.2f} {t / t_q:16.1f}x")
    print()
    print(f"{'build':38} {'time s':>9}")
    print(f"{'quartier index (incl. generating)':38} {t_build:9.4f}")
    print(f"{'shapely STRtree':38} {t_tree:9.4f}")
    counts = np.bincount(outcome, minlength=4)
    print()
    print("outcomes: " + ", ".join(f"{name} {c}" for name, c in zip(quartier.OUTCOME_NAMES, counts)))
    print(f"quartier vs shapely covers + smallest-id rule: {disagree_covers} of {n} points disagree")
    if "within_dropped_boundary_points" in figures:
        print(
            f"geopandas within: drops {figures['within_dropped_boundary_points']} boundary points "
            f"that quartier assigns; {figures['within_other_block']} points in another block"
        )

    if not args.skip_memory:
        input_bytes = x.nbytes + y.nbytes
        print()
        print(f"peak memory of the call (fresh process each; inputs {input_bytes / 2**20:.1f} MiB):")
        for tool in ("quartier", "shapely"):
            m = measure_memory(tool, args)
            if "error" in m:
                print(f"  {tool}: {m['error']}")
                continue
            ratio = m["delta_bytes"] / input_bytes
            figures[f"{tool}_peak_delta_bytes"] = m["delta_bytes"]
            print(f"  {tool:9} +{m['delta_bytes'] / 2**20:7.1f} MiB = {ratio:.2f} x the input arrays")

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=2)
    if disagree_covers:
        raise SystemExit(f"quartier disagrees with shapely covers on {disagree_covers} points")


if __name__ == "__main__":
    main()
