"""The README's Python example runs as written (on a small block layer made here)."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_python_example_runs(tmp_path, monkeypatch) -> None:
    blocks = _python_blocks()
    assert len(blocks) == 2, "the README has two Python examples"
    x0, y0 = 461_000.0, 5_780_300.0
    square = [[x0, y0], [x0 + 40, y0], [x0 + 40, y0 + 40], [x0, y0 + 40], [x0, y0]]
    layer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"block_id": "B-001"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    (tmp_path / "blocks.geojson").write_text(json.dumps(layer), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "README.md", "exec"), {})
    printed = out.getvalue()
    assert "['B-001', None]" in printed, printed
    assert "['assigned', 'invalid_coordinate']" in printed, printed


def test_readme_python_analyze_example_runs() -> None:
    blocks = _python_blocks()
    assert len(blocks) == 2, "the README has two Python examples"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("import quartier\n" + blocks[1], "README.md", "exec"), {})
    printed = out.getvalue()
    # The selected quarters are printed with their ids (demo ids start with the town key).
    assert "05758999-" in printed, printed
