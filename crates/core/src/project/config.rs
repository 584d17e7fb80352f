//! The schema of `project.toml`: plain serde structs, every table `deny_unknown_fields`, so
//! that a misspelt key is an error naming its line instead of a setting silently ignored.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectFile {
    pub project: ProjectSection,
    #[serde(default)]
    pub datasets: Vec<Spanned<DatasetSection>>,
    pub hierarchy: Spanned<HierarchySection>,
    #[serde(default)]
    pub geocoding: Option<Spanned<GeocodingSection>>,
    #[serde(default)]
    pub anonymize: AnonymizeSection,
    #[serde(default)]
    pub indicators: Vec<Spanned<IndicatorSection>>,
    #[serde(default)]
    pub ranking: Option<Spanned<RankingSection>>,
    #[serde(default)]
    pub outputs: OutputsSection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProjectSection {
    pub name: String,
    #[serde(default = "default_crs")]
    pub crs: Spanned<String>,
    #[serde(default)]
    pub language: Language,
}

fn default_crs() -> Spanned<String> {
    Spanned::new(0..0, "EPSG:25832".to_owned())
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Language {
    #[default]
    De,
    En,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DatasetSection {
    /// The dataset's name in tables and indicators: `resident`, `kita`, `child_support`.
    pub name: String,
    pub title: String,
    pub office: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub legal_basis: Option<String>,
    pub reference_date: String,
    /// The CSV file; or `postgis`.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// A PostGIS table or query instead of a file.
    #[serde(default)]
    pub postgis: Option<PostgisSection>,
    /// CRS of the coordinate columns; default the project's.
    #[serde(default)]
    pub crs: Option<Spanned<String>>,
    #[serde(default)]
    pub format: FormatSection,
    pub fields: Vec<Spanned<FieldSection>>,
    /// The finest level this dataset is published on; default the blocks.
    #[serde(default)]
    pub finest_level: Option<String>,
    /// Earlier reference dates of the same dataset, each with its own file (monitoring over
    /// time); `reference_date` and `path` above are the current one.
    #[serde(default)]
    pub earlier: Vec<Spanned<EarlierFileSection>>,
}

/// `[[datasets.earlier]]`: the dataset's file for an earlier reference date; same columns
/// and dialect as the current file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EarlierFileSection {
    pub reference_date: String,
    pub path: PathBuf,
}

/// `[[hierarchy.earlier]]`: the block layer that was valid at earlier reference dates (blocks
/// re-cut since); same levels, id fields and name field as the current layer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EarlierLayerSection {
    pub reference_dates: Vec<String>,
    pub path: PathBuf,
    #[serde(default)]
    pub layer: Option<String>,
    #[serde(default)]
    pub crs: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct FormatSection {
    /// `auto`, `;`, `,` or `tab`.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// `auto`, `utf-8` or `windows-1252`.
    #[serde(default)]
    pub encoding: Option<String>,
    /// `auto`, `,` or `.`.
    #[serde(default)]
    pub decimal: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FieldSection {
    /// The column header in the file.
    pub column: String,
    /// What quartier uses it for: `x`, `y`, `municipality`, `postcode`, `street`,
    /// `house_number`, `suffix`, `age`, `fee_bracket`.
    #[serde(rename = "use")]
    pub usage: String,
    /// `coordinate`, `address`, `attribute` or `category`; checked against `use`.
    #[serde(default)]
    pub role: Option<String>,
    /// `identifying`, `personal`, `sensitive`.
    #[serde(default)]
    pub sensitivity: Option<String>,
}

/// `postgis = { connection, table | query, geometry }`: a PostGIS table or query.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PostgisSection {
    /// A libpq connection string or `service=...`; never a password.
    pub connection: String,
    #[serde(default)]
    pub table: Option<String>,
    #[serde(default)]
    pub query: Option<String>,
    /// The geometry column (default: the only one).
    #[serde(default)]
    pub geometry: Option<String>,
}

/// `[outputs.postgis]`: the schema the published layers are written into.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PostgisTargetSection {
    pub connection: String,
    pub schema: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HierarchySection {
    /// The layer file; or `postgis`.
    #[serde(default)]
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub postgis: Option<PostgisSection>,
    #[serde(default)]
    pub layer: Option<String>,
    #[serde(default)]
    pub crs: Option<Spanned<String>>,
    pub levels: Vec<String>,
    pub id_fields: Vec<String>,
    #[serde(default)]
    pub name_field: Option<String>,
    /// Upper levels read from their own layers instead of dissolved from the blocks.
    #[serde(default)]
    pub upper: Vec<UpperSection>,
    /// Block layers of earlier reference dates.
    #[serde(default)]
    pub earlier: Vec<EarlierLayerSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpperSection {
    pub level: String,
    #[serde(default)]
    pub path: Option<PathBuf>,
    #[serde(default)]
    pub postgis: Option<PostgisSection>,
    #[serde(default)]
    pub layer: Option<String>,
    /// CRS of this layer; default the block layer's.
    #[serde(default)]
    pub crs: Option<Spanned<String>>,
    pub id_field: String,
    #[serde(default)]
    pub name_field: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GeocodingSection {
    /// The official house-coordinate table.
    pub path: PathBuf,
    /// `essen`, `hk_de` or `custom` (then `columns`).
    #[serde(default)]
    pub layout: Option<String>,
    /// Column mapping of a custom layout.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub crs: Option<Spanned<String>>,
    #[serde(default)]
    pub fuzzy_threshold: Option<f64>,
    #[serde(default)]
    pub nearest_number: Option<bool>,
    #[serde(default)]
    pub max_number_distance: Option<u32>,
    /// Write the office's list of unmatched records into the sealed folder.
    #[serde(default)]
    pub unmatched_list: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnonymizeSection {
    #[serde(default = "default_k")]
    pub k: u64,
    /// `publish` or `suppress`.
    #[serde(default = "default_zeros")]
    pub zeros: Spanned<String>,
    /// The protection level of secondary suppression; default `k`.
    #[serde(default)]
    pub protection: Option<u64>,
    /// Blocks with fewer residents have all their cells suppressed (0 = none).
    #[serde(default)]
    pub min_population: u64,
    /// Snap distance in metres for points just outside every block.
    #[serde(default)]
    pub snap_distance_m: Option<f64>,
    /// Category definitions: for each dataset, named groups of its categories (documented
    /// in the protocol and usable in indicators as `@name`).
    #[serde(default)]
    pub categories: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl Default for AnonymizeSection {
    fn default() -> Self {
        Self {
            k: default_k(),
            zeros: default_zeros(),
            protection: None,
            min_population: 0,
            snap_distance_m: None,
            categories: BTreeMap::new(),
        }
    }
}

fn default_k() -> u64 {
    3
}

fn default_zeros() -> Spanned<String> {
    Spanned::new(0..0, "publish".to_owned())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndicatorSection {
    pub name: String,
    pub label: String,
    /// `share`, `rate` or `density`.
    pub measure: String,
    pub numerator: TermSection,
    #[serde(default)]
    pub denominator: Option<TermSection>,
    #[serde(default)]
    pub per: Option<f64>,
    /// `none` or `empirical_bayes`.
    #[serde(default)]
    pub smoothing: Option<String>,
    /// `higher_is_worse` or `lower_is_worse`; absent = not in the ranking.
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub weight: Option<f64>,
    /// The office that owns the indicator (signs it off); default the office of the
    /// numerator's dataset.
    #[serde(default)]
    pub office: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TermSection {
    pub dataset: String,
    /// Category labels or `@group` names; empty = the total.
    #[serde(default)]
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RankingSection {
    #[serde(default = "default_level")]
    pub level: String,
    #[serde(default = "default_min_population")]
    pub min_population: f64,
    /// Select units whose composite is more than this many SD above the mean.
    #[serde(default)]
    pub threshold_sd: Option<f64>,
    /// Or select the `top` worst units.
    #[serde(default)]
    pub top: Option<usize>,
    /// `zscore`, `minmax` or `rank`.
    #[serde(default)]
    pub normalization: Option<String>,
    /// Monte-Carlo draws of the rank intervals (0 = none).
    #[serde(default = "default_draws")]
    pub draws: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Moran permutations (0 = no spatial statistics).
    #[serde(default = "default_permutations")]
    pub permutations: usize,
    #[serde(default)]
    pub exclusions: Vec<ExclusionSection>,
}

impl Default for RankingSection {
    fn default() -> Self {
        Self {
            level: default_level(),
            min_population: default_min_population(),
            threshold_sd: None,
            top: None,
            normalization: None,
            draws: default_draws(),
            seed: default_seed(),
            permutations: default_permutations(),
            exclusions: Vec::new(),
        }
    }
}

fn default_level() -> String {
    "quartier".to_owned()
}
fn default_min_population() -> f64 {
    300.0
}
fn default_draws() -> usize {
    1000
}
fn default_seed() -> u64 {
    2019
}
fn default_permutations() -> usize {
    999
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExclusionSection {
    pub unit: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutputsSection {
    /// Inside the sealed office only: lists with personal data (unmatched addresses).
    #[serde(default = "default_sealed")]
    pub sealed: PathBuf,
    /// What may leave the sealed office: protected tables and the protocol.
    #[serde(default = "default_protected")]
    pub protected: PathBuf,
    /// The analysis: ranking, report, GIS layers.
    #[serde(default = "default_analysis")]
    pub analysis: PathBuf,
    /// Also write the published layers into a PostGIS schema.
    #[serde(default)]
    pub postgis: Option<PostgisTargetSection>,
}

impl Default for OutputsSection {
    fn default() -> Self {
        Self {
            sealed: default_sealed(),
            protected: default_protected(),
            analysis: default_analysis(),
            postgis: None,
        }
    }
}

fn default_sealed() -> PathBuf {
    PathBuf::from("out/sealed")
}
fn default_protected() -> PathBuf {
    PathBuf::from("out/protected")
}
fn default_analysis() -> PathBuf {
    PathBuf::from("out/analysis")
}
