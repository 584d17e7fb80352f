//! Block and unit layers from any supported format, and hierarchies with official upper-level
//! boundaries.
//!
//! A [`LayerSource`] names a file and, for a GeoPackage, a layer; the format follows from the
//! extension (`.geojson`/`.json`, `.gpkg`, `.shp`, case-insensitive). [`read_hierarchy_from`]
//! reads the block layer and, for each [`UpperLevelSource`], that level's official
//! boundaries; every other upper level is dissolved from the blocks. Coordinates are taken
//! as they are in the files: all layers must already be in the project CRS.

use std::fmt;
use std::path::{Path, PathBuf};

use super::IoError;
use super::geojson::{BlockLayerSpec, read_block_features, read_unit_features};
use super::gpkg_read::read_block_features_gpkg;
use super::postgis::{PostgisSource, read_block_features_postgis, read_unit_features_postgis};
use super::shapefile::{read_block_features_shapefile, read_unit_features_shapefile};
use crate::hierarchy::{BlockFeature, Hierarchy, HierarchyBuilder, UnitFeature, ValidationReport};

/// The file formats a layer can be read from.
///
/// # Examples
///
/// ```
/// use quartier::LayerFormat;
///
/// assert_eq!(LayerFormat::from_path("a/b.GPKG".as_ref()), Some(LayerFormat::GeoPackage));
/// assert_eq!(LayerFormat::from_path("b.csv".as_ref()), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LayerFormat {
    /// A GeoJSON `FeatureCollection` (`.geojson`, `.json`).
    GeoJson,
    /// An OGC GeoPackage (`.gpkg`).
    GeoPackage,
    /// An ESRI Shapefile (`.shp`, with `.shx`, `.dbf` and optionally `.cpg`).
    Shapefile,
}

impl LayerFormat {
    /// The format of a file by its extension (ASCII case ignored); `None` for any other.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "geojson" | "json" => Some(Self::GeoJson),
            "gpkg" => Some(Self::GeoPackage),
            "shp" => Some(Self::Shapefile),
            _ => None,
        }
    }
}

/// What is wrong with a [`LayerSource`] or an [`UpperLevelSource`].
///
/// # Examples
///
/// ```
/// use quartier::LayerSourceProblem;
///
/// assert_eq!(
///     LayerSourceProblem::UnsupportedFormat.to_string(),
///     "unsupported layer format: use .geojson or .json (GeoJSON), .gpkg (GeoPackage) or .shp (Shapefile)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayerSourceProblem {
    /// The extension is not one of a supported format.
    UnsupportedFormat,
    /// A layer name was given for a format that holds one layer only.
    LayerNotSupported {
        /// The layer name given.
        layer: String,
    },
    /// An upper level source names a level that is not an upper level of the spec.
    NotUpperLevel {
        /// The level named.
        level: String,
        /// The spec's upper levels.
        upper_levels: Vec<String>,
    },
    /// Two upper level sources name the same level.
    DuplicateLevel {
        /// The level named twice.
        level: String,
    },
}

impl fmt::Display for LayerSourceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnsupportedFormat => f.write_str(
                "unsupported layer format: use .geojson or .json (GeoJSON), .gpkg (GeoPackage) or .shp (Shapefile)",
            ),
            Self::LayerNotSupported { layer } => write!(
                f,
                "layer `{layer}` given, but only a geopackage holds several layers"
            ),
            Self::NotUpperLevel {
                level,
                upper_levels,
            } => write!(
                f,
                "`{level}` is not an upper level of the block layer; the upper levels are {}",
                upper_levels
                    .iter()
                    .map(|l| format!("`{l}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::DuplicateLevel { level } => {
                write!(f, "level `{level}` is given more than one source")
            }
        }
    }
}

fn source_error(path: &Path, problem: LayerSourceProblem) -> IoError {
    IoError::LayerSource {
        path: path.to_path_buf(),
        problem,
    }
}

