//! The demo town over three years (`musterstadt_timeline`) and the sample monitoring project
//! written from it (`init_monitoring_project`): population dynamics, the planted trend, the
//! re-cut district and the project's files.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use geo::{Area, BooleanOps, Intersects, MultiPolygon, Point};
use quartier::{
    AssignOptions, BlockFeature, DemoConfig, DemoTimeline, DemoTown, Hierarchy, HierarchyBuilder,
    Outcome, Position, Project, RecordKind, UnitIndex, init_monitoring_project, init_project,
    musterstadt_timeline, musterstadt_with,
};

const DATES: [&str; 3] = ["2022-12-31", "2023-12-31", "2024-12-31"];

/// The town of the sample projects (`init_project`): 9,000 residents, 8 quarters, 2 districts.
const SAMPLE: DemoConfig = DemoConfig {
    residents: 9_000,
    columns: 16,
    rows: 12,
    quarters: 8,
    districts: 2,
};

static SAMPLE_TIMELINE: LazyLock<DemoTimeline> =
    LazyLock::new(|| musterstadt_timeline(2024, &SAMPLE, &DATES).unwrap());

/// Block ids with their quarter and district ids and geometries.
fn blocks(h: &Hierarchy) -> BTreeMap<String, (String, String, MultiPolygon<f64>)> {
    let bl = h.block_level();
    let quarter = h.ancestors(bl, 2).unwrap();
    let district = h.ancestors(bl, 1).unwrap();
    h.blocks()
        .iter()
        .enumerate()
        .map(|(b, u)| {
            (
                u.id().as_str().to_owned(),
                (
                    h.units(2)[quarter[b]].id().as_str().to_owned(),
                    h.units(1)[district[b]].id().as_str().to_owned(),
                    u.geometry().clone(),
                ),
            )
        })
        .collect()
}

fn unit_ids(h: &Hierarchy, level: usize) -> Vec<String> {
    h.units(level)
        .iter()
        .map(|u| u.id().as_str().to_owned())
        .collect()
}

/// Regular residents (not planted) of a year by register number: position and age.
fn people(t: &DemoTimeline, year: usize) -> BTreeMap<u64, (Position, u8)> {
    let y = &t.years[year];
    let n = y.population();
    y.resident_ids[..n]
        .iter()
        .zip(&y.records.residents()[..n])
        .map(|(&id, r)| (id, (r.position.unwrap(), r.age)))
        .collect()
}

#[test]
fn same_seed_same_timeline_other_seed_other_timeline() {
    let a = musterstadt_timeline(5, &DemoConfig::SMALL, &DATES).unwrap();
    let b = musterstadt_timeline(5, &DemoConfig::SMALL, &DATES).unwrap();
    let c = musterstadt_timeline(6, &DemoConfig::SMALL, &DATES).unwrap();
    assert_eq!(a.years.len(), 3);
    for (ya, yb) in a.years.iter().zip(&b.years) {
        assert_eq!(ya.date, yb.date);
        assert_eq!(ya.records, yb.records);
        assert_eq!(ya.resident_ids, yb.resident_ids);
        assert_eq!(ya.deprivation, yb.deprivation);
        assert_eq!(blocks(&ya.hierarchy), blocks(&yb.hierarchy));
    }
    assert_eq!(a.moved_blocks, b.moved_blocks);
    assert_eq!(
        (&a.recut_district, &a.worsening, &a.improving),
        (&b.recut_district, &b.worsening, &b.improving)
    );
    assert_eq!(a.houses, b.houses);
    assert_ne!(a.years[2].records, c.years[2].records);
}

#[test]
fn year_zero_is_musterstadt_with() {
    let t = musterstadt_timeline(11, &DemoConfig::SMALL, &DATES).unwrap();
    let town = musterstadt_with(11, &DemoConfig::SMALL).unwrap();
    let y0 = &t.years[0];
    assert_eq!(y0.date, "2022-12-31");
    assert_eq!(y0.records, town.records);
    assert_eq!(blocks(&y0.hierarchy), blocks(&town.hierarchy));
    assert_eq!(y0.deprivation, town.deprivation);
    for kind in RecordKind::ALL {
        assert_eq!(y0.planted(kind), town.planted(kind));
    }
    // Register numbers of year 0 are the record indices.
    let n = town.records.len(RecordKind::Resident) as u64;
    assert_eq!(y0.resident_ids, (0..n).collect::<Vec<_>>());
    // One date: year 0 only, nothing re-cut.
    let one = musterstadt_timeline(11, &DemoConfig::SMALL, &DATES[..1]).unwrap();
    assert_eq!(one.years.len(), 1);
    assert!(one.moved_blocks.is_empty());
    assert_eq!(one.years[0].records, town.records);
    assert!(musterstadt_timeline(11, &DemoConfig::SMALL, &[]).is_err());
}

