//! The sealed-office phase on NumPy columns: `_anonymize` and `_demo_town`.
//!
//! The Python package wraps both (`quartier.anonymize`, `quartier.demo_town`): it turns a
//! DataFrame or a dict of arrays into the columns taken here, and the columns returned here
//! into a DataFrame or a dict of arrays.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use quartier::{
    AnonymizeSpec, AssignOptions, ChildSupportCase, FrequencyRule, Grouping, KitaRecord, Position,
    RecordKind, Records, Resident, Zeros,
};

use crate::analysis::ProtectedTables;
use crate::block_counts::BlockCounts;
use crate::detached;
use crate::hierarchy::Hierarchy;
use crate::index::contiguous;

/// A grouping as Python passes it: name and `(block id, group id)` pairs.
type GroupingArg = (String, Vec<(String, String)>);

/// An attribute of one record that is missing or not a small integer (names no value).
#[derive(Debug)]
struct BadField {
    column: &'static str,
    row: usize,
}

impl std::fmt::Display for BadField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` of record {} is missing or not an integer in 0..=255",
            self.column, self.row
        )
    }
}

/// The record columns, borrowed from NumPy arrays.
struct Columns<'a> {
    kind: &'a [u8],
    x: &'a [f64],
    y: &'a [f64],
    age: &'a [f64],
    child_age: &'a [f64],
    fee_bracket: &'a [f64],
}

impl<'a> Columns<'a> {
    /// The columns borrowed from `[kind]` and `[x, y, age, child_age, fee_bracket]`, each
    /// with one entry per record.
    fn of(
        [kind]: [&'a PyReadonlyArray1<'_, u8>; 1],
        [x, y, age, child_age, fee_bracket]: [&'a PyReadonlyArray1<'_, f64>; 5],
    ) -> PyResult<Self> {
        let columns = Columns {
            kind: contiguous("kind", kind)?,
            x: contiguous("x", x)?,
            y: contiguous("y", y)?,
            age: contiguous("age", age)?,
            child_age: contiguous("child_age", child_age)?,
            fee_bracket: contiguous("fee_bracket", fee_bracket)?,
        };
        let n = columns.kind.len();
        let lengths = [
            columns.x.len(),
            columns.y.len(),
            columns.age.len(),
            columns.child_age.len(),
            columns.fee_bracket.len(),
        ];
        if lengths.iter().any(|&l| l != n) {
            return Err(PyValueError::new_err(
                "every record column must have one entry per record",
            ));
        }
        Ok(columns)
    }
}

/// An attribute as `u8`: finite, integral, in `0..=255`.
fn small_int(column: &'static str, values: &[f64], row: usize) -> Result<u8, BadField> {
    match values.get(row) {
        Some(&v) if v.is_finite() && v.fract() == 0.0 && (0.0..=255.0).contains(&v) => Ok(v as u8),
        _ => Err(BadField { column, row }),
    }
}

/// Builds the records: `x` and `y` both NaN is a record without a position; anything else is
/// a position (NaN or infinite in one coordinate is then an invalid coordinate).
fn records(c: &Columns<'_>) -> Result<Records, BadField> {
    let (mut residents, mut kita, mut child_support) = (Vec::new(), Vec::new(), Vec::new());
    for (row, &code) in c.kind.iter().enumerate() {
        let (x, y) = (c.x[row], c.y[row]);
        let position = (!(x.is_nan() && y.is_nan())).then(|| Position::new(x, y));
        match RecordKind::ALL.get(usize::from(code)) {
            Some(RecordKind::Resident) => residents.push(Resident {
                position,
                age: small_int("age", c.age, row)?,
            }),
            Some(RecordKind::Kita) => kita.push(KitaRecord {
                position,
                child_age: small_int("child_age", c.child_age, row)?,
                fee_bracket: small_int("fee_bracket", c.fee_bracket, row)?,
            }),
            Some(RecordKind::ChildSupport) => child_support.push(ChildSupportCase {
                position,
                child_age: small_int("child_age", c.child_age, row)?,
            }),
            _ => {
                return Err(BadField {
                    column: "kind",
                    row,
                });
            }
        }
    }
    Ok(Records::new(residents, kita, child_support))
}

/// `_anonymize(hierarchy, kind, x, y, age, child_age, fee_bracket, *, k, zeros, snap,
/// groupings) -> (columns, protocol_json)`.
///
/// `kind` holds codes into `_RECORD_KINDS`; all arrays have one entry per record. Returns the
/// protected cells of every dataset as columns (`dataset`, `layer`, `unit_id`, `parent_id`,
/// `category`, `value` with NaN where suppressed, `status`) and the protocol as JSON.
#[pyfunction]
#[pyo3(signature = (hierarchy, kind, x, y, age, child_age, fee_bracket, *, k, zeros, snap, groupings, finest_levels))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn _anonymize<'py>(
    py: Python<'py>,
    hierarchy: &Hierarchy,
    kind: PyReadonlyArray1<'py, u8>,
    x: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
    child_age: PyReadonlyArray1<'py, f64>,
    fee_bracket: PyReadonlyArray1<'py, f64>,
    k: u64,
    zeros: bool,
    snap: Option<f64>,
    groupings: Vec<GroupingArg>,
    finest_levels: Vec<(String, String)>,
) -> PyResult<(Bound<'py, PyDict>, String, ProtectedTables)> {
    let columns = Columns::of([&kind], [&x, &y, &age, &child_age, &fee_bracket])?;
    let h = hierarchy.inner();
    let spec = spec(h, k, zeros, snap, groupings, finest_levels)?;
    let out = detached(py, || {
        let records = match records(&columns) {
            Ok(records) => records,
            Err(bad) => return Ok(Err(bad)),
        };
        quartier::anonymize(&records, h, &spec).map(Ok)
    })?
    .map_err(|bad| PyValueError::new_err(bad.to_string()))?;

    output(py, &out)
}

