//! Musterstadt over several years: moved residents, a planted trend and one re-cut district,
//! so that monitoring over time (crosswalks, trends, dynamics classes) has data to run on.
//!
//! [`musterstadt_timeline`] starts from [`musterstadt_with`](super::musterstadt_with) (year
//! 0, exactly) and follows the same residents through the later years.
//!
//! # Examples
//!
//! ```
//! use quartier::{DemoConfig, musterstadt_timeline};
//!
//! let dates = ["2022-12-31", "2023-12-31", "2024-12-31"];
//! let t = musterstadt_timeline(7, &DemoConfig::SMALL, &dates)?;
//! assert_eq!(t.years.len(), 3);
//! assert_eq!(t.years[2].date, "2024-12-31");
//! // Blocks moved to a neighbouring quarter in the last year: the old id, the new id.
//! assert!(t.moved_blocks.len() >= 2);
//! // The first two years share the old block layer; the last has the re-cut one.
//! let ids = |y: usize| -> Vec<String> {
//!     t.years[y].hierarchy.blocks().iter().map(|b| b.id().as_str().to_owned()).collect()
//! };
//! assert_eq!(ids(0), ids(1));
//! assert_ne!(ids(1), ids(2));
//! # Ok::<(), quartier::Error>(())
//! ```
//!
//! # Decisions
//!
//! - **Homes are fixed points.** The town's addresses ([`DemoTimeline::houses`]) are the
//!   homes of year 0's residents. Every later resident lives at one of them: movers and
//!   arrivals pick one at random, newborns live with a parent. So every record stays
//!   geocodable against one house-coordinate table, and houses do not move when blocks are
//!   re-cut.
//! - **The population.** Each year every resident ages by one year; 3 % leave (moving away
//!   or dying, one rate for all ages); 8 % of the others move to another home; residents aged
//!   20–44 have a child with probability 4 %; arrivals make up for the difference to last
//!   year's number, ± 1 %, with ages drawn like the generator's for the quarter of their new
//!   home. Residents keep their register number ([`DemoYear::resident_ids`]); births,
//!   arrivals and the planted records of a year get new ones.
//! - **Kita and child support** are drawn afresh every year from that year's children with
//!   the generator's rules, using each quarter's deprivation of that year.
//! - **The trend.** The deprivation of [`DemoTimeline::worsening`] rises by 0.3 a year, that
//!   of [`DemoTimeline::improving`] falls by 0.2 a year (clamped to `[0, 1]`); the others
//!   stay. Both lie outside the re-cut district (so that the trend is not blurred by the
//!   re-cut; in a town of one district both come from it). The improving quarter is the most
//!   deprived one; the worsening one starts below 0.6 and, among those, has the most Kita
//!   records whose year-0 counts in fee brackets 1 and 2 are not small (0 or at least 3), else
//!   it is the least deprived quarter: the template's indicator "Kita children in brackets
//!   1–2" is then not hidden by cell suppression at either end, so that the dynamics classes
//!   `negativ` and `positiv` show. A home's quarter for these rules is its quarter in year
//!   0's layer.
//! - **The re-cut** ([`DemoTimeline::recut_district`]: the district with the most blocks,
//!   the smaller id on ties) applies from the last year on, if there are at least two years.
//!   In it: two blocks are split in two by an axis-parallel line through their centroid
//!   (on the 1/8 m grid, so that points on the new shared edge are exactly on it), two pairs
//!   of halves of earlier split blocks are merged, and blocks move from one quarter of the
//!   district to one neighbouring quarter: two blocks at their boundary are split likewise
//!   and the half towards the other quarter joins it (so the old block's addresses lie in
//!   two new quarters), and two whole blocks join it. The pair is one with at least four
//!   (else two) candidate blocks at its boundary, among those the most deprived pair. One
//!   pair only, and a deprived one, because every carried-over count of a quarter that
//!   exchanged blocks is unknown as soon as one contributing cell was suppressed; deprived
//!   quarters have large low-income counts.
//!   Every block made or moved gets a new id: the next free number in its (new) quarter.
//!   Quarter and district ids and every other block stay. Fewer changes happen where the
//!   district has fewer candidates (e.g. no neighbouring quarter in a district of one
//!   quarter). Splits are exact (clipping a convex block by a line), merges exact (joining
//!   two rings along their shared edges): no boolean operation rounds a vertex.
//! - **Planted problem records** are planted every year like year 0's, on the shared edges
//!   of that year's layer, so that every assignment outcome occurs in every year.

use std::collections::{BTreeMap, BTreeSet};

