"""The project pipeline from Python: the same library calls as the CLI, so the same files."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest

import quartier


def test_run_project_equals_the_cli(tmp_path: pathlib.Path) -> None:
    py_dir = tmp_path / "py"
    cli_dir = tmp_path / "cli"
    files = quartier.init_project(py_dir)
    assert py_dir / "project.toml" in files
    subprocess.run([os.environ["QUARTIER_BIN"], "init", str(cli_dir), "-q"], check=True)

    check = quartier.validate_project(py_dir / "project.toml")
    assert check["errors"] == []
    assert [d["dataset"] for d in check["datasets"]] == ["resident", "kita", "child_support"]

    out = quartier.run_project(py_dir / "project.toml")
    cli = subprocess.run(
        [os.environ["QUARTIER_BIN"], "run", str(cli_dir / "project.toml"), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    summary = json.loads(cli.stdout)
    assert out["anonymize"]["audit_passed"] is True
    # Same counts as the CLI's summary, and byte-identical tables and ranking.
    for ours, theirs in zip(out["anonymize"]["datasets"], summary["anonymize"]["datasets"]):
        assert ours == theirs
    assert out["analyze"]["selected"] == summary["analyze"]["selected"]
    for rel in [
        "out/protected/protected_resident.csv",
        "out/protected/protected_kita.csv",
        "out/analysis/ranking.csv",
    ]:
        assert (py_dir / rel).read_bytes() == (cli_dir / rel).read_bytes(), rel

    # The analyze phase alone, on the protected tables written above.
    again = quartier.run_project(py_dir / "project.toml", anonymize=False)
    assert again["anonymize"] is None
    assert again["analyze"]["selected"] == out["analyze"]["selected"]


def test_a_broken_project_file_names_the_line_and_key(tmp_path: pathlib.Path) -> None:
    quartier.init_project(tmp_path)
    project = tmp_path / "project.toml"
    text = project.read_text(encoding="utf-8")
    project.write_text(text.replace("k = 3 ", "k = \"drei\" ", 1), encoding="utf-8")
    line = next(
        i + 1 for i, l in enumerate(project.read_text(encoding="utf-8").splitlines()) if "drei" in l
    )
    with pytest.raises(quartier.QuartierError, match=rf"project.toml, line {line}.*anonymize\.k"):
        quartier.run_project(project)
