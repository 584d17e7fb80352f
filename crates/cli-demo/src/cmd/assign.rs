//! `quartier assign`: points from a CSV → units of a GeoJSON layer → one CSV row per point.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use quartier::{AssignOptions, PointColumns, UnitIndex};

use crate::progress;

/// Arguments of `quartier assign`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// GeoJSON FeatureCollection of (Multi)Polygons, in the project CRS.
    #[arg(long, value_name = "FILE")]
    units: PathBuf,
    /// Property holding the unit id.
    #[arg(long, value_name = "FIELD", default_value = "block_id")]
    id_field: String,
    /// CSV of points with a header row (`,`, `;` or tab; decimal point or comma).
    #[arg(long, value_name = "FILE")]
    points: PathBuf,
    /// Column of the x coordinate (easting).
    #[arg(long, value_name = "COLUMN", default_value = "x")]
    x: String,
    /// Column of the y coordinate (northing).
    #[arg(long, value_name = "COLUMN", default_value = "y")]
    y: String,
    /// Column of the record id; without it rows are numbered 1, 2, ….
    #[arg(long, value_name = "COLUMN")]
    id_col: Option<String>,
    /// Snap points outside every unit to the nearest unit within this many metres.
    #[arg(long, value_name = "METRES")]
    snap: Option<f64>,
    /// Output CSV (`-` for stdout): point_id, unit_id, outcome, reason.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Runs `quartier assign`.
pub fn run(args: &Args, quiet: bool) -> anyhow::Result<()> {
    let bar = progress::step(quiet, "reading units");
    let units = quartier::read_units(&args.units, &args.id_field)?;
    let index = UnitIndex::new(units)
        .with_context(|| format!("building the index of {}", args.units.display()))?;
    progress::done(&bar);

    let bar = progress::step(quiet, "reading points");
    let columns = PointColumns {
        x: args.x.clone(),
        y: args.y.clone(),
        id: args.id_col.clone(),
    };
    let points = quartier::read_points_csv(&args.points, &columns)?;
    progress::done(&bar);

    let bar = progress::step(quiet, "assigning");
    let options = AssignOptions {
        snap_distance: args.snap,
    };
    let assignment = index.assign(&points.xs, &points.ys, &options)?;
    progress::done(&bar);

    if args.out.as_os_str() == "-" {
        let stdout = std::io::stdout().lock();
        quartier::write_assignment_csv(stdout, &points.ids, &index, &assignment)?;
    } else {
        quartier::write_atomic(&args.out, |w: &mut dyn Write| {
            quartier::write_assignment_csv(w, &points.ids, &index, &assignment)
        })?;
    }
    if !quiet {
        eprintln!(
            "{} units, {} points ({} with unparsable coordinates)\n{}",
            index.len(),
            points.len(),
            points.unparsable,
            assignment.summary()
        );
    }
    Ok(())
}