use geo::{Area, BoundingRect, Centroid, LineString, MultiPolygon, Polygon};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use super::layout::{Layout, Pt, simple_ccw};
use super::{DemoConfig, Planted, Town, age_table, child_records, draw, fee_table, plant, slot};
use crate::assign::UnitIndex;
use crate::error::Error;
use crate::hierarchy::{BlockFeature, DEFAULT_LEVELS, Hierarchy, HierarchyBuilder, UnitFeature};
use crate::project::ProjectError;
use crate::records::{ChildSupportCase, KitaRecord, Position, RecordKind, Records, Resident};

/// Share of residents leaving the town per year (moving away or dying).
const LEAVE_P: f64 = 0.03;
/// Share of the remaining residents moving to another home in town per year.
const MOVE_P: f64 = 0.08;
/// Probability per year that a resident aged 20–44 has a child.
const BIRTH_P: f64 = 0.04;
/// Rise of the planted deprivation of the worsening quarter per year.
const WORSENING_PER_YEAR: f64 = 0.3;
/// Fall of the planted deprivation of the improving quarter per year.
const IMPROVING_PER_YEAR: f64 = 0.2;
/// The worsening quarter starts below this deprivation (room to worsen).
const WORSENING_BELOW: f64 = 0.6;
/// Blocks closer than this (metres, between bounding boxes) are neighbours: across a street.
const NEIGHBOUR_M: f64 = 25.0;
/// Number of each kind of change in the re-cut district.
const RECUT_CHANGES: usize = 2;
/// Salt of the timeline's random stream (the town itself uses the seed as is).
const SALT: u64 = 0x7469_6d65_6c69_6e65;

/// One year of the demo town.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DemoYear {
    /// The reference date, as given to [`musterstadt_timeline`].
    pub date: String,
    /// The block layer of the year: year 0's, or the re-cut one in the last year.
    pub hierarchy: Hierarchy,
    /// Residents, Kita fee records and child-support cases of the year.
    pub records: Records,
    /// The register number of each resident (same order as the residents): the same person
    /// has the same number in every year; planted records get new numbers every year.
    pub resident_ids: Vec<u64>,
    /// The planted deprivation of each quarter in this year, by quarter position (the quarters
    /// are the same in every year).
    pub deprivation: Vec<f64>,
    planted: [Planted; 3],
}

impl DemoYear {
    /// The planted problem records of a kind in this year (see [`Planted`]).
    pub fn planted(&self, kind: RecordKind) -> &Planted {
        &self.planted[slot(kind)]
    }

    /// The number of regular (not planted) residents.
    pub fn population(&self) -> usize {
        self.records.len(RecordKind::Resident) - self.planted(RecordKind::Resident).len()
    }
}

/// The demo town over several years (see [`musterstadt_timeline`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DemoTimeline {
    /// The years, oldest first.
    pub years: Vec<DemoYear>,
    /// The id of the district re-cut in the last year.
    pub recut_district: String,
    /// The id of the quarter whose deprivation rises year by year.
    pub worsening: String,
    /// The id of the quarter whose deprivation falls year by year.
    pub improving: String,
    /// Blocks that moved to a neighbouring quarter in the last year, as (old id, new id): whole
    /// blocks and the moved halves of split blocks.
    pub moved_blocks: Vec<(String, String)>,
    /// The homes of the town (address points), the same in every year: every regular
    /// resident of every year lives at one of them.
    pub houses: Vec<Position>,
}

