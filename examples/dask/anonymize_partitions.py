"""Residents counted per partition on a Dask cluster, protected once: quartier beyond one machine.

Each Dask worker reads a byte range of the residents CSV, counts its rows on the blocks with
``quartier.count`` and sends back the ``BlockCounts`` (numbers per block, no record). The
client adds them up and runs ``quartier.anonymize`` once on the merged counts: counting is
additive, secondary suppression is not (see docs/beyond-one-machine.md).

Run (from the repository root, with quartier and ``dask[dataframe,distributed]`` installed)::

    python examples/dask/anonymize_partitions.py [--project DIR] [--workers 2]
        [--blocksize 64KB] [--out tables.csv] [--check]

Without ``--project`` the sample project of ``quartier.init_project`` is written into a
temporary folder. ``--check`` also protects the whole table read by pandas in one process and
exits with status 1 unless tables and protocol are identical. Only counts and the protected
tables are printed or written; the cluster's spill folder is a temporary folder removed at
the end (partitions spilled there are personal data).
"""

from __future__ import annotations

import argparse
import functools
import json
import operator
import sys
import tempfile
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.distributed import Client, LocalCluster

import quartier

#: The block layer's id fields, from the top level to the blocks (its name field is "name").
ID_FIELDS = ["gemeinde_id", "ortsteil_id", "quartier_id", "baublock_id"]
#: Snap distance (m), as ``snap_distance_m`` in the sample project.toml; the same everywhere.
SNAP_M = 5.0
#: The residents export: Windows-1252, ``;``, decimal comma. ``usecols`` reads these three
#: columns only, never the record ids and names beside them; all as text (parsed below).
CSV_OPTIONS: dict[str, Any] = {
    "sep": ";",
    "encoding": "cp1252",
    "usecols": ["Rechtswert", "Hochwert", "Alter"],
    "dtype": str,
    "keep_default_na": False,
}


@functools.lru_cache(maxsize=None)
def load_hierarchy(path: str) -> quartier.Hierarchy:
    """The hierarchy of a block layer, read once per process (workers read it themselves)."""
    return quartier.Hierarchy.from_geojson(path, id_fields=ID_FIELDS, name_field="name")


def coordinate(cells: pd.Series) -> np.ndarray:
    """Decimal-comma cells in metres, as quartier's CSV reader takes them: an empty cell is
    NaN (both empty: no position), a cell that does not parse is inf (an invalid position)."""
    text = cells.str.strip()
    values = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    out = values.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    out[np.isnan(out) & (text != "").to_numpy(dtype=bool)] = np.inf
    return out


def residents(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the residents CSV as records of ``quartier.count`` / ``quartier.anonymize``."""
    return pd.DataFrame(
        {
            "kind": "resident",
            "x": coordinate(rows["Rechtswert"]),
            "y": coordinate(rows["Hochwert"]),
            # An unparsable age becomes NaN: quartier.count then raises naming the column and
            # position (pandas' own error would quote the cell).
            "age": pd.to_numeric(rows["Alter"].str.strip(), errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            ),
        }
    )


def count_partition(rows: pd.DataFrame, blocks: str) -> quartier.BlockCounts:
    """Runs on a worker: one partition counted on the blocks (numbers per block, no record)."""
    return quartier.count(residents(rows), load_hierarchy(blocks), snap=SNAP_M)


def tree_sum(parts: list[Any]) -> Any:
    """Pairwise tree reduction with ``+`` of delayed BlockCounts (depth log2 of the parts);
    ``+`` refuses counts made on other blocks or with another snap distance."""
    while len(parts) > 1:
        pairs = [dask.delayed(operator.add)(a, b) for a, b in zip(parts[0::2], parts[1::2])]
        parts = pairs + parts[len(pairs) * 2 :]
    return parts[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, help="project folder (default: the sample)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--blocksize", default="64KB", help="bytes of CSV per partition")
    parser.add_argument("--out", type=Path, help="write the protected tables (CSV) here")
    parser.add_argument("--check", action="store_true", help="compare with one process")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        project = args.project
        if project is None:
            project = Path(tmp) / "project"
            quartier.init_project(project)
        blocks = str((project / "data" / "baubloecke.geojson").resolve())
        register = str((project / "data" / "einwohner.csv").resolve())

        cluster = LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            local_directory=str(Path(tmp) / "dask"),
        )
        with cluster, Client(cluster):
            frame = dd.read_csv(register, blocksize=args.blocksize, **CSV_OPTIONS)
            partitions = frame.to_delayed()
            counts = [dask.delayed(count_partition)(p, blocks) for p in partitions]
            lengths = [dask.delayed(len)(p) for p in partitions]
            rows, merged = dask.compute(lengths, tree_sum(counts))
        print(f"partitions: {len(rows)} (rows per partition: {', '.join(map(str, rows))})")

        summary = merged.summary("resident")
        print("records:", json.dumps(summary))
        # Dask's CSV parser decided what a row is: every row it read must have been counted.
        if summary["read"] != sum(rows):
            print(f"error: {sum(rows)} rows in the partitions, {summary['read']} records counted")
            return 1

        # Protection runs once, on the client, on the merged counts of every partition.
        hierarchy = load_hierarchy(blocks)
        tables, protocol = quartier.anonymize(merged, hierarchy)
        suppressed = tables["status"] == "suppressed"
        print(f"cells: {len(tables)}, suppressed: {int(suppressed.sum())}")
        if args.out is not None:
            tables.to_csv(args.out, index=False)
            print(f"protected tables written to {args.out}")

        if args.check:
            whole = residents(pd.read_csv(register, **CSV_OPTIONS))
            one_tables, one_protocol = quartier.anonymize(whole, hierarchy, snap=SNAP_M)
            if not (tables.equals(one_tables) and protocol == one_protocol):
                print("check failed: the partitioned run differs from the run in one process")
                return 1
            print("check: tables and protocol identical to one process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