/// A layer in a file — the path and, for a GeoPackage, the layer (feature table) name — or
/// in a PostGIS database.
///
/// # Examples
///
/// ```
/// use quartier::LayerSource;
///
/// let blocks = LayerSource::new("daten/stadt.gpkg").with_layer("baublock");
/// assert_eq!(blocks.layer.as_deref(), Some("baublock"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSource {
    /// The file (`.geojson`/`.json`, `.gpkg` or `.shp`).
    pub path: PathBuf,
    /// The GeoPackage layer; `None` takes the only feature layer. Must be `None` for the
    /// single-layer formats.
    pub layer: Option<String>,
    /// A PostGIS table or query instead of a file; `path` is then only its name in
    /// messages (see [`LayerSource::postgis`]).
    pub postgis: Option<PostgisSource>,
}

impl LayerSource {
    /// A source for the file at `path`, without a layer name.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            layer: None,
            postgis: None,
        }
    }

    /// A source for a PostGIS table or query; its `path` is the source's name
    /// (`PostGIS table alkis.bloecke`), for messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{LayerSource, PostgisSource};
    ///
    /// let blocks = LayerSource::postgis(PostgisSource::table("service=gis", "alkis.bloecke"));
    /// assert_eq!(blocks.path.display().to_string(), "PostGIS table alkis.bloecke");
    /// ```
    pub fn postgis(source: PostgisSource) -> Self {
        Self {
            path: PathBuf::from(source.to_string()),
            layer: None,
            postgis: Some(source),
        }
    }

    /// The same source with a GeoPackage layer name.
    pub fn with_layer(mut self, layer: impl Into<String>) -> Self {
        self.layer = Some(layer.into());
        self
    }

    /// The format, or an error naming the file.
    fn format(&self) -> Result<LayerFormat, IoError> {
        let format = LayerFormat::from_path(&self.path)
            .ok_or_else(|| source_error(&self.path, LayerSourceProblem::UnsupportedFormat))?;
        match (&self.layer, format) {
            (Some(layer), LayerFormat::GeoJson | LayerFormat::Shapefile) => Err(source_error(
                &self.path,
                LayerSourceProblem::LayerNotSupported {
                    layer: layer.clone(),
                },
            )),
            _ => Ok(format),
        }
    }
}

/// An upper level read from its own layer (e.g. official district boundaries) rather than
/// dissolved from the blocks.
///
/// # Examples
///
/// ```
/// use quartier::{LayerSource, UpperLevelSource};
///
/// let districts = UpperLevelSource {
///     level: "ortsteil".into(),
///     source: LayerSource::new("ortsteile.shp"),
///     id_field: "OT_ID".into(),
///     name_field: Some("OT_NAME".into()),
/// };
/// assert_eq!(districts.level, "ortsteil");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpperLevelSource {
    /// The level name, one of the spec's levels above the blocks.
    pub level: String,
    /// Where the boundaries are.
    pub source: LayerSource,
    /// The field holding the unit id, as the blocks name the unit.
    pub id_field: String,
    /// The field holding the unit name, if any.
    pub name_field: Option<String>,
}

/// Reads a block layer from a GeoJSON file, a GeoPackage layer or a Shapefile, by the
/// file's extension.
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("blocks.geojson");
/// std::fs::write(&path, r#"{"type": "FeatureCollection", "features": [
///   {"type": "Feature", "properties": {"q": "Q1", "b": 17},
///    "geometry": {"type": "Polygon", "coordinates": [[[0,0],[10,0],[10,10],[0,10],[0,0]]]}}]}"#)?;
/// let spec = quartier::BlockLayerSpec {
///     levels: vec!["quartier".into(), "baublock".into()],
///     id_fields: vec!["q".into(), "b".into()],
///     name_field: None,
/// };
/// let blocks = quartier::read_block_layer_any(&quartier::LayerSource::new(&path), &spec)?;
/// assert_eq!(blocks[0].ids, ["Q1", "17"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`IoError::LayerSource`] for an unsupported extension or a layer name for GeoJSON or a
/// Shapefile; otherwise as [`read_block_features`], [`read_block_features_gpkg`] or
/// [`read_block_features_shapefile`].
pub fn read_block_layer_any(
    source: &LayerSource,
    spec: &BlockLayerSpec,
) -> Result<Vec<BlockFeature>, IoError> {
    if let Some(db) = &source.postgis {
        return read_block_features_postgis(db, spec);
    }
    match source.format()? {
        LayerFormat::GeoJson => read_block_features(&source.path, spec),
        LayerFormat::GeoPackage => {
            read_block_features_gpkg(&source.path, source.layer.as_deref(), spec)
        }
        LayerFormat::Shapefile => read_block_features_shapefile(&source.path, spec),
    }
}