#[test]
fn population_stays_within_ten_percent_and_ages_by_one_year() {
    let t = &*SAMPLE_TIMELINE;
    for y in 1..t.years.len() {
        let (before, after) = (people(t, y - 1), people(t, y));
        let ratio = after.len() as f64 / before.len() as f64;
        assert!((0.9..=1.1).contains(&ratio), "year {y}: ratio {ratio}");
        let stayed: Vec<u64> = before
            .keys()
            .filter(|id| after.contains_key(id))
            .copied()
            .collect();
        let left = 1.0 - stayed.len() as f64 / before.len() as f64;
        assert!((0.02..0.04).contains(&left), "year {y}: {left} left");
        for id in &stayed {
            assert_eq!(after[id].1, before[id].1 + 1, "resident aged by one year");
        }
        // Newcomers: newborns (age 0) and arrivals.
        let new: Vec<&(Position, u8)> = after
            .iter()
            .filter(|(id, _)| !before.contains_key(id))
            .map(|(_, v)| v)
            .collect();
        assert!(new.iter().any(|(_, age)| *age == 0), "no births");
        assert!(new.iter().any(|(_, age)| *age > 0), "no arrivals");
    }
}

#[test]
fn about_eight_percent_move_and_everybody_lives_at_a_house() {
    let t = &*SAMPLE_TIMELINE;
    let houses: BTreeSet<(u64, u64)> = t
        .houses
        .iter()
        .map(|p| (p.x().to_bits(), p.y().to_bits()))
        .collect();
    for y in 1..t.years.len() {
        let (before, after) = (people(t, y - 1), people(t, y));
        let (mut stayed, mut moved) = (0, 0);
        for (id, (p, _)) in &before {
            if let Some((q, _)) = after.get(id) {
                stayed += 1;
                moved += usize::from(p != q);
            }
        }
        let share = moved as f64 / stayed as f64;
        assert!((0.065..0.095).contains(&share), "year {y}: {share} moved");
        for (p, _) in after.values() {
            assert!(houses.contains(&(p.x().to_bits(), p.y().to_bits())));
        }
        // Every regular Kita record is a child of the year at a home (so it geocodes).
        let year = &t.years[y];
        let kita = year.records.kita();
        let planted = year.planted(RecordKind::Kita).len();
        assert!(kita.len() > planted + 50);
        for k in &kita[..kita.len() - planted] {
            let p = k.position.unwrap();
            assert!(houses.contains(&(p.x().to_bits(), p.y().to_bits())));
            assert!((1..=5).contains(&k.child_age));
        }
    }
}

