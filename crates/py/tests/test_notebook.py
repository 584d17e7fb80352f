"""examples/notebooks/musterstadt.ipynb runs top to bottom and shows what it says (issue 6).

nbclient executes the notebook in a kernel running this very interpreter (the .venv's, with
the built module), fails on any cell error and then checks a few outputs against oracles
computed here: the selected quarters against ``quartier.analyze``, the built-in SVG against
the hierarchy's quarters. The notebook's working directory is an empty temporary folder that
must stay empty (the notebook writes only into its own temporary folder).
"""

from __future__ import annotations

import json
import os
import pathlib
import re

import nbclient
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

import quartier

ROOT = pathlib.Path(__file__).resolve().parents[3]
NOTEBOOK = ROOT / "examples" / "notebooks" / "musterstadt.ipynb"
CELL_TIMEOUT_S = 300


def _tagged(nb: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def _text(cell: nbformat.NotebookNode) -> str:
    """The text of a code cell's outputs: streams and the text/plain of results."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif out["output_type"] in ("execute_result", "display_data"):
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def _execute(tmp_path: pathlib.Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # The kernel is ipykernel's native spec, i.e. this interpreter: no kernel spec installed
    # anywhere (kernel_dirs=[]), so a user's or system's "python3" spec cannot take over.
    km = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the inline backend puts the map into the outputs
    env["TMPDIR"] = str(tmp_path)  # the notebook's tempfile.mkdtemp() folder, cleaned by pytest
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    client = nbclient.NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT_S,
        allow_errors=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=env, cwd=str(cwd))
    written = list(cwd.iterdir())
    assert not written, f"the notebook wrote into its working directory: {written}"
    reports = list(tmp_path.glob("musterstadt-*/report/index.html"))
    assert reports, "the notebook wrote no report into its temporary folder"
    return nb


def test_committed_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code cells"
    for i, cell in enumerate(code):
        assert cell.outputs == [], f"code cell {i} has stored outputs"
        assert cell.execution_count is None, f"code cell {i} has an execution count"


def test_notebook_runs_and_shows_the_workflow(tmp_path) -> None:
    nb = _execute(tmp_path)

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "a code cell was not executed"
    errors = [o for c in code for o in c.outputs if o["output_type"] == "error"]
    assert errors == []

    # The selected quarters: the ranking computed here, with the demo's settings (README).
    hierarchy, records, groupings = quartier.demo_town(2019)
    tables = quartier.protect(
        records,
        hierarchy,
        snap=5.0,
        groupings=groupings,
        finest_levels={"kita": "quartier", "child_support": "quartier"},
    )
    ranking = quartier.analyze(tables, hierarchy)
    want = set(ranking.loc[ranking["selected"], "unit_id"])
    assert want, "the oracle selects no quarter: the check would compare nothing"
    text = _text(_tagged(nb, "selected"))
    line = re.search(r"^Selected quarters: (.*)$", text, re.MULTILINE)
    assert line, f"no 'Selected quarters:' line in {text!r}"
    assert set(line.group(1).split(", ")) == want
    for unit in set(hierarchy.units("quartier")) - want:
        assert unit not in text, f"unselected quarter {unit} shown as selected"

    # The built-in SVG: an image/svg+xml output showing every quarter of the town.
    svg_outputs = [
        o["data"]["image/svg+xml"]
        for o in _tagged(nb, "svg").outputs
        if o["output_type"] in ("execute_result", "display_data") and "image/svg+xml" in o["data"]
    ]
    assert len(svg_outputs) == 1, "the SVG cell did not display one image/svg+xml output"
    svg = svg_outputs[0]
    assert svg.lstrip().startswith("<svg") and "Musterstadt" in svg
    for unit in hierarchy.units("quartier"):
        assert f'id="m-u-{unit}"' in svg, f"quarter {unit} missing from the SVG map"

    # The matplotlib map: one PNG image.
    images = [o for o in _tagged(nb, "map").outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, json.dumps([o.get("output_type") for o in _tagged(nb, "map").outputs])
