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
    BlockCounts,
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
    "BlockCounts",
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
    "count",
    "demo_town",
    "hierarchy_from_geodataframe",
    "hierarchy_to_geodataframe",
    "indicators",
    "init_project",
    "rank",
    "run_project",
    "validate_project",
    "report",
    "local_moran",
    "moran",
    "protect",
    "protect_points",
    "audit",
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


def count(records: Any, hierarchy: Hierarchy, *, snap: float | None = None) -> BlockCounts:
    """Counts records on the blocks, for input too large for one call or one machine.

    The first half of :func:`anonymize`: assigns every record to a block and counts it per
    block and category, accounting for every record (``summary``). Counts of disjoint chunks
    or partitions add up (``a + b``), are picklable (so Dask or Spark workers can send them
    back) and hold no record, only numbers per block. Hand the merged counts to
    :func:`anonymize` in place of the records: protection (secondary suppression, audit)
    must run once on the merged tables, because a cell's protection depends on every other
    cell of the model.

    Args:
        records: As for :func:`anonymize` (a DataFrame or a dict of 1-d arrays).
        hierarchy: The spatial hierarchy (every partition must use the same one).
        snap: Snap distance in metres for records just outside every block.

    Returns:
        The counts; ``counts.summary("resident")`` tells where that dataset's records ended.

    Raises:
        ValueError, TableError, AssignError: As for :func:`anonymize`.

    Example:
        >>> parts = [quartier.count(chunk, hierarchy) for chunk in chunks]  # doctest: +SKIP
        >>> tables, protocol = quartier.anonymize(sum(parts[1:], parts[0]), hierarchy)  # doctest: +SKIP
    """
    n = len(records["kind"])
    return _quartier._count(
        hierarchy,
        _kind_codes(records["kind"]),
        _column(records, "x", n),
        _column(records, "y", n),
        *[_column(records, name, n) for name in _ATTRIBUTES],
        snap=snap,
    )


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
    pairs = [(name, list(members.items())) for name, members in (groupings or {}).items()]
    if isinstance(records, BlockCounts):
        if snap is not None:
            raise ValueError(
                "snap applies when records are counted: pass it to quartier.count, not with counts"
            )
        return _quartier._anonymize_counts(
            hierarchy,
            records,
            k=k,
            zeros=zeros,
            groupings=pairs,
            finest_levels=list((finest_levels or {}).items()),
        )
    n = len(records["kind"])
    x = _column(records, "x", n)
    y = _column(records, "y", n)
    attributes = [_column(records, name, n) for name in _ATTRIBUTES]
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
            Or :class:`BlockCounts` from :func:`count` (records counted in chunks or
            partitions and added up); ``snap`` then belongs to :func:`count`.
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


def audit(tables: ProtectedTables) -> dict[str, dict[str, Any]]:
    """The disclosure audit of the protected tables, per dataset.

    The audit ran when the tables were made (:func:`protect` refuses to return tables whose
    audit failed): for every suppressed cell the LP bounds of its value given everything
    published, over all levels and groupings. Only the sealed phase knows the true values, so
    the audit is the one of that run, carried with the tables.

    Returns:
        ``{dataset: {"passed", "protection", "suppressed", "protected", "exposed",
        "smallest_width", "components"}}`` as in ``protocol.json``.

    Example:
        >>> quartier.audit(tables)["resident"]["passed"]  # doctest: +SKIP
        True
    """
    protocol = json.loads(tables.protocol())
    return {d["dataset"]: d["audit"] for d in protocol["datasets"]}