#[test]
fn the_recut_changes_only_its_district_and_keeps_the_area() {
    let t = &*SAMPLE_TIMELINE;
    let (old, mid, new) = (
        blocks(&t.years[0].hierarchy),
        blocks(&t.years[1].hierarchy),
        blocks(&t.years[2].hierarchy),
    );
    assert_eq!(old, mid, "the middle year has the old layer");
    assert_ne!(old, new);
    let h_old = &t.years[0].hierarchy;
    let h_new = &t.years[2].hierarchy;
    for level in 0..3 {
        assert_eq!(unit_ids(h_old, level), unit_ids(h_new, level));
    }
    let d = &t.recut_district;
    // Outside the district every block is as it was; inside, ids are gone and new.
    for (id, (quarter, district, geometry)) in &old {
        if district != d {
            assert_eq!(
                new.get(id),
                Some(&(quarter.clone(), district.clone(), geometry.clone()))
            );
        }
    }
    let gone: Vec<&String> = old.keys().filter(|id| !new.contains_key(*id)).collect();
    let made: Vec<&String> = new.keys().filter(|id| !old.contains_key(*id)).collect();
    assert!(gone.len() >= 6 && made.len() >= 6, "{gone:?} {made:?}");
    for id in gone.iter().chain(&made) {
        let district = old.get(*id).or(new.get(*id)).map(|b| &b.1);
        assert_eq!(district, Some(d), "{id}");
    }
    for (id, (quarter, _, _)) in &new {
        assert!(id.starts_with(&format!("{quarter}-")), "{id} in {quarter}");
    }
    // Valid: the blocks build again without any finding.
    let mut builder = HierarchyBuilder::new(h_new.levels().to_vec());
    for (i, (id, (quarter, district, geometry))) in new.iter().enumerate() {
        let gemeinde = h_new.units(0)[0].id().as_str().to_owned();
        builder.add_block(BlockFeature {
            feature: i,
            ids: vec![gemeinde, district.clone(), quarter.clone(), id.clone()],
            name: None,
            geometry: geometry.clone(),
        });
    }
    let (_, report) = builder.build().unwrap();
    assert!(report.is_empty(), "{:?}", report.findings());
    // The same area.
    let area = |m: &BTreeMap<String, (String, String, MultiPolygon<f64>)>| -> f64 {
        m.values().map(|b| b.2.unsigned_area()).sum()
    };
    let (a_old, a_new) = (area(&old), area(&new));
    assert!((a_new - a_old).abs() <= 0.001 * a_old, "{a_old} {a_new}");
    // Splits and merges: an old block covered by two new blocks, a new block covering two
    // old ones (by area of overlap, more than 10 m² each).
    let overlaps = |a: &MultiPolygon<f64>, others: &[&MultiPolygon<f64>]| {
        others
            .iter()
            .filter(|o| a.intersection(**o).unsigned_area() > 10.0)
            .count()
    };
    let made_geoms: Vec<&MultiPolygon<f64>> = made.iter().map(|id| &new[*id].2).collect();
    let gone_geoms: Vec<&MultiPolygon<f64>> = gone.iter().map(|id| &old[*id].2).collect();
    assert!(
        gone_geoms.iter().any(|g| overlaps(g, &made_geoms) == 2),
        "no split"
    );
    assert!(
        made_geoms.iter().any(|g| overlaps(g, &gone_geoms) == 2),
        "no merge"
    );
    // Moved blocks: to another quarter of the district, with the new quarter's id scheme.
    assert!(t.moved_blocks.len() >= 2, "{:?}", t.moved_blocks);
    for (from, to) in &t.moved_blocks {
        let (q_old, q_new) = (&old[from].0, &new[to].0);
        assert_ne!(q_old, q_new);
        assert_eq!(&new[to].1, d);
        assert!(to.starts_with(&format!("{q_new}-")));
        assert!(!old.contains_key(to), "a new id: {to}");
    }
}

#[test]
fn old_blocks_straddle_two_new_quarters() {
    let t = &*SAMPLE_TIMELINE;
    let (h_old, h_new) = (&t.years[0].hierarchy, &t.years[2].hierarchy);
    let ix_old = UnitIndex::from_hierarchy(h_old, 3).unwrap();
    let ix_new = UnitIndex::from_hierarchy(h_new, 2).unwrap();
    let mut quarters: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for p in &t.houses {
        let (o, n) = (ix_old.locate(p.x(), p.y()), ix_new.locate(p.x(), p.y()));
        quarters.entry(o.unwrap()).or_default().insert(n.unwrap());
    }
    let straddling: Vec<usize> = quarters
        .iter()
        .filter(|(_, q)| q.len() >= 2)
        .map(|(&b, _)| b)
        .collect();
    assert!(straddling.len() >= 2, "{straddling:?}");
    // By area too: each such block overlaps two new quarters.
    for &b in &straddling {
        let g = h_old.blocks()[b].geometry();
        let touched = h_new
            .units(2)
            .iter()
            .filter(|q| g.intersection(q.geometry()).unsigned_area() > 1.0)
            .count();
        assert_eq!(touched, 2, "block {}", h_old.blocks()[b].id().as_str());
    }
}

#[test]
fn every_planted_outcome_occurs_in_every_year() {
    let t = musterstadt_timeline(3, &DemoConfig::SMALL, &DATES).unwrap();
    let options = AssignOptions {
        snap_distance: Some(DemoTown::SNAP_DISTANCE_M),
    };
    let mut seen_ids = BTreeSet::new();
    for year in &t.years {
        let h = &year.hierarchy;
        let index = UnitIndex::from_hierarchy(h, h.block_level()).unwrap();
        for kind in RecordKind::ALL {
            let planted = year.planted(kind);
            let (xs, ys) = year.records.coordinates(kind);
            let a = index.assign(xs, ys, &options).unwrap();
            let s = a.summary();
            assert!(!planted.on_shared_edge.is_empty());
            assert_eq!(s.snapped, planted.in_street.len(), "{} {kind:?}", year.date);
            assert_eq!(
                s.outside,
                planted.far_outside.len(),
                "{} {kind:?}",
                year.date
            );
            assert_eq!(
                s.invalid_coordinate,
                planted.no_position.len() + planted.invalid_coordinate.len()
            );
            for &i in &planted.on_shared_edge {
                let p = Point::new(xs[i], ys[i]);
                let covering = h
                    .blocks()
                    .iter()
                    .filter(|b| b.geometry().intersects(&p))
                    .count();
                assert!(covering >= 2, "{} {kind:?} record {i}", year.date);
                assert_eq!(a.outcome(i), Outcome::Assigned);
            }
        }
        // Planted residents get new register numbers every year.
        let n = year.population();
        for &id in &year.resident_ids[n..] {
            assert!(seen_ids.insert(id), "register number {id} reused");
        }
    }
}