/// Generates the demo town over the given reference dates: year 0 is exactly
/// [`musterstadt_with(seed, config)`](super::musterstadt_with), every later year moves,
/// ages, loses and gains residents, redraws the Kita and child-support records, and follows a
/// planted trend; from the last year on (with at least two dates) one district is re-cut.
///
/// - Every year 3 % of the residents leave, 8 % of the others move to another home of the
///   town ([`DemoTimeline::houses`]), everybody ages by one year; births (4 % a year of those
///   aged 20–44) and arrivals keep the number of residents within about 1 % a year.
/// - Kita and child-support records are redrawn every year with the generator's rules from
///   the year's children; the deprivation of [`DemoTimeline::worsening`] rises by 0.3 a
///   year, that of [`DemoTimeline::improving`] falls by 0.2 a year.
/// - In the last year the district [`DemoTimeline::recut_district`] is re-cut: blocks split,
///   merged and moved to a neighbouring quarter ([`DemoTimeline::moved_blocks`]), with new
///   block ids; quarter and district ids and every other block stay.
/// - Planted problem records ([`DemoYear::planted`]) are planted anew every year.
///
/// Same seed, settings and number of dates → identical timeline.
///
/// # Errors
///
/// [`Error::Project`] (key `dates`) when `dates` is empty; [`Error::Hierarchy`] when a
/// layer does not build (a bug; the tests build several seeds).
pub fn musterstadt_timeline(
    seed: u64,
    config: &DemoConfig,
    dates: &[&str],
) -> Result<DemoTimeline, Error> {
    let Some(&first) = dates.first() else {
        return Err(ProjectError::Invalid {
            path: "musterstadt_timeline".into(),
            line: None,
            key: "dates".to_owned(),
            message: "give at least one reference date".to_owned(),
        }
        .into());
    };
    let (town, layout, ids) = super::generate(seed, config)?;
    let mut rng = Pcg64::seed_from_u64(seed ^ SALT);
    let h0 = town.hierarchy.clone();

    let district = recut_district(&h0);
    let quarter_district = h0.ancestors(2, 1).unwrap_or_default();
    let kita_positions: Vec<Position> = town
        .records
        .kita()
        .iter()
        .map(|k| k.position.unwrap_or(Position::new(f64::NAN, f64::NAN)))
        .collect();
    // Year 0's Kita records per quarter: (bracket 1, bracket 2, all).
    let mut low_income = vec![[0usize; 3]; h0.units(2).len()];
    for (k, q) in town
        .records
        .kita()
        .iter()
        .zip(quarters_of(&h0, &kita_positions)?)
    {
        if let Some(c) = q.and_then(|q| low_income.get_mut(q)) {
            c[0] += usize::from(k.fee_bracket == 1);
            c[1] += usize::from(k.fee_bracket == 2);
            c[2] += 1;
        }
    }
    let (worsening, improving) =
        trend_quarters(&town.deprivation, &low_income, &quarter_district, district);
    let deprivation_at = |year: usize| -> Vec<f64> {
        let mut d = town.deprivation.clone();
        if let Some(q) = d.get_mut(improving) {
            *q = (*q - IMPROVING_PER_YEAR * year as f64).max(0.0);
        }
        if let Some(q) = d.get_mut(worsening) {
            *q = (*q + WORSENING_PER_YEAR * year as f64).min(1.0);
        }
        d
    };

    // Homes: year 0's regular residents (every one has a position inside a block).
    let residents0 = town.records.residents();
    let regular = residents0.len() - town.planted(RecordKind::Resident).len();
    let houses: Vec<Position> = residents0[..regular]
        .iter()
        .map(|r| r.position.unwrap_or(Position::new(f64::NAN, f64::NAN)))
        .collect();
    let house_quarter = quarters_of(&h0, &houses)?;

    let recut = if dates.len() >= 2 {
        Some(recut(
            &mut rng,
            &h0,
            &layout,
            &ids,
            district,
            &houses,
            &town.deprivation,
        )?)
    } else {
        None
    };

    let mut years = Vec::with_capacity(dates.len());
    years.push(DemoYear {
        date: first.to_owned(),
        hierarchy: h0.clone(),
        records: town.records.clone(),
        resident_ids: (0..residents0.len() as u64).collect(),
        deprivation: town.deprivation.clone(),
        planted: town.planted.clone(),
    });
    // (register number, home, age) of every regular resident.
    let mut people: Vec<(u64, usize, u8)> = residents0[..regular]
        .iter()
        .enumerate()
        .map(|(i, r)| (i as u64, i, r.age))
        .collect();
    let mut next_id = residents0.len() as u64;
    let street = super::street_edges(&layout);
    let old_edges = shared_edges(&h0);
    for (year, &date) in dates.iter().enumerate().skip(1) {
        let deprivation = deprivation_at(year);
        let d_of = |house: usize| house_quarter[house].map_or(0.0, |q| deprivation[q]);
        people = next_year(&mut rng, &people, houses.len(), &mut next_id, |house| {
            age_table(d_of(house))
        });
        let fee_tables: Vec<Vec<f64>> = deprivation.iter().map(|&d| fee_table(d)).collect();
        let fallback_fees = fee_table(0.0);
        let mut residents = Vec::with_capacity(people.len() + 32);
        let mut resident_ids = Vec::with_capacity(people.len() + 32);
        let mut kita: Vec<KitaRecord> = Vec::new();
        let mut child_support: Vec<ChildSupportCase> = Vec::new();
        for &(id, house, age) in &people {
            let position = Some(houses[house]);
            residents.push(Resident { position, age });
            resident_ids.push(id);
            let fees = house_quarter[house]
                .and_then(|q| fee_tables.get(q))
                .unwrap_or(&fallback_fees);
            child_records(
                &mut rng,
                (position, age),
                d_of(house),
                fees,
                &mut kita,
                &mut child_support,
            );
        }
        let last = year + 1 == dates.len();
        let (hierarchy, edges) = match (&recut, last) {
            (Some(r), true) => (r.hierarchy.clone(), shared_edges(&r.hierarchy)),
            _ => (h0.clone(), old_edges.clone()),
        };
        let planted = plant(
            &mut rng,
            (&edges, &street),
            &mut residents,
            &mut kita,
            &mut child_support,
        );
        for _ in people.len()..residents.len() {
            resident_ids.push(next_id);
            next_id += 1;
        }
        years.push(DemoYear {
            date: date.to_owned(),
            hierarchy,
            records: Records::new(residents, kita, child_support),
            resident_ids,
            deprivation,
            planted,
        });
    }
    let quarter_id = |q: usize| {
        h0.unit(2, q)
            .map(|u| u.id().as_str().to_owned())
            .unwrap_or_default()
    };
    Ok(DemoTimeline {
        years,
        recut_district: h0
            .unit(1, district)
            .map(|u| u.id().as_str().to_owned())
            .unwrap_or_default(),
        worsening: quarter_id(worsening),
        improving: quarter_id(improving),
        moved_blocks: recut.map(|r| r.moved).unwrap_or_default(),
        houses,
    })
}

