"""Error mapping (issue 6): every error kind of the core raises its own Python class.

Each class derives from ``quartier.QuartierError`` and from the builtin that fits
(``ValueError``; ``OSError`` for files). Each case plants a canary — a value that belongs to
the input's content (a record's or vertex's coordinate, a property value, a criterion value)
— and checks that the message names the problem but never repeats the canary: a message
names ids, columns, positions and counts, never a value of the data.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import quartier

#: A coordinate / value planted in the inputs.
CANARY_NUMBER = 123456.789
#: A property value planted in the inputs.
CANARY_TEXT = "CANARY-4711"
CANARIES = ("123456.789", "123456", CANARY_TEXT)


def square(x0: float, y0: float, size: float = 40.0) -> list[list[float]]:
    return [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]


def write_blocks(path: Path, *, duplicate: bool = False) -> Path:
    """2 × 3 blocks of 40 m in 2 quarters; ``duplicate`` gives block 1 the id of block 0.

    Every feature carries the canary as a property, and a seventh block sits at the canary
    coordinate.
    """
    features = []
    for i in range(7):
        if i < 6:
            ring = square(461_000.0 + (i % 3) * 50, 5_780_000.0 + (i // 3) * 50)
        else:
            ring = square(CANARY_NUMBER, 5_780_200.0)
        block = "B0" if duplicate and i == 1 else f"B{i}"
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "gemeinde_id": "G",
                    "ortsteil_id": "O1",
                    "quartier_id": f"Q{min(i // 3, 1)}",
                    "block_id": block,
                    "owner": CANARY_TEXT,
                },
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture()
def blocks(tmp_path) -> Path:
    return write_blocks(tmp_path / "blocks.geojson")


@pytest.fixture()
def hierarchy(blocks) -> quartier.Hierarchy:
    return quartier.Hierarchy.from_geojson(blocks)


def records(n: int = 12) -> dict[str, np.ndarray]:
    """Residents in block B0, and one at the canary coordinate (outside every block)."""
    x = np.full(n, 461_010.0)
    y = np.full(n, 5_780_010.0)
    x[-1] = y[-1] = CANARY_NUMBER
    return {
        "kind": np.array(["resident"] * n, dtype=object),
        "x": x,
        "y": y,
        "age": np.arange(n, dtype=np.float64) + 20,
    }


def check(
    call: Callable[[], object], cls: type[BaseException], builtin: type, needle: str
) -> BaseException:
    """``call`` raises ``cls`` (a QuartierError and a ``builtin``) naming ``needle``, no canary."""
    with pytest.raises(cls) as caught:
        call()
    exc = caught.value
    assert type(exc) is cls, type(exc)
    assert isinstance(exc, quartier.QuartierError)
    assert isinstance(exc, builtin)
    message = str(exc)
    assert needle in message, message
    for canary in CANARIES:
        assert canary not in message, message
    return exc


def test_hierarchy_error(tmp_path) -> None:
    path = write_blocks(tmp_path / "dup.geojson", duplicate=True)
    check(
        lambda: quartier.Hierarchy.from_geojson(path),
        quartier.HierarchyError,
        ValueError,
        "the hierarchy is invalid",
    )


def test_hierarchy_error_names_the_finding(tmp_path) -> None:
    path = write_blocks(tmp_path / "dup.geojson", duplicate=True)
    with pytest.raises(quartier.HierarchyError, match="(?i)duplicate"):
        quartier.Hierarchy.from_geojson(path)


def test_assign_error(blocks) -> None:
    index = quartier.UnitIndex.from_geojson(blocks, "block_id")
    x = np.array([CANARY_NUMBER, 461_010.0])
    y = np.array([CANARY_NUMBER])
    check(lambda: index.assign(x, y), quartier.AssignError, ValueError, "differ in length")


def test_table_error(hierarchy) -> None:
    check(
        lambda: quartier.protect(records(), hierarchy, finest_levels={"resident": "stadtteil"}),
        quartier.TableError,
        ValueError,
        "level `stadtteil` is not a level of the hierarchy",
    )


def test_disclosure_error(hierarchy) -> None:
    check(
        lambda: quartier.protect(records(), hierarchy, groupings={"schule": {"B99": "S1"}}),
        quartier.DisclosureError,
        ValueError,
        "names block B99",
    )


def test_io_error_carries_errno(tmp_path) -> None:
    missing = tmp_path / "missing.geojson"
    exc = check(
        lambda: quartier.Hierarchy.from_geojson(missing),
        quartier.QuartierIOError,
        OSError,
        "missing.geojson",
    )
    assert isinstance(exc, OSError) and exc.errno == errno.ENOENT


def test_io_error_for_a_malformed_layer(tmp_path) -> None:
    path = tmp_path / "points.geojson"
    feature = {
        "type": "Feature",
        "properties": {"owner": CANARY_TEXT, "block_id": "B1"},
        "geometry": {"type": "Point", "coordinates": [CANARY_NUMBER, 1.0]},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    check(
        lambda: quartier.Hierarchy.from_geojson(path),
        quartier.QuartierIOError,
        OSError,
        "feature 0",
    )


def test_indicator_error(hierarchy) -> None:
    tables = quartier.protect(records(), hierarchy)
    check(
        lambda: quartier.indicators(tables, hierarchy, level="kreis"),
        quartier.IndicatorError,
        ValueError,
        "unknown level `kreis`",
    )
    spec = {"name": "x", "measure": "share", "numerator": {"dataset": "resident"}}
    check(
        lambda: quartier.indicators(tables, hierarchy, specs=[spec]),
        quartier.IndicatorError,
        ValueError,
        "lacks the key `denominator`",
    )


def test_rank_error() -> None:
    values = {"x": np.array([CANARY_NUMBER, 2.0, np.inf, 4.0])}
    check(
        lambda: quartier.rank(values, units=["A", "B", "C", "D"], min_population="none"),
        quartier.RankError,
        ValueError,
        "criterion `x` has a non-finite value for unit `C`",
    )


def test_classify_error() -> None:
    values = np.array([CANARY_NUMBER, np.nan, 3.0, 4.0])
    check(
        lambda: quartier.class_breaks(values, "quantiles", k=2),
        quartier.ClassifyError,
        ValueError,
        "position 1",
    )


def test_spatial_error() -> None:
    weights = quartier.Weights.from_neighbours([[1], [0, 2], [1]])
    check(
        lambda: quartier.moran(np.full(3, CANARY_NUMBER), weights),
        quartier.SpatialError,
        ValueError,
        "values are equal",
    )


def test_render_error_class() -> None:
    """RenderError cannot be reached from Python: ``report`` renders the analysis it just
    computed from the same hierarchy, so level and units always agree (a mismatched level or
    hierarchy fails earlier, as IndicatorError). Its place in the hierarchy is checked."""
    assert issubclass(quartier.RenderError, quartier.QuartierError)
    assert issubclass(quartier.RenderError, ValueError)
    assert quartier.RenderError.__module__ == "quartier"


def test_one_class_per_kind() -> None:
    classes = [
        quartier.HierarchyError,
        quartier.AssignError,
        quartier.TableError,
        quartier.DisclosureError,
        quartier.QuartierIOError,
        quartier.IndicatorError,
        quartier.RankError,
        quartier.ClassifyError,
        quartier.SpatialError,
        quartier.RenderError,
    ]
    assert len(set(classes)) == len(classes)
    for cls in classes:
        assert cls.__bases__[0] is quartier.QuartierError
        builtin = OSError if cls is quartier.QuartierIOError else ValueError
        assert cls.__bases__[1] is builtin
        # The classes raised are the ones the extension module exports.
        assert getattr(quartier._quartier, cls.__name__) is cls
    assert quartier.QuartierError.__bases__ == (Exception,)
