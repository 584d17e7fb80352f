//! Invariants of the sealed phase as property tests (issue 8, item 2), through the public
//! API only, over random hierarchies and random records:
//!
//! - every record is accounted for (records read = assigned + snapped + unassigned by
//!   reason, and read = records generated; in the project pipeline also: data lines =
//!   records + rejected rows by reason, geocoding stages = address records);
//! - no published cell with `0 < n < k` (nor a published 0 when zeros are suppressed), and
//!   every published value is the true count;
//! - the audit passes, and an independent re-audit of the published pattern with
//!   [`audit_naive`] (two LPs per suppressed cell over the whole model) finds every
//!   suppressed cell's interval at least `protection` wide;
//! - tables add up across levels (count tables against the generator's own parent map;
//!   protected tables wherever a parent and all its parts are published);
//! - deterministic: two runs, on a 1-thread and a 2-thread rayon pool, give byte-identical
//!   protocol JSON and protected CSV.
//!
//! Case counts (fixed seeds, see `common::runner`): 200 random towns for `anonymize` (2–4
//! levels, 2–16 blocks, up to 420 records, each audited again with `audit_naive`) and 16
//! perturbed sample projects (each validates, anonymizes and analyzes the 9,000-record
//! sample project); about 15 s together in a debug build on 2 cores.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use common::runner;
use geo::{BoundingRect, MultiPolygon, polygon};
use proptest::prelude::*;
use quartier::{
    AnonymizeSpec, Anonymized, AssignOptions, BlockFeature, CellStatus, ChildSupportCase,
    FrequencyRule, Grouping, Hierarchy, HierarchyBuilder, KitaRecord, Layer, LinkedTables,
    Position, Project, RecordKind, Records, Resident, Zeros, analyze_project, anonymize,
    anonymize_project, audit_naive, count_records, init_project, read_protected_csv,
    validate_project, write_protected_csv_to,
};

// ---------------------------------------------------------------------------------------
// A small deterministic generator (SplitMix64): proptest draws the shape parameters and a
// seed; the seed drives the details (parents, geometry, positions, ages).

struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }

    /// A multiple of 1/4 m in `[lo, hi)`, so that edges and vertices are hit exactly.
    fn quarter(&mut self, lo: f64, hi: f64) -> f64 {
        (self.range(lo, hi) * 4.0).floor() / 4.0
    }
}

// ---------------------------------------------------------------------------------------
// Random towns.

/// The shape of a random town and its spec, drawn by proptest.
#[derive(Debug, Clone)]
struct Params {
    /// Levels including the blocks (2..=4).
    levels: usize,
    blocks: usize,
    /// `quartier::synthetic_blocks` (irregular, with courtyards) or a grid of rectangles of
    /// random sizes, some touching (shared edges), some with a street around them.
    synthetic: bool,
    seed: u64,
    residents: usize,
    kita: usize,
    child_support: usize,
    k: u64,
    zeros: Zeros,
    /// Protection level above `k` (`None` = `k`).
    protection_extra: Option<u64>,
    snap: Option<f64>,
    grouping: bool,
    /// Per record kind, the finest published level (index, taken modulo the levels).
    finest: [Option<usize>; 3],
    min_population: u64,
}

fn params() -> impl Strategy<Value = Params> {
    let shape = (
        2usize..=4,
        2usize..=16,
        any::<bool>(),
        any::<u64>(),
        0usize..=300,
        0usize..=60,
        0usize..=60,
    );
    let spec = (
        2u64..=5,
        prop_oneof![3 => Just(Zeros::Publish), 1 => Just(Zeros::Suppress)],
        prop::option::weighted(0.2, 1u64..=2),
        prop_oneof![
            Just(None),
            Just(Some(0.0)),
            Just(Some(1.5)),
            Just(Some(6.0))
        ],
        any::<bool>(),
        [
            prop::option::weighted(0.3, 0usize..4),
            prop::option::weighted(0.3, 0usize..4),
            prop::option::weighted(0.3, 0usize..4),
        ],
        prop_oneof![3 => Just(0u64), 1 => 1u64..=40],
    );
    (shape, spec).prop_map(
        |(
            (levels, blocks, synthetic, seed, residents, kita, child_support),
            (k, zeros, protection_extra, snap, grouping, finest, min_population),
        )| Params {
            levels,
            blocks,
            synthetic,
            seed,
            residents,
            kita,
            child_support,
            k,
            zeros,
            protection_extra,
            snap,
            grouping,
            finest,
            min_population,
        },
    )
}