def protect_points(
    hierarchy: Hierarchy,
    x: Any,
    y: Any,
    category: Any = None,
    *,
    labels: Sequence[str] | None = None,
    k: int = 3,
    zeros: bool = False,
    snap: float | None = None,
) -> tuple[Any, dict[str, int]]:
    """Protected counts of points by any categories, on every level of the hierarchy.

    The sealed phase for data that are not one of the built-in record kinds (a QGIS point
    layer, a table with a category column): the points are assigned to the blocks, counted per
    block and category, summed up every level, and protected like :func:`anonymize` protects
    a dataset (primary suppression of ``0 < n < k``, secondary suppression over all levels
    and the category margins, LP audit). Only protected cells come out.

    Args:
        hierarchy: The hierarchy; its finest level are the blocks.
        x, y: Coordinates (float64 arrays; NaN = no coordinate) in the hierarchy's CRS.
        category: One label per point (any values); ``None`` counts totals only.
        labels: The categories in the order of the table's columns; every value of
            ``category`` must be one of them (labels without a point are zero columns).
            Default: the distinct values of ``category``, sorted.
        k: Minimum frequency of the primary rule.
        zeros: Treat zero cells as sensitive too.
        snap: Snap points outside every block to the nearest block within this many metres.

    Returns:
        ``(cells, summary)``: the protected cells (columns ``level``, ``unit_id``,
        ``category`` — a label or ``total`` — and ``value``, missing where suppressed; a
        DataFrame when pandas is installed), and the assignment summary (``read``,
        ``assigned``, ``snapped``, ``invalid_coordinate``, ``outside``), which accounts for
        every point.

    Raises:
        AssignError: Coordinates of unequal length or a bad snap distance.
        TableError: ``category`` has another length than the coordinates.
        DisclosureError: No protection could be found.

    Example:
        >>> cells, summary = quartier.protect_points(hierarchy, x, y, kinds, k=3)  # doctest: +SKIP
    """
    xs = np.ascontiguousarray(x, dtype=np.float64)
    ys = np.ascontiguousarray(y, dtype=np.float64)
    if category is None:
        labels, codes = ["all"], np.zeros(len(xs), dtype=np.uint64)
    else:
        values = np.asarray(category)
        if values.dtype.kind == "O":
            values = values.astype(str)
        if labels is None:
            unique, inverse = np.unique(values, return_inverse=True)
            labels = [str(v) for v in unique]
            codes = np.ascontiguousarray(inverse.reshape(-1), dtype=np.uint64)
        else:
            labels = [str(v) for v in labels]
            ordered = np.asarray(labels)
            sorter = np.argsort(ordered)
            found = np.searchsorted(ordered, values.astype(str), sorter=sorter)
            found = sorter[np.minimum(found, len(ordered) - 1)]
            unknown = ordered[found] != values.astype(str)
            if unknown.any():
                raise ValueError(
                    f"{int(unknown.sum())} category values are not among the labels"
                )
            codes = np.ascontiguousarray(found, dtype=np.uint64)
    columns, summary, _ = _quartier._protect_points(
        hierarchy, xs, ys, codes, labels, k=k, zeros=zeros, snap=snap
    )
    if category is None:
        keep = [c == "total" for c in columns["category"]]
        columns = {name: [v for v, k_ in zip(col, keep) if k_] for name, col in columns.items()}
    return _frame(columns, ["value"]), summary


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


def _frame(columns: dict[str, Any], integers: Sequence[str]) -> Any:
    """Columns as a pandas DataFrame (``integers`` as nullable ``Int64``), else the dict."""
    try:
        import pandas as pd  # type: ignore[import-untyped]
    except ImportError:
        return columns
    frame = pd.DataFrame(columns)
    for name in integers:
        frame[name] = pd.array(columns[name], dtype="Float64").astype("Int64")
    return frame


def _floats(values: Any) -> np.ndarray:
    """A column as float64 (NaN = missing). NumPy arrays are passed as they are (read in place;
    a non-contiguous one is refused in Rust); pandas columns as pandas converts them."""
    if hasattr(values, "to_numpy"):
        return np.ascontiguousarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.asarray(values, dtype=np.float64)


