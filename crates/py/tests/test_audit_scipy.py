"""Independent audit of quartier's protected tables with ``scipy.optimize.linprog`` (HiGHS).

The audit reads only what leaves the sealed office — a protected table in the long CSV format
(``layer,unit_id,parent_id,category,value,status``, one row per cell) and the grouping files
(``grouping_<name>.csv``: ``block_id,group_id``) — and shares no code with the Rust core. From
the files alone it rebuilds every additivity constraint an attacker knows:

- row total = Σ categories, in every layer;
- parent = Σ children, per column, at every level of the hierarchy (levels are the layers
  that are not groupings, in the file's order; the top level has an empty ``parent_id``, each
  further level names a unit of the level above);
- group = Σ its blocks, per column, for every grouping (the blocks are the last level).

Suppressed cells are the variables (≥ 0, relaxed to reals), published cells are constants. For
every suppressed cell it solves ``min`` and ``max`` of the cell over that polytope: the
attacker's interval. The file is safe when every interval is at least ``k`` wide (the
protection level, from ``protocol.json`` when present, else 3) and no published cell has
``0 < n < k`` (nor ``n = 0`` when zeros are sensitive).

The LPs are solved per connected component of the suppressed cells (two cells are connected
when a constraint holds both), so each LP is small and the demo is audited in seconds.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

scipy_optimize = pytest.importorskip("scipy.optimize")
scipy_sparse = pytest.importorskip("scipy.sparse")

#: The header of a protected table (long format).
HEADER = ["layer", "unit_id", "parent_id", "category", "value", "status"]
#: The category label of a row total.
TOTAL = "total"
#: Slack for the LP optima (HiGHS's feasibility tolerance is 1e-7).
TOLERANCE = 1e-6
#: The protection level when the output has no protocol.json.
DEFAULT_K = 3

#: HiGHS options: presolve costs more than it saves on these small, sparse LPs.
HIGHS = {"presolve": False}
#: Seed of the random weights of the certificate rounds (the audit is deterministic).
CERTIFICATE_SEED = 1
#: At most this many certificate rounds (two LPs each) per component.
CERTIFICATE_ROUNDS = 100
ROOT = Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------------------------------------
# reading the published files


@dataclass
class Cell:
    """One published or suppressed cell of a protected table."""

    layer: str
    unit: str
    parent: str
    category: str
    value: int | None  # None = suppressed
    line: int


def read_protected(path: Path) -> list[Cell]:
    """Reads a protected table (long format); checks the header, statuses and values."""
    cells = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        assert header == HEADER, f"{path.name}: header {header}, expected {HEADER}"
        for line, row in enumerate(reader, start=2):
            assert len(row) == len(HEADER), f"{path.name}:{line}: {len(row)} fields"
            layer, unit, parent, category, value, status = row
            if status == "published":
                assert value != "", f"{path.name}:{line}: published cell without a value"
                number = int(value)
                assert number >= 0, f"{path.name}:{line}: negative count"
                cells.append(Cell(layer, unit, parent, category, number, line))
            elif status in ("suppressed", "primary", "secondary"):
                assert value == "", f"{path.name}:{line}: a suppressed cell shows its value"
                cells.append(Cell(layer, unit, parent, category, None, line))
            else:
                raise AssertionError(f"{path.name}:{line}: unknown status {status!r}")
    return cells


def read_grouping(path: Path) -> dict[str, str]:
    """Reads ``grouping_<name>.csv``: block id → group id."""
    members: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        assert header == ["block_id", "group_id"], f"{path.name}: header {header}"
        for line, row in enumerate(reader, start=2):
            assert len(row) == 2, f"{path.name}:{line}: {len(row)} fields"
            block, group = row
            assert members.get(block, group) == group, f"{path.name}:{line}: block in two groups"
            members[block] = group
    return members


def groupings_beside(path: Path) -> dict[str, dict[str, str]]:
    """All ``grouping_<name>.csv`` files in the folder of ``path``, by grouping name."""
    return {
        p.name[len("grouping_") : -len(".csv")]: read_grouping(p)
        for p in sorted(path.parent.glob("grouping_*.csv"))
    }


# ---------------------------------------------------------------------------------------------
# the linked-table model, rebuilt from the file


@dataclass
class Model:
    """All cells of one dataset and the additivity constraints that link them."""

    cells: list[Cell]
    levels: list[str]
    groupings: list[str]
    categories: list[str]
    #: (aggregate cell, part cells): ``cells[total] = Σ cells[parts]``
    constraints: list[tuple[int, list[int]]] = field(default_factory=list)

    def describe(self, i: int) -> str:
        c = self.cells[i]
        return f"{c.layer} {c.unit} {c.category} (line {c.line})"


def build_model(cells: list[Cell], groupings: dict[str, dict[str, str]]) -> Model:
    """Rebuilds every additivity constraint from the cells and the groupings."""
    assert cells, "the protected table is empty"
    layers = list(dict.fromkeys(c.layer for c in cells))
    levels = [layer for layer in layers if layer not in groupings]
    grouping_layers = [layer for layer in layers if layer in groupings]
    assert levels, "no level of the hierarchy in the file"
    # A grouping must have its table wherever its blocks are published; a dataset published
    # above the blocks (AnonymizeSpec::finest_levels) has neither.
    units = {c.unit for c in cells}
    missing = sorted(
        g for g in set(groupings) - set(grouping_layers) if units & set(groupings[g])
    )
    assert not missing, f"grouping files without a table: {missing}"

    categories = [c for c in dict.fromkeys(c.category for c in cells) if c != TOTAL]
    columns = [*categories, TOTAL]
    index: dict[tuple[str, str, str], int] = {}
    parent_of: dict[tuple[str, str], str] = {}
    units: dict[str, list[str]] = defaultdict(list)
    for i, c in enumerate(cells):
        key = (c.layer, c.unit, c.category)
        assert key not in index, f"line {c.line}: cell listed twice"
        index[key] = i
        if (c.layer, c.unit) not in parent_of:
            parent_of[(c.layer, c.unit)] = c.parent
            units[c.layer].append(c.unit)
        assert parent_of[(c.layer, c.unit)] == c.parent, f"line {c.line}: unit with two parents"
    for layer in layers:
        for unit in units[layer]:
            for column in columns:
                assert (layer, unit, column) in index, f"{layer} {unit}: no cell {column!r}"

    model = Model(cells, levels, grouping_layers, categories)
    add = model.constraints.append
    # Row totals, every layer.
    for layer in layers:
        for unit in units[layer]:
            add(
                (
                    index[(layer, unit, TOTAL)],
                    [index[(layer, unit, cat)] for cat in categories],
                )
            )
    # The hierarchy: parent = Σ children, per column.
    top = levels[0]
    assert all(parent_of[(top, u)] == "" for u in units[top]), f"top level {top} has a parent"
    for upper, lower in zip(levels, levels[1:]):
        children: dict[str, list[str]] = defaultdict(list)
        for unit in units[lower]:
            parent = parent_of[(lower, unit)]
            assert (upper, parent) in parent_of, f"{lower} {unit}: parent not in {upper}"
            children[parent].append(unit)
        for parent in units[upper]:
            assert children[parent], f"{upper} {parent} has no {lower}"
            for column in columns:
                add(
                    (
                        index[(upper, parent, column)],
                        [index[(lower, child, column)] for child in children[parent]],
                    )
                )
    # The groupings: group = Σ its blocks, per column.
    blocks = levels[-1]
    block_units = set(units[blocks])
    for name in grouping_layers:
        members: dict[str, list[str]] = defaultdict(list)
        for block, group in groupings[name].items():
            assert block in block_units, f"grouping {name} names a block not in {blocks}"
            members[group].append(block)
        assert set(members) == set(units[name]), f"grouping {name}: groups differ from its table"
        for group in units[name]:
            for column in columns:
                add(
                    (
                        index[(name, group, column)],
                        [index[(blocks, b, column)] for b in sorted(members[group])],
                    )
                )
    return model


# ---------------------------------------------------------------------------------------------
# the attacker's intervals


@dataclass
class Interval:
    """The attacker's interval of one suppressed cell.

    When ``exact`` is false, ``[lo, hi]`` is an inner interval: values the cell takes at
    feasible points (LP optima of other cells), already at least ``k`` wide, so the true
    interval is at least as wide. The LPs of its own min and max were not needed.
    """

    cell: int
    lo: float
    hi: float
    exact: bool = True

    @property
    def width(self) -> float:
        return self.hi - self.lo


def components(n: int, groups: list[list[int]]) -> list[list[int]]:
    """Connected components of 0..n when every list in ``groups`` is connected (union-find)."""
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for g in groups:
        for a in g[1:]:
            ra, rb = find(a), find(g[0])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    out: dict[int, list[int]] = defaultdict(list)
    for a in range(n):
        out[find(a)].append(a)
    return list(out.values())


def equations_of(model: Model) -> tuple[list[int], list[tuple[list[int], list[float], float]]]:
    """The suppressed cells and every constraint as ``Σ coef·x = rhs`` over them.

    Raises AssertionError when a constraint of published cells alone does not add up.
    """
    suppressed = [i for i, c in enumerate(model.cells) if c.value is None]
    var = {cell: j for j, cell in enumerate(suppressed)}
    equations: list[tuple[list[int], list[float], float]] = []
    for total, parts in model.constraints:
        cols, coefs, rhs = [], [], 0.0
        for cell, coef in [(total, 1.0), *((p, -1.0) for p in parts)]:
            value = model.cells[cell].value
            if value is None:
                cols.append(var[cell])
                coefs.append(coef)
            else:
                rhs -= coef * value
        if cols:
            equations.append((cols, coefs, rhs))
        else:
            assert rhs == 0, f"published cells not additive at {model.describe(total)}"
    return suppressed, equations


@dataclass
class LpStats:
    """How much work the audit did."""

    components: int = 0
    lps: int = 0
    #: Cells found narrower than k.
    exposed: int = 0
    #: Cells left for their own LPs after the certificate rounds.
    uncertified: int = 0


def attacker_intervals(
    model: Model,
    k: float = 0.0,
    *,
    exact: bool = True,
    stop_after: float = math.inf,
    stats: LpStats | None = None,
) -> list[Interval]:
    """min and max of every suppressed cell subject to all constraints and cells ≥ 0.

    With ``exact`` every cell gets its own two LPs. Otherwise a cell whose values at the
    feasible points seen so far (the optima of earlier LPs of its component) already span
    ``k`` is certified without its own LPs: its true interval contains that span. Every other
    cell — in particular every exposed one — still gets its exact min and max. After
    ``stop_after`` exposed cells the rest is not solved (a failing audit fails fast).

    Raises AssertionError when the file is not additive or an LP fails.
    """
    stats = stats if stats is not None else LpStats()
    suppressed, equations = equations_of(model)
    eqs_of: dict[int, list[int]] = defaultdict(list)
    for e, (cols, _, _) in enumerate(equations):
        for j in cols:
            eqs_of[j].append(e)
    intervals = []
    for component in components(len(suppressed), [cols for cols, _, _ in equations]):
        stats.components += 1
        rows = sorted({e for j in component for e in eqs_of[j]})
        if not rows:  # in no constraint at all: anything >= 0
            intervals += [Interval(suppressed[j], 0.0, math.inf) for j in component]
            continue
        local = {j: n for n, j in enumerate(component)}
        data, ri, ci, b = [], [], [], []
        for r, e in enumerate(rows):
            cols, coefs, rhs = equations[e]
            for j, coef in zip(cols, coefs):
                ri.append(r)
                ci.append(local[j])
                data.append(coef)
            b.append(rhs)
        a_eq = scipy_sparse.csr_array((data, (ri, ci)), shape=(len(rows), len(component)))
        seen_lo = np.full(len(component), np.inf)
        seen_hi = np.full(len(component), -np.inf)

        def solve(c: np.ndarray) -> float | None:
            """min of ``c·x``; records the optimum as a feasible point; None if unbounded."""
            stats.lps += 1
            res = scipy_optimize.linprog(
                c, A_eq=a_eq, b_eq=b, bounds=(0, None), method="highs", options=HIGHS
            )
            if res.status == 3:  # unbounded
                return None
            assert res.status == 0, f"lp of a component of {len(component)} cells: {res.message}"
            np.minimum(seen_lo, res.x, out=seen_lo)
            np.maximum(seen_hi, res.x, out=seen_hi)
            return float(res.fun)

        def certified() -> np.ndarray:
            return seen_hi - seen_lo >= k - TOLERANCE

        if not exact:
            # Cheap certificates first: push all uncertified cells up together (random
            # positive weights, so each round reaches another vertex), then down, while that
            # certifies more cells. On the demo this leaves only exposed cells, if any.
            rng = np.random.default_rng(CERTIFICATE_SEED)
            open_before = len(component) + 1
            for _ in range(CERTIFICATE_ROUNDS):
                todo = ~certified()
                if not todo.any() or todo.sum() >= open_before:
                    break
                open_before = int(todo.sum())
                for sign in (-1.0, 1.0):
                    # (Unbounded upwards: the cells' own LPs below tell which.)
                    weights = rng.uniform(0.5, 1.5, len(component))
                    solve(np.where(todo, sign * weights, 0.0))
            stats.uncertified += int((~certified()).sum())
        for n, j in enumerate(component):
            if not exact and certified()[n]:
                intervals.append(Interval(suppressed[j], seen_lo[n], seen_hi[n], exact=False))
                continue
            if stats.exposed >= stop_after:
                break
            c = np.zeros(len(component))
            c[n] = -1.0
            top = solve(c)
            if top is None:
                seen_hi[n] = np.inf
            if not exact and certified()[n]:
                intervals.append(Interval(suppressed[j], seen_lo[n], seen_hi[n], exact=False))
                continue
            c[n] = 1.0
            bottom = solve(c)
            assert bottom is not None, "a min over cells >= 0 is bounded"
            iv = Interval(suppressed[j], max(bottom, 0.0), math.inf if top is None else -top)
            stats.exposed += iv.width < k - TOLERANCE
            intervals.append(iv)
    intervals.sort(key=lambda iv: iv.cell)
    return intervals


@dataclass
class AuditResult:
    """What the independent audit found."""

    k: int
    intervals: list[Interval]
    exposed: list[Interval]
    small_published: list[int]

    def report(self, model: Model, limit: int = 10) -> str:
        lines = [
            f"{len(self.intervals)} suppressed, {len(self.exposed)} narrower than k={self.k}, "
            f"{len(self.small_published)} published cells with 0 < n < k"
        ]
        for iv in self.exposed[:limit]:
            lines.append(f"  exposed {model.describe(iv.cell)}: [{iv.lo:.6g}, {iv.hi:.6g}]")
        for i in self.small_published[:limit]:
            lines.append(f"  small published {model.describe(i)}")
        return "\n".join(lines)


def audit(
    model: Model,
    k: int = DEFAULT_K,
    *,
    zeros: bool = False,
    exact: bool = False,
    stop_after: float = math.inf,
    stats: LpStats | None = None,
) -> AuditResult:
    """Audits a model: every interval at least ``k`` wide, no small published cell.

    ``exact`` solves both LPs of every cell; otherwise cells already proven wide enough by
    the optima of other LPs are skipped (see :func:`attacker_intervals`).
    """
    intervals = attacker_intervals(model, k, exact=exact, stop_after=stop_after, stats=stats)
    exposed = [iv for iv in intervals if iv.width < k - TOLERANCE]
    small = [
        i
        for i, c in enumerate(model.cells)
        if c.value is not None and (0 < c.value < k or (zeros and c.value == 0))
    ]
    return AuditResult(k, intervals, exposed, small)


def audit_files(protected: Path, k: int = DEFAULT_K, *, zeros: bool = False, exact: bool = True):
    """Reads ``protected`` and the grouping files beside it and audits them."""
    model = build_model(read_protected(protected), groupings_beside(protected))
    return model, audit(model, k, zeros=zeros, exact=exact)


# ---------------------------------------------------------------------------------------------
# hand-made fixtures: the auditor itself must be right before it judges the core


CATS = ["a", "b"]
#: block → (ortsteil, [a, b]); ortsteile O1 = {B1, B2}, O2 = {B3, B4}, town G.
BLOCKS = {
    "B1": ("O1", [1, 5]),
    "B2": ("O1", [4, 6]),
    "B3": ("O2", [7, 8]),
    "B4": ("O2", [9, 3]),
}


def write_grouping(directory: Path, name: str, members: dict[str, str]) -> None:
    """Writes ``grouping_<name>.csv`` (``block_id,group_id``) as the Rust core does."""
    with open(directory / f"grouping_{name}.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["block_id", "group_id"])
        w.writerows(sorted(members.items()))


def write_fixture(
    directory: Path,
    suppressed: set[tuple[str, str, str]],
    groupings: dict[str, dict[str, str]] | None = None,
    blocks: dict[str, tuple[str, list[int]]] | None = None,
    tamper: dict[tuple[str, str, str], int] | None = None,
) -> Path:
    """Writes a three-level table (gemeinde G, ortsteile, blocks) plus groupings.

    ``suppressed`` lists ``(layer, unit, category)`` cells whose value is withheld; ``tamper``
    overwrites published values (to make a non-additive file).
    """
    blocks = BLOCKS if blocks is None else blocks
    groupings = groupings or {}
    rows: list[tuple[str, str, str, list[int]]] = [("gemeinde", "G", "", [0, 0])]
    ortsteile: dict[str, list[int]] = {}
    for parent, values in blocks.values():
        acc = ortsteile.setdefault(parent, [0] * len(CATS))
        for i, v in enumerate(values):
            acc[i] += v
            rows[0][3][i] += v
    rows += [("ortsteil", o, "G", v) for o, v in sorted(ortsteile.items())]
    rows += [("baublock", b, p, v) for b, (p, v) in sorted(blocks.items())]
    for name, members in groupings.items():
        sums: dict[str, list[int]] = {}
        for block, group in members.items():
            acc = sums.setdefault(group, [0] * len(CATS))
            for i, v in enumerate(blocks[block][1]):
                acc[i] += v
        rows += [(name, g, "", v) for g, v in sorted(sums.items())]
        write_grouping(directory, name, members)
    path = directory / "protected_resident.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for layer, unit, parent, values in rows:
            for cat, v in [*zip(CATS, values), (TOTAL, sum(values))]:
                key = (layer, unit, cat)
                v = (tamper or {}).get(key, v)
                if key in suppressed:
                    w.writerow([layer, unit, parent, cat, "", "suppressed"])
                else:
                    w.writerow([layer, unit, parent, cat, v, "published"])
    return path


#: B1:a = 1 is sensitive; the rectangle B1/B2 × a/b protects it within O1.
RECTANGLE = {
    ("baublock", "B1", "a"),
    ("baublock", "B1", "b"),
    ("baublock", "B2", "a"),
    ("baublock", "B2", "b"),
}


def test_fixture_rectangle_is_protected(tmp_path) -> None:
    model, result = audit_files(write_fixture(tmp_path, RECTANGLE))
    assert len(model.constraints) == 7 + 3 * 3  # 7 row totals, 3 columns × 3 parents
    got = {
        model.describe(iv.cell).split(" (")[0]: (round(iv.lo, 9), round(iv.hi, 9))
        for iv in result.intervals
    }
    # B1a = t, B1b = 6 - t, B2a = 5 - t, B2b = 5 + t, t ∈ [0, 5].
    assert got == {
        "baublock B1 a": (0.0, 5.0),
        "baublock B1 b": (1.0, 6.0),
        "baublock B2 a": (0.0, 5.0),
        "baublock B2 b": (5.0, 10.0),
    }
    assert not result.exposed
    # The published B3:b = 8 etc. are fine, but the fixture's B1:a = 1 is suppressed.
    assert not result.small_published


def test_fixture_single_suppression_in_a_row_is_exposed(tmp_path) -> None:
    path = write_fixture(tmp_path, {("baublock", "B1", "a")})
    model, result = audit_files(path)
    assert [model.describe(iv.cell) for iv in result.exposed] == ["baublock B1 a (line 11)"]
    assert result.exposed[0].lo == pytest.approx(1.0)
    assert result.exposed[0].hi == pytest.approx(1.0)


def test_fixture_width_just_below_k_is_exposed(tmp_path) -> None:
    # B1 = (1, 1), B2 = (1, 5): the rectangle's free parameter t = B1:a ranges over [0, 2].
    blocks = {**BLOCKS, "B1": ("O1", [1, 1]), "B2": ("O1", [1, 5])}
    model, result = audit_files(write_fixture(tmp_path, RECTANGLE, blocks=blocks), k=3)
    assert len(result.intervals) == 4
    assert {round(iv.width, 9) for iv in result.intervals} == {2.0}
    assert len(result.exposed) == 4
    _, result = audit_files(tmp_path / "protected_resident.csv", k=2)
    assert not result.exposed


def test_fixture_differencing_across_a_grouping_is_found(tmp_path) -> None:
    # School district S1 = {B1, B3}, S2 = {B2, B4}: the hierarchy alone protects the rectangle,
    # but S1 = B1 + B3 with B3 published gives B1 away.
    groupings = {"grundschulbezirk": {"B1": "S1", "B3": "S1", "B2": "S2", "B4": "S2"}}
    model, result = audit_files(write_fixture(tmp_path, RECTANGLE, groupings))
    assert model.groupings == ["grundschulbezirk"]
    assert len(result.exposed) == 4
    # Suppressing the grouping's cells too protects them again.
    suppressed = RECTANGLE | {("grundschulbezirk", s, c) for s in ("S1", "S2") for c in CATS}
    _, result = audit_files(write_fixture(tmp_path, suppressed, groupings))
    assert not result.exposed


def test_fixture_small_published_cell_is_found(tmp_path) -> None:
    model, result = audit_files(write_fixture(tmp_path, set()))
    assert [model.describe(i) for i in result.small_published] == ["baublock B1 a (line 11)"]
    assert not result.intervals
    _, result = audit_files(tmp_path / "protected_resident.csv", zeros=True)
    assert len(result.small_published) == 1


def test_fixture_non_additive_file_is_an_error(tmp_path) -> None:
    path = write_fixture(tmp_path, set(), tamper={("ortsteil", "O1", "a"): 6})
    with pytest.raises(AssertionError, match="not additive"):
        audit_files(path)


def test_fixture_unbounded_cell(tmp_path) -> None:
    # The whole a column and all totals suppressed: nothing bounds a from above.
    suppressed = {
        (layer, unit, cat)
        for layer, unit in [("gemeinde", "G"), ("ortsteil", "O1"), ("ortsteil", "O2")]
        + [("baublock", b) for b in BLOCKS]
        for cat in ("a", TOTAL)
    }
    _, result = audit_files(write_fixture(tmp_path, suppressed))
    assert all(iv.hi == math.inf for iv in result.intervals)
    assert not result.exposed


def write_random_tables(directory: Path, seed: int, n_blocks: int, n_cats: int) -> Path:
    """A random four-level table with a school-district grouping and a random pattern.

    Every cell with ``0 < n < 3`` plus a random share of the others is suppressed, at the
    blocks and quarters: some cells end up protected, some exposed.
    """
    rng = np.random.default_rng(seed)
    cats = [f"c{i}" for i in range(n_cats)]
    n_quarters = max(2, n_blocks // 8)
    block_values = np.minimum(rng.exponential(3.0, (n_blocks, n_cats)).astype(int), 30)
    quarter_of = np.sort(rng.integers(0, n_quarters, n_blocks))
    rows: list[tuple[str, str, str, np.ndarray]] = []
    quarters = {q: block_values[quarter_of == q].sum(axis=0) for q in range(n_quarters)}
    ortsteile: dict[int, np.ndarray] = {}
    for q, v in quarters.items():
        ortsteile[q % 2] = ortsteile.get(q % 2, 0) + v
    rows.append(("gemeinde", "G", "", sum(ortsteile.values())))
    rows += [("ortsteil", f"O{o}", "G", v) for o, v in sorted(ortsteile.items())]
    rows += [("quartier", f"Q{q:03d}", f"O{q % 2}", v) for q, v in quarters.items() if v.any()]
    rows += [
        ("baublock", f"B{b:04d}", f"Q{quarter_of[b]:03d}", block_values[b]) for b in range(n_blocks)
    ]
    district = {f"B{b:04d}": f"S{b * 3 // n_blocks}" for b in range(n_blocks)}
    for group in sorted(set(district.values())):
        members = [int(b[1:]) for b, g in district.items() if g == group]
        rows.append(("grundschulbezirk", group, "", block_values[members].sum(axis=0)))
    write_grouping(directory, "grundschulbezirk", district)
    path = directory / "protected_resident.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for layer, unit, parent, values in rows:
            for cat, v in [*zip(cats, values.tolist()), (TOTAL, int(values.sum()))]:
                share = {"baublock": 0.2, "quartier": 0.1}.get(layer, 0.0)
                if layer in ("baublock", "quartier") and (0 < v < 3 or rng.random() < share):
                    w.writerow([layer, unit, parent, cat, "", "suppressed"])
                else:
                    w.writerow([layer, unit, parent, cat, v, "published"])
    return path


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_certificates_agree_with_the_exact_audit(tmp_path, seed) -> None:
    path = write_random_tables(tmp_path, seed, n_blocks=48, n_cats=3)
    model = build_model(read_protected(path), groupings_beside(path))
    fast_stats, exact_stats = LpStats(), LpStats()
    fast = audit(model, 3, stats=fast_stats)
    exact = audit(model, 3, exact=True, stats=exact_stats)
    assert exact.exposed and len(exact.exposed) < len(exact.intervals), "a mixed pattern"
    assert [iv.cell for iv in fast.exposed] == [iv.cell for iv in exact.exposed]
    for f, e in zip(fast.intervals, exact.intervals):
        assert f.cell == e.cell
        if f.exact:
            assert (f.lo, f.hi) == pytest.approx((e.lo, e.hi), abs=TOLERANCE)
        else:  # an inner interval, at least k wide
            assert e.lo - TOLERANCE <= f.lo and f.hi <= e.hi + TOLERANCE
            assert f.width >= 3 - TOLERANCE
    assert fast_stats.lps < exact_stats.lps
    # Stopping after the first exposed cell still reports it.
    first = audit(model, 3, stop_after=1)
    assert len(first.exposed) == 1
    assert first.exposed[0].cell in {iv.cell for iv in exact.exposed}


# ---------------------------------------------------------------------------------------------
# the demo's published output


def protection_from_protocol(directory: Path) -> tuple[int, bool]:
    """``(k, zeros_sensitive)`` from ``protocol.json`` if present, else the defaults."""
    path = directory / "protocol.json"
    if not path.is_file():
        return DEFAULT_K, False
    protocol = json.loads(path.read_text(encoding="utf-8"))
    parameters = protocol.get("parameters", {})
    assert "k" in parameters, "protocol.json has no parameters.k"
    assert parameters.get("zeros") in ("publish", "suppress"), "protocol.json: parameters.zeros"
    return int(parameters["k"]), parameters["zeros"] == "suppress"


@pytest.fixture(scope="module")
def demo_output(demo_out) -> Path:
    """The shared ``quartier demo`` output (conftest.py)."""
    return demo_out


@pytest.mark.parametrize("dataset", ["resident", "kita", "child_support"])
def test_demo_output_resists_the_lp_attack(demo_output, dataset) -> None:
    path = demo_output / f"protected_{dataset}.csv"
    assert path.is_file(), f"quartier demo wrote no {path.name}"
    k, zeros = protection_from_protocol(demo_output)
    model = build_model(read_protected(path), groupings_beside(path))
    stats = LpStats()
    result = audit(model, k, zeros=zeros, stop_after=20, stats=stats)
    # The demo publishes its school districts, which cut across the quarters: the attack
    # uses them together with the hierarchy.
    assert len(model.levels) >= 3, model.levels
    # Residents are published down to the blocks, with the school districts; Kita and
    # child support only down to the quarters (AnonymizeSpec::finest_levels), without them.
    expected = ["grundschulbezirk"] if dataset == "resident" else []
    assert model.groupings == expected, model.groupings
    assert result.intervals, (
        f"{path.name}: nothing is suppressed, so this audit tests nothing; the demo must "
        "produce sensitive cells"
    )
    assert not result.exposed, f"{path.name}: {result.report(model)}\n{stats}"
    assert not result.small_published, f"{path.name}: {result.report(model)}"
