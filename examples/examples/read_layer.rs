//! Read a block layer from GeoJSON and assign two points (the README's example).
//!
//! `cargo run -p quartier-examples --example read_layer -- blocks.geojson block_id`
#![allow(clippy::print_stdout)]

use quartier::{AssignOptions, UnitIndex};

fn main() -> Result<(), quartier::Error> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "blocks.geojson".into());
    let id_field = args.next().unwrap_or_else(|| "block_id".into());

    let units = quartier::read_units(path.as_ref(), &id_field)?;
    let index = UnitIndex::new(units)?;
    let (xs, ys) = (vec![461_020.0, 1.0e12], vec![5_780_310.0, 0.0]);
    let assignment = index.assign(
        &xs,
        &ys,
        &AssignOptions {
            snap_distance: Some(5.0),
        },
    )?;
    for i in 0..assignment.len() {
        let block = assignment.unit(i).map(|u| index.unit_ids()[u].as_str());
        println!("{i}: {block:?} {}", assignment.outcome(i).as_str());
    }
    println!("{}", assignment.summary()); // counts add up to the number of points
    Ok(())
}