/// A random town: the hierarchy with the generator's own record of it (ids and parents per
/// level, the independent oracle for sums), the records and the spec.
struct Town {
    levels: Vec<String>,
    /// Unit ids per level (top first); ids sort in generation order.
    ids: Vec<Vec<String>>,
    /// Per level, each unit's parent (position in the level above); empty for the top.
    parent: Vec<Vec<usize>>,
    /// Per block, its group in the grouping (if there is one).
    group_of: Option<Vec<Option<usize>>>,
    hierarchy: Hierarchy,
    records: Records,
    spec: AnonymizeSpec,
}

const LEVEL_NAMES: [&str; 3] = ["gemeinde", "ortsteil", "quartier"];
const GROUPING: &str = "schulbezirk";

fn town(p: &Params) -> Town {
    let mut rng = Mix(p.seed);
    let n = p.levels;
    let mut levels: Vec<String> = LEVEL_NAMES[3 - (n - 1)..]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    levels.push("baublock".to_owned());

    // Units per level, bottom up; every parent gets at least one child.
    let mut counts = vec![0usize; n];
    counts[n - 1] = p.blocks;
    let mut parent: Vec<Vec<usize>> = vec![Vec::new(); n];
    for l in (0..n - 1).rev() {
        let below = counts[l + 1];
        counts[l] = if l == 0 {
            1 + rng.below(2.min(below))
        } else {
            1 + rng.below(below)
        };
        parent[l + 1] = (0..below)
            .map(|c| {
                if c < counts[l] {
                    c
                } else {
                    rng.below(counts[l])
                }
            })
            .collect();
    }
    let ids: Vec<Vec<String>> = (0..n)
        .map(|l| {
            let prefix = levels[l][..1].to_uppercase();
            (0..counts[l]).map(|u| format!("{prefix}{u:03}")).collect()
        })
        .collect();

    // Geometry.
    let geometry: Vec<MultiPolygon<f64>> = if p.synthetic {
        quartier::synthetic_blocks(p.blocks, rng.next())
            .into_iter()
            .map(|(_, g)| g)
            .collect()
    } else {
        let cols = (p.blocks as f64).sqrt().ceil() as usize;
        let rows = p.blocks.div_ceil(cols);
        let mut xs = vec![360_000.0];
        for _ in 0..cols {
            let w = rng.quarter(8.0, 60.0);
            xs.push(xs.last().unwrap() + w);
        }
        let mut ys = vec![5_700_000.0];
        for _ in 0..rows {
            let h = rng.quarter(8.0, 60.0);
            ys.push(ys.last().unwrap() + h);
        }
        (0..p.blocks)
            .map(|b| {
                let (c, r) = (b % cols, b / cols);
                let inset = if rng.below(3) == 0 { 2.0 } else { 0.0 };
                let (x0, y0) = (xs[c] + inset, ys[r] + inset);
                let (x1, y1) = (xs[c + 1] - inset, ys[r + 1] - inset);
                MultiPolygon(vec![polygon![
                    (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)
                ]])
            })
            .collect()
    };

    let mut builder = HierarchyBuilder::new(levels.clone());
    for (b, g) in geometry.iter().enumerate() {
        builder.add_block(BlockFeature {
            feature: b,
            ids: path(&ids, &parent, b),
            name: None,
            geometry: g.clone(),
        });
    }
    let (hierarchy, _) = builder.build().unwrap();

    // Records.
    let rects: Vec<_> = geometry
        .iter()
        .map(|g| g.bounding_rect().unwrap())
        .collect();
    let (min_x, min_y) = (rects[0].min().x, rects[0].min().y);
    let max_x = rects.iter().map(|r| r.max().x).fold(f64::MIN, f64::max);
    let max_y = rects.iter().map(|r| r.max().y).fold(f64::MIN, f64::max);
    let position = |rng: &mut Mix| -> Option<Position> {
        let b = rng.below(geometry.len());
        let ring = &geometry[b].0[0].exterior().0;
        let v = rng.below(ring.len() - 1);
        let (x, y) = match rng.below(24) {
            0 => return None,
            1 => (f64::NAN, rng.range(min_y, max_y)),
            2 => (rng.range(min_x, max_x), f64::INFINITY),
            3 => (f64::NEG_INFINITY, f64::NAN),
            // a vertex, the midpoint of an edge
            4 | 5 => (ring[v].x, ring[v].y),
            6 | 7 => (
                (ring[v].x + ring[v + 1].x) / 2.0,
                (ring[v].y + ring[v + 1].y) / 2.0,
            ),
            // far outside everything, just outside the town (snapped or outside)
            8 => (max_x + 5_000.0, min_y - 5_000.0),
            9 | 10 => (
                rng.range(min_x - 8.0, max_x + 8.0),
                if rng.below(2) == 0 {
                    min_y - rng.range(0.0, 8.0)
                } else {
                    max_y + rng.range(0.0, 8.0)
                },
            ),
            // somewhere in a block's bounding box (inside, a courtyard or a street)
            _ => {
                let r = rects[b];
                (
                    rng.range(r.min().x, r.max().x),
                    rng.range(r.min().y, r.max().y),
                )
            }
        };
        Some(Position::new(x, y))
    };
    let residents = (0..p.residents)
        .map(|_| Resident {
            position: position(&mut rng),
            age: rng.below(100) as u8,
        })
        .collect();
    let kita = (0..p.kita)
        .map(|_| KitaRecord {
            position: position(&mut rng),
            child_age: rng.below(7) as u8,
            fee_bracket: 1 + rng.below(6) as u8,
        })
        .collect();
    let child_support = (0..p.child_support)
        .map(|_| ChildSupportCase {
            position: position(&mut rng),
            child_age: rng.below(18) as u8,
        })
        .collect();
    let records = Records::new(residents, kita, child_support);

    // Spec.
    let (groupings, group_of) = if p.grouping {
        let groups = 1 + rng.below(3);
        let of: Vec<Option<usize>> = (0..p.blocks)
            .map(|b| {
                if b < groups {
                    Some(b)
                } else {
                    // about one block in five is in no group
                    let g = rng.below(groups + 1);
                    (g < groups && rng.below(5) > 0).then_some(g)
                }
            })
            .collect();
        let members = of
            .iter()
            .enumerate()
            .filter_map(|(b, g)| g.map(|g| (ids[n - 1][b].clone(), format!("S{g}"))));
        let grouping = Grouping::new(GROUPING, &hierarchy, members).unwrap();
        (vec![grouping], Some(of))
    } else {
        (Vec::new(), None)
    };
    let finest_levels = RecordKind::ALL
        .iter()
        .zip(p.finest)
        .filter_map(|(&kind, l)| l.map(|l| (kind, levels[l % n].clone())))
        .collect();
    let spec = AnonymizeSpec {
        assign: AssignOptions {
            snap_distance: p.snap,
        },
        rule: FrequencyRule {
            k: p.k,
            zeros: p.zeros,
        },
        groupings,
        finest_levels,
        protection: p.protection_extra.map(|e| p.k + e),
        min_population: p.min_population,
        datasets: Vec::new(),
    };
    Town {
        levels,
        ids,
        parent,
        group_of,
        hierarchy,
        records,
        spec,
    }
}

