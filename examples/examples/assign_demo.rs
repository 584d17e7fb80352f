//! Assign points to the blocks of the demo town and print the protocol line.
//!
//! `cargo run --release -p quartier-examples --example assign_demo`
#![allow(clippy::print_stdout)]

use quartier::{AssignOptions, DemoTown, UnitIndex};

fn main() -> Result<(), quartier::Error> {
    let town = quartier::musterstadt(2019)?;
    let index = UnitIndex::from_hierarchy(&town.hierarchy, town.hierarchy.block_level())?;
    let (xs, ys) = town.records.coordinates(quartier::RecordKind::Resident);
    let options = AssignOptions {
        snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
    };
    let assignment = index.assign(xs, ys, &options)?;
    for i in 0..3 {
        let block = assignment.unit(i).map(|u| index.unit_ids()[u].as_str());
        println!("record {i}: {block:?} ({})", assignment.outcome(i));
    }
    println!("{}", assignment.summary()); // the counts add up to the number of records
    Ok(())
}
