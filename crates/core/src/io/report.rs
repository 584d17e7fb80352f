//! Writing the rendered report and its GIS layers into an output folder.

use std::fs;
use std::path::{Path, PathBuf};

use crate::hierarchy::Hierarchy;
use crate::io::{IoError, Srs, write_atomic, write_geopackage, write_layer_geojson};
use crate::render::Report;

/// Writes a rendered [`Report`] into `dir`, every file atomically, and returns the paths
/// written (the report's index page first).
///
/// Layout:
///
/// | path | contents |
/// |---|---|
/// | `report/index.html` | the index page: open this |
/// | `report/<level>-<id>.html` | one profile per unit of the ranked level |
/// | `report/maps/<level>-<name>.svg` | the maps |
/// | `gis/quartier.gpkg` | GeoPackage, one layer per published level, QGIS style on the ranked level |
/// | `gis/<level>.geojson` | the same layers as GeoJSON |
///
/// Folders are created when missing; files of an earlier run are replaced, each one
/// atomically.
///
/// # Errors
///
/// [`IoError::File`] when a folder or file cannot be written; the GeoPackage and GeoJSON
/// writers' errors for a malformed layer.
///
/// # Examples
///
/// ```
/// use quartier::{AnalysisSpec, ReportInput, ReportSpec, Srs, analyze, anonymize, render_report, write_report};
///
/// let town = quartier::musterstadt(2019)?;
/// let protected = anonymize(&town.records, &town.hierarchy, &town.anonymize_spec())?;
/// let mut spec = AnalysisSpec::default();
/// spec.uncertainty = None;
/// let analysis = analyze(protected.tables(), &town.hierarchy, &spec)?;
/// let catalogue = town.catalogue();
/// let input = ReportInput {
///     hierarchy: &town.hierarchy,
///     tables: protected.tables(),
///     analysis: &analysis,
///     catalogue: &catalogue,
///     protocol: None,
///     monitoring: None,
///     release: None,
/// };
/// let report = render_report(&input, &ReportSpec::new("Musterstadt"))?;
/// let dir = tempfile::tempdir()?;
/// let written = write_report(dir.path(), &town.hierarchy, &report, &Srs::etrs89_utm32())?;
/// assert!(written[0].ends_with("report/index.html"));
/// assert!(dir.path().join("gis/quartier.gpkg").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_report(
    dir: &Path,
    hierarchy: &Hierarchy,
    report: &Report,
    srs: &Srs,
) -> Result<Vec<PathBuf>, IoError> {
    let mut written = Vec::with_capacity(report.files.len() + report.layers.len() + 1);
    let report_dir = dir.join("report");
    for file in &report.files {
        let path = file
            .path
            .split('/')
            .fold(report_dir.clone(), |p, part| p.join(part));
        create_parent(&path)?;
        write_atomic(&path, |w| w.write_all(file.contents.as_bytes()))?;
        written.push(path);
    }
    let gis = dir.join("gis");
    fs::create_dir_all(&gis).map_err(|source| IoError::File {
        path: gis.clone(),
        source,
    })?;
    let gpkg = gis.join("quartier.gpkg");
    write_geopackage(&gpkg, hierarchy, &report.layers, srs)?;
    written.push(gpkg);
    for layer in &report.layers {
        let path = gis.join(format!("{}.geojson", layer.name));
        write_layer_geojson(&path, hierarchy, layer, srs)?;
        written.push(path);
    }
    Ok(written)
}

fn create_parent(path: &Path) -> Result<(), IoError> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => {
            fs::create_dir_all(p).map_err(|source| IoError::File {
                path: p.to_path_buf(),
                source,
            })
        }
        _ => Ok(()),
    }
}