/// The ids of a unit of the lowest level and its ancestors, top first.
fn path(ids: &[Vec<String>], parent: &[Vec<usize>], block: usize) -> Vec<String> {
    let n = ids.len();
    let mut out = vec![String::new(); n];
    let mut u = block;
    for l in (0..n).rev() {
        out[l] = ids[l][u].clone();
        if l > 0 {
            u = parent[l][u];
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The properties of `anonymize`.

/// A cell's key in the published tables: layer, unit id, category label (or `total`).
type Key = (String, String, String);

fn protection(spec: &AnonymizeSpec) -> u64 {
    spec.protection.unwrap_or(spec.rule.k)
}

/// Runs `anonymize` on a rayon pool of `threads` threads.
fn anonymize_on(t: &Town, threads: usize) -> Result<Anonymized, quartier::Error> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| anonymize(&t.records, &t.hierarchy, &t.spec))
}

/// What a case exercised, for the coverage check after the run.
const SEEN: [&str; 9] = [
    "secondary suppression",
    "snapped",
    "outside",
    "invalid coordinate",
    "no coordinate",
    "finest level above the blocks",
    "grouping",
    "zeros suppressed",
    "minimum population",
];

fn check_town(p: &Params) -> Result<[bool; 9], TestCaseError> {
    let t = town(p);
    let out = match anonymize_on(&t, 1) {
        Ok(out) => out,
        Err(e) => return Err(TestCaseError::fail(format!("anonymize failed: {e}"))),
    };
    let protocol = out.protocol();
    let k = t.spec.rule.k;
    let protection = protection(&t.spec);
    let n = t.levels.len();
    let labels_of = |kind: RecordKind| -> Vec<String> {
        let mut l = kind.categories().labels().to_vec();
        l.push("total".to_owned());
        l
    };

    // Every record accounted for, in the protocol of every dataset.
    prop_assert!(protocol.is_balanced());
    prop_assert!(protocol.records().is_balanced());
    prop_assert_eq!(protocol.datasets.len(), RecordKind::ALL.len());
    for (d, kind) in protocol.datasets.iter().zip(RecordKind::ALL) {
        let r = &d.records;
        prop_assert_eq!(d.dataset, kind.name());
        prop_assert_eq!(r.read, t.records.len(kind), "{}", kind.name());
        prop_assert_eq!(
            r.read,
            r.assigned + r.snapped + r.no_coordinate + r.invalid_coordinate + r.outside
        );
        prop_assert_eq!(r.no_coordinate, t.records.without_position(kind));
        if t.spec.assign.snap_distance.is_none() {
            prop_assert_eq!(r.snapped, 0);
        }
        prop_assert!(d.rejected_rows.is_empty());
    }

    // The unprotected count tables: the block table's total is assigned + snapped, every
    // upper unit is the sum of its children (by the generator's parent map), per category,
    // and row totals are the sums of the categories.
    let counts = count_records(&t.hierarchy, &t.records, &t.spec.assign).unwrap();
    let mut truth: HashMap<RecordKind, HashMap<Key, u64>> = HashMap::new();
    for (dc, d) in counts.datasets.iter().zip(&protocol.datasets) {
        let tables = dc.tables.tables();
        prop_assert_eq!(tables.len(), n);
        let in_tables = (d.records.assigned + d.records.snapped) as u64;
        prop_assert_eq!(dc.tables.blocks().total(), in_tables, "{}", d.dataset);
        let c = dc.tables.categories().len();
        for l in 0..n {
            prop_assert_eq!(tables[l].units(), t.ids[l].len());
            prop_assert_eq!(tables[l].total(), in_tables);
            for u in 0..tables[l].units() {
                prop_assert_eq!(tables[l].row_total(u), tables[l].row(u).iter().sum::<u64>());
            }
            if l + 1 < n {
                let mut sums = vec![0u64; tables[l].units() * c];
                for (child, &par) in t.parent[l + 1].iter().enumerate() {
                    for (cat, v) in tables[l + 1].row(child).iter().enumerate() {
                        sums[par * c + cat] += v;
                    }
                }
                prop_assert_eq!(tables[l].counts(), &sums[..], "level {}", l);
            }
        }
        // The true value of every cell, by key, for the checks of the protected tables.
        let labels = labels_of(dc.kind);
        let mut cells = HashMap::new();
        let mut put = |layer: &str, unit: &str, row: &[u64]| {
            for (label, v) in labels.iter().zip(row.iter().chain([&row.iter().sum()])) {
                *cells
                    .entry((layer.to_owned(), unit.to_owned(), label.clone()))
                    .or_insert(0) += v;
            }
        };
        for ((level, ids), table) in t.levels.iter().zip(&t.ids).zip(tables) {
            for (u, id) in ids.iter().enumerate() {
                put(level, id, table.row(u));
            }
        }
        if let Some(of) = &t.group_of {
            for (b, g) in of.iter().enumerate() {
                if let Some(g) = g {
                    put(GROUPING, &format!("S{g}"), tables[n - 1].row(b));
                }
            }
        }
        truth.insert(dc.kind, cells);
    }
    let residents_truth = &truth[&RecordKind::Resident];

    for (tables, d) in out.tables().iter().zip(&protocol.datasets) {
        let kind = tables.dataset();
        let truth = &truth[&kind];
        let finest = t
            .spec
            .finest_levels
            .iter()
            .rev()
            .find(|(k, _)| *k == kind)
            .map_or(n - 1, |(_, level)| t.hierarchy.level(level).unwrap());
        let with_grouping = finest == n - 1 && t.group_of.is_some();
        let mut layers: Vec<String> = t.levels[..=finest].to_vec();
        if with_grouping {
            layers.push(GROUPING.to_owned());
        }
        let got: Vec<String> = tables.layers().map(|(l, _)| l.to_owned()).collect();
        prop_assert_eq!(&got, &layers);

        // No published sensitive cell; published values are the true counts; the primary
        // rule and the minimum population are applied.
        let mut published: HashMap<Key, Option<u64>> = HashMap::new();
        for row in tables.rows() {
            let key: Key = (
                row.layer.to_owned(),
                row.unit_id.to_owned(),
                row.category.to_owned(),
            );
            let v = truth[&key];
            prop_assert_eq!(row.value.is_none(), row.status.is_suppressed());
            if let Some(n) = row.value {
                prop_assert_eq!(n, v, "published value is the true count");
                prop_assert!(!(n > 0 && n < k), "published sensitive cell");
                prop_assert!(n > 0 || t.spec.rule.zeros == Zeros::Publish);
            }
            if t.spec.rule.is_sensitive(v) {
                prop_assert!(row.status.is_suppressed());
            }
            let population = residents_truth[&(key.0.clone(), key.1.clone(), "total".to_owned())];
            if population < t.spec.min_population {
                prop_assert!(row.status.is_suppressed(), "small unit published");
            }
            prop_assert!(published.insert(key, row.value).is_none(), "a cell twice");
        }
        let expected_cells: usize = layers
            .iter()
            .map(|l| truth.keys().filter(|(layer, _, _)| layer == l).count())
            .sum();
        prop_assert_eq!(published.len(), expected_cells, "every cell once");

        // Published parents equal the sum of their published parts: children, the blocks
        // of a group, the categories of a row.
        let labels = labels_of(kind);
        for l in 0..finest {
            for (u, id) in t.ids[l].iter().enumerate() {
                let children: Vec<&String> = t.parent[l + 1]
                    .iter()
                    .enumerate()
                    .filter(|&(_, &par)| par == u)
                    .map(|(c, _)| &t.ids[l + 1][c])
                    .collect();
                for label in &labels {
                    let get = |layer: &str, unit: &str| {
                        published[&(layer.to_owned(), unit.to_owned(), label.clone())]
                    };
                    let parts: Option<Vec<u64>> =
                        children.iter().map(|c| get(&t.levels[l + 1], c)).collect();
                    if let (Some(total), Some(parts)) = (get(&t.levels[l], id), parts) {
                        prop_assert_eq!(total, parts.iter().sum::<u64>());
                    }
                }
            }
        }
        if let (true, Some(of)) = (with_grouping, &t.group_of) {
            let groups = of.iter().flatten().max().map_or(0, |g| g + 1);
            for g in 0..groups {
                for label in &labels {
                    let get = |layer: &str, unit: &str| {
                        published[&(layer.to_owned(), unit.to_owned(), label.clone())]
                    };
                    let parts: Option<Vec<u64>> = of
                        .iter()
                        .enumerate()
                        .filter(|&(_, &x)| x == Some(g))
                        .map(|(b, _)| get(&t.levels[n - 1], &t.ids[n - 1][b]))
                        .collect();
                    if let (Some(total), Some(parts)) = (get(GROUPING, &format!("S{g}")), parts) {
                        prop_assert_eq!(total, parts.iter().sum::<u64>());
                    }
                }
            }
        }
        for ((layer, unit, label), &total) in &published {
            if label != "total" {
                continue;
            }
            let parts: Option<Vec<u64>> = labels[..labels.len() - 1]
                .iter()
                .map(|c| published[&(layer.clone(), unit.clone(), c.clone())])
                .collect();
            if let (Some(total), Some(parts)) = (total, parts) {
                prop_assert_eq!(total, parts.iter().sum::<u64>());
            }
        }

        // The audit passed, and an independent re-audit of the published pattern over the
        // dataset's whole linked-table model agrees: every suppressed cell's feasible
        // interval is at least `protection` wide and holds the true value.
        prop_assert!(d.audit.passed);
        prop_assert_eq!(d.audit.exposed, 0);
        let dc = counts.datasets.iter().find(|c| c.kind == kind).unwrap();
        let truncated;
        let (h, leaves) = if finest == n - 1 {
            (&t.hierarchy, dc.tables.blocks())
        } else {
            let rows: Vec<Vec<String>> = (0..t.ids[finest].len())
                .map(|u| path(&t.ids[..=finest], &t.parent[..=finest], u))
                .collect();
            let names: Vec<&str> = t.levels[..=finest].iter().map(String::as_str).collect();
            truncated = common::hierarchy(&names, &rows);
            (&truncated, dc.tables.level(finest).unwrap())
        };
        let groupings = if with_grouping {
            t.spec.groupings.as_slice()
        } else {
            &[]
        };
        let linked = LinkedTables::new(h, leaves, groupings).unwrap();
        prop_assert_eq!(linked.len(), tables.len());
        let mut status = Vec::with_capacity(linked.len());
        for i in 0..linked.len() {
            let key = linked.key(i).unwrap();
            let (layer, unit) = match key.layer {
                Layer::Level(l) => (t.levels[l].clone(), h.units(l)[key.unit].id().as_str()),
                Layer::Grouping(g) => (
                    groupings[g].name().to_owned(),
                    groupings[g].ids()[key.unit].as_str(),
                ),
            };
            let label = key
                .category
                .map_or("total".to_owned(), |c| labels[c].clone());
            let key = (layer, unit.to_owned(), label);
            prop_assert_eq!(linked.values()[i], truth[&key]);
            status.push(if published[&key].is_some() {
                CellStatus::Published
            } else {
                CellStatus::Secondary
            });
        }
        let report = audit_naive(&linked, &status, protection).unwrap();
        let suppressed = status.iter().filter(|s| s.is_suppressed()).count();
        prop_assert_eq!(report.suppressed(), suppressed);
        prop_assert_eq!(d.audit.suppressed, suppressed);
        for c in report.cells() {
            let v = linked.values()[c.cell] as f64;
            prop_assert!(
                c.width() >= protection as f64 - 1e-6,
                "cell {} of {}: width {} < {}",
                c.cell,
                kind.name(),
                c.width(),
                protection
            );
            prop_assert!(c.lo - 1e-6 <= v && v <= c.hi + 1e-6);
        }
    }
    prop_assert!(protocol.is_passed());
    let any = |f: &dyn Fn(&quartier::DatasetProtocol) -> usize| {
        protocol.datasets.iter().any(|d| f(&d.records) > 0)
    };
    let seen = [
        protocol
            .datasets
            .iter()
            .any(|d| d.cells.iter().any(|l| l.secondary > 0)),
        any(&|r| r.snapped),
        any(&|r| r.outside),
        any(&|r| r.invalid_coordinate),
        any(&|r| r.no_coordinate),
        t.spec
            .finest_levels
            .iter()
            .any(|(_, l)| t.hierarchy.level(l) != Some(n - 1)),
        t.group_of.is_some(),
        t.spec.rule.zeros == Zeros::Suppress,
        t.spec.min_population > 0,
    ];

    // Deterministic, also across thread counts: byte-identical protocol and CSV.
    let again = anonymize_on(&t, 2).unwrap();
    prop_assert_eq!(protocol.to_json(), again.protocol().to_json());
    prop_assert_eq!(out.tables().len(), again.tables().len());
    for (a, b) in out.tables().iter().zip(again.tables()) {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        write_protected_csv_to(&mut x, a).unwrap();
        write_protected_csv_to(&mut y, b).unwrap();
        prop_assert!(x == y, "{}: protected CSV differs", a.dataset().name());
    }
    Ok(seen)
}

#[test]
fn anonymize_keeps_its_invariants_on_random_towns() {
    let cases = std::cell::Cell::new([0usize; 9]);
    runner(200)
        .run(&params(), |p| {
            let seen = check_town(&p)?;
            let mut c = cases.get();
            for (c, s) in c.iter_mut().zip(seen) {
                *c += usize::from(s);
            }
            cases.set(c);
            Ok(())
        })
        .unwrap();
    // The generator is not degenerate: every feature is exercised (passing cases, shrinking
    // runs included; 200 cases).
    for (what, n) in SEEN.iter().zip(cases.get()) {
        assert!(n >= 10, "only {n} cases with {what}");
    }
}

// ---------------------------------------------------------------------------------------
// The project pipeline on perturbed sample data.

/// A line of a CSV split into fields at `delimiter`, outside quotes.
fn fields(line: &[u8], delimiter: u8) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::new()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        }
        if b == delimiter && !quoted {
            out.push(Vec::new());
        } else {
            out.last_mut().unwrap().push(b);
        }
    }
    out
}