/// Mean fee bracket of the Kita records located in a quarter (by id).
fn mean_fee_bracket(t: &DemoTimeline, year: usize, quarter: &str) -> f64 {
    let y = &t.years[year];
    let h = &y.hierarchy;
    let index = UnitIndex::from_hierarchy(h, 2).unwrap();
    let q = h.position(2, quarter).unwrap();
    let brackets: Vec<f64> = y
        .records
        .kita()
        .iter()
        .filter_map(|k| {
            let p = k.position?;
            (index.locate(p.x(), p.y()) == Some(q)).then_some(f64::from(k.fee_bracket))
        })
        .collect();
    assert!(brackets.len() >= 15, "{} Kita records", brackets.len());
    brackets.iter().sum::<f64>() / brackets.len() as f64
}

/// Child-support cases per child under 12 in a quarter (by id).
fn support_rate(t: &DemoTimeline, year: usize, quarter: &str) -> f64 {
    let y = &t.years[year];
    let h = &y.hierarchy;
    let index = UnitIndex::from_hierarchy(h, 2).unwrap();
    let q = h.position(2, quarter).unwrap();
    let count = |points: Vec<(Option<Position>, u8)>| {
        points
            .into_iter()
            .filter(|(p, age)| {
                *age < 12 && p.is_some_and(|p| index.locate(p.x(), p.y()) == Some(q))
            })
            .count() as f64
    };
    let n = y.population();
    let children = count(
        y.records.residents()[..n]
            .iter()
            .map(|r| (r.position, r.age))
            .collect(),
    );
    let cases = count(
        y.records
            .child_support()
            .iter()
            .map(|c| (c.position, c.child_age))
            .collect(),
    );
    cases / children
}

#[test]
fn one_quarter_worsens_and_one_improves() {
    let t = &*SAMPLE_TIMELINE;
    assert_ne!(t.worsening, t.improving);
    for q in [&t.worsening, &t.improving] {
        assert!(!q.starts_with(&format!("{}-", t.recut_district)), "{q}");
    }
    let last = t.years.len() - 1;
    // Lower fee brackets = lower incomes: the worsening quarter's mean falls clearly.
    let fee = |q: &str| mean_fee_bracket(t, last, q) - mean_fee_bracket(t, 0, q);
    let support = |q: &str| support_rate(t, last, q) - support_rate(t, 0, q);
    assert!(fee(&t.worsening) < -0.6, "{}", fee(&t.worsening));
    assert!(fee(&t.improving) > 0.6, "{}", fee(&t.improving));
    assert!(support(&t.worsening) > 0.04, "{}", support(&t.worsening));
    assert!(support(&t.improving) < -0.04, "{}", support(&t.improving));
    // The other quarters stay (no planted change: within noise).
    let others: Vec<String> = unit_ids(&t.years[0].hierarchy, 2)
        .into_iter()
        .filter(|q| *q != t.worsening && *q != t.improving)
        .collect();
    for q in &others {
        assert!(fee(q).abs() < 0.6, "{q}: {}", fee(q));
    }
}

#[test]
fn the_monitoring_project_loads_with_three_dates_and_keeps_names_in_the_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let files = init_monitoring_project(dir.path()).unwrap();
    let project = Project::load(&dir.path().join("project.toml")).unwrap();
    assert_eq!(project.dates, DATES);
    assert!(project.earlier_layer("2022-12-31").is_some());
    assert!(project.earlier_layer("2023-12-31").is_some());
    assert!(project.earlier_layer("2024-12-31").is_none());
    for kind in RecordKind::ALL {
        for date in DATES {
            let file = project.dataset_file(kind, date).unwrap();
            assert!(file.exists(), "{}", file.display());
            assert!(files.iter().any(|f| f == file), "{}", file.display());
        }
    }
    // Names (canaries) only in the record files of the sealed phase.
    let inputs = ["einwohner_", "kita_beitraege_", "unterhaltsvorschuss_"];
    assert_eq!(files.len(), 1 + 2 + 9 + 1);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let name = f.file_name().unwrap().to_string_lossy();
        let sealed = inputs.iter().any(|p| name.starts_with(p));
        assert_eq!(text.contains("CANARY"), sealed, "{name}");
    }
    // The first year's residents are the single-date sample's, byte for byte.
    let single = tempfile::tempdir().unwrap();
    init_project(single.path()).unwrap();
    assert_eq!(
        std::fs::read(single.path().join("data/einwohner.csv")).unwrap(),
        std::fs::read(dir.path().join("data/einwohner_2022.csv")).unwrap()
    );
    // A resident keeps the register number across the years.
    let ids = |year: &str| -> BTreeSet<String> {
        let bytes = std::fs::read(dir.path().join(format!("data/einwohner_{year}.csv"))).unwrap();
        String::from_utf8_lossy(&bytes)
            .lines()
            .skip(1)
            .map(|l| l.split(';').next().unwrap().to_owned())
            .collect()
    };
    let (a, c) = (ids("2022"), ids("2024"));
    let common = a.intersection(&c).count() as f64 / a.len() as f64;
    assert!((0.9..0.97).contains(&common), "{common}");
}