/// Reads a flat layer of upper-level units (ids from `id_field`, names from `name_field`)
/// from a GeoJSON file, a GeoPackage layer or a Shapefile, by the file's extension.
///
/// A feature without geometry gets `geometry: None` (the unit is then dissolved from its
/// blocks).
///
/// # Examples
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("quarters.geojson");
/// std::fs::write(&path, r#"{"type": "FeatureCollection", "features": [
///   {"type": "Feature", "properties": {"id": "Q1", "name": "Altstadt"},
///    "geometry": {"type": "Polygon", "coordinates": [[[0,0],[10,0],[10,10],[0,10],[0,0]]]}}]}"#)?;
/// let source = quartier::LayerSource::new(&path);
/// let units = quartier::read_unit_layer_any(&source, "id", Some("name"))?;
/// assert_eq!(units[0].name.as_deref(), Some("Altstadt"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`read_block_layer_any`], for the id and name fields and the geometries.
pub fn read_unit_layer_any(
    source: &LayerSource,
    id_field: &str,
    name_field: Option<&str>,
) -> Result<Vec<UnitFeature>, IoError> {
    if let Some(db) = &source.postgis {
        return read_unit_features_postgis(db, id_field, name_field);
    }
    match source.format()? {
        LayerFormat::GeoJson => read_unit_features(&source.path, id_field, name_field),
        LayerFormat::GeoPackage => {
            let spec = BlockLayerSpec {
                levels: vec![id_field.to_owned()],
                id_fields: vec![id_field.to_owned()],
                name_field: name_field.map(str::to_owned),
            };
            let features = read_block_features_gpkg(&source.path, source.layer.as_deref(), &spec)?;
            Ok(features
                .into_iter()
                .map(|b| UnitFeature {
                    feature: b.feature,
                    id: b.ids.into_iter().next().unwrap_or_default(),
                    name: b.name,
                    // A NULL geometry is read as an empty one: dissolve the unit.
                    geometry: Some(b.geometry).filter(|g| !g.0.is_empty()),
                })
                .collect())
        }
        LayerFormat::Shapefile => read_unit_features_shapefile(&source.path, id_field, name_field),
    }
}