/// What to do to a sample CSV.
struct Perturb<'a> {
    delimiter: u8,
    /// Line end of the file.
    eol: &'a [u8],
    /// Field index of the age column (read in every dataset).
    age: usize,
    /// Field index of the fee-bracket column (Kita only).
    fee: Option<usize>,
    /// Rows to append (after the perturbed ones), each once or not at all.
    extra: &'a [&'a [u8]],
}

/// Deletes rows, corrupts random fields, opens quotes that are never closed (in a column
/// that is read and in one that is not), cuts rows short
/// (maybe inside a quoted field), puts fee brackets outside the fee table and appends rows
/// (wrong field counts, unknown addresses...). Returns the new file.
fn perturb(bytes: &[u8], how: &Perturb<'_>, rng: &mut Mix) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let d = char::from(how.delimiter);
    let junk: Vec<Vec<u8>> = [
        String::new(),
        "x".to_owned(),
        "-1".to_owned(),
        "300".to_owned(),
        "1e400".to_owned(),
        "NaN".to_owned(),
        format!("1{d}2"),
        "Ünbekannt".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut line = line.to_vec();
        if i > 0 {
            match rng.below(40) {
                0 | 1 => continue, // deleted
                2..=4 => {
                    let mut f = fields(&line, how.delimiter);
                    let j = rng.below(f.len());
                    f[j] = junk[rng.below(junk.len())].clone();
                    line = f.join(&how.delimiter);
                }
                5 => {
                    // a quote that is never closed, in a column that is read
                    let mut f = fields(&line, how.delimiter);
                    if let Some(age) = f.get_mut(how.age) {
                        age.insert(0, b'"');
                    }
                    line = f.join(&how.delimiter);
                }
                6 => {
                    // a row cut short, maybe inside a quoted field (which then swallows the
                    // following lines up to the next quote)
                    line.truncate(rng.below(line.len().max(1)).max(1));
                }
                7 => {
                    // a quote that is never closed in the name, a column that is not read
                    // (field 1 in every sample file): with the next such line the rows in
                    // between join into one with the right number of fields
                    let mut f = fields(&line, how.delimiter);
                    if let Some(name) = f.get_mut(1) {
                        if name.first() == Some(&b'"') {
                            name.pop();
                        } else {
                            name.insert(0, b'"');
                        }
                    }
                    line = f.join(&how.delimiter);
                }
                8 => {
                    // a fee bracket outside the fee table (1..=6) but a valid number
                    let mut f = fields(&line, how.delimiter);
                    if let Some(fee) = how.fee.and_then(|i| f.get_mut(i)) {
                        *fee = [&b"0"[..], b"7", b"9", b"255"][rng.below(4)].to_vec();
                    }
                    line = f.join(&how.delimiter);
                }
                _ => {}
            }
        }
        out.extend_from_slice(&line);
        out.extend_from_slice(how.eol);
    }
    for row in how.extra {
        if rng.below(2) == 0 {
            out.extend_from_slice(row);
            out.extend_from_slice(how.eol);
        }
    }
    out
}