/// The residents of the next year: survivors aged by one (some moved), then births, then
/// arrivals. `age_table(home)` is the cumulative age distribution of arrivals at a home.
fn next_year(
    rng: &mut Pcg64,
    people: &[(u64, usize, u8)],
    n_houses: usize,
    next_id: &mut u64,
    age_table: impl Fn(usize) -> Vec<f64>,
) -> Vec<(u64, usize, u8)> {
    let mut next = Vec::with_capacity(people.len() + people.len() / 20);
    for &(id, house, age) in people {
        if rng.random_bool(LEAVE_P) {
            continue;
        }
        let mut home = house;
        if n_houses > 1 && rng.random_bool(MOVE_P) {
            // Any other home: draw among the n - 1 others.
            let k = rng.random_range(0..n_houses - 1);
            home = if k >= house { k + 1 } else { k };
        }
        next.push((id, home, age.saturating_add(1)));
    }
    let survivors = next.len();
    for k in 0..survivors {
        let (_, house, age) = next[k];
        if (20..=44).contains(&age) && rng.random_bool(BIRTH_P) {
            next.push((*next_id, house, 0));
            *next_id += 1;
        }
    }
    let n = people.len() as i64;
    let jitter = rng.random_range(-(n / 100)..=n / 100);
    let arrivals = (n - next.len() as i64 + jitter).max(0);
    for _ in 0..arrivals {
        if n_houses == 0 {
            break;
        }
        let house = rng.random_range(0..n_houses);
        let age = u8::try_from(draw(rng, &age_table(house))).unwrap_or(u8::MAX);
        next.push((*next_id, house, age));
        *next_id += 1;
    }
    next
}

/// The quarter (position in level 2) of each point, `None` outside every block.
fn quarters_of(h: &Hierarchy, points: &[Position]) -> Result<Vec<Option<usize>>, Error> {
    let index = UnitIndex::from_hierarchy(h, h.block_level())?;
    let quarter_of = h.ancestors(h.block_level(), 2).unwrap_or_default();
    Ok(points
        .iter()
        .map(|p| {
            index
                .locate(p.x(), p.y())
                .and_then(|b| quarter_of.get(b).copied())
        })
        .collect())
}

/// The district (position in level 1) with the most blocks; the smaller id on ties.
fn recut_district(h: &Hierarchy) -> usize {
    let district_of = h.ancestors(h.block_level(), 1).unwrap_or_default();
    let mut count = vec![0usize; h.units(1).len()];
    for &d in &district_of {
        if let Some(c) = count.get_mut(d) {
            *c += 1;
        }
    }
    (0..count.len())
        .max_by_key(|&d| (count[d], std::cmp::Reverse(d)))
        .unwrap_or(0)
}

/// (worsening, improving) quarter positions, outside the re-cut district (among all
/// quarters if fewer than two lie outside it): improving is the most deprived quarter;
/// worsening, among those below [`WORSENING_BELOW`], the one with the most Kita records whose
/// low-income counts (`low_income`: bracket 1, bracket 2, all) are not small (0 or at least 3,
/// so that cell suppression is unlikely to hide them), else the least deprived one.
fn trend_quarters(
    deprivation: &[f64],
    low_income: &[[usize; 3]],
    quarter_district: &[usize],
    district: usize,
) -> (usize, usize) {
    let outside: Vec<usize> = (0..deprivation.len())
        .filter(|&q| quarter_district.get(q) != Some(&district))
        .collect();
    let pool: Vec<usize> = if outside.len() >= 2 {
        outside
    } else {
        (0..deprivation.len()).collect()
    };
    let by_d =
        |a: &&usize, b: &&usize| deprivation[**a].total_cmp(&deprivation[**b]).then(b.cmp(a));
    let improving = pool.iter().max_by(by_d).copied().unwrap_or(0);
    let small = |n: usize| (1..3).contains(&n);
    let safe = pool
        .iter()
        .copied()
        .filter(|&q| q != improving && deprivation[q] < WORSENING_BELOW)
        .filter(|&q| low_income.get(q).is_some_and(|c| !small(c[0]) && c[1] >= 3))
        .max_by_key(|&q| (low_income[q][2], std::cmp::Reverse(q)));
    let worsening = safe
        .or_else(|| {
            pool.iter()
                .filter(|&&q| q != improving)
                .min_by(by_d)
                .copied()
        })
        .unwrap_or(improving);
    (worsening, improving)
}

