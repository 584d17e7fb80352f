"""Shared fixtures: the CLI binary and one ``quartier demo`` run per test session.

Several test files compare the Python module with the CLI's files; they all read the same
demo output (seed 2019), made once here, and the same protected tables of the demo town.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import quartier

#: The repository root (crates/py/tests → ../../..).
ROOT = Path(__file__).resolve().parents[3]
#: The demo's sparse datasets are published down to the quarters (as ``quartier demo``).
FINEST = {"kita": "quartier", "child_support": "quartier"}


def quartier_bin() -> Path | None:
    """The CLI: ``$QUARTIER_BIN`` (scripts/test sets it), else a built one under target/."""
    env = os.environ.get("QUARTIER_BIN")
    if env:
        path = Path(env)
        assert path.is_file(), f"QUARTIER_BIN={env} does not exist; build quartier-cli first"
        return path
    for profile in ("debug", "release"):
        path = ROOT / "target" / profile / "quartier"
        if path.is_file():
            return path
    found = shutil.which("quartier")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory) -> Path:
    """The output folder of one ``quartier demo`` run (seed 2019); tests only read it."""
    binary = quartier_bin()
    if binary is None:
        pytest.fail(
            "no quartier binary: set QUARTIER_BIN or run `cargo build -p quartier-cli` "
            "(scripts/test does both)"
        )
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [str(binary), "demo", "--quiet", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"quartier demo failed: {done.stderr}"
    return out


@pytest.fixture(scope="session")
def demo():
    """The demo town's hierarchy and its protected tables, made as ``quartier demo`` does."""
    hierarchy, records, groupings = quartier.demo_town(2019)
    tables = quartier.protect(
        records, hierarchy, snap=5.0, groupings=groupings, finest_levels=FINEST
    )
    return hierarchy, tables
