//! Count tables on the demo town: roll-up over the hierarchy and the CSV output.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use quartier::{
    AssignOptions, CategorySet, CountTable, CountTables, DemoTown, Hierarchy, RecordKind,
    TableError, UnitIndex, aggregate, count_blocks, musterstadt, write_counts_csv,
};

/// Assigns and counts one kind of record of the town: (block table, unassigned).
fn block_counts(town: &DemoTown, kind: RecordKind) -> (CountTable, u64) {
    let h = &town.hierarchy;
    let index = UnitIndex::from_hierarchy(h, h.block_level()).unwrap();
    let (xs, ys) = town.records.coordinates(kind);
    let a = index
        .assign(
            xs,
            ys,
            &AssignOptions {
                snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
            },
        )
        .unwrap();
    let records = (0..a.len())
        .map(|i| a.unit(i))
        .zip(town.records.categories(kind));
    count_blocks(h.blocks().len(), &kind.categories(), records).unwrap()
}

/// Every count of a parent is the sum of its children's counts, at every level.
fn assert_rolls_up(h: &Hierarchy, tables: &[CountTable]) {
    assert_eq!(tables.len(), h.levels().len());
    let n_cat = tables[0].categories().len();
    let grand = tables[0].total();
    for (level, t) in tables.iter().enumerate() {
        assert_eq!(t.level(), Some(level));
        assert_eq!(t.units(), h.units(level).len());
        assert_eq!(t.total(), grand);
        if level == 0 {
            continue;
        }
        let parent = &tables[level - 1];
        let mut sums = vec![0u64; parent.units() * n_cat];
        for (u, unit) in h.units(level).iter().enumerate() {
            let p = unit.parent().unwrap();
            for c in 0..n_cat {
                sums[p * n_cat + c] += t.count(u, c);
            }
        }
        assert_eq!(sums, parent.counts());
        for p in 0..parent.units() {
            let children: u64 = h
                .children(level - 1, p)
                .iter()
                .map(|&c| t.row_total(c))
                .sum();
            assert_eq!(children, parent.row_total(p));
        }
    }
}

#[test]
fn demo_counts_roll_up_and_account_for_every_record() {
    let town = musterstadt(21).unwrap();
    let h = &town.hierarchy;
    for kind in RecordKind::ALL {
        let (blocks, unassigned) = block_counts(&town, kind);
        let planted = town.planted(kind);
        assert_eq!(
            unassigned as usize,
            planted.far_outside.len()
                + planted.no_position.len()
                + planted.invalid_coordinate.len()
        );
        assert_eq!(blocks.total() + unassigned, town.records.len(kind) as u64);
        let tables = aggregate(h, &blocks).unwrap();
        assert_rolls_up(h, &tables);
        assert_eq!(tables[h.block_level()].counts(), blocks.counts());
        let grouped = CountTables::aggregate(h, &blocks).unwrap();
        assert_eq!(grouped.tables(), &tables[..]);
        assert_eq!(grouped.categories(), &kind.categories());
        assert_eq!(grouped.blocks().level(), Some(h.block_level()));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_240_611),
        ..ProptestConfig::default()
    })]

    /// Random counts on the demo hierarchy roll up from children to parents.
    #[test]
    fn random_block_counts_roll_up(
        seed in 0u64..4,
        n_cat in 1usize..5,
        values in prop::collection::vec(0u64..50, 700 * 4),
    ) {
        let town = demo(seed);
        let h = &town.hierarchy;
        let n = h.blocks().len();
        let cats = CategorySet::new("c", (0..n_cat).map(|c| format!("c{c}")));
        let blocks = CountTable::new(None, cats, n, values[..n * n_cat].to_vec()).unwrap();
        let tables = aggregate(h, &blocks).unwrap();
        assert_rolls_up(h, &tables);
        for c in 0..n_cat {
            for t in &tables {
                prop_assert_eq!(t.column_total(c), blocks.column_total(c));
            }
        }
    }
}

/// The demo towns of the property test, generated once.
fn demo(seed: u64) -> &'static DemoTown {
    use std::sync::OnceLock;
    static TOWNS: OnceLock<Vec<DemoTown>> = OnceLock::new();
    &TOWNS.get_or_init(|| (0..4).map(|s| musterstadt(s).unwrap()).collect())[seed as usize]
}

#[test]
fn aggregate_rejects_a_table_of_another_size() {
    let town = demo(0);
    let t = CountTable::new(None, CategorySet::age_groups(), 3, vec![0; 21]).unwrap();
    assert!(matches!(
        aggregate(&town.hierarchy, &t),
        Err(TableError::UnitCountMismatch { actual: 3, .. })
    ));
}

#[test]
fn csv_round_trip_at_every_level() {
    let town = demo(1);
    let h = &town.hierarchy;
    let (blocks, _) = block_counts(town, RecordKind::Resident);
    let tables = aggregate(h, &blocks).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for table in &tables {
        let level = table.level().unwrap();
        let path = dir
            .path()
            .join(format!("residents_{}.csv", h.levels()[level]));
        write_counts_csv(&path, h, table).unwrap();
        let mut reader = csv::Reader::from_path(&path).unwrap();
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let mut expected = vec!["level".to_owned(), "unit_id".into(), "parent_id".into()];
        expected.extend(table.categories().labels().iter().cloned());
        expected.push("total".into());
        assert_eq!(header, expected);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), table.units());
        for (u, row) in rows.iter().enumerate() {
            let unit = &h.units(level)[u];
            assert_eq!(&row[0], h.levels()[level].as_str());
            assert_eq!(&row[1], unit.id().as_str());
            let parent = unit
                .parent()
                .map_or("", |p| h.units(level - 1)[p].id().as_str());
            assert_eq!(&row[2], parent);
            let n_cat = table.categories().len();
            let counts: Vec<u64> = (0..n_cat).map(|c| row[3 + c].parse().unwrap()).collect();
            assert_eq!(counts, table.row(u));
            assert_eq!(row[3 + n_cat].parse::<u64>().unwrap(), table.row_total(u));
        }
    }
}

#[test]
fn csv_output_is_deterministic_and_block_tables_need_no_level() {
    let town = demo(2);
    let h = &town.hierarchy;
    let (blocks, _) = block_counts(town, RecordKind::Kita);
    let tables = aggregate(h, &blocks).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    write_counts_csv(&a, h, &blocks).unwrap(); // level None: written as blocks
    write_counts_csv(&b, h, tables.last().unwrap()).unwrap();
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert_eq!(a, b);
    assert!(a.starts_with(b"level,unit_id,parent_id,bracket_1,"));
    assert_eq!(
        a.iter().filter(|&&c| c == b'\n').count(),
        h.blocks().len() + 1
    );
}

#[test]
fn csv_refuses_a_table_that_does_not_fit() {
    let town = demo(0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    let t = CountTable::new(Some(1), CategorySet::age_groups(), 2, vec![0; 14]).unwrap();
    assert!(write_counts_csv(&path, &town.hierarchy, &t).is_err());
    assert!(!path.exists());
}
