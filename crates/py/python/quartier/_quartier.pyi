"""Type stubs of the extension module ``quartier._quartier``."""

from os import PathLike
from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "AssignError",
    "DisclosureError",
    "Hierarchy",
    "HierarchyError",
    "QuartierError",
    "QuartierIOError",
    "TableError",
    "UnitIndex",
    "_OUTCOME_NAMES",
    "_RECORD_KINDS",
    "_anonymize",
    "_demo_town",
    "__version__",
    "_synthetic",
    "_synthetic_index",
]

__version__: str
_OUTCOME_NAMES: tuple[str, ...]
_RECORD_KINDS: tuple[str, ...]

class QuartierError(Exception):
    """Base class of every error raised by quartier."""

class HierarchyError(QuartierError, ValueError):
    """The spatial hierarchy is invalid (also a ValueError)."""

class AssignError(QuartierError, ValueError):
    """A unit index cannot be built or points cannot be assigned (also a ValueError)."""

class TableError(QuartierError, ValueError):
    """A count table is invalid (also a ValueError)."""

class DisclosureError(QuartierError, ValueError):
    """Disclosure control failed: an invalid grouping, or tables that cannot be protected (also a ValueError)."""

class QuartierIOError(QuartierError, OSError):
    """A file cannot be read or written (also an OSError)."""

@final
class UnitIndex:
    """A spatial index over units (blocks) that assigns points to the unit covering them.

    A point belongs to a unit when the unit's closed polygon covers it: points on an edge or
    a vertex count, points in a hole do not. A point covered by several units (a shared edge
    or vertex) goes to the unit with the smallest id in byte order. Coordinates are metres in
    the project's projected CRS.

    Build one with :meth:`from_geojson`; the index is immutable and safe to share between
    threads.
    """

    @staticmethod
    def from_geojson(path: str | PathLike[str], id_field: str) -> UnitIndex:
        """Reads units from a GeoJSON file and indexes them.

        Args:
            path: A GeoJSON FeatureCollection of Polygon or MultiPolygon features, in the
                project CRS (metres).
            id_field: The feature property holding each unit's id.

        Returns:
            The index over all features.

        Raises:
            QuartierIOError: The file cannot be read or parsed (an ``OSError``).
            AssignError: The units cannot be indexed, e.g. duplicate ids (a ``ValueError``).
        """

    @staticmethod
    def from_file(path: str | PathLike[str], id_field: str) -> UnitIndex:
        """Reads units from a GeoJSON file or an ESRI Shapefile and indexes them.

        A path ending in ``.shp`` is read as a Shapefile (with its ``.shx`` and ``.dbf``),
        anything else as GeoJSON.

        Args:
            path: The layer, in the project CRS (metres).
            id_field: The attribute holding each unit's id.

        Returns:
            The index over all features, in file order.

        Raises:
            QuartierIOError: The file cannot be read or parsed (an ``OSError``); the message
                names the file, the feature or record and the field.
            AssignError: The units cannot be indexed (a ``ValueError``).

        Example:
            >>> index = quartier.UnitIndex.from_file("lor_planungsraeume_2021.shp", "PLR_ID")
        """

    def assign(
        self,
        x: npt.NDArray[np.float64],
        y: npt.NDArray[np.float64],
        *,
        snap: float | None = None,
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8]]:
        """Assigns every point to the unit that covers it.

        The input arrays are read in place (never copied) and the GIL is released while the
        points are assigned, so other Python threads keep running.

        Args:
            x: x coordinates, a 1-d contiguous ``float64`` array.
            y: y coordinates, same length as ``x``.
            snap: If given, a point covered by no unit but within ``snap`` metres of one goes
                to the nearest such unit (ties: smallest id) with outcome ``SNAPPED``.

        Returns:
            ``(unit, outcome)``, both of the input's length and order. ``unit[i]`` is the
            position of the point's unit in :attr:`unit_ids`, or -1. ``outcome[i]`` is an
            :class:`quartier.Outcome` code: 0 assigned, 1 snapped, 2 invalid coordinate
            (NaN or infinite), 3 outside every unit.

        Raises:
            TypeError: ``x`` or ``y`` is not a 1-d ``float64`` NumPy array.
            ValueError: ``x`` or ``y`` is not contiguous (use ``np.ascontiguousarray``).
            AssignError: ``x`` and ``y`` differ in length, or ``snap`` is invalid.
        """

    @property
    def unit_ids(self) -> list[str]:
        """The unit ids in index order: ``unit_ids[u]`` is the id of unit position ``u``."""

    def __len__(self) -> int:
        """The number of units."""

def _synthetic(
    n_blocks: int, n_points: int, boundary_share: float, seed: int
) -> tuple[list[str], list[str], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Generates the seeded synthetic town of the benchmarks (internal).

    Args:
        n_blocks: Number of blocks.
        n_points: Number of points.
        boundary_share: Share of points placed exactly on block edges and vertices.
        seed: Random seed of the blocks; the points use ``seed + 1`` (as the Rust bench).

    Returns:
        ``(ids, geojson, x, y)``: block ids, one GeoJSON geometry string per block (for
        ``shapely.from_geojson``), and the point coordinates.
    """

def _synthetic_index(n_blocks: int, seed: int) -> UnitIndex:
    """Builds a :class:`UnitIndex` over the blocks of :func:`_synthetic` (internal).

    Args:
        n_blocks: Number of blocks.
        seed: Random seed, the same as given to :func:`_synthetic`.

    Returns:
        The index over the synthetic blocks.
    """

@final
class Hierarchy:
    """A validated spatial hierarchy of named levels (Gemeinde → Ortsteil → Quartier → Baublock).

    Read it from a block layer with :meth:`from_geojson`; upper levels are dissolved from the
    blocks. Immutable.
    """

    @staticmethod
    def from_geojson(
        path: str | PathLike[str],
        *,
        levels: list[str] | None = None,
        id_fields: list[str] | None = None,
        name_field: str | None = None,
    ) -> Hierarchy:
        """Reads a GeoJSON block layer and builds the hierarchy.

        Args:
            path: Polygon / MultiPolygon features, one per block, in the project CRS (metres).
            levels: Level names from the top to the blocks; default
                ``["gemeinde", "ortsteil", "quartier", "baublock"]``.
            id_fields: The property holding each level's id, one per level; default
                ``["gemeinde_id", "ortsteil_id", "quartier_id", "block_id"]``.
            name_field: The property holding a block's name, if any.

        Raises:
            QuartierIOError: The file cannot be read or parsed.
            HierarchyError: Validation found errors (gaps, overlaps, duplicate ids, ...).
        """

    @property
    def levels(self) -> list[str]:
        """The level names, from the top to the blocks."""

    def units(self, level: str) -> list[str]:
        """The unit ids of a level, sorted by id.

        Raises:
            KeyError: There is no level of that name.
        """

def _anonymize(
    hierarchy: Hierarchy,
    kind: npt.NDArray[np.uint8],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    age: npt.NDArray[np.float64],
    child_age: npt.NDArray[np.float64],
    fee_bracket: npt.NDArray[np.float64],
    *,
    k: int,
    zeros: bool,
    snap: float | None,
    groupings: list[tuple[str, list[tuple[str, str]]]],
) -> tuple[dict[str, Any], str]:
    """The sealed-office phase on record columns (internal; use :func:`quartier.anonymize`)."""

def _demo_town(
    seed: int,
) -> tuple[Hierarchy, dict[str, Any], list[tuple[str, list[tuple[str, str]]]]]:
    """The demo town's hierarchy, record columns and groupings (internal)."""