/// The data lines of a CSV file: non-empty lines after the header.
fn data_lines(path: &Path) -> usize {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .count()
        - 1
}

fn check_project(seed: u64) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    init_project(dir.path()).unwrap();
    let file = dir.path().join("project.toml");
    // Fewer rank-interval draws and no permutations: the analysis is not what is tested.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("draws = 1000", "draws = 20")
        .replace("permutations = 999", "permutations = 0");
    std::fs::write(&file, text).unwrap();
    let project = Project::load(&file).unwrap();

    let mut rng = Mix(seed);
    for d in &project.datasets {
        let how = match d.kind {
            RecordKind::Resident => Perturb {
                delimiter: b';',
                eol: b"\r\n",
                age: 4,
                fee: None,
                extra: &[
                    b"EW-X1;Nobody;1;2",
                    b"EW-X2;Nobody;362000,00;5700000,00;30;7;8",
                    b"EW-X3;Nobody;;;41",
                    b"EW-X4;Nobody;unbekannt;unbekannt;41",
                    b"EW-X5;Nobody;999000,00;5100000,00;41",
                ],
            },
            RecordKind::Kita => Perturb {
                delimiter: b';',
                eol: b"\r\n",
                age: 5,
                fee: Some(6),
                extra: &[
                    b"K-X1;Nobody;Nirgendwostra\xdfe;7;32130;3;2",
                    b"K-X2;Nobody;Lindenstra\xdfe;9999;32130;3;2",
                    b"K-X3;Nobody;;;;3;2",
                    b"K-X4;Nobody;Lindenstrasse",
                    b"K-X5;Nobody;Lindenstra\xdfe;3;32130;3;9",
                ],
            },
            _ => Perturb {
                delimiter: b',',
                eol: b"\n",
                age: 4,
                fee: None,
                extra: &[
                    b"UV-X1,\"Nobody, Kind\",\"1\"",
                    b"UV-X2,\"Nobody, Kind\",,,7",
                    b"UV-X3,\"Nobody, Kind\",\"x\",\"y\",7",
                    b"UV-X4,\"Nobody, Kind\",\"362000,00\",\"5700000,00\",7,1,2",
                ],
            },
        };
        let bytes = std::fs::read(&d.path).unwrap();
        std::fs::write(&d.path, perturb(&bytes, &how, &mut rng)).unwrap();
    }
    let lines: BTreeMap<&str, usize> = project
        .datasets
        .iter()
        .map(|d| (d.kind.name(), data_lines(&d.path)))
        .collect();

    // validate: every data line is a record or a rejected row.
    let validated = validate_project(&project, &mut ()).unwrap();
    prop_assert!(validated.is_ok(), "{:?}", validated.errors);
    for o in &validated.datasets {
        let rejected: usize = o.rejected.values().sum();
        prop_assert_eq!(o.records + rejected, lines[o.dataset], "{}", o.dataset);
    }

    // anonymize: the same in the outcome and in the protocol; records by outcome; the
    // geocoding stages of the address dataset.
    let sealed = anonymize_project(&project, &mut ()).unwrap();
    prop_assert!(sealed.audit_passed);
    let protocol = sealed.anonymized.protocol();
    prop_assert!(protocol.is_balanced() && protocol.is_passed());
    prop_assert_eq!(protocol.datasets.len(), project.datasets.len());
    for d in &protocol.datasets {
        let r = &d.records;
        let rejected: usize = d.rejected_rows.values().sum();
        prop_assert_eq!(r.read + rejected, lines[d.dataset], "{}", d.dataset);
        prop_assert_eq!(
            r.read,
            r.assigned + r.snapped + r.no_coordinate + r.invalid_coordinate + r.outside
        );
        let o = sealed
            .datasets
            .iter()
            .find(|o| o.dataset == d.dataset)
            .unwrap();
        let v = validated
            .datasets
            .iter()
            .find(|o| o.dataset == d.dataset)
            .unwrap();
        prop_assert_eq!(o.records, r.read);
        prop_assert_eq!(&o.rejected, &d.rejected_rows);
        prop_assert_eq!(
            &v.rejected,
            &d.rejected_rows,
            "validate and anonymize agree"
        );
        prop_assert_eq!(o.assigned.unwrap() + o.unassigned.unwrap(), r.read);
        match protocol.geocoding.iter().find(|g| g.dataset == d.dataset) {
            Some(g) => {
                let m = &g.summary;
                prop_assert_eq!(m.total, r.read, "every address record geocoded once");
                prop_assert_eq!(
                    m.total,
                    m.exact + m.normalized + m.nearest_number + m.fuzzy_street + m.unmatched
                );
                prop_assert_eq!(m.unmatched_by_reason.values().sum::<usize>(), m.unmatched);
                // An unmatched address is a record without a position, and only that.
                prop_assert_eq!(m.unmatched, r.no_coordinate);
                prop_assert_eq!(r.invalid_coordinate, 0);
            }
            None => prop_assert_ne!(d.dataset, "kita", "the kita dataset is geocoded"),
        }
    }
    let written = std::fs::read_to_string(project.outputs.protected.join("protocol.json")).unwrap();
    prop_assert_eq!(written, protocol.to_json());

    // analyze: reads back exactly the published cells that anonymize wrote.
    analyze_project(&project, None, &mut ()).unwrap();
    let rule = project.rules.frequency_rule();
    for tables in sealed.anonymized.tables() {
        let path = project
            .outputs
            .protected
            .join(format!("protected_{}.csv", tables.dataset().name()));
        let back = read_protected_csv(&path, &sealed.hierarchy, &rule).unwrap();
        prop_assert_eq!(back.len(), tables.len());
        for (a, b) in back.rows().zip(tables.rows()) {
            prop_assert_eq!(
                (a.layer, a.unit_id, a.category, a.value),
                (b.layer, b.unit_id, b.category, b.value)
            );
        }
    }
    Ok(())
}