/// Reads the block layer and the listed upper levels' own layers, and builds the hierarchy
/// (default tolerances).
///
/// Each [`UpperLevelSource`] gives a level's official boundaries (passed to
/// [`HierarchyBuilder::add_unit`]): their geometries replace the ones dissolved from the
/// blocks, and validation checks the blocks against them (units no block names, blocks
/// outside or gaps inside a boundary, blocks whose parent is not among the given units).
/// Every upper level not listed is dissolved from the blocks. A unit's place in the
/// hierarchy always comes from the block layer's ids. Layers may be in different formats;
/// all must be in the same CRS.
///
/// Without upper level sources this is [`read_hierarchy`](crate::read_hierarchy) or
/// [`read_hierarchy_gpkg`](crate::read_hierarchy_gpkg) for those formats (an unclosed
/// ring is then a validation finding); with them, an unclosed ring in a GeoJSON or
/// GeoPackage block layer is an [`IoError`], as in [`read_block_features`].
///
/// # Examples
///
/// ```
/// use quartier::{BlockLayerSpec, LayerSource, UpperLevelSource};
///
/// # let dir = tempfile::tempdir()?;
/// let square = |x0: f64, x1: f64| format!(
///     r#"{{"type": "Polygon", "coordinates": [[[{x0},0],[{x1},0],[{x1},10],[{x0},10],[{x0},0]]]}}"#);
/// let blocks = dir.path().join("blocks.geojson");
/// std::fs::write(&blocks, format!(r#"{{"type": "FeatureCollection", "features": [
///   {{"type": "Feature", "properties": {{"q": "Q1", "b": "B1"}}, "geometry": {}}},
///   {{"type": "Feature", "properties": {{"q": "Q1", "b": "B2"}}, "geometry": {}}}]}}"#,
///   square(0.0, 10.0), square(10.0, 20.0)))?;
/// let quarters = dir.path().join("quarters.geojson");
/// std::fs::write(&quarters, format!(r#"{{"type": "FeatureCollection", "features": [
///   {{"type": "Feature", "properties": {{"id": "Q1", "name": "Altstadt"}}, "geometry": {}}}]}}"#,
///   square(0.0, 20.0)))?;
///
/// let spec = BlockLayerSpec {
///     levels: vec!["quartier".into(), "baublock".into()],
///     id_fields: vec!["q".into(), "b".into()],
///     name_field: None,
/// };
/// let upper = [UpperLevelSource {
///     level: "quartier".into(),
///     source: LayerSource::new(&quarters),
///     id_field: "id".into(),
///     name_field: Some("name".into()),
/// }];
/// let (h, report) = quartier::read_hierarchy_from(&LayerSource::new(&blocks), &spec, &upper)?;
/// assert!(report.is_empty());
/// assert_eq!(h.units(0)[0].name(), Some("Altstadt"));
/// assert_eq!(h.blocks().len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Io`] as for [`read_block_layer_any`] and [`read_unit_layer_any`], and
/// [`IoError::LayerSource`] when an upper level source names a level that is not an upper
/// level of `spec` or a level twice; [`crate::Error::Hierarchy`] as for
/// [`HierarchyBuilder::build`] (with [`crate::HierarchyError::Invalid`] holding the full
/// report when validation finds errors).
pub fn read_hierarchy_from(
    blocks: &LayerSource,
    spec: &BlockLayerSpec,
    upper: &[UpperLevelSource],
) -> Result<(Hierarchy, ValidationReport), crate::Error> {
    let upper_levels = &spec.levels[..spec.levels.len().saturating_sub(1)];
    let mut levels = Vec::with_capacity(upper.len());
    for (i, u) in upper.iter().enumerate() {
        let Some(level) = upper_levels.iter().position(|l| *l == u.level) else {
            return Err(source_error(
                &u.source.path,
                LayerSourceProblem::NotUpperLevel {
                    level: u.level.clone(),
                    upper_levels: upper_levels.to_vec(),
                },
            )
            .into());
        };
        if upper[..i].iter().any(|o| o.level == u.level) {
            return Err(source_error(
                &u.source.path,
                LayerSourceProblem::DuplicateLevel {
                    level: u.level.clone(),
                },
            )
            .into());
        }
        levels.push(level);
    }
    if upper.is_empty() && blocks.postgis.is_none() {
        match blocks.format()? {
            LayerFormat::GeoJson => return super::geojson::read_hierarchy(&blocks.path, spec),
            LayerFormat::GeoPackage => {
                return super::gpkg_read::read_hierarchy_gpkg(
                    &blocks.path,
                    blocks.layer.as_deref(),
                    spec,
                );
            }
            LayerFormat::Shapefile => {}
        }
    }
    let block_features = read_block_layer_any(blocks, spec)?;
    let mut builder = HierarchyBuilder::new(spec.levels.iter().cloned());
    for b in block_features {
        builder.add_block(b);
    }
    for (u, &level) in upper.iter().zip(&levels) {
        for unit in read_unit_layer_any(&u.source, &u.id_field, u.name_field.as_deref())? {
            builder.add_unit(level, unit);
        }
    }
    Ok(builder.build()?)
}