/// The edges shared by two blocks (an edge of one block whose reverse is an edge of
/// another), as two-point polylines, in block order.
fn shared_edges(h: &Hierarchy) -> Vec<Vec<Pt>> {
    type Key = [u64; 2];
    let key = |p: Pt| [p[0].to_bits(), p[1].to_bits()];
    let mut owner: BTreeMap<(Key, Key), usize> = BTreeMap::new();
    let mut edges: Vec<(usize, Pt, Pt)> = Vec::new();
    for (b, unit) in h.blocks().iter().enumerate() {
        for poly in &unit.geometry().0 {
            let ring = open_ring(poly.exterior());
            for k in 0..ring.len() {
                let (p, q) = (ring[k], ring[(k + 1) % ring.len()]);
                owner.entry((key(p), key(q))).or_insert(b);
                edges.push((b, p, q));
            }
        }
    }
    edges
        .into_iter()
        .filter(|&(b, p, q)| owner.get(&(key(q), key(p))).is_some_and(|&o| o > b))
        .map(|(_, p, q)| vec![p, q])
        .collect()
}

/// The vertices of a ring without the closing repetition.
fn open_ring(ring: &LineString<f64>) -> Vec<Pt> {
    let mut pts: Vec<Pt> = ring.0.iter().map(|c| [c.x, c.y]).collect();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    pts
}