def indicators(
    tables: ProtectedTables,
    hierarchy: Hierarchy,
    *,
    level: str = "quartier",
    specs: Sequence[Mapping[str, Any]] | None = None,
) -> Any:
    """Computes indicators for every unit of one level from the protected tables.

    A thin layer over the Rust core's ``compute_indicators``: shares (numerator / denominator
    × 100), rates (× ``per``) and densities (per km² of the unit's area in the hierarchy's
    metric CRS). A sum of categories is known when each of its cells is published, or when
    the row total and every other category are (total − the others); otherwise the value is
    missing with status ``suppressed`` — never a zero.

    Args:
        tables: Protected tables from :func:`protect`.
        hierarchy: The hierarchy the tables were made with.
        level: The level whose units get values.
        specs: The indicators, one dict each; ``None`` = the seed's four indicators
            (``under25_share``, ``under25_density``, ``kita_low_income_share``,
            ``child_support_rate``). Keys: ``name`` (letters, digits, ``_``, ``-``),
            ``label`` (default: the name), ``measure`` (``"share"``, ``"rate"`` or
            ``"density"``), ``numerator`` and, for shares and rates, ``denominator``: a term
            ``{"dataset": "resident" | "kita" | "child_support", "categories": [...]}``
            (no ``categories`` = the row total); ``per`` (rates: the multiplier, e.g. 100);
            ``area`` (densities: ``"unit"``, the default); ``smoothing`` (``"none"``, the
            default, or ``"empirical_bayes"`` for shares and rates).

    Returns:
        One row per unit in the level's order: ``unit_id``, ``population`` (the resident
        table's row total; missing when suppressed), ``area_km2``, then per indicator
        ``<name>`` (missing where not known), ``<name>_status`` (``ok``, ``suppressed``,
        ``zero_denominator``, ``zero_area``) and ``<name>_smoothed`` (equal to the value
        unless smoothed). A pandas DataFrame (``population`` of dtype ``Int64``) when pandas
        is installed, else a dict of columns (NumPy ``float64`` arrays with NaN, lists of
        str).

    Raises:
        IndicatorError: A spec is malformed (the message names the spec's position and the
            key), names an unknown dataset or category, two specs share a name, the level is
            unknown, or the tables do not fit the hierarchy.

    Example:
        >>> frame = quartier.indicators(tables, hierarchy, specs=[{
        ...     "name": "under6_share", "measure": "share",
        ...     "numerator": {"dataset": "resident", "categories": ["0-2", "3-5"]},
        ...     "denominator": {"dataset": "resident"},
        ... }])  # doctest: +SKIP
        >>> frame[["unit_id", "under6_share", "under6_share_status"]]  # doctest: +SKIP
    """
    dicts = None if specs is None else [dict(s) if isinstance(s, Mapping) else s for s in specs]
    columns = _quartier._indicators(hierarchy, tables, level, dicts)
    return _frame(columns, integers=["population"])


def rank(
    values: Any,
    *,
    units: Sequence[str] | None = None,
    population: Any = None,
    directions: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    preset: str = "enger",
    normalization: str | None = None,
    min_population: float | str | None = None,
    selection: str | tuple[str, float] | None = None,
    draws: int = 0,
    seed: int = 2019,
) -> Any:
    """Ranks units by a composite of criteria, with selection, drivers and rank intervals.

    A thin layer over the Rust core's ``rank`` and ``rank_uncertainty``. The procedure (see
    the core's ``RankSpec``): exclusions (population below the minimum or unknown when
    needed, no value), orientation (higher = more disadvantaged), normalization per
    criterion over the ranked units, weighted aggregation (missing values re-weighted or the
    unit excluded, by preset), optional re-standardization, ranks (1 = most disadvantaged;
    ties share the smallest rank), selection and drivers.

    Args:
        values: The criteria: a pandas DataFrame or a mapping ``{criterion: 1-d values}``,
            every column a criterion; NaN (or ``pd.NA``) = missing. NumPy ``float64``
            arrays are read in place (a non-contiguous one raises ``ValueError``).
        units: The unit ids; default the DataFrame's index (as str), else ``"0"``, ``"1"``…
        population: Residents per unit (NaN = unknown), needed by a minimum population.
        directions: ``{criterion: "higher_is_worse" | "lower_is_worse"}``; criteria not
            named are ``higher_is_worse``.
        weights: ``{criterion: weight}`` (criteria not named weigh 1) or one weight per
            criterion in column order; weights are relative (divided by their sum).
        preset: ``"enger"`` (the seed: z-scores, mean, re-standardized, minimum 300
            residents, selected = composite > 1, missing values re-weighted),
            ``"berlin_mss"`` (as enger, but a unit with a missing value is excluded) or
            ``"imd"`` (exponential rank transform, weighted sum, no minimum, no selection).
        normalization: Overrides the preset's: ``"zscore"``, ``"zscore_population"``,
            ``"minmax"``, ``"rank"``, ``"percentile"`` or ``"exponential_rank"``.
        min_population: Overrides the preset's minimum: a number, or ``"none"`` for none.
        selection: Overrides the preset's rule: ``("top", n)``, ``("threshold", t)``
            (composite > t) or ``"none"``.
        draws: Monte-Carlo draws for rank intervals (0 = none): each draw multiplies every
            weight by a factor uniform in [0.75, 1.25] and ranks again.
        seed: The Monte-Carlo seed; the same seed gives the same intervals.

    Returns:
        One row per unit in input order: ``unit_id``, ``excluded`` (empty when ranked, else
        ``below_minimum_population``, ``population_unknown``, ``missing`` or ``no_value``),
        ``<criterion>_norm`` (the normalized value as aggregated), ``composite``, ``rank``,
        with ``draws > 0`` ``rank_median``, ``rank_p05``, ``rank_p95`` and ``p_selected``
        (share of draws in which the unit is selected), ``selected`` and ``drivers`` (the
        criteria that push the composite above average, largest first, ``;``-separated). A
        pandas DataFrame (``rank`` of dtype ``Int64``) when pandas is installed, else a dict
        of columns (NumPy arrays with NaN, lists of str).

    Raises:
        RankError: An unknown preset, normalization, direction or criterion; bad weights,
            population or settings; a non-finite value (±inf; missing is NaN); a constant
            criterion under z-scores or min–max; duplicate unit ids or criteria.
        ValueError: A NumPy column is not contiguous.

    Example:
        >>> frame = quartier.indicators(tables, hierarchy)  # doctest: +SKIP
        >>> criteria = frame.set_index("unit_id")[["under25_share", "child_support_rate"]]  # doctest: +SKIP
        >>> ranking = quartier.rank(criteria, population=frame["population"],
        ...     weights={"under25_share": 0.5}, draws=1000)  # doctest: +SKIP
        >>> ranking[ranking["selected"]]  # doctest: +SKIP
    """
    names = [str(name) for name in values.keys()]
    columns = [(name, _floats(values[key])) for name, key in zip(names, values.keys())]
    if units is None:
        n = len(columns[0][1]) if columns else 0
        index = getattr(values, "index", range(n))
        units = [str(u) for u in index]
    weight_pairs: list[tuple[str, float]] = []
    weight_list: list[float] | None = None
    if isinstance(weights, Mapping):
        weight_pairs = [(str(k), float(w)) for k, w in weights.items()]
    elif weights is not None:
        weight_list = [float(w) for w in weights]
    result = _quartier._rank(
        [str(u) for u in units],
        columns,
        None if population is None else _floats(population),
        list((directions or {}).items()),
        weight_pairs,
        weight_list,
        preset,
        normalization,
        min_population,
        selection,
        draws,
        seed,
    )
    return _frame(result, integers=["rank"])


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
    The pages show the protocol summary and the suppression rule of the run that made the
    tables (the handle carries its protocol).

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


