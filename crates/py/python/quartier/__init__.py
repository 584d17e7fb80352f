"""quartier: small-area social planning on top of a fast, exact Rust core.

Records (points in a metric CRS) are assigned to building blocks, counted up a spatial
hierarchy, protected and turned into indicators. This package is a thin layer over the
extension module ``quartier._quartier``.

Example:
    >>> import numpy as np, quartier
    >>> index = quartier.UnitIndex.from_geojson("blocks.geojson", "id")  # doctest: +SKIP
    >>> unit, outcome = index.assign(np.array([1.0]), np.array([2.0]))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import IntEnum
from typing import Any

import numpy as np

from quartier import _quartier
from quartier._quartier import _OUTCOME_NAMES, _RECORD_KINDS
from quartier._quartier import (
    AssignError,
    DisclosureError,
    Hierarchy,
    HierarchyError,
    QuartierError,
    QuartierIOError,
    TableError,
    UnitIndex,
    __version__,
)

__all__ = [
    "ASSIGNED",
    "INVALID_COORDINATE",
    "OUTCOME_NAMES",
    "OUTSIDE",
    "SNAPPED",
    "RECORD_KINDS",
    "AssignError",
    "DisclosureError",
    "Hierarchy",
    "HierarchyError",
    "Outcome",
    "QuartierError",
    "QuartierIOError",
    "TableError",
    "UnitIndex",
    "__version__",
    "anonymize",
    "demo_town",
]


class Outcome(IntEnum):
    """What happened to one point in :meth:`UnitIndex.assign` (the ``outcome`` array's codes)."""

    ASSIGNED = 0
    """A unit covers the point (boundary included; ties go to the smallest id)."""
    SNAPPED = 1
    """No unit covers the point; the nearest unit within the snap distance was taken."""
    INVALID_COORDINATE = 2
    """x or y is NaN or infinite; unit is -1."""
    OUTSIDE = 3
    """No unit covers the point (and none is within the snap distance); unit is -1."""


ASSIGNED = Outcome.ASSIGNED
SNAPPED = Outcome.SNAPPED
INVALID_COORDINATE = Outcome.INVALID_COORDINATE
OUTSIDE = Outcome.OUTSIDE

#: Outcome names indexed by code, ``OUTCOME_NAMES[outcome[i]]``; taken from the Rust core.
OUTCOME_NAMES: tuple[str, ...] = tuple(_OUTCOME_NAMES)

#: The record kinds, in the order of the protected datasets: ``resident``, ``kita``,
#: ``child_support``; taken from the Rust core.
RECORD_KINDS: tuple[str, ...] = tuple(_RECORD_KINDS)

#: Record attribute columns (float64, NaN where a column does not apply to a record's kind).
_ATTRIBUTES = ("age", "child_age", "fee_bracket")


def _column(records: Any, name: str, n: int) -> np.ndarray:
    """A record column as a contiguous float64 array; NaN when the column is absent."""
    if name not in records:
        return np.full(n, np.nan)
    return np.ascontiguousarray(np.asarray(records[name], dtype=np.float64))


def _kind_codes(kinds: Any) -> np.ndarray:
    names = np.asarray(kinds, dtype=object)
    codes = np.full(len(names), 255, dtype=np.uint8)
    for code, name in enumerate(RECORD_KINDS):
        codes[names == name] = code
    return codes


def _output(columns: dict[str, Any]) -> Any:
    """Columns as a pandas DataFrame when pandas is installed, else a dict of arrays."""
    try:
        import pandas as pd  # type: ignore[import-untyped]
    except ImportError:
        return {
            name: (values if name == "value" else np.asarray(values, dtype=object))
            for name, values in columns.items()
        }
    frame = pd.DataFrame({name: values for name, values in columns.items() if name != "value"})
    frame.insert(5, "value", pd.array(columns["value"], dtype="Float64").astype("Int64"))
    return frame


def anonymize(
    records: Any,
    hierarchy: Hierarchy,
    *,
    k: int = 3,
    zeros: bool = False,
    snap: float | None = None,
    groupings: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Runs the sealed-office phase: records → blocks → count tables → protection → audit.

    A thin layer over the Rust core's ``anonymize``: every table of every dataset (each level
    of the hierarchy and each grouping, with row totals) is protected in one model (primary
    rule ``0 < n < k``, secondary suppression, LP audit).

    Args:
        records: A pandas DataFrame or a dict of 1-d arrays, one entry per record: ``kind``
            (``"resident"``, ``"kita"`` or ``"child_support"``), ``x``, ``y`` (metres, project
            CRS; both NaN = no position), ``age`` (residents), ``child_age`` (kita and
            child_support), ``fee_bracket`` (kita). Attributes must be integers in 0..=255 for
            the kinds they apply to; other cells may be NaN or the column may be absent.
        hierarchy: The spatial hierarchy.
        k: Minimum frequency and protection level.
        zeros: Treat zero cells as sensitive too.
        snap: Snap distance in metres for records just outside every block.
        groupings: Other area layers built from the blocks, ``{name: {block_id: group_id}}``.

    Returns:
        ``(tables, protocol)``: ``tables`` in the long format of the published CSV plus a
        ``dataset`` column (``dataset, layer, unit_id, parent_id, category, value, status``;
        ``parent_id`` is ``""`` at the top level and in groupings; ``value`` is missing where
        ``status == "suppressed"``) as a pandas DataFrame (``value`` of dtype ``Int64``) when
        pandas is installed, else a dict of NumPy arrays (``value`` float64 with NaN);
        ``protocol`` is the protocol as a dict (the content of ``protocol.json``).

    Raises:
        ValueError: A record's kind is unknown, or an attribute it needs is missing or not an
            integer in 0..=255 (the message names the column and the record's position).
        DisclosureError: A grouping names an unknown block or puts a block into two groups,
            or the tables cannot be protected.
        TableError: A record's category is outside its category set.
        AssignError: ``snap`` is invalid.
    """
    n = len(records["kind"])
    x = _column(records, "x", n)
    y = _column(records, "y", n)
    attributes = [_column(records, name, n) for name in _ATTRIBUTES]
    pairs = [(name, list(members.items())) for name, members in (groupings or {}).items()]
    columns, protocol = _quartier._anonymize(
        hierarchy,
        _kind_codes(records["kind"]),
        x,
        y,
        *attributes,
        k=k,
        zeros=zeros,
        snap=snap,
        groupings=pairs,
    )
    return _output(columns), json.loads(protocol)


def demo_town(seed: int = 2019) -> tuple[Hierarchy, Any, dict[str, dict[str, str]]]:
    """The seeded synthetic demo town Musterstadt, ready for :func:`anonymize`.

    Args:
        seed: The seed; the same seed gives the same town.

    Returns:
        ``(hierarchy, records, groupings)``: the hierarchy, the records in the columns
        :func:`anonymize` takes (a DataFrame, or a dict of arrays without pandas; records
        without a position have NaN coordinates) and the school districts
        ``{"grundschulbezirk": {block_id: group_id}}``. The demo's planted street records
        need ``snap=5.0`` to be snapped.
    """
    hierarchy, columns, groupings = _quartier._demo_town(seed)
    columns = dict(columns)
    columns["kind"] = np.asarray(RECORD_KINDS, dtype=object)[columns["kind"]]
    try:
        import pandas as pd  # type: ignore[import-untyped]
    except ImportError:
        records: Any = columns
    else:
        records = pd.DataFrame(columns)
    return hierarchy, records, {name: dict(pairs) for name, pairs in groupings}