fn polygon_of(ring: &[Pt]) -> Polygon<f64> {
    Polygon::new(
        LineString::from(ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
        Vec::new(),
    )
}

/// Rounds to the 1/8 m grid of the layout.
fn snap(v: f64) -> f64 {
    (v * 8.0).round() / 8.0
}

/// Splits a convex polygon without holes by the line `coordinate[axis] = c` into the part
/// below and the part above. Both parts get the identical intersection points, so they share
/// the cut edge exactly. `None` when a part would be degenerate or less than a fifth of the
/// block.
fn split(poly: &Polygon<f64>, axis: usize, c: f64) -> Option<(Polygon<f64>, Polygon<f64>)> {
    if !poly.interiors().is_empty() {
        return None;
    }
    let ring = open_ring(poly.exterior());
    let other = 1 - axis;
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    for k in 0..ring.len() {
        let (a, b) = (ring[k], ring[(k + 1) % ring.len()]);
        let (sa, sb) = (a[axis] - c, b[axis] - c);
        if sa <= 0.0 {
            lo.push(a);
        }
        if sa >= 0.0 {
            hi.push(a);
        }
        if (sa < 0.0 && sb > 0.0) || (sa > 0.0 && sb < 0.0) {
            let mut p = [0.0; 2];
            p[axis] = c;
            p[other] = a[other] + (b[other] - a[other]) * (c - a[axis]) / (b[axis] - a[axis]);
            lo.push(p);
            hi.push(p);
        }
    }
    let area = poly.unsigned_area();
    let ok = |r: &[Pt]| simple_ccw(r) && super::layout::signed_area(r) > 0.2 * area;
    (ok(&lo) && ok(&hi)).then(|| (polygon_of(&lo), polygon_of(&hi)))
}

/// Joins two polygons without holes along the edges they share exactly (each edge of one
/// whose reverse is an edge of the other); straight-through vertices are dropped. `None`
/// when they share no edge or the result is not one simple ring.
fn merge(a: &Polygon<f64>, b: &Polygon<f64>) -> Option<Polygon<f64>> {
    if !a.interiors().is_empty() || !b.interiors().is_empty() {
        return None;
    }
    type Key = [u64; 2];
    let key = |p: Pt| -> Key { [p[0].to_bits(), p[1].to_bits()] };
    let mut edges: Vec<(Pt, Pt)> = Vec::new();
    for poly in [a, b] {
        let ring = open_ring(poly.exterior());
        edges.extend((0..ring.len()).map(|k| (ring[k], ring[(k + 1) % ring.len()])));
    }
    let all: BTreeSet<(Key, Key)> = edges.iter().map(|&(p, q)| (key(p), key(q))).collect();
    let kept: Vec<(Pt, Pt)> = edges
        .iter()
        .copied()
        .filter(|&(p, q)| !all.contains(&(key(q), key(p))))
        .collect();
    if kept.len() == edges.len() || kept.len() < 3 {
        return None;
    }
    let mut next: BTreeMap<Key, Pt> = BTreeMap::new();
    for &(p, q) in &kept {
        if next.insert(key(p), q).is_some() {
            return None; // two outgoing edges: not one simple ring
        }
    }
    let start = kept[0].0;
    let mut ring = vec![start];
    let mut cur = *next.get(&key(start))?;
    while key(cur) != key(start) {
        if ring.len() > kept.len() {
            return None;
        }
        ring.push(cur);
        cur = *next.get(&key(cur))?;
    }
    if ring.len() != kept.len() {
        return None; // the boundary has more than one ring
    }
    // Drop straight-through vertices (exactly collinear with their neighbours).
    let mut k = 0;
    while ring.len() > 3 && k < ring.len() {
        let n = ring.len();
        let (u, v, w) = (ring[(k + n - 1) % n], ring[k], ring[(k + 1) % n]);
        let o = robust::orient2d(
            robust::Coord { x: u[0], y: u[1] },
            robust::Coord { x: v[0], y: v[1] },
            robust::Coord { x: w[0], y: w[1] },
        );
        if o == 0.0 {
            ring.remove(k);
            k = k.saturating_sub(1);
        } else {
            k += 1;
        }
    }
    simple_ccw(&ring).then(|| polygon_of(&ring))
}

/// The re-cut layer and the moved blocks.
struct Recut {
    hierarchy: Hierarchy,
    moved: Vec<(String, String)>,
}

/// A block of the new layer.
struct NewBlock {
    id: String,
    quarter: usize,
    polygon: Polygon<f64>,
}

/// One change of the re-cut.
enum Change {
    /// Split block `b` at `coordinate[axis] = c`; the half towards `moves` (below when
    /// `lower`) joins that quarter.
    Split {
        b: usize,
        axis: usize,
        c: f64,
        moves: Option<(usize, bool)>,
    },
    /// Merge two blocks.
    Merge(usize, usize),
    /// Move block `b` to quarter `q`.
    Move(usize, usize),
}

/// Re-cuts `district` of `h` (see the module decisions).
#[allow(clippy::too_many_lines)]
fn recut(
    rng: &mut Pcg64,
    h: &Hierarchy,
    layout: &Layout,
    town: &Town,
    district: usize,
    houses: &[Position],
    deprivation: &[f64],
) -> Result<Recut, Error> {
    let bl = h.block_level();
    let blocks = h.blocks();
    let quarter_of = h.ancestors(bl, 2).unwrap_or_default();
    let quarter_district = h.ancestors(2, 1).unwrap_or_default();
    let in_district = |b: usize| {
        quarter_of
            .get(b)
            .and_then(|&q| quarter_district.get(q))
            .is_some_and(|&d| d == district)
    };
    // The layout block of each block, by id.
    let raw_of_id: BTreeMap<&str, usize> = town
        .block_id
        .iter()
        .zip(&town.block_raw)
        .map(|(id, &raw)| (id.as_str(), raw))
        .collect();
    let raw: Vec<Option<usize>> = blocks
        .iter()
        .map(|u| raw_of_id.get(u.id().as_str()).copied())
        .collect();
    let polygon = |b: usize| blocks[b].geometry().0.first().cloned();
    let centre = |b: usize| {
        blocks[b]
            .geometry()
            .centroid()
            .map_or([f64::NAN; 2], |c| [c.x(), c.y()])
    };
    // Homes per block.
    let index = UnitIndex::from_hierarchy(h, bl)?;
    let mut homes: Vec<Vec<Pt>> = vec![Vec::new(); blocks.len()];
    for p in houses {
        if let Some(b) = index.locate(p.x(), p.y()) {
            homes[b].push([p.x(), p.y()]);
        }
    }

    let mut members: Vec<usize> = (0..blocks.len()).filter(|&b| in_district(b)).collect();
    // Shuffle so that different seeds re-cut different blocks.
    for i in (1..members.len()).rev() {
        let j = rng.random_range(0..=i);
        members.swap(i, j);
    }
    let rects: Vec<Option<geo::Rect<f64>>> = blocks
        .iter()
        .map(|u| u.geometry().bounding_rect())
        .collect();
    let near = |a: usize, b: usize| match (rects[a], rects[b]) {
        (Some(r), Some(s)) => {
            r.min().x - NEIGHBOUR_M <= s.max().x
                && s.min().x - NEIGHBOUR_M <= r.max().x
                && r.min().y - NEIGHBOUR_M <= s.max().y
                && s.min().y - NEIGHBOUR_M <= r.max().y
        }
        _ => false,
    };
    // Blocks alone in their lattice cell and without a courtyard can be split.
    let mut per_cell: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &b in &members {
        if let Some(r) = raw[b] {
            per_cell.entry(layout.blocks[r].cell).or_default().push(b);
        }
    }
    let splittable = |b: usize| {
        raw[b].is_some_and(|r| {
            layout.blocks[r].hole.is_none()
                && per_cell
                    .get(&layout.blocks[r].cell)
                    .is_some_and(|v| v.len() == 1)
        })
    };
    let mut blocks_in_quarter: BTreeMap<usize, usize> = BTreeMap::new();
    for &b in &members {
        *blocks_in_quarter.entry(quarter_of[b]).or_default() += 1;
    }
    let size = |q: usize| blocks_in_quarter.get(&q).copied().unwrap_or(0);
    // Blocks move between one pair of neighbouring quarters, `from` → `to`: preferably one
    // with at least four (else two) splittable blocks of `from` next to `to`, then the most
    // deprived pair, then the larger `from`.
    let mut boundary: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for &a in &members {
        let mut next_to: BTreeSet<usize> = BTreeSet::new();
        for &b in &members {
            if quarter_of[a] != quarter_of[b] && near(a, b) {
                next_to.insert(quarter_of[b]);
            }
        }
        for to in next_to {
            *boundary.entry((quarter_of[a], to)).or_default() += usize::from(splittable(a));
        }
    }
    let d = |q: usize| deprivation.get(q).copied().unwrap_or(0.0);
    let pair = boundary
        .iter()
        .max_by(|&(&(a, b), &n), &(&(x, y), &m)| {
            (n >= 4, n >= 2)
                .cmp(&(m >= 4, m >= 2))
                .then(d(a).min(d(b)).total_cmp(&d(x).min(d(y))))
                .then(size(a).cmp(&size(x)))
                .then((x, y).cmp(&(a, b)))
        })
        .map(|(&pair, _)| pair);
    // The nearest block of the pair's target quarter to a block of its source quarter.
    let neighbour = |b: usize| -> Option<usize> {
        let (from, to) = pair?;
        let c = centre(b);
        members
            .iter()
            .copied()
            .filter(|&o| quarter_of[b] == from && quarter_of[o] == to && near(b, o))
            .min_by(|&x, &y| {
                let (p, q) = (centre(x), centre(y));
                let dx = (p[0] - c[0]).hypot(p[1] - c[1]);
                let dy = (q[0] - c[0]).hypot(q[1] - c[1]);
                dx.total_cmp(&dy).then(x.cmp(&y))
            })
    };

    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut changes: Vec<Change> = Vec::new();
    // Splits whose half moves to the neighbouring quarter.
    let mut straddles = 0;
    for &b in &members {
        if straddles == RECUT_CHANGES {
            break;
        }
        let (Some(poly), Some(n)) = (polygon(b).filter(|_| splittable(b)), neighbour(b)) else {
            continue;
        };
        let (c, o) = (centre(b), centre(n));
        let axis = usize::from((o[1] - c[1]).abs() > (o[0] - c[0]).abs());
        let cut = snap(c[axis]);
        let below = homes[b].iter().filter(|p| p[axis] < cut).count();
        let above = homes[b].iter().filter(|p| p[axis] > cut).count();
        if below == 0 || above == 0 || split(&poly, axis, cut).is_none() {
            continue;
        }
        used.insert(b);
        changes.push(Change::Split {
            b,
            axis,
            c: cut,
            moves: Some((quarter_of[n], o[axis] < cut)),
        });
        straddles += 1;
    }
    // Whole blocks to a neighbouring quarter (the old quarter keeps at least two blocks).
    let mut moves = 0;
    for &b in &members {
        if moves == RECUT_CHANGES {
            break;
        }
        let q = quarter_of[b];
        if used.contains(&b) || !splittable(b) || size(q) <= 2 + moves {
            continue;
        }
        let Some(n) = neighbour(b) else { continue };
        used.insert(b);
        changes.push(Change::Move(b, quarter_of[n]));
        moves += 1;
    }
    // Pairs of halves of a split lattice cell merge.
    let mut merges = 0;
    for &b in &members {
        if merges == RECUT_CHANGES {
            break;
        }
        let Some(pair) = raw[b].and_then(|r| per_cell.get(&layout.blocks[r].cell)) else {
            continue;
        };
        if pair.len() != 2 || pair.iter().any(|x| used.contains(x)) {
            continue;
        }
        let (x, y) = (pair[0].min(pair[1]), pair[0].max(pair[1]));
        let merged = polygon(x).zip(polygon(y)).and_then(|(p, q)| merge(&p, &q));
        if merged.is_none() {
            continue;
        }
        used.extend([x, y]);
        changes.push(Change::Merge(x, y));
        merges += 1;
    }
    // Plain splits across the longer side.
    let mut splits = 0;
    for &b in &members {
        if splits == RECUT_CHANGES {
            break;
        }
        let Some(poly) = polygon(b).filter(|_| splittable(b) && !used.contains(&b)) else {
            continue;
        };
        let Some(r) = rects[b] else { continue };
        let axis = usize::from(r.height() > r.width());
        let cut = snap(centre(b)[axis]);
        if split(&poly, axis, cut).is_none() {
            continue;
        }
        used.insert(b);
        changes.push(Change::Split {
            b,
            axis,
            c: cut,
            moves: None,
        });
        splits += 1;
    }

    // New ids: the next free number of each quarter.
    let mut next_number: Vec<usize> = vec![1; h.units(2).len()];
    for (b, u) in blocks.iter().enumerate() {
        let number = u
            .id()
            .as_str()
            .rsplit('-')
            .next()
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        if let Some(n) = next_number.get_mut(quarter_of[b]) {
            *n = (*n).max(number + 1);
        }
    }
    let quarter_id = |q: usize| h.unit(2, q).map_or("", |u| u.id().as_str()).to_owned();
    let mut new_id = |q: usize| {
        let n = next_number.get(q).copied().unwrap_or(1);
        if let Some(slot) = next_number.get_mut(q) {
            *slot += 1;
        }
        format!("{}-{n:03}", quarter_id(q))
    };
    // Apply the changes in a fixed order: merges, splits, moves, each by old block position.
    changes.sort_by_key(|c| match *c {
        Change::Merge(x, _) => (0, x),
        Change::Split { b, .. } => (1, b),
        Change::Move(b, _) => (2, b),
    });
    let mut replaced: BTreeSet<usize> = BTreeSet::new();
    let mut new_blocks: Vec<NewBlock> = Vec::new();
    let mut moved: Vec<(String, String)> = Vec::new();
    for change in &changes {
        match *change {
            Change::Merge(x, y) => {
                if let Some(p) = polygon(x).zip(polygon(y)).and_then(|(p, q)| merge(&p, &q)) {
                    replaced.extend([x, y]);
                    let q = quarter_of[x];
                    new_blocks.push(NewBlock {
                        id: new_id(q),
                        quarter: q,
                        polygon: p,
                    });
                }
            }
            Change::Split { b, axis, c, moves } => {
                let Some((lo, hi)) = polygon(b).and_then(|p| split(&p, axis, c)) else {
                    continue;
                };
                replaced.insert(b);
                let own = quarter_of[b];
                for (half, is_lower) in [(lo, true), (hi, false)] {
                    let q = match moves {
                        Some((to, lower)) if lower == is_lower => to,
                        _ => own,
                    };
                    let id = new_id(q);
                    if q != own {
                        moved.push((blocks[b].id().as_str().to_owned(), id.clone()));
                    }
                    new_blocks.push(NewBlock {
                        id,
                        quarter: q,
                        polygon: half,
                    });
                }
            }
            Change::Move(b, q) => {
                if let Some(p) = polygon(b) {
                    replaced.insert(b);
                    let id = new_id(q);
                    moved.push((blocks[b].id().as_str().to_owned(), id.clone()));
                    new_blocks.push(NewBlock {
                        id,
                        quarter: q,
                        polygon: p,
                    });
                }
            }
        }
    }
    moved.sort();

    // The new layer: every other block as it was, plus the new blocks.
    let mut all: Vec<(String, usize, MultiPolygon<f64>)> = blocks
        .iter()
        .enumerate()
        .filter(|(b, _)| !replaced.contains(b))
        .map(|(b, u)| {
            (
                u.id().as_str().to_owned(),
                quarter_of[b],
                u.geometry().clone(),
            )
        })
        .collect();
    all.extend(
        new_blocks
            .into_iter()
            .map(|n| (n.id, n.quarter, MultiPolygon::new(vec![n.polygon]))),
    );
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let mut builder = HierarchyBuilder::new(DEFAULT_LEVELS);
    let mut feature = 0;
    for level in 0..bl {
        for u in h.units(level) {
            builder.add_unit(
                level,
                UnitFeature {
                    feature,
                    id: u.id().as_str().to_owned(),
                    name: u.name().map(str::to_owned),
                    geometry: None,
                },
            );
            feature += 1;
        }
    }
    let id_at = |level: usize, pos: Option<&usize>| {
        pos.and_then(|&p| h.unit(level, p))
            .map_or("", |u| u.id().as_str())
            .to_owned()
    };
    let quarter_top = h.ancestors(2, 0).unwrap_or_default();
    for (pos, (id, q, geometry)) in all.into_iter().enumerate() {
        builder.add_block(BlockFeature {
            feature: pos,
            ids: vec![
                id_at(0, quarter_top.get(q)),
                id_at(1, quarter_district.get(q)),
                id_at(2, Some(&q)),
                id,
            ],
            name: None,
            geometry,
        });
    }
    let (hierarchy, _) = builder.build()?;
    Ok(Recut { hierarchy, moved })
}
