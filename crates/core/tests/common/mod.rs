//! Helpers shared by the integration tests of linked tables (`disclosure.rs`, `magnitude.rs`).
#![allow(clippy::unwrap_used, dead_code)]

use geo::{MultiPolygon, polygon};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use quartier::{BlockFeature, Hierarchy, HierarchyBuilder};

/// A hierarchy from `(ids from the top to the block)` rows; blocks are unit squares in a row.
pub fn hierarchy(levels: &[&str], rows: &[Vec<String>]) -> Hierarchy {
    let mut b = HierarchyBuilder::new(levels.iter().copied());
    for (i, ids) in rows.iter().enumerate() {
        let x = i as f64;
        b.add_block(BlockFeature {
            feature: i,
            ids: ids.clone(),
            name: None,
            geometry: MultiPolygon(vec![polygon![
                (x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 1.0)
            ]]),
        });
    }
    b.build().unwrap().0
}

/// A proptest runner with a fixed seed and no failure files: the same cases on every run.
pub fn runner(cases: u32) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    )
}
