//! Statistical disclosure control of count tables: primary suppression, secondary
//! suppression over all linked tables in one model, and an audit of what an attacker can
//! recover.
//!
//! The unit of protection is a [`LinkedTables`] model: all tables of one dataset — every
//! level of the hierarchy and every other grouping of blocks, each with its row totals — and
//! the additivity constraints that link them. Protecting the tables one after another would
//! let an attacker difference suppressed cells back out; protecting them in one model does
//! not.

mod audit;
mod direction;
mod layers;
mod magnitude;
mod model;
mod secondary;

pub use audit::{
    AUDIT_TOLERANCE, AuditReport, CellAudit, IntervalKind, audit, audit_exact, audit_naive,
};
pub use layers::{LayerCounts, LayerModel, LayerProtection, LayerSummary, protect_layers};
pub use magnitude::{MagnitudeProblem, MagnitudeRule, magnitude_primary};
pub use model::{Additivity, CellKey, Grouping, Layer, LinkedTables, is_layer_name};
pub(crate) use secondary::protect_with;
pub use secondary::{
    IntervalPhase, Protection, SecondaryOptions, SecondarySummary, protect, secondary_suppression,
};

use crate::hierarchy::UnitId;

/// Errors of disclosure control.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DisclosureError {
    /// The block table does not have one row per block of the hierarchy.
    #[error("the block table has {rows} rows, the hierarchy {blocks} blocks")]
    BlockTableShape {
        /// Rows of the block table.
        rows: usize,
        /// Blocks of the hierarchy.
        blocks: usize,
    },
    /// A grouping was made for another hierarchy (its block count differs).
    #[error("grouping `{grouping}` was made for another hierarchy")]
    GroupingShape {
        /// The grouping's name.
        grouping: String,
    },
    /// A grouping names a block that is not in the hierarchy.
    #[error("grouping `{grouping}` names block {block}, which is not in the hierarchy")]
    UnknownBlock {
        /// The grouping's name.
        grouping: String,
        /// The unknown block id.
        block: UnitId,
    },
    /// A grouping's name cannot be used as a layer name (see [`is_layer_name`]).
    #[error("grouping name `{grouping}`: {reason}")]
    GroupingName {
        /// The grouping's name.
        grouping: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A grouping puts one block into two groups.
    #[error("grouping `{grouping}` puts block {block} into two groups")]
    BlockInTwoGroups {
        /// The grouping's name.
        grouping: String,
        /// The block id.
        block: UnitId,
    },
    /// A unit below the top level has no parent, or a parent out of range.
    #[error("the hierarchy has a unit without a valid parent")]
    BrokenHierarchy,
    /// A status vector does not have one entry per cell of the model.
    #[error("{statuses} cell statuses for a model of {cells} cells")]
    StatusLength {
        /// Length of the status vector.
        statuses: usize,
        /// Cells of the model.
        cells: usize,
    },
    /// Secondary suppression found recoverable cells with no published cell left around them
    /// to suppress.
    #[error(
        "{cells} suppressed cells stay recoverable and no published cell is left to protect them"
    )]
    SecondaryUnprotectable {
        /// Number of such cells.
        cells: usize,
    },
    /// Secondary suppression ran out of rounds with cells still exposed.
    #[error("secondary suppression left {exposed} cells exposed after {rounds} rounds")]
    SecondaryNoConvergence {
        /// Rounds run.
        rounds: usize,
        /// Cells still exposed.
        exposed: usize,
    },
    /// The LP solver of the audit failed (names the cell index only, never a value).
    #[error("the lp solver failed on the interval of cell {cell}: {reason}")]
    Solver {
        /// Index of the cell whose interval was being solved.
        cell: usize,
        /// The solver's own description of the failure.
        reason: String,
    },
    /// A block of one of two layers protected together ([`protect_layers`]) holds no record
    /// and overlaps no block of the other layer: the layers do not cover the same area.
    #[error(
        "block {block} of the {layer} layer holds no record and overlaps no block of the other \
         layer; both layers must cover the same area"
    )]
    LayerUncovered {
        /// `old` or `new`.
        layer: &'static str,
        /// The block's id.
        block: UnitId,
    },
    /// A record given to [`protect_layers`] names a position out of range (names the field
    /// and the position only, never the record).
    #[error("a record names {field} position {position}, but there are only {len}")]
    RecordOutOfRange {
        /// `old block`, `new block` or `category`.
        field: &'static str,
        /// The position named.
        position: usize,
        /// The number of positions there are.
        len: usize,
    },
    /// A magnitude rule's parameters are invalid, or its contributions do not fit the model
    /// (names cell indices only, never a value).
    #[error("{problem}")]
    Magnitude {
        /// What is wrong.
        problem: MagnitudeProblem,
    },
}

/// What happens to a cell: published, or suppressed and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CellStatus {
    /// The value is published.
    Published,
    /// Suppressed because the cell itself is sensitive (primary rule).
    Primary,
    /// Suppressed to protect another suppressed cell (secondary / complementary).
    Secondary,
}

impl CellStatus {
    /// `published`, `primary` or `secondary`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Primary => "primary",
            Self::Secondary => "secondary",
        }
    }

    /// Whether the value is withheld.
    pub fn is_suppressed(self) -> bool {
        self != Self::Published
    }
}

/// Whether zero cells are sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Zeros {
    /// Zeros are published (the usual rule: a zero reveals no person).
    #[default]
    Publish,
    /// Zeros are primary-suppressed too (where "nobody in this block receives X" is itself
    /// sensitive).
    Suppress,
}

/// The frequency rule of primary suppression: a cell with `0 < n < k` is sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrequencyRule {
    /// The minimum frequency; German official statistics commonly use 3.
    pub k: u64,
    /// Whether zeros are sensitive too.
    pub zeros: Zeros,
}

impl Default for FrequencyRule {
    fn default() -> Self {
        Self {
            k: 3,
            zeros: Zeros::Publish,
        }
    }
}

impl FrequencyRule {
    /// Whether a count is sensitive under this rule.
    pub fn is_sensitive(&self, n: u64) -> bool {
        match (n, self.zeros) {
            (0, Zeros::Suppress) => true,
            (0, Zeros::Publish) => false,
            (n, _) => n < self.k,
        }
    }
}

/// Primary suppression: the status of every cell of `tables` under `rule` (`Primary` where
/// sensitive, `Published` elsewhere). Applies to every cell of every linked table, totals
/// included.
///
/// # Examples
///
/// ```
/// use quartier::{CellStatus, FrequencyRule, primary_suppression};
/// # let town = quartier::musterstadt(1)?;
/// # let counts = quartier::count_records(&town.hierarchy, &town.records, &Default::default())?;
/// # let blocks = counts.datasets[0].tables.blocks();
/// let tables = quartier::LinkedTables::new(&town.hierarchy, blocks, &[])?;
/// let status = primary_suppression(&tables, &FrequencyRule::default());
/// for (v, s) in tables.values().iter().zip(&status) {
///     assert_eq!(*s == CellStatus::Primary, (1..3).contains(v));
/// }
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn primary_suppression(tables: &LinkedTables, rule: &FrequencyRule) -> Vec<CellStatus> {
    tables
        .values()
        .iter()
        .map(|&n| {
            if rule.is_sensitive(n) {
                CellStatus::Primary
            } else {
                CellStatus::Published
            }
        })
        .collect()
}
