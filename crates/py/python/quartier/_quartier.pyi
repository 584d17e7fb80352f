"""Type stubs of the extension module ``quartier._quartier``."""

from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any, ClassVar, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "AssignError",
    "BlockCounts",
    "ClassifyError",
    "DisclosureError",
    "Hierarchy",
    "HierarchyError",
    "IndicatorError",
    "ProtectedTables",
    "QuartierError",
    "QuartierIOError",
    "RankError",
    "SpatialError",
    "RenderError",
    "TableError",
    "UnitIndex",
    "Weights",
    "_OUTCOME_NAMES",
    "_RECORD_KINDS",
    "_analyze",
    "_indicators",
    "_rank",
    "_report",
    "_protect_points",
    "_anonymize",
    "_anonymize_counts",
    "_count",
    "_contiguity",
    "class_breaks",
    "classify",
    "_demo_town",
    "_init_project",
    "_validate_project",
    "_run_project",
    "__version__",
    "_synthetic",
    "_synthetic_index",
    "local_moran",
    "moran",
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

class IndicatorError(QuartierError, ValueError):
    """Indicators cannot be computed: a bad indicator spec, or tables that do not fit (also a ValueError)."""

class RankError(QuartierError, ValueError):
    """A ranking cannot be computed: bad weights, settings or values (also a ValueError)."""

class ClassifyError(QuartierError, ValueError):
    """Class breaks cannot be computed (also a ValueError)."""

class RenderError(QuartierError, ValueError):
    """Maps, profiles or the report cannot be rendered (also a ValueError)."""