/// `_count(hierarchy, kind, x, y, age, child_age, fee_bracket, *, snap) -> BlockCounts`:
/// records of one chunk or partition counted on the blocks (the core's `RecordCounter`).
#[pyfunction]
#[pyo3(signature = (hierarchy, kind, x, y, age, child_age, fee_bracket, *, snap))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn _count<'py>(
    py: Python<'py>,
    hierarchy: &Hierarchy,
    kind: PyReadonlyArray1<'py, u8>,
    x: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    age: PyReadonlyArray1<'py, f64>,
    child_age: PyReadonlyArray1<'py, f64>,
    fee_bracket: PyReadonlyArray1<'py, f64>,
    snap: Option<f64>,
) -> PyResult<BlockCounts> {
    let columns = Columns::of([&kind], [&x, &y, &age, &child_age, &fee_bracket])?;
    let h = hierarchy.inner();
    let options = AssignOptions {
        snap_distance: snap,
    };
    let counts = detached(py, || {
        let records = match records(&columns) {
            Ok(records) => records,
            Err(bad) => return Ok(Err(bad)),
        };
        let mut counter = quartier::RecordCounter::new(h, &options)?;
        counter.add(&records)?;
        Ok::<_, quartier::Error>(Ok(counter.into_block_counts()))
    })?
    .map_err(|bad| PyValueError::new_err(bad.to_string()))?;
    Ok(BlockCounts::new(counts))
}

/// `_anonymize_counts(hierarchy, counts, *, k, zeros, groupings, finest_levels)`: as
/// `_anonymize`, on counts merged from chunks or partitions.
#[pyfunction]
#[pyo3(signature = (hierarchy, counts, *, k, zeros, groupings, finest_levels))]
pub(crate) fn _anonymize_counts<'py>(
    py: Python<'py>,
    hierarchy: &Hierarchy,
    counts: &BlockCounts,
    k: u64,
    zeros: bool,
    groupings: Vec<GroupingArg>,
    finest_levels: Vec<(String, String)>,
) -> PyResult<(Bound<'py, PyDict>, String, ProtectedTables)> {
    let h = hierarchy.inner();
    let spec = spec(h, k, zeros, None, groupings, finest_levels)?;
    let counts = counts.inner();
    let out = detached(py, || {
        let counts = counts.aggregate(h)?;
        quartier::anonymize_counts(&counts, h, &spec)
    })?;
    output(py, &out)
}

/// The spec of `_anonymize` and `_anonymize_counts` from their keyword arguments.
fn spec(
    h: &quartier::Hierarchy,
    k: u64,
    zeros: bool,
    snap: Option<f64>,
    groupings: Vec<GroupingArg>,
    finest_levels: Vec<(String, String)>,
) -> PyResult<AnonymizeSpec> {
    let groupings = groupings
        .into_iter()
        .map(|(name, members)| Grouping::new(name, h, members))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| crate::exceptions::to_pyerr(e.into()))?;
    Ok(AnonymizeSpec {
        assign: AssignOptions {
            snap_distance: snap,
        },
        rule: FrequencyRule {
            k,
            zeros: if zeros {
                Zeros::Suppress
            } else {
                Zeros::Publish
            },
        },
        groupings,
        finest_levels: finest_levels
            .into_iter()
            .map(|(dataset, level)| {
                quartier::RecordKind::ALL
                    .into_iter()
                    .find(|k| k.name() == dataset)
                    .map(|k| (k, level))
                    .ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "unknown dataset `{dataset}` in finest_levels (datasets: resident, kita, child_support)"
                        ))
                    })
            })
            .collect::<PyResult<Vec<_>>>()?,
        ..AnonymizeSpec::default()
    })
}

