"""examples/dask/anonymize_partitions.py: residents counted per partition on a local Dask
cluster, protected once — the same tables as quartier's own pipeline, and no personal data out."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import quartier

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "dask" / "anonymize_partitions.py"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The sample project, the example's run on it (``--check``) and its tables file."""
    tmp = tmp_path_factory.mktemp("dask")
    project = tmp / "project"
    quartier.init_project(project)
    out = tmp / "tables.csv"
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--project", str(project), "--workers", "2"]
        + ["--blocksize", "64KB", "--out", str(out), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp,
    )
    return project, out, done


def register_rows(project: Path) -> list[dict[str, str]]:
    """The residents CSV read with the csv module (independent of pandas and of quartier)."""
    with open(project / "data" / "einwohner.csv", encoding="cp1252", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def test_partitions_protected_once_equal_one_process_and_quartiers_own_pipeline(run):
    project, out, done = run
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check: tables and protocol identical to one process" in done.stdout
    partitions = re.search(
        r"^partitions: (\d+) \(rows per partition: ([\d, ]+)\)$", done.stdout, re.M
    )
    assert partitions is not None, done.stdout
    assert int(partitions.group(1)) > 1
    rows = [int(n) for n in partitions.group(2).split(", ")]
    # Every data line of the file is in exactly one partition and counted once.
    records = re.search(r"^records: (\{.*\})$", done.stdout, re.M)
    assert records is not None, done.stdout
    summary = json.loads(records.group(1))
    assert sum(rows) == summary["read"] == len(register_rows(project))

    # Oracle: quartier's own CSV reader and pipeline on the same project (one process).
    quartier.run_project(project / "project.toml", analyze=False)
    protocol = json.loads((project / "out" / "protected" / "protocol.json").read_text("utf-8"))
    resident = next(d for d in protocol["datasets"] if d["dataset"] == "resident")
    assert summary == resident["records"]
    mine = pd.read_csv(out, dtype=str, keep_default_na=False)
    mine = mine[mine["dataset"] == "resident"].drop(columns="dataset").reset_index(drop=True)
    theirs = pd.read_csv(
        project / "out" / "protected" / "protected_resident.csv", dtype=str, keep_default_na=False
    )
    pd.testing.assert_frame_equal(mine, theirs)
    suppressed = re.search(r"^cells: (\d+), suppressed: (\d+)$", done.stdout, re.M)
    assert suppressed is not None
    assert int(suppressed.group(2)) == int((pd.read_csv(out)["status"] == "suppressed").sum()) > 0


def test_no_name_or_record_id_leaves_the_example(run):
    project, out, done = run
    assert done.returncode == 0, done.stdout + done.stderr
    rows = register_rows(project)
    names = {r["Familienname"] for r in rows[:50]} | {r["Familienname"] for r in rows[-50:]}
    ids = {r["Ordnungsmerkmal"] for r in rows[:50]} | {r["Ordnungsmerkmal"] for r in rows[-50:]}
    assert len(names) > 10 and all(names) and all(ids)
    # The sample marks every name with "CANARY": no such cell, nor a name or id, may appear.
    texts = {"stdout": done.stdout, "stderr": done.stderr, "--out": out.read_text("utf-8")}
    for where, text in texts.items():
        assert "CANARY" not in text, where
        for secret in names | ids:
            assert secret not in text, where