class SpatialError(QuartierError, ValueError):
    """Spatial weights or statistics cannot be computed (also a ValueError)."""

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

    Read it from a block layer with :meth:`from_geojson`, :meth:`from_geopackage` or, for a
    layer in memory (a geopandas GeoDataFrame, see ``quartier.hierarchy_from_geodataframe``),
    :meth:`from_wkb`; upper levels are dissolved from the blocks. Immutable.
    """

    DEFAULT_LEVELS: ClassVar[tuple[str, ...]]
    """The default level names: ``("gemeinde", "ortsteil", "quartier", "baublock")``."""
    DEFAULT_ID_FIELDS: ClassVar[tuple[str, ...]]
    """The default id fields: ``("gemeinde_id", "ortsteil_id", "quartier_id", "block_id")``."""

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

    @staticmethod
    def from_geopackage(
        path: str | PathLike[str],
        *,
        layer: str | None = None,
        levels: list[str] | None = None,
        id_fields: list[str] | None = None,
        name_field: str | None = None,
    ) -> Hierarchy:
        """Reads a GeoPackage block layer and builds the hierarchy, as :meth:`from_geojson` does.

        Rows are read in ``fid`` order; geometries are Polygon or MultiPolygon (Z and M are
        dropped). Integer ids become their decimal text. A NULL geometry is an empty geometry,
        which validation reports.

        Example:
            >>> h = quartier.Hierarchy.from_geopackage("blocks.gpkg", layer="baublock")  # doctest: +SKIP
            >>> h.levels  # doctest: +SKIP
            ['gemeinde', 'ortsteil', 'quartier', 'baublock']

        Args:
            path: A GeoPackage (``.gpkg``), e.g. written by QGIS, ``ogr2ogr`` or geopandas.
            layer: The feature table; default: the only feature layer of the file.
            levels: Level names from the top to the blocks; default :attr:`DEFAULT_LEVELS`.
            id_fields: The column holding each level's id, one per level; default
                :attr:`DEFAULT_ID_FIELDS`. Matched case-insensitively, as SQLite does.
            name_field: The column holding a block's name, if any.

        Raises:
            QuartierIOError: The file cannot be read, is not a GeoPackage, the layer is
                missing or not unique, a column is missing, an id is NULL, or a geometry is
                not a polygon (the message names the layer, the fid and the field).
            HierarchyError: Validation found errors (gaps, overlaps, duplicate ids, ...).
        """

    def _units_wkb(
        self, level: str
    ) -> tuple[list[str], list[str | None], list[str | None], list[bytes]]:
        """Ids, names, parent ids and WKB geometries of a level (internal; use
        :func:`quartier.hierarchy_to_geodataframe`)."""
    @staticmethod
    def from_wkb(
        geometries: Sequence[bytes | None] | npt.NDArray[np.object_],
        ids: Mapping[str, Sequence[str | None]] | Sequence[Sequence[str | None]],
        *,
        levels: Sequence[str] | None = None,
        names: Sequence[str | None] | None = None,
    ) -> Hierarchy:
        """Builds the hierarchy from a block layer in memory: WKB geometries and id columns.

        One call into Rust, with no loop per feature in Python; the WKB bytes are read in
        place. Row ``i`` of every column is block (feature) ``i``. WKB may be little or big
        endian, ISO or EWKB; Polygon or MultiPolygon; Z and M are dropped. A ``None``
        geometry is an empty geometry, which validation reports.

        Example:
            >>> import shapely  # doctest: +SKIP
            >>> squares = [shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)]  # doctest: +SKIP
            >>> h = quartier.Hierarchy.from_wkb(  # doctest: +SKIP
            ...     shapely.to_wkb(squares),
            ...     {"quartier": ["Q1", "Q1"], "baublock": ["B1", "B2"]},
            ... )
            >>> h.units("quartier")  # doctest: +SKIP
            ['Q1']

        Args:
            geometries: WKB ``bytes`` (or ``None``) per block: a list, or a NumPy object array
                such as ``GeoSeries.to_wkb()`` / ``shapely.to_wkb`` returns.
            ids: The id columns, ``str`` (or ``None`` for a missing id): a mapping from level
                name to column, or a sequence of columns from the top level to the blocks.
            levels: Level names from the top to the blocks. Default: the mapping's keys in
                order, or :attr:`DEFAULT_LEVELS` for a sequence of columns.
            names: The blocks' display names, if any.

        Raises:
            QuartierIOError: A geometry cannot be decoded or is not a polygon, an id is
                missing, a column has the wrong length, or the number of levels and columns
                differ (the message names the feature index and the column).
            HierarchyError: Validation found errors (gaps, overlaps, duplicate ids, ...).
            TypeError: A geometry is not bytes or None, or an id not str or None.
            KeyError: ``levels`` names a level that ``ids`` has no column for.
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
    finest_levels: list[tuple[str, str]],
) -> tuple[dict[str, Any], str, ProtectedTables]:
    """The sealed-office phase on record columns (internal; use :func:`quartier.anonymize`)."""

def _count(
    hierarchy: Hierarchy,
    kind: npt.NDArray[np.uint8],
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    age: npt.NDArray[np.float64],
    child_age: npt.NDArray[np.float64],
    fee_bracket: npt.NDArray[np.float64],
    *,
    snap: float | None,
) -> BlockCounts:
    """Records of one chunk counted on the blocks (internal; use :func:`quartier.count`)."""

def _anonymize_counts(
    hierarchy: Hierarchy,
    counts: BlockCounts,
    *,
    k: int,
    zeros: bool,
    groupings: list[tuple[str, list[tuple[str, str]]]],
    finest_levels: list[tuple[str, str]],
) -> tuple[dict[str, Any], str, ProtectedTables]:
    """The sealed-office phase on merged counts (internal; use :func:`quartier.anonymize`)."""

@final
class BlockCounts:
    """Records counted on the blocks, per dataset: raw counts that stay in the sealed office.

    Made by :func:`quartier.count`; counts of disjoint chunks or partitions add up with
    ``+`` and pickle, so workers of Dask or Spark can send them back for one protection run.
    """

    @property
    def blocks(self) -> int:
        """Number of blocks the records were counted on."""
    @property
    def snap(self) -> float | None:
        """The snap distance the records were assigned with (metres), or None."""
    def summary(self, dataset: str) -> dict[str, int]:
        """Where the records of a dataset ended (``read``, ``assigned``, ``snapped``,
        ``no_coordinate``, ``invalid_coordinate``, ``outside``)."""
    def counts(self, dataset: str) -> npt.NDArray[np.uint64]:
        """The counts of a dataset as a ``(blocks, categories)`` array."""
    def __add__(self, value: BlockCounts, /) -> BlockCounts: ...
    def __radd__(self, value: BlockCounts, /) -> BlockCounts: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...
    @staticmethod
    def _from_state(
        blocks: int,
        layer: int,
        snap: float | None,
        datasets: list[tuple[str, npt.NDArray[np.uint64], list[int]]],
    ) -> BlockCounts: ...