/// Every file below `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

struct Quiet;

impl quartier::Progress for Quiet {
    fn start(&mut self, _step: &str) {}
    fn finish(&mut self) {}
}

#[test]
fn the_monitoring_project_runs_shows_the_planted_trend_and_leaks_no_name() {
    let dir = tempfile::tempdir().unwrap();
    init_monitoring_project(dir.path()).unwrap();
    let project = Project::load(&dir.path().join("project.toml")).unwrap();
    let outcome = quartier::run_project(&project, true, true, &mut Quiet).unwrap();
    assert!(outcome.anonymize.unwrap().audit_passed);
    // The trend table: the worsening quarter is `negativ`, the improving one `positiv`.
    let t = &*SAMPLE_TIMELINE;
    let trends = files_under(&project.outputs.analysis)
        .into_iter()
        .find(|f| f.file_name().is_some_and(|n| n == "trends.csv"))
        .unwrap();
    let text = std::fs::read_to_string(trends).unwrap();
    let class_of = |quarter: &str| {
        let line = text.lines().find(|l| l.starts_with(&format!("{quarter},")));
        let line = line.unwrap_or_default();
        ["negativ", "positiv", "stabil"]
            .into_iter()
            .find(|c| line.split(',').any(|f| f == *c))
    };
    assert_eq!(class_of(&t.worsening), Some("negativ"), "{text}");
    assert_eq!(class_of(&t.improving), Some("positiv"), "{text}");
    // No name from the inputs in anything that may leave the sealed office.
    for folder in [&project.outputs.protected, &project.outputs.analysis] {
        for f in files_under(folder) {
            let bytes = std::fs::read(&f).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("CANARY"),
                "{}",
                f.display()
            );
        }
    }
}

#[test]
fn the_recut_works_for_many_towns() {
    for seed in 0..8 {
        for config in [DemoConfig::SMALL, SAMPLE] {
            let t = musterstadt_timeline(seed, &config, &DATES[1..]).unwrap();
            let (h_old, h_new) = (&t.years[0].hierarchy, &t.years[1].hierarchy);
            assert!(
                t.moved_blocks.len() >= 2,
                "seed {seed}: {:?}",
                t.moved_blocks
            );
            let mut builder = HierarchyBuilder::new(h_new.levels().to_vec());
            for (i, (id, (quarter, district, geometry))) in blocks(h_new).into_iter().enumerate() {
                builder.add_block(BlockFeature {
                    feature: i,
                    ids: vec![
                        h_new.units(0)[0].id().as_str().to_owned(),
                        district,
                        quarter,
                        id,
                    ],
                    name: None,
                    geometry,
                });
            }
            let (_, report) = builder.build().unwrap();
            assert!(report.is_empty(), "seed {seed}: {:?}", report.findings());
            let area = |h: &Hierarchy| -> f64 {
                h.blocks()
                    .iter()
                    .map(|b| b.geometry().unsigned_area())
                    .sum()
            };
            assert!((area(h_new) - area(h_old)).abs() <= 1e-3 * area(h_old));
            // Some old block's homes lie in two new quarters.
            let ix_old = UnitIndex::from_hierarchy(h_old, 3).unwrap();
            let ix_new = UnitIndex::from_hierarchy(h_new, 2).unwrap();
            let mut quarters: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
            for p in &t.houses {
                let o = ix_old.locate(p.x(), p.y()).unwrap();
                quarters
                    .entry(o)
                    .or_default()
                    .insert(ix_new.locate(p.x(), p.y()).unwrap());
            }
            let straddling = quarters.values().filter(|q| q.len() >= 2).count();
            assert!(straddling >= 2, "seed {seed}: {straddling}");
        }
    }
}
