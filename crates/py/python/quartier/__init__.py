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

from enum import IntEnum

from quartier._quartier import _OUTCOME_NAMES
from quartier._quartier import (
    AssignError,
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
    "AssignError",
    "HierarchyError",
    "Outcome",
    "QuartierError",
    "QuartierIOError",
    "TableError",
    "UnitIndex",
    "__version__",
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