def init_project(dir: str | os.PathLike[str]) -> list[pathlib.Path]:
    """Writes a commented template project with sample data into ``dir`` (``quartier init``).

    ``dir/project.toml`` runs as is with :func:`run_project`; ``dir/data`` holds a block
    layer and sample register exports in the styles offices write them.

    Returns:
        The files written.

    Example:
        >>> import quartier, tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> files = quartier.init_project(d)
        >>> (d / "project.toml") in files
        True
    """
    return [pathlib.Path(f) for f in _quartier._init_project(dir)]


def validate_project(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Checks a project file, its block layer and every dataset; writes nothing
    (``quartier validate``).

    Returns:
        ``{"levels", "errors", "warnings", "datasets"}``: units per level, errors (that stop
        :func:`run_project`), warnings (rejected rows, unmatched addresses, small gaps) and per
        dataset the records read, rows not read by reason and geocoding by stage.

    Raises:
        QuartierError: The project file is unusable (the message names the file, the line
            and the key).
    """
    result: dict[str, Any] = json.loads(_quartier._validate_project(path))
    return result


def run_project(
    path: str | os.PathLike[str], *, anonymize: bool = True, analyze: bool = True
) -> dict[str, Any]:
    """Runs a project: the sealed phase (``anonymize``), the analyze phase (``analyze``) or
    both (``quartier run``), writing into the project's output folders.

    Args:
        path: The project file.
        anonymize: Run the sealed phase: records → protected tables and protocol.
        analyze: Run the analyze phase on the protected tables: ranking, report, GIS layers.

    Returns:
        ``{"anonymize": …, "analyze": …}``: counts and paths only, as ``quartier run --json``
        (``None`` for a phase not run).

    Raises:
        QuartierError: The project file is unusable, an input cannot be read, or the audit
            fails (nothing is written then).
    """
    result: dict[str, Any] = json.loads(_quartier._run_project(path, anonymize, analyze))
    return result


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


def _text_ids(column: Any) -> list[str | None]:
    """A pandas id column as ``str`` (``None`` where missing), converted without a Python loop
    per value. Integral floats (an integer column with gaps) become integer text, as the
    GeoJSON and GeoPackage readers make them."""
    import pandas as pd

    missing = column.isna().to_numpy()
    if pd.api.types.is_float_dtype(column.dtype):
        present = column[~missing]
        if bool((present % 1 == 0).all()):
            column = column.astype("Int64")
    text = column.astype(str).astype(object)
    return text.where(~missing, None).tolist()  # type: ignore[no-any-return]


def hierarchy_to_geodataframe(hierarchy: Hierarchy, level: str, *, crs: Any = "EPSG:25832") -> Any:
    """The units of one level with their geometries, as a GeoDataFrame.

    Columns ``unit_id``, ``name``, ``parent_id`` and ``geometry`` (upper levels dissolved from
    their blocks), in hierarchy order; the geometries travel as WKB in one call.

    Args:
        hierarchy: The hierarchy.
        level: A level name, e.g. ``"quartier"`` or ``"baublock"``.
        crs: The CRS of the hierarchy's coordinates (the project CRS).

    Returns:
        A geopandas GeoDataFrame when geopandas is installed, else a dict of columns with the
        geometries as WKB ``bytes``.

    Raises:
        KeyError: ``level`` is not a level of the hierarchy.

    Example:
        >>> blocks = quartier.hierarchy_to_geodataframe(hierarchy, "baublock")  # doctest: +SKIP
        >>> blocks.plot()  # doctest: +SKIP
    """
    ids, names, parents, wkb = hierarchy._units_wkb(level)
    try:
        import geopandas as gpd  # type: ignore[import-untyped]
    except ImportError:
        return {"unit_id": ids, "name": names, "parent_id": parents, "geometry": wkb}
    return gpd.GeoDataFrame(
        {"unit_id": ids, "name": names, "parent_id": parents},
        geometry=gpd.GeoSeries.from_wkb(wkb, crs=crs),
    )


def hierarchy_from_geodataframe(
    gdf: Any,
    *,
    levels: Sequence[str] | None = None,
    id_columns: Sequence[str] | None = None,
    name_column: str | None = None,
) -> Hierarchy:
    """Builds the hierarchy from a geopandas GeoDataFrame of blocks, one row per block.

    The geometries go to Rust as WKB (``gdf.geometry.to_wkb()``) and the id columns as lists
    of ``str`` (``astype(str)``; integers and integral floats become their decimal text,
    missing values stay missing), all in one call to :meth:`Hierarchy.from_wkb`: no loop per
    feature in Python. The result is the hierarchy :meth:`Hierarchy.from_geojson` gives for
    the same layer written to GeoJSON.

    Example:
        >>> import geopandas  # doctest: +SKIP
        >>> blocks = geopandas.read_file("blocks.gpkg")  # doctest: +SKIP
        >>> h = quartier.hierarchy_from_geodataframe(blocks)  # doctest: +SKIP
        >>> h.levels  # doctest: +SKIP
        ['gemeinde', 'ortsteil', 'quartier', 'baublock']

    Args:
        gdf: The block layer: Polygon / MultiPolygon geometries in a projected (metric) CRS.
            A GeoDataFrame without a CRS is taken to be in the project CRS.
        levels: Level names from the top to the blocks; default
            :attr:`Hierarchy.DEFAULT_LEVELS`.
        id_columns: The column holding each level's id, one per level; default
            :attr:`Hierarchy.DEFAULT_ID_FIELDS`.
        name_column: The column holding a block's name, if any.

    Raises:
        ValueError: The GeoDataFrame's CRS is geographic (not projected): reproject it first,
            e.g. ``gdf.to_crs(25832)``.
        KeyError: A column is missing.
        QuartierIOError: A geometry is not a Polygon / MultiPolygon, an id is missing, or
            the numbers of levels and id columns differ; the message names the feature
            (the row's position, 0-based) and the problem.
        HierarchyError: Validation found errors (gaps, overlaps, duplicate ids, empty
            geometries, ...).
    """
    crs = getattr(gdf, "crs", None)
    if crs is not None and not crs.is_projected:
        raise ValueError(
            f"the GeoDataFrame's CRS ({crs.name}) is not projected: quartier needs metres, "
            "reproject first, e.g. gdf.to_crs(25832)"
        )
    levels = list(levels) if levels is not None else list(Hierarchy.DEFAULT_LEVELS)
    id_columns = (
        list(id_columns) if id_columns is not None else list(Hierarchy.DEFAULT_ID_FIELDS)
    )
    geometries = np.asarray(gdf.geometry.to_wkb(), dtype=object)
    ids = [_text_ids(gdf[column]) for column in id_columns]
    names = _text_ids(gdf[name_column]) if name_column is not None else None
    return Hierarchy.from_wkb(geometries, ids, levels=levels, names=names)
