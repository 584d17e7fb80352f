//! quartier: small-area social planning.
//!
//! Individual records (residents, Kita fee records, child-support cases) are assigned to
//! building blocks, counted up a spatial hierarchy (Gemeinde → Ortsteil → Quartier →
//! Baublock), protected, and turned into indicators and rankings of quarters.
//!
//! The crate is organised one module per concept; this root re-exports a flat API.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod analysis;
mod anonymize;
mod assign;
mod catalogue;
mod classify;
mod crosswalk;
mod crs;
mod demo;
mod disclosure;
mod error;
mod geocode;
mod hierarchy;
mod indicator;
mod io;
mod pipeline;
mod point_counts;
mod project;
mod rank;
mod records;
mod release;
mod render;
mod spatial;
mod table;
mod trend;

// One `pub use` line per module; each module owns its line.
pub use analysis::{Analysis, AnalysisSpec, CriterionSpec, SpatialSpec, UnitLisa, analyze};
pub use anonymize::{
    AnonymizeProtocol, AnonymizeSpec, Anonymized, AuditSummary, CrosswalkReport, DatasetReport,
    EstimatedCell, GeocodingReport, GroupingInfo, InputSource, LayerCells, LayerKind, Parameters,
    ProtectedRow, ProtectedTables, Software, anonymize, anonymize_counts,
};
#[doc(hidden)]
pub use assign::synthetic::{synthetic_blocks, synthetic_points};
pub use assign::{
    AssignError, AssignOptions, AssignSummary, Assignment, MAX_UNITS, Outcome, UnassignedReason,
    UnitIndex,
};
pub use catalogue::DatasetEntry;
pub use classify::{
    Breaks, Classification, ClassifyError, DEFAULT_STD_MULTIPLES, class_breaks, fisher_jenks_naive,
};
pub use crosswalk::{
    Crosswalk, CrosswalkError, CrosswalkLink, CrosswalkMethod, IdSchemeReason, LevelLink,
    LinkProblem, MIN_OVERLAP_M2, MIN_OVERLAP_SHARE, Reaggregated, reaggregate,
};
pub use crs::{Crs, CrsError, check_plausible, transform_in_place};
pub use demo::{
    DemoConfig, DemoTimeline, DemoTown, DemoYear, Planted, init_monitoring_project,
    init_project_over_time, musterstadt, musterstadt_timeline, musterstadt_with,
};
pub use disclosure::{
    AUDIT_TOLERANCE, Additivity, AuditReport, CellAudit, CellKey, CellStatus, DisclosureError,
    FrequencyRule, Grouping, IntervalKind, Layer, LinkedTables, MagnitudeProblem, MagnitudeRule,
    Zeros, audit, audit_exact, audit_naive, is_layer_name, magnitude_primary, primary_suppression,
};
pub use disclosure::{
    IntervalPhase, Protection, SecondaryOptions, SecondarySummary, protect, secondary_suppression,
};
pub use disclosure::{LayerCounts, LayerModel, LayerProtection, LayerSummary, protect_layers};
pub use error::Error;
pub use geocode::{
    Address, AddressTable, GeoMatch, GeocodeOptions, GeocodeSummary, HouseCoordinate, HouseNumber,
    MatchStage, UnmatchedReason, normalize_street,
};
pub use hierarchy::{
    BlockFeature, DEFAULT_GAP_TOLERANCE_M2, DEFAULT_LEVELS, DEFAULT_OVERLAP_TOLERANCE_M2, Finding,
    GeometryProblem, Hierarchy, HierarchyBuilder, HierarchyError, MAX_COORDINATE_M, Severity, Unit,
    UnitFeature, UnitId, ValidationReport,
};
pub use indicator::{
    AreaBasis, IndicatorColumn, IndicatorError, IndicatorSpec, IndicatorTable, IndicatorValue,
    Measure, Smoothing, Term, ValueStatus, compute_indicators,
};
pub use io::write_report;
pub use io::{
    AddressColumns, RecordColumns, RecordFile, RecordLocation, RejectReason, Rejection,
    read_records_csv, read_records_csv_bytes,
};
pub use io::{
    BlockLayerSpec, GeoJsonProblem, JsonErrorKind, ShapefileProblem, read_block_features,
    read_hierarchy, read_unit_features, read_units, read_units_geojson, read_units_shapefile,
    write_block_layer, write_units,
};
pub use io::{
    CsvColumn, HeaderRow, HouseCoordinateColumns, HouseCoordinateFile, SkipReason, SkippedRow,
    UnmatchedRow, read_house_coordinates, read_house_coordinates_bytes, write_unmatched_csv,
};
pub use io::{
    CsvEncoding, CsvOptions, CsvProblem, IoError, MAX_CSV_LINE_BYTES, PointColumns, PointTable,
    read_points_csv, read_points_csv_bytes, read_points_csv_bytes_with, read_points_csv_with,
    write_atomic,
};
pub use io::{
    GeoPackageProblem, WkbBlockColumns, WkbColumnsProblem, WkbProblem, multipolygon_from_wkb,
    multipolygon_to_wkb, read_block_features_gpkg, read_hierarchy_gpkg, read_hierarchy_wkb,
};
pub use io::{
    LayerFormat, LayerSource, LayerSourceProblem, UpperLevelSource, read_block_features_shapefile,
    read_block_layer_any, read_hierarchy_from, read_unit_features_shapefile, read_unit_layer_any,
};
pub use io::{LayerProblem, Srs, write_geopackage, write_layer_geojson};
pub use io::{
    PostgisProblem, PostgisSource, PostgisTarget, Relation, check_postgis_target,
    read_block_features_postgis, read_records_postgis, read_unit_features_postgis,
    write_postgis_layers,
};
pub use io::{
    ProtectedCsvProblem, read_protected_csv, sha256_file, write_anonymized, write_grouping_csv,
    write_protected_csv, write_protected_csv_to, write_protocol_json, write_protocol_markdown,
};
pub use io::{read_crosswalk_csv, write_crosswalk_csv};
pub use io::{write_assignment_csv, write_counts_csv, write_counts_csv_to};
pub use io::{write_ranking_csv, write_ranking_json, write_trends_csv};
pub use pipeline::{
    BlockCounts, Counts, DatasetCounts, DatasetProtocol, Protocol, RecordCounter, count_records,
};
pub use point_counts::{PointCell, PointCounts, protect_points};
pub use project::{
    AnalyzeOutcome, AnonymizeOutcome, CsvFormat, Dataset, DatasetOutcome, DateOutcome, DatedFile,
    EarlierLayer, Field, FieldUse, Geocoding, HierarchySource, Outputs, Progress, Project,
    ProjectError, Rules, RunOutcome, Sensitivity, TEMPLATE, UpperLevel, ValidateOutcome,
    analyze_project, anonymize_project, anonymize_project_at, init_project, init_project_with,
    run_project, validate_project,
};
pub use rank::{
    Aggregation, Criterion, Direction, Driver, DynamicsClass, Exclusion, IMD_2019_DOMAIN_WEIGHTS,
    ImdResult, ImdUnit, MissingPolicy, MssClass, MssResult, MssUnit, Normalization, RankError,
    RankInput, RankInterval, RankSpec, RankedUnit, Ranking, Selection, StatusClass,
    UncertaintySpec, Weighting, berlin_mss, imd, rank, rank_uncertainty,
};
pub use records::{ChildSupportCase, KitaRecord, Position, RecordKind, Records, Resident};
pub use release::{
    RELEASES_FILE, ReleaseError, ReleaseState, Releases, SignOff, SignOffState, SignOffStatus,
    release_project, release_state, today,
};
pub use render::{
    AttributeColumn, AttributeLayer, AttributeValues, ChangeView, DynamicsView, Language,
    LayerStyle, MonitoringView, ReleaseView, RenderError, Report, ReportFile, ReportInput,
    ReportSpec, SeriesView, SignoffView, StyleClass, render_report,
};
pub use spatial::{
    Contiguity, LocalMoran, Moran, PermutationTest, Quadrant, SpatialError, Weights, contiguity,
    contiguity_naive, local_moran, moran,
};
pub use table::{
    CategorySet, CountTable, CountTables, TableError, age_group, aggregate,
    child_support_age_group, count_blocks, fee_bracket_category,
};

pub use trend::{
    Change, ChangeKind, ChangeReason, DEFAULT_MIN_RANK_CHANGE, IndicatorSeries, IndicatorTrend,
    TrendError, TrendInput, TrendSpec, Trends, trends,
};

/// The README's Rust example, compiled as a doctest so that it cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
