//! Protected counts of points by any categories: the sealed phase for data that are not one
//! of the built-in record kinds (a QGIS point layer, a table with a category column).
//!
//! [`protect_points`] assigns the points to the blocks, counts them per block and category,
//! sums the table up every level of the hierarchy, and protects it exactly like
//! [`anonymize`](crate::anonymize) protects a dataset: primary suppression of `0 < n < k`,
//! secondary suppression across all levels and the category margins, and a final LP audit.
//! Only the protected cells come out, with the assignment summary that accounts for every
//! point.

use crate::assign::{AssignOptions, AssignSummary, UnitIndex};
use crate::disclosure::{FrequencyRule, Layer, LinkedTables, protect};
use crate::error::Error;
use crate::hierarchy::Hierarchy;
use crate::table::{CategorySet, TableError, count_blocks};

/// One protected cell of [`PointCounts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointCell {
    /// The level name.
    pub level: String,
    /// The unit's id.
    pub unit_id: String,
    /// The category label, or `total` for the row total.
    pub category: String,
    /// The count; `None` when suppressed.
    pub value: Option<u64>,
}

/// The result of [`protect_points`]: every cell of every level, protected.
#[derive(Debug, Clone, PartialEq)]
pub struct PointCounts {
    /// The cells, level by level from the top, units in hierarchy order, categories in
    /// order and the total last.
    pub cells: Vec<PointCell>,
    /// What happened to every point (assigned, snapped, invalid, outside).
    pub summary: AssignSummary,
    /// Suppressed cells (primary and secondary).
    pub suppressed: usize,
}

/// Assigns points to the blocks of `hierarchy`, counts them by `categories` and protects the
/// counts of every level under `rule`.
///
/// `category[i]` is the index (into `categories`) of point `i`; points whose coordinates are
/// missing, invalid or outside every block (beyond the snap distance) are not counted, and
/// [`PointCounts::summary`] accounts for them. A category index outside `categories` is an
/// error, not a dropped point.
///
/// # Errors
///
/// [`Error::Assign`] for unequal coordinate arrays, a bad snap distance or blocks that cannot
/// be indexed; [`Error::Table`] for a category index out of range or a `category` array of
/// another length; [`Error::Disclosure`] when the protection cannot be found.
///
/// # Examples
///
/// ```
/// use quartier::{CategorySet, FrequencyRule, protect_points};
///
/// let town = quartier::musterstadt_with(3, &quartier::DemoConfig::SMALL)?;
/// let (xs, ys) = town.records.coordinates(quartier::RecordKind::Resident);
/// let category: Vec<usize> = (0..xs.len()).map(|i| i % 2).collect();
/// let cats = CategorySet::new("parity", ["even", "odd"]);
/// let out = protect_points(&town.hierarchy, xs, ys, &category, &cats, &FrequencyRule::default(), &Default::default())?;
/// for cell in &out.cells {
///     if let Some(n) = cell.value {
///         assert!(n == 0 || n >= 3);
///     }
/// }
/// assert_eq!(out.summary.total, xs.len());
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn protect_points(
    hierarchy: &Hierarchy,
    xs: &[f64],
    ys: &[f64],
    category: &[usize],
    categories: &CategorySet,
    rule: &FrequencyRule,
    options: &AssignOptions,
) -> Result<PointCounts, Error> {
    if category.len() != xs.len() {
        return Err(TableError::CategoryLength {
            points: xs.len(),
            categories: category.len(),
        }
        .into());
    }
    let index = UnitIndex::from_hierarchy(hierarchy, hierarchy.block_level())?;
    let assignment = index.assign(xs, ys, options)?;
    let cells = (0..assignment.len())
        .map(|i| assignment.unit(i))
        .zip(category.iter().copied());
    let (blocks, _unassigned) = count_blocks(index.len(), categories, cells)?;
    let tables = LinkedTables::new(hierarchy, &blocks, &[])?;
    let protection = protect(&tables, rule)?;
    let mut out = Vec::with_capacity(tables.len());
    let mut suppressed = 0;
    for (i, (&value, status)) in tables.values().iter().zip(&protection.status).enumerate() {
        let Some(key) = tables.key(i) else { continue };
        let Layer::Level(l) = key.layer else { continue };
        let Some(unit) = hierarchy.unit(l, key.unit) else {
            continue;
        };
        let hidden = status.is_suppressed();
        suppressed += usize::from(hidden);
        out.push(PointCell {
            level: hierarchy.levels()[l].clone(),
            unit_id: unit.id().to_string(),
            category: key.category.map_or_else(
                || crate::anonymize::TOTAL.to_owned(),
                |c| categories.labels()[c].clone(),
            ),
            value: (!hidden).then_some(value),
        });
    }
    Ok(PointCounts {
        cells: out,
        summary: *assignment.summary(),
        suppressed,
    })
}
