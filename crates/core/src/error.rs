//! The crate's umbrella error: one variant per fallible module.

use crate::assign::AssignError;
use crate::classify::ClassifyError;
use crate::crosswalk::CrosswalkError;
use crate::crs::CrsError;
use crate::disclosure::DisclosureError;
use crate::hierarchy::HierarchyError;
use crate::indicator::IndicatorError;
use crate::io::IoError;
use crate::rank::RankError;
use crate::release::ReleaseError;
use crate::render::RenderError;
use crate::spatial::SpatialError;
use crate::table::TableError;
use crate::trend::TrendError;

/// Any error of quartier; each module's own error converts into it with `?`.
///
/// Bindings (Python, CLI) map this one type; library functions return the narrower
/// module error so that a signature lists only the failures that can really happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Building or validating the spatial hierarchy failed.
    #[error(transparent)]
    Hierarchy(#[from] HierarchyError),
    /// Building a unit index or assigning points failed.
    #[error(transparent)]
    Assign(#[from] AssignError),
    /// Counting records into tables failed.
    #[error(transparent)]
    Table(#[from] TableError),
    /// Disclosure control (suppression, audit) failed.
    #[error(transparent)]
    Disclosure(#[from] DisclosureError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] IoError),
    /// Computing indicators from protected tables failed.
    #[error(transparent)]
    Indicator(#[from] IndicatorError),
    /// Building spatial weights or computing a spatial statistic failed.
    #[error(transparent)]
    Spatial(#[from] SpatialError),
    /// Ranking units (normalization, composite, selection, uncertainty) failed.
    #[error(transparent)]
    Rank(#[from] RankError),
    /// Signing off a protected table or reading the release file failed.
    #[error(transparent)]
    Release(#[from] ReleaseError),
    /// Computing class breaks failed.
    #[error(transparent)]
    Classify(#[from] ClassifyError),
    /// Rendering maps, profiles or the report failed.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// A project file is unusable, or a project run cannot go on.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// Parsing a CRS, transforming coordinates or a CRS plausibility check failed.
    #[error(transparent)]
    Crs(#[from] CrsError),
    /// Building a crosswalk between block layers or re-aggregating tables across it failed.
    #[error(transparent)]
    Crosswalk(#[from] CrosswalkError),
    /// Computing trends over reference dates failed.
    #[error(transparent)]
    Trend(#[from] TrendError),
    /// A step of one reference date of a monitoring project failed: the date, the block
    /// layer of that date where it matters, and what went wrong.
    #[error("reference date {date}{}: {error}", layer.as_ref().map(|l| format!(", block layer {}", l.display())).unwrap_or_default())]
    ReferenceDate {
        /// The reference date (`YYYY-MM-DD`).
        date: String,
        /// The block layer of that date, where the error concerns it.
        layer: Option<std::path::PathBuf>,
        /// What went wrong.
        error: Box<Error>,
    },
}