@final
class ProtectedTables:
    """The protected tables of every dataset, as they leave the sealed office.

    Made only by :func:`quartier.protect`; :func:`quartier.analyze` accepts nothing else.
    """

    def datasets(self) -> list[str]:
        """The dataset names, in order (``resident``, ``kita``, ``child_support``)."""
    def layers(self) -> list[tuple[str, list[str]]]:
        """The layers each dataset is published on, ``[(dataset, [layer, ...]), ...]``."""
    def protocol(self) -> str:
        """The anonymization protocol of the run that made the tables, as JSON."""
    def __len__(self) -> int: ...

def _analyze(
    hierarchy: Hierarchy,
    tables: ProtectedTables,
    level: str,
    draws: int,
    seed: int,
    permutations: int,
) -> tuple[str, str]:
    """The analyze phase (internal; use :func:`quartier.analyze`): ranking CSV and JSON text."""

def _protect_points(
    hierarchy: Hierarchy,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    category: npt.NDArray[np.uint64],
    labels: list[str],
    *,
    k: int,
    zeros: bool,
    snap: float | None,
) -> tuple[dict[str, list[Any]], dict[str, int], int]:
    """Protected counts of points by category (internal; use :func:`quartier.protect_points`)."""

def _report(
    hierarchy: Hierarchy,
    tables: ProtectedTables,
    out: str,
    level: str,
    draws: int,
    seed: int,
    permutations: int,
    title: str,
    english: bool,
    catalogue: list[tuple[str, str, str, str, str | None]],
    epsg: int,
) -> list[str]:
    """Analyze, render and write the report (internal; use :func:`quartier.report`)."""

