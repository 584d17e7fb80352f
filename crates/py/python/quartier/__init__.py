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

import io
import json
import os
import pathlib
from collections.abc import Mapping, Sequence
from enum import IntEnum
from typing import Any

import numpy as np

from quartier import _quartier
from quartier._quartier import _OUTCOME_NAMES, _RECORD_KINDS
from quartier._quartier import (
    AssignError,
    ClassifyError,
    DisclosureError,
    Hierarchy,
    HierarchyError,
    IndicatorError,
    ProtectedTables,
    QuartierError,
    QuartierIOError,
    RankError,
    RenderError,
    SpatialError,
    TableError,
    UnitIndex,
    Weights,
    __version__,
    class_breaks,
    classify,
    local_moran,
    moran,
)

__all__ = [
    "ASSIGNED",
    "INVALID_COORDINATE",
    "OUTCOME_NAMES",
    "OUTSIDE",
    "SNAPPED",
    "RECORD_KINDS",
    "AssignError",
    "ClassifyError",
    "DisclosureError",
    "Hierarchy",
    "HierarchyError",
    "IndicatorError",
    "Outcome",
    "ProtectedTables",
    "QuartierError",
    "QuartierIOError",
    "RankError",
    "RenderError",
    "SpatialError",
    "TableError",
    "UnitIndex",
    "Weights",
    "__version__",
    "analyze",
    "anonymize",
    "class_breaks",
    "classify",
    "contiguity",
    "demo_town",
    "report",
    "local_moran",
    "moran",
    "protect",
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


def _run_anonymize(
    records: Any,
    hierarchy: Hierarchy,
    *,
    k: int,
    zeros: bool,
    snap: float | None,
    groupings: Mapping[str, Mapping[str, str]] | None,
    finest_levels: Mapping[str, str] | None,
) -> tuple[dict[str, Any], str, ProtectedTables]:
    """Calls ``_quartier._anonymize`` with the records as columns (see :func:`anonymize`)."""
    n = len(records["kind"])
    x = _column(records, "x", n)
    y = _column(records, "y", n)
    attributes = [_column(records, name, n) for name in _ATTRIBUTES]
    pairs = [(name, list(members.items())) for name, members in (groupings or {}).items()]
    return _quartier._anonymize(
        hierarchy,
        _kind_codes(records["kind"]),
        x,
        y,
        *attributes,
        k=k,
        zeros=zeros,
        snap=snap,
        groupings=pairs,
        finest_levels=list((finest_levels or {}).items()),
    )


def anonymize(
    records: Any,
    hierarchy: Hierarchy,
    *,
    k: int = 3,
    zeros: bool = False,
    snap: float | None = None,
    groupings: Mapping[str, Mapping[str, str]] | None = None,
    finest_levels: Mapping[str, str] | None = None,
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
        finest_levels: The finest published level per dataset, ``{"kita": "quartier"}``;
            datasets not named are published down to the blocks. A dataset published above
            the blocks is published without the groupings.

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
    columns, protocol, _ = _run_anonymize(
        records,
        hierarchy,
        k=k,
        zeros=zeros,
        snap=snap,
        groupings=groupings,
        finest_levels=finest_levels,
    )
    return _output(columns), json.loads(protocol)


def protect(
    records: Any,
    hierarchy: Hierarchy,
    *,
    k: int = 3,
    zeros: bool = False,
    snap: float | None = None,
    groupings: Mapping[str, Mapping[str, str]] | None = None,
    finest_levels: Mapping[str, str] | None = None,
) -> ProtectedTables:
    """Runs :func:`anonymize` and returns the protected tables as the handle :func:`analyze` takes.

    The arguments are those of :func:`anonymize`. The handle holds only protected tables:
    the analyze phase cannot reach a record through it.

    Example:
        >>> hierarchy, records, groupings = quartier.demo_town(2019)  # doctest: +SKIP
        >>> tables = quartier.protect(records, hierarchy, snap=5.0,
        ...     finest_levels={"kita": "quartier", "child_support": "quartier"})  # doctest: +SKIP
        >>> ranking = quartier.analyze(tables, hierarchy)  # doctest: +SKIP
    """
    _, _, tables = _run_anonymize(
        records,
        hierarchy,
        k=k,
        zeros=zeros,
        snap=snap,
        groupings=groupings,
        finest_levels=finest_levels,
    )
    return tables


def analyze(
    tables: ProtectedTables,
    hierarchy: Hierarchy,
    *,
    level: str = "quartier",
    draws: int = 1000,
    seed: int = 2019,
    permutations: int = 999,
    as_json: bool = False,
) -> Any:
    """Runs the analyze phase with the seed's procedure: indicators, ranking, intervals, Moran.

    The method is the Rust core's ``AnalysisSpec::default()``: the four seed indicators
    (under-25 share and density, Kita children in the lowest fee brackets, child-support
    cases per 100 children under 12), z-scores, weighted mean re-standardized, quarters under
    300 residents excluded, selected = composite above 1 SD, ``draws`` Monte-Carlo draws for
    rank intervals, queen contiguity for Moran's I / LISA with ``permutations``.

    Args:
        tables: Protected tables from :func:`protect`.
        hierarchy: The hierarchy the tables were made with.
        level: The level whose units are ranked.
        draws: Monte-Carlo draws for rank intervals (0 = none).
        seed: Seed of the Monte-Carlo and the permutations.
        permutations: Permutations of the LISA / Moran pseudo p-values.
        as_json: Return the ranking document (a dict, as ``ranking.json``) instead of the table.

    Returns:
        The ranking table (the columns of ``ranking.csv``) as a pandas DataFrame when pandas
        is installed, else a list of dicts of strings; or the JSON document as a dict.

    Raises:
        IndicatorError: The tables do not fit the hierarchy or lack a dataset.
        RankError, ClassifyError, SpatialError: The ranking cannot be computed.
    """
    text, document = _quartier._analyze(hierarchy, tables, level, draws, seed, permutations)
    if as_json:
        return json.loads(document)
    try:
        import pandas as pd  # type: ignore[import-untyped]
    except ImportError:
        import csv

        return list(csv.DictReader(io.StringIO(text)))
    return pd.read_csv(io.StringIO(text), dtype={"unit_id": str, "excluded": str, "drivers": str})


def report(
    tables: ProtectedTables,
    hierarchy: Hierarchy,
    out: str | os.PathLike[str],
    *,
    title: str = "quartier",
    language: str = "de",
    level: str = "quartier",
    draws: int = 1000,
    seed: int = 2019,
    permutations: int = 999,
    catalogue: Sequence[Mapping[str, str]] = (),
    epsg: int = 25832,
) -> pathlib.Path:
    """Analyzes the protected tables and writes the report and the GIS layers into ``out``.

    The analysis is that of :func:`analyze` (same options, same numbers). Written: the
    report — ``report/index.html`` (composite map, ranking with rank intervals, links),
    ``report/<level>-<id>.html`` (one profile per unit), ``report/maps/*.svg`` — and
    ``gis/quartier.gpkg`` (one layer per level, QGIS style) with ``gis/<level>.geojson``.
    The handle carries no anonymization protocol, so the pages leave out the protocol
    summary and the suppression rule; ``quartier demo`` shows both.

    Args:
        tables: Protected tables from :func:`protect`.
        hierarchy: The hierarchy the tables were made with.
        out: Output folder (created when missing; files are replaced atomically).
        title: The town's name, used in titles.
        language: ``"de"`` (default) or ``"en"``.
        level, draws, seed, permutations: As :func:`analyze`.
        catalogue: The data sources shown in every profile: dicts with ``dataset``,
            ``title``, ``office`` (the owner office), ``reference_date`` and optionally
            ``legal_basis``.
        epsg: The EPSG code of the hierarchy's CRS, written into the GIS layers.

    Returns:
        The path of ``report/index.html``.

    Raises:
        ValueError: ``language`` is neither ``"de"`` nor ``"en"``, or a catalogue entry
            lacks a key.
        IndicatorError, RankError, ClassifyError, SpatialError: As :func:`analyze`.
        RenderError: The report cannot be rendered.
        QuartierIOError: A file cannot be written.

    Example:
        >>> index = quartier.report(tables, hierarchy, "out", title="Musterstadt")  # doctest: +SKIP
    """
    if language not in ("de", "en"):
        raise ValueError(f"language must be 'de' or 'en', got {language!r}")
    entries = []
    for i, e in enumerate(catalogue):
        missing = [k for k in ("dataset", "title", "office", "reference_date") if k not in e]
        if missing:
            raise ValueError(f"catalogue entry {i} lacks {', '.join(missing)}")
        entries.append(
            (e["dataset"], e["title"], e["office"], e["reference_date"], e.get("legal_basis"))
        )
    written = _quartier._report(
        hierarchy,
        tables,
        os.fspath(out),
        level,
        draws,
        seed,
        permutations,
        title,
        language == "en",
        entries,
        epsg,
    )
    return pathlib.Path(written[0])


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


def contiguity(geometries: Any, *, kind: str = "queen", tolerance: float = 0.0) -> Weights:
    """Queen or rook contiguity weights of polygons.

    Two polygons are queen neighbours when they share a vertex, rook neighbours when they
    share an edge (two consecutive vertices); vertices match exactly (``tolerance=0``, as
    libpysal's ``Queen.from_dataframe`` / ``Rook.from_dataframe``) or within ``tolerance``
    metres. Rings of holes count too. The geometries go to Rust as shapely's ragged arrays.

    Args:
        geometries: Polygons and/or MultiPolygons in a metric CRS: a GeoSeries, a
            GeoDataFrame's ``geometry`` or an array of shapely geometries (needs shapely).
        kind: ``"queen"`` or ``"rook"``.
        tolerance: The largest distance in metres at which two vertices still match.

    Returns:
        The weights, units numbered in input order.

    Raises:
        ValueError: ``kind`` is unknown; a geometry is not a (Multi)Polygon.
        QuartierError: A geometry is empty or has a non-finite coordinate (the message
            gives its position); the tolerance is negative or not finite.
    """
    import shapely  # type: ignore[import-untyped]

    _, coords, offsets = shapely.to_ragged_array(np.asarray(geometries), include_z=False)
    offsets = [np.asarray(o, dtype=np.int64) for o in offsets]  # shapely gives int32
    return _quartier._contiguity(coords, offsets, kind=kind, tolerance=tolerance)