#[test]
fn the_project_pipeline_accounts_for_every_line_of_perturbed_inputs() {
    runner(16).run(&any::<u64>(), check_project).unwrap();
}

// ---------------------------------------------------------------------------------------
// Failures these properties found, kept as regression tests (once ignored, now fixed).

/// Issue 8: an unclosed quote in a column that is not read (here the name) joins the next
/// line into a multi-line field; the row then has the right field count, so it was read as
/// one record and the next line's record was lost without a rejection: 2 data lines, 1 row.
/// Fixed: the closing quote is followed by text (not RFC 4180), so the row is rejected and
/// the next line read on its own.
#[test]
fn a_multi_line_field_swallows_the_next_row() {
    use quartier::{CsvOptions, RecordColumns, RecordLocation, read_records_csv_bytes};
    let columns = RecordColumns {
        location: RecordLocation::Coordinates {
            x: "X".into(),
            y: "Y".into(),
        },
        age: "A".into(),
        fee_bracket: None,
    };
    let csv = "Z,N,X,Y,A\nUV-1,\"Mey\nUV-2,-1,\"362000,00\",\"5700000,00\",7\n";
    let file = read_records_csv_bytes(
        Path::new("c.csv"),
        csv.as_bytes(),
        RecordKind::ChildSupport,
        &columns,
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(
        file.records.len(RecordKind::ChildSupport) + file.rejected.len(),
        2,
        "every data line is a record or a rejected row"
    );
    assert_eq!(file.lines, [3], "the next line is read on its own");
    assert_eq!(
        (file.rejected[0].line, file.rejected[0].reason),
        (2, quartier::RejectReason::UnbalancedQuote)
    );
    assert_eq!(file.rejected[0].column, "N");
}

/// Issue 8: with a minimum population, secondary suppression can end in
/// `SecondaryUnprotectable` although suppressing more (ultimately everything) protects
/// every cell; the shrunk case of `anonymize_keeps_its_invariants_on_random_towns`.
#[test]
fn min_population_does_not_make_protection_fail() {
    let p = Params {
        levels: 4,
        blocks: 15,
        synthetic: false,
        seed: 11_684_226_777_285_151_612,
        residents: 113,
        kita: 2,
        child_support: 0,
        k: 2,
        zeros: Zeros::Publish,
        protection_extra: None,
        snap: None,
        grouping: false,
        finest: [None, None, None],
        min_population: 14,
    };
    check_town(&p).unwrap();
}