def _indicators(
    hierarchy: Hierarchy,
    tables: ProtectedTables,
    level: str,
    specs: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """Indicator table columns (internal; use :func:`quartier.indicators`)."""

def _rank(
    units: list[str],
    values: list[tuple[str, npt.NDArray[np.float64]]],
    population: npt.NDArray[np.float64] | None,
    directions: list[tuple[str, str]],
    weights: list[tuple[str, float]],
    weight_list: list[float] | None,
    preset_name: str,
    normalization_name: str | None,
    min_population_value: float | str | None,
    selection_value: str | tuple[str, float] | None,
    draws: int,
    seed: int,
) -> dict[str, Any]:
    """Ranking table columns (internal; use :func:`quartier.rank`)."""

def _demo_town(
    seed: int,
) -> tuple[Hierarchy, dict[str, Any], list[tuple[str, list[tuple[str, str]]]]]:
    """The demo town's hierarchy, record columns and groupings (internal)."""

def _init_project(dir: str | PathLike[str]) -> list[str]:
    """Writes a template project (internal; use :func:`quartier.init_project`)."""

def _validate_project(path: str | PathLike[str]) -> str:
    """Checks a project, the outcome as JSON (internal; use :func:`quartier.validate_project`)."""

def _run_project(path: str | PathLike[str], anonymize: bool, analyze: bool) -> str:
    """Runs a project, the outcomes as JSON (internal; use :func:`quartier.run_project`)."""

def class_breaks(
    values: npt.NDArray[np.float64],
    method: str,
    *,
    k: int = 5,
    multiples: Sequence[float] | None = None,
    breaks: Sequence[float] | None = None,
) -> npt.NDArray[np.float64]:
    """Class breaks for a choropleth map, identical to mapclassify's.

    The values are read in place and the GIL is released while the breaks are computed.
    Missing values are the caller's business: drop NaN, suppressed units and sentinel codes
    (such as ``-9999``) first.

    Args:
        values: The values, a 1-d contiguous ``float64`` array, all finite.
        method: ``"quantiles"``, ``"equal_interval"``, ``"fisher_jenks"`` (exact optimal),
            ``"std_mean"`` or ``"manual"``; case, ``_`` and ``-`` are ignored and the
            mapclassify class names (``"FisherJenks"``, ``"UserDefined"``, ...) work too.
        k: Number of classes of ``quantiles``, ``equal_interval`` and ``fisher_jenks``.
        multiples: Multiples of the standard deviation of ``std_mean``, strictly increasing
            (default ``[-2, -1, 1, 2]``); only for ``std_mean``.
        breaks: The upper bounds of ``manual``, strictly increasing; only for ``manual``.

    Returns:
        The classes' upper bounds (mapclassify's ``bins``): class 0 holds the values
        ``<= bins[0]``, class ``i`` those in ``(bins[i-1], bins[i]]``. The last bin is the
        maximum (``std_mean`` and ``manual``: the maximum is appended when above the last
        bound). ``quantiles`` gives fewer than ``k`` bins when ties make quantiles equal.

    Raises:
        TypeError: ``values`` is not a 1-d ``float64`` NumPy array.
        ValueError: ``values`` is not contiguous.
        OverflowError: ``k`` is negative.
        QuartierError: The method is unknown (the message lists the accepted names), a
            parameter is missing or not used by the method, a value is NaN or infinite
            (the message gives its position), there are no values, fewer values than
            classes, fewer distinct values than classes (``fisher_jenks``), all values are
            equal (``equal_interval``, ``std_mean``), or ``breaks``/``multiples`` are empty,
            not finite or not strictly increasing.
    """

def classify(
    values: npt.NDArray[np.float64], bins: Sequence[float] | npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """The class of each value under the given upper bounds (as mapclassify's ``yb``).

    Args:
        values: The values, a 1-d contiguous ``float64`` array; NaN is allowed.
        bins: The classes' upper bounds, finite and non-decreasing, e.g. from
            :func:`class_breaks`.

    Returns:
        ``int64`` class numbers of the input's length and order: the first ``j`` with
        ``value <= bins[j]``; -1 for NaN and for values above the last bin (mapclassify
        puts those in class 0).

    Raises:
        TypeError: ``values`` is not a 1-d ``float64`` NumPy array.
        ValueError: ``values`` is not contiguous.
        QuartierError: ``bins`` is empty, not finite or decreasing.
    """

@final
class Weights:
    """Binary contiguity weights: a sorted neighbour list per unit (compressed, CSR).

    The neighbour relation is symmetric and irreflexive. :func:`moran` and
    :func:`local_moran` row-standardize the weights (esda's ``transformation="r"``); a unit
    without neighbours (an island, see :meth:`islands`) keeps a zero row. Build one with
    :func:`quartier.contiguity` or :meth:`from_neighbours`.
    """

    @staticmethod
    def from_neighbours(lists: list[list[int]]) -> Weights:
        """Weights from one neighbour list per unit, e.g. libpysal's ``w.neighbors``.

        Args:
            lists: ``lists[i]`` are unit ``i``'s neighbours, in any order.

        Returns:
            The checked weights.

        Raises:
            QuartierError: An index is out of range, a unit is its own neighbour, a
                neighbour is listed twice, or ``j`` lists ``i`` but ``i`` does not list ``j``.
            OverflowError: An index is negative.
        """

    def neighbours(self, i: int) -> list[int]:
        """The neighbours of unit ``i``, ascending.

        Raises:
            IndexError: ``i`` is out of range.
        """

    def to_lists(self) -> list[list[int]]:
        """All neighbour lists, each ascending."""

    def cardinalities(self) -> npt.NDArray[np.int64]:
        """The number of neighbours of every unit."""

    def islands(self) -> npt.NDArray[np.int64]:
        """The units without neighbours, ascending."""

    @property
    def offsets(self) -> npt.NDArray[np.int64]:
        """CSR offsets: unit ``i``'s neighbours are ``indices[offsets[i]:offsets[i + 1]]``."""

    @property
    def indices(self) -> npt.NDArray[np.int64]:
        """CSR neighbour indices of all units."""

    @property
    def n_links(self) -> int:
        """The number of directed links: twice the number of neighbouring pairs."""

    def __len__(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...

def _contiguity(
    coords: npt.NDArray[np.float64],
    offsets: list[npt.NDArray[np.int64]],
    *,
    kind: str = "queen",
    tolerance: float = 0.0,
) -> Weights:
    """Contiguity weights from ``shapely.to_ragged_array`` output (internal; see ``contiguity``)."""

def moran(
    values: npt.NDArray[np.float64],
    weights: Weights,
    *,
    permutations: int = 999,
    seed: int = 0,
) -> dict[str, Any]:
    """Global Moran's I with its normal-approximation and permutation tests.

    The weights are row-standardized; the results equal esda's ``Moran(values, w)``
    (``transformation="r"``, ``two_tailed=True``) and carry its attribute names. The
    permutation test is seeded: the same seed gives the same result on any number of threads
    (not esda's numbers: another random generator). The GIL is released meanwhile.

    Args:
        values: One value per unit, a 1-d contiguous ``float64`` array, all finite.
        weights: The weights.
        permutations: Number of random permutations; 0 skips the test.
        seed: The seed of the permutations.

    Returns:
        A dict: ``I``; ``EI`` = -1/(n-1); ``VI_norm``, the variance under normality;
        ``z_norm``; ``p_norm``, two-sided; ``permutations``; ``p_sim``, the folded pseudo
        p-value (``(min(larger, permutations - larger) + 1) / (permutations + 1)`` with
        ``larger`` the number of permuted I >= I); ``EI_sim`` and ``seI_sim``, the mean and
        standard deviation of the permuted I; ``z_sim`` (``None`` when ``seI_sim`` is 0). The
        permutation entries are ``None`` when ``permutations`` is 0.

    Raises:
        TypeError: ``values`` is not a 1-d ``float64`` NumPy array.
        ValueError: ``values`` is not contiguous.
        QuartierError: The lengths differ, a value is not finite (the message gives its
            position), fewer than 2 units, all values equal, no unit has a neighbour, or I
            cannot vary under the null (every unit neighbours every other).
    """

def local_moran(
    values: npt.NDArray[np.float64],
    weights: Weights,
    *,
    permutations: int = 999,
    seed: int = 0,
) -> dict[str, Any]:
    """Local Moran's I (LISA): statistic, scatter-plot quadrant and pseudo p-value per unit.

    The weights are row-standardized; ``Is`` and ``q`` equal esda's ``Moran_Local(values,
    w)``. Each unit is tested by conditional permutation (its value fixed, its neighbours
    drawn from the other units), seeded per unit: the same seed gives the same p-values on
    any number of threads. The GIL is released meanwhile.

    Args:
        values: One value per unit, a 1-d contiguous ``float64`` array, all finite.
        weights: The weights.
        permutations: Number of conditional permutations per unit; 0 skips the test.
        seed: The seed of the permutations.

    Returns:
        A dict: ``Is``, the local I (``float64``, 0 for islands); ``q``, the quadrant code
        (``uint8``: 1 = HH, 2 = LH, 3 = LL, 4 = HL, esda's codes; a value at the mean or a
        lag of 0 counts as low); ``p_sim``, esda's folded pseudo p-values (``float64``) or
        ``None`` when ``permutations`` is 0 (islands and values exactly at the mean get 1,
        where esda reports 1 / (permutations + 1)); ``permutations``.

    Raises:
        TypeError: ``values`` is not a 1-d ``float64`` NumPy array.
        ValueError: ``values`` is not contiguous.
        QuartierError: The lengths differ, a value is not finite (the message gives its
            position), fewer than 2 units, or all values equal.
    """