/// The protected cells as columns, the protocol as JSON and the tables.
fn output<'py>(
    py: Python<'py>,
    out: &quartier::Anonymized,
) -> PyResult<(Bound<'py, PyDict>, String, ProtectedTables)> {
    let cells: usize = out.tables().iter().map(|t| t.len()).sum();
    let mut dataset = Vec::with_capacity(cells);
    let mut layer = Vec::with_capacity(cells);
    let mut unit_id = Vec::with_capacity(cells);
    let mut parent_id = Vec::with_capacity(cells);
    let mut category = Vec::with_capacity(cells);
    let mut value = Vec::with_capacity(cells);
    let mut status = Vec::with_capacity(cells);
    for tables in out.tables() {
        for row in tables.rows() {
            dataset.push(tables.dataset().name());
            layer.push(row.layer);
            unit_id.push(row.unit_id);
            parent_id.push(row.parent_id.unwrap_or(""));
            category.push(row.category);
            // Counts are far below 2^53: exact as f64.
            value.push(row.value.map_or(f64::NAN, |v| v as f64));
            // As published: which suppressed cells are primary is not told.
            status.push(if row.status.is_suppressed() {
                "suppressed"
            } else {
                "published"
            });
        }
    }
    let dict = PyDict::new(py);
    dict.set_item("dataset", dataset)?;
    dict.set_item("layer", layer)?;
    dict.set_item("unit_id", unit_id)?;
    dict.set_item("parent_id", parent_id)?;
    dict.set_item("category", category)?;
    dict.set_item("value", value.into_pyarray(py))?;
    dict.set_item("status", status)?;
    let protocol = out.protocol().to_json();
    Ok((
        dict,
        protocol,
        ProtectedTables::new(out.tables().to_vec(), out.protocol().clone()),
    ))
}

/// `_demo_town(seed) -> (hierarchy, columns, groupings)`: the demo town Musterstadt.
///
/// `columns` are the record columns `_anonymize` takes (`kind` codes, `x`, `y`, `age`,
/// `child_age`, `fee_bracket`; NaN where a column does not apply or a record has no
/// position); `groupings` are `(name, [(block id, group id), ...])`.
#[pyfunction]
#[pyo3(signature = (seed))]
pub(crate) fn _demo_town(
    py: Python<'_>,
    seed: u64,
) -> PyResult<(Hierarchy, Bound<'_, PyDict>, Vec<GroupingArg>)> {
    let town = detached(py, || quartier::musterstadt(seed))?;
    let r = &town.records;
    let n: usize = RecordKind::ALL.iter().map(|&k| r.len(k)).sum();
    let mut kind: Vec<u8> = Vec::with_capacity(n);
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    let mut age = Vec::with_capacity(n);
    let mut child_age = Vec::with_capacity(n);
    let mut fee_bracket = Vec::with_capacity(n);
    let code = |k: RecordKind| {
        // ok: every kind is in ALL, which has 3 entries
        RecordKind::ALL.iter().position(|&a| a == k).unwrap_or(0) as u8
    };
    let mut push = |k: RecordKind, p: Option<Position>, a: f64, c: f64, f: f64| {
        kind.push(code(k));
        x.push(p.map_or(f64::NAN, |p| p.x()));
        y.push(p.map_or(f64::NAN, |p| p.y()));
        age.push(a);
        child_age.push(c);
        fee_bracket.push(f);
    };
    for rec in r.residents() {
        push(
            RecordKind::Resident,
            rec.position,
            f64::from(rec.age),
            f64::NAN,
            f64::NAN,
        );
    }
    for rec in r.kita() {
        push(
            RecordKind::Kita,
            rec.position,
            f64::NAN,
            f64::from(rec.child_age),
            f64::from(rec.fee_bracket),
        );
    }
    for rec in r.child_support() {
        push(
            RecordKind::ChildSupport,
            rec.position,
            f64::NAN,
            f64::from(rec.child_age),
            f64::NAN,
        );
    }
    let h = &town.hierarchy;
    let blocks = h.blocks();
    let groupings = town
        .groupings
        .iter()
        .map(|g| {
            let pairs = blocks
                .iter()
                .zip(g.of_block())
                .filter_map(|(b, group)| {
                    let group = g.ids().get((*group)?)?;
                    Some((b.id().as_str().to_owned(), group.as_str().to_owned()))
                })
                .collect();
            (g.name().to_owned(), pairs)
        })
        .collect();
    let dict = PyDict::new(py);
    dict.set_item("kind", kind.into_pyarray(py))?;
    dict.set_item("x", x.into_pyarray(py))?;
    dict.set_item("y", y.into_pyarray(py))?;
    dict.set_item("age", age.into_pyarray(py))?;
    dict.set_item("child_age", child_age.into_pyarray(py))?;
    dict.set_item("fee_bracket", fee_bracket.into_pyarray(py))?;
    Ok((Hierarchy::new(town.hierarchy), dict, groupings))
}
