//! The seeded synthetic demo town "Musterstadt".
//!
//! [`musterstadt`] builds a whole town from a seed: one Gemeinde, about 4 Ortsteile, about 20
//! Quartiere and about 600 irregular Baublöcke, with about 20 000 residents, Kita fee
//! records and child-support cases, so that every feature of quartier runs with no data of
//! one's own. The same seed gives the identical town; another seed another town.
//!
//! See [`musterstadt`] for how the town is made, and [`musterstadt_timeline`] for the same
//! town over several years (monitoring over time).

mod layout;
mod timeline;
mod timeline_project;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use crate::disclosure::Grouping;
use crate::error::Error;
use geo::{LineString, MultiPolygon, Polygon};

use crate::hierarchy::{
    BlockFeature, DEFAULT_LEVELS, Hierarchy, HierarchyBuilder, UnitFeature, ValidationReport,
};
use crate::records::{ChildSupportCase, KitaRecord, Position, RecordKind, Records, Resident};

use layout::{Block, Layout, LayoutParams, Pt};

pub use timeline::{DemoTimeline, DemoYear, musterstadt_timeline};
pub use timeline_project::{init_monitoring_project, init_project_over_time};

/// The id of the demo town.
const GEMEINDE_ID: &str = "05758999";
/// The name of the demo town.
const GEMEINDE_NAME: &str = "Musterstadt";
/// The centre of the town in EPSG:25832.
const CENTRE: Pt = [462_000.0, 5_778_000.0];
/// Share of non-residential blocks.
const NON_RESIDENTIAL_P: f64 = 0.06;

const DISTRICT_NAMES: [&str; 8] = [
    "Altstadt",
    "Bruchhausen",
    "Eichenfeld",
    "Westerkamp",
    "Hagedorn",
    "Sundern",
    "Oberdiek",
    "Niederheide",
];

const QUARTER_NAMES: [&str; 30] = [
    "Am Markt",
    "Kirchplatz",
    "Mühlenbach",
    "Lindenhof",
    "Schützenwiese",
    "Rosengarten",
    "Bahnhofsviertel",
    "Am Stadtpark",
    "Kuhlenkamp",
    "Birkenweg",
    "Sonnenhang",
    "Gartenstadt",
    "Heidesiedlung",
    "Brinkstraße",
    "Im Siek",
    "Am Wiesenbach",
    "Ziegelei",
    "Ravensberger Feld",
    "Kleiner Esch",
    "Hofkamp",
    "Steinbrink",
    "Tiefer Weg",
    "Nordstern",
    "Auf der Egge",
    "Vogelsang",
    "Meierhof",
    "Am Wall",
    "Drostenhof",
    "Espelkamp",
    "Dreyerhof",
];

/// Settings of the demo town; [`Default`] gives Musterstadt.
///
/// Values outside the feasible range are clamped: at least one quarter and district, at
/// most as many quarters as lattice cells inside the town, at most as many districts as
/// quarters.
///
/// # Examples
///
/// ```
/// use quartier::{DemoConfig, musterstadt_with};
///
/// let town = musterstadt_with(7, &DemoConfig::SMALL)?;
/// assert_eq!(town.hierarchy.units(2).len(), 6);
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DemoConfig {
    /// Number of regular residents (planted problem records come on top).
    pub residents: usize,
    /// Lattice cells east-west (95 m each).
    pub columns: usize,
    /// Lattice cells north-south (75 m each).
    pub rows: usize,
    /// Number of quarters (Quartiere).
    pub quarters: usize,
    /// Number of districts (Ortsteile).
    pub districts: usize,
}

impl DemoConfig {
    /// A small Musterstadt for examples and tests: 2,000 residents on a 12 × 10 lattice,
    /// 6 quarters, 2 districts.
    pub const SMALL: Self = Self {
        residents: 2_000,
        columns: 12,
        rows: 10,
        quarters: 6,
        districts: 2,
    };
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            residents: 20_000,
            columns: 32,
            rows: 26,
            quarters: 20,
            districts: 4,
        }
    }
}

/// The planted problem records of one kind, as indices into that kind's record list.
///
/// With [`DemoTown::SNAP_DISTANCE_M`] the assignment ends as follows: `on_shared_edge`
/// assigned (to the block with the smaller id), `in_street` snapped, `far_outside` outside
/// every unit, `no_position` without a position, `invalid_coordinate` with a NaN or infinite
/// coordinate (both unassigned as invalid coordinates). Every other record of the town lies
/// strictly inside a block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Planted {
    /// Records exactly on an edge shared by the two halves of a split block.
    pub on_shared_edge: Vec<usize>,
    /// Records in a street gap, within [`DemoTown::MAX_STREET_OFFSET_M`] of a block.
    pub in_street: Vec<usize>,
    /// Records far outside the town.
    pub far_outside: Vec<usize>,
    /// Records with no position.
    pub no_position: Vec<usize>,
    /// Records with a NaN or infinite coordinate.
    pub invalid_coordinate: Vec<usize>,
}

impl Planted {
    /// Number of planted records.
    pub fn len(&self) -> usize {
        self.on_shared_edge.len()
            + self.in_street.len()
            + self.far_outside.len()
            + self.no_position.len()
            + self.invalid_coordinate.len()
    }

    /// True when nothing was planted.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A generated demo town: its hierarchy, its individual records and the planted truth.
///
/// # Examples
///
/// ```
/// use quartier::{RecordKind, musterstadt};
///
/// let town = musterstadt(42)?;
/// let h = &town.hierarchy;
/// assert_eq!(h.levels(), ["gemeinde", "ortsteil", "quartier", "baublock"]);
/// assert_eq!(h.units(0)[0].name(), Some("Musterstadt"));
/// assert!(town.records.len(RecordKind::Resident) > 19_000);
/// assert_eq!(town.deprivation.len(), h.units(2).len());
/// # Ok::<(), quartier::Error>(())
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DemoTown {
    /// The spatial hierarchy gemeinde → ortsteil → quartier → baublock.
    pub hierarchy: Hierarchy,
    /// Residents, Kita fee records and child-support cases.
    pub records: Records,
    /// The planted deprivation score in `[0, 1]` of each quarter, by the quarter's position
    /// in [`Hierarchy::units`] of the quarter level.
    pub deprivation: Vec<f64>,
    /// The seed the town was generated from.
    pub seed: u64,
    /// The validation report of building the hierarchy (empty: the demo geometry is clean).
    pub validation: ValidationReport,
    /// Other area layers built from the blocks that do not nest in the quarters: the
    /// school districts `grundschulbezirk` (see [`DemoTown::SCHOOL_DISTRICTS`]).
    pub groupings: Vec<Grouping>,
    planted: [Planted; 3],
}

impl DemoTown {
    /// The snap distance (metres) with which every planted street record is snapped.
    pub const SNAP_DISTANCE_M: f64 = 5.0;
    /// The largest distance (metres) of a planted street record from its nearest block.
    pub const MAX_STREET_OFFSET_M: f64 = 4.0;
    /// The deprivation score from which a quarter counts as clearly disadvantaged.
    pub const DISADVANTAGED_FROM: f64 = 0.8;
    /// The name of the demo's school-district grouping.
    pub const SCHOOL_DISTRICT_GROUPING: &'static str = "grundschulbezirk";
    /// Number of school districts (Grundschulbezirke) of the demo: vertical stripes of equal
    /// width over the block centres, which cut across quarters and districts.
    pub const SCHOOL_DISTRICTS: usize = 6;

    /// The planted problem records of a kind.
    pub fn planted(&self, kind: RecordKind) -> &Planted {
        &self.planted[slot(kind)]
    }

    /// The demo's dataset catalogue: the three offices of the seed with their datasets,
    /// legal bases and the reference date 31 December 2021 (invented, like the town).
    ///
    /// # Examples
    ///
    /// ```
    /// let town = quartier::musterstadt_with(1, &quartier::DemoConfig::SMALL)?;
    /// let cat = town.catalogue();
    /// assert_eq!(cat.len(), 3);
    /// assert_eq!(cat[0].dataset, "resident");
    /// # Ok::<(), quartier::Error>(())
    /// ```
    pub fn catalogue(&self) -> Vec<crate::DatasetEntry> {
        use crate::DatasetEntry;
        vec![
            DatasetEntry::new(
                "resident",
                "Einwohnermelderegister",
                "Bürgeramt",
                "2021-12-31",
            )
            .with_legal_basis("§ 34 BMG")
            .with_description("Einwohnerinnen und Einwohner mit Hauptwohnsitz nach Altersgruppe"),
            DatasetEntry::new("kita", "Kita-Beitragsdaten", "Jugendamt", "2021-12-31")
                .with_legal_basis("§ 90 SGB VIII")
                .with_description("Betreute Kinder nach Beitragsstufe des Elterneinkommens"),
            DatasetEntry::new(
                "child_support",
                "Unterhaltsvorschuss",
                "Jugendamt",
                "2021-12-31",
            )
            .with_legal_basis("UVG")
            .with_description("Kinder mit Unterhaltsvorschuss nach Altersgruppe"),
        ]
    }

    /// The settings with which the demo is published (what `quartier demo` uses): planted
    /// street records snapped with [`Self::SNAP_DISTANCE_M`], the school districts protected
    /// with the hierarchy, residents down to the blocks, and the sparse Kita and
    /// child-support records down to the quarters only
    /// ([`AnonymizeSpec::finest_levels`](crate::AnonymizeSpec::finest_levels)).
    ///
    /// # Examples
    ///
    /// ```
    /// let town = quartier::musterstadt_with(1, &quartier::DemoConfig::SMALL)?;
    /// let out = quartier::anonymize(&town.records, &town.hierarchy, &town.anonymize_spec())?;
    /// assert!(out.protocol().is_passed());
    /// # Ok::<(), quartier::Error>(())
    /// ```
    pub fn anonymize_spec(&self) -> crate::AnonymizeSpec {
        let by_quarter = |kind| (kind, "quartier".to_owned());
        crate::AnonymizeSpec {
            assign: crate::AssignOptions {
                snap_distance: Some(Self::SNAP_DISTANCE_M),
            },
            groupings: self.groupings.clone(),
            finest_levels: vec![
                by_quarter(RecordKind::Kita),
                by_quarter(RecordKind::ChildSupport),
            ],
            ..crate::AnonymizeSpec::default()
        }
    }

    /// The positions (in the quarter level) of the clearly disadvantaged quarters, those with
    /// a deprivation of at least [`Self::DISADVANTAGED_FROM`].
    pub fn disadvantaged_quarters(&self) -> Vec<usize> {
        (0..self.deprivation.len())
            .filter(|&q| self.deprivation[q] >= Self::DISADVANTAGED_FROM)
            .collect()
    }
}

fn slot(kind: RecordKind) -> usize {
    match kind {
        RecordKind::Resident => 0,
        RecordKind::Kita => 1,
        RecordKind::ChildSupport => 2,
    }
}

/// Generates Musterstadt from a seed with the default [`DemoConfig`].
///
/// Same seed → identical town (geometries and records); different seed → a different town.
/// Takes about 10 ms in a release build.
///
/// # How the town is made
///
/// - **Streets.** A lattice of street crossings (95 m × 75 m cells) around
///   x ≈ 462 000, y ≈ 5 778 000 (EPSG:25832, ETRS89 / UTM 32N, in the Ravensberger Land),
///   each crossing displaced at random. Cells outside a noisy ellipse are dropped, so the
///   town outline is irregular.
/// - **Blocks.** Each cell is shrunk inwards by the half-width of its streets (4.5–6.5 m,
///   main roads 8.5–10 m), so streets appear as gaps between blocks. About 12 % of the cells
///   are split in two along a straight or kinked line (the two halves share that edge
///   exactly), about 6 % of the others get a courtyard (a hole) and some corners are
///   chamfered. All vertices lie on a 1/8 m grid; rings are valid (counter-clockwise
///   exteriors, clockwise holes, no self-intersection).
/// - **Quarters and districts.** Quarters are contiguous groups of cells grown from
///   spread-out seeds; districts are contiguous groups of quarters.
/// - **Deprivation.** Each quarter has a planted deprivation score in `[0, 1]`
///   ([`DemoTown::deprivation`]): a cluster of three neighbouring quarters and one remote
///   quarter are clearly disadvantaged (≥ 0.8), the others fall off with distance from the
///   cluster (≤ 0.6). Deprived quarters are denser, have more children, lower Kita fee
///   brackets, lower Kita attendance and more child-support cases. This is the signal a
///   ranking must find.
/// - **Records.** Residents are spread over the blocks in proportion to block area ×
///   quarter density (about 6 % of blocks are non-residential), placed uniformly inside their
///   block (never in a courtyard), in block order. Kita records belong to residents aged 1–5
///   who attend a Kita; child-support cases to residents under 12 whose single parent receives
///   the advance. Both share the child's position.
/// - **Planted problems.** At the end of each record list a few records are planted so that
///   every outcome of the assignment occurs ([`Planted`]): exactly on an edge shared by two
///   blocks, in a street gap within [`DemoTown::MAX_STREET_OFFSET_M`] of a block (snapped with
///   [`DemoTown::SNAP_DISTANCE_M`]), far outside the town (one with x and y swapped), and
///   with no position at all.
///
/// Ids: the Gemeinde is `05758999` (a fictitious key in Kreis Herford), Ortsteile
/// `05758999-01` …, Quartiere `05758999-01-01` …, Baublöcke `05758999-01-01-001` …, numbered
/// north to south, then west to east, so byte order of ids is hierarchical order.
///
/// # Errors
///
/// [`Error::Hierarchy`] if the generated hierarchy does not build (a bug; the tests build
/// many seeds).
///
/// # Examples
///
/// ```
/// let a = quartier::musterstadt(1)?;
/// let b = quartier::musterstadt(1)?;
/// assert_eq!(a.records, b.records);
/// # Ok::<(), quartier::Error>(())
/// ```
#[doc(alias = "Musterstadt")]
pub fn musterstadt(seed: u64) -> Result<DemoTown, Error> {
    musterstadt_with(seed, &DemoConfig::default())
}

/// Generates a demo town from a seed and settings (see [`musterstadt`]).
///
/// # Errors
///
/// As [`musterstadt`].
pub fn musterstadt_with(seed: u64, config: &DemoConfig) -> Result<DemoTown, Error> {
    generate(seed, config).map(|(town, _, _)| town)
}

/// [`musterstadt_with`] with the layout and the ids it was made of (for the timeline).
fn generate(seed: u64, config: &DemoConfig) -> Result<(DemoTown, Layout, Town), Error> {
    let mut rng = Pcg64::seed_from_u64(seed);
    let layout = layout::generate(
        &mut rng,
        &LayoutParams {
            columns: config.columns,
            rows: config.rows,
            quarters: config.quarters,
            districts: config.districts,
            centre: CENTRE,
        },
    );
    let raw_deprivation = deprivation(&mut rng, &layout);
    let town = Town::assemble(&mut rng, &layout);
    let (hierarchy, validation) = town.build_hierarchy(&layout)?;
    let deprivation: Vec<f64> = town
        .quarter_raw
        .iter()
        .map(|&q| raw_deprivation[q])
        .collect();
    debug_assert_eq!(
        hierarchy.units(2).len(),
        deprivation.len(),
        "quarter ids sort as assembled"
    );
    let (records, planted) = population(&mut rng, config, &layout, &town, &deprivation);
    let groupings = vec![school_districts(&hierarchy)?];
    let demo = DemoTown {
        hierarchy,
        records,
        deprivation,
        seed,
        validation,
        groupings,
        planted,
    };
    Ok((demo, layout, town))
}

/// The school districts: [`DemoTown::SCHOOL_DISTRICTS`] vertical stripes of equal width over
/// the x-range of the block centres (centre of the bounding box); a block belongs to the
/// stripe of its centre. Ids `GS-1` … from west to east; a stripe without a block is no group.
fn school_districts(h: &Hierarchy) -> Result<Grouping, Error> {
    use geo::BoundingRect;
    let centres: Vec<Option<f64>> = h
        .blocks()
        .iter()
        .map(|b| b.geometry().bounding_rect().map(|r| r.center().x))
        .collect();
    let (lo, hi) = centres
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    let n = DemoTown::SCHOOL_DISTRICTS;
    let stripe = |x: f64| {
        let w = (hi - lo) / n as f64;
        if w > 0.0 {
            // ok: the quotient is finite and non-negative; `as` saturates.
            (((x - lo) / w) as usize).min(n - 1)
        } else {
            0
        }
    };
    let members = h
        .blocks()
        .iter()
        .zip(&centres)
        .filter_map(|(b, c)| c.map(|x| (b.id().as_str(), format!("GS-{}", stripe(x) + 1))));
    Ok(Grouping::new(
        DemoTown::SCHOOL_DISTRICT_GROUPING,
        h,
        members,
    )?)
}

/// Planted deprivation per raw quarter.
fn deprivation(rng: &mut Pcg64, layout: &Layout) -> Vec<f64> {
    let n = layout.quarter_centre.len();
    let mut d = vec![0.0; n];
    if n == 0 {
        return d;
    }
    let core = rng.random_range(0..n);
    let c = layout.quarter_centre[core];
    let distance = |q: usize| {
        let p = layout.quarter_centre[q];
        (p[0] - c[0]).hypot(p[1] - c[1])
    };
    // The core and its two nearest neighbours form the cluster.
    let mut neighbours = layout.quarter_adjacency[core].clone();
    neighbours.sort_by(|&a, &b| distance(a).total_cmp(&distance(b)).then(a.cmp(&b)));
    let mut cluster = vec![core];
    cluster.extend(neighbours.into_iter().take(2));
    // A remote disadvantaged quarter (a large estate at the edge): the farthest from the core.
    let remote = (0..n)
        .filter(|q| !cluster.contains(q))
        .max_by(|&a, &b| distance(a).total_cmp(&distance(b)).then(b.cmp(&a)));
    let scale = layout
        .quarter_centre
        .iter()
        .map(|p| (p[0] - layout.centre[0]).hypot(p[1] - layout.centre[1]))
        .fold(1.0, f64::max);
    for (q, dq) in d.iter_mut().enumerate() {
        *dq = if cluster.contains(&q) || Some(q) == remote {
            rng.random_range(0.85..1.0)
        } else {
            (0.45 * (-distance(q) / (0.8 * scale)).exp() + rng.random_range(0.0..0.15)).min(0.6)
        };
    }
    d
}

/// The layout with ids: blocks ordered by id, quarters and districts ordered by id.
struct Town {
    /// Layout block index of each block, in id order.
    block_raw: Vec<usize>,
    /// Id of each block, in id order.
    block_id: Vec<String>,
    /// Quarter position of each block, in id order.
    block_quarter: Vec<usize>,
    /// Raw quarter of each quarter position.
    quarter_raw: Vec<usize>,
    /// Id and name of each quarter, in id order.
    quarters: Vec<(String, String)>,
    /// District position of each quarter position.
    quarter_district: Vec<usize>,
    /// Id and name of each district, in id order.
    districts: Vec<(String, String)>,
}

/// North to south, then west to east.
fn reading_order(a: Pt, b: Pt) -> std::cmp::Ordering {
    b[1].total_cmp(&a[1]).then(a[0].total_cmp(&b[0]))
}

fn shuffled<'a>(rng: &mut Pcg64, names: &[&'a str]) -> Vec<&'a str> {
    let mut v = names.to_vec();
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
    v
}

impl Town {
    fn assemble(rng: &mut Pcg64, layout: &Layout) -> Self {
        let n_q = layout.quarter_centre.len();
        let n_d = layout
            .quarter_district
            .iter()
            .copied()
            .max()
            .map_or(0, |m| m + 1);
        // Districts in reading order of their centres.
        let mut d_centre = vec![[0.0; 2]; n_d];
        let mut d_count = vec![0usize; n_d];
        for (q, &d) in layout.quarter_district.iter().enumerate() {
            d_centre[d][0] += layout.quarter_centre[q][0];
            d_centre[d][1] += layout.quarter_centre[q][1];
            d_count[d] += 1;
        }
        for (c, &k) in d_centre.iter_mut().zip(&d_count) {
            let k = k.max(1) as f64;
            *c = [c[0] / k, c[1] / k];
        }
        let mut d_order: Vec<usize> = (0..n_d).collect();
        d_order.sort_by(|&a, &b| reading_order(d_centre[a], d_centre[b]).then(a.cmp(&b)));
        let mut d_pos = vec![0; n_d];
        for (pos, &d) in d_order.iter().enumerate() {
            d_pos[d] = pos;
        }
        let d_names = shuffled(rng, &DISTRICT_NAMES);
        let districts = (0..n_d)
            .map(|pos| {
                let name = d_names
                    .get(pos)
                    .map_or_else(|| format!("Ortsteil {}", pos + 1), |s| (*s).to_owned());
                (format!("{GEMEINDE_ID}-{:02}", pos + 1), name)
            })
            .collect();
        // Quarters: by district, then reading order.
        let mut q_order: Vec<usize> = (0..n_q).collect();
        q_order.sort_by(|&a, &b| {
            d_pos[layout.quarter_district[a]]
                .cmp(&d_pos[layout.quarter_district[b]])
                .then(reading_order(
                    layout.quarter_centre[a],
                    layout.quarter_centre[b],
                ))
                .then(a.cmp(&b))
        });
        let mut q_pos = vec![0; n_q];
        let q_names = shuffled(rng, &QUARTER_NAMES);
        let mut quarters = Vec::with_capacity(n_q);
        let mut quarter_district = Vec::with_capacity(n_q);
        let mut number_in_district = vec![0usize; n_d];
        for (pos, &q) in q_order.iter().enumerate() {
            q_pos[q] = pos;
            let d = d_pos[layout.quarter_district[q]];
            number_in_district[d] += 1;
            let name = q_names
                .get(pos)
                .map_or_else(|| format!("Quartier {}", pos + 1), |s| (*s).to_owned());
            quarters.push((
                format!("{GEMEINDE_ID}-{:02}-{:02}", d + 1, number_in_district[d]),
                name,
            ));
            quarter_district.push(d);
        }
        // Blocks: by quarter, then reading order of their centres.
        let centres: Vec<Pt> = layout
            .blocks
            .iter()
            .map(|b| layout::centre_of(&b.exterior))
            .collect();
        let quarter_of = |b: &Block| q_pos[layout.cell_quarter[b.cell]];
        let mut block_raw: Vec<usize> = (0..layout.blocks.len()).collect();
        block_raw.sort_by(|&a, &b| {
            quarter_of(&layout.blocks[a])
                .cmp(&quarter_of(&layout.blocks[b]))
                .then(reading_order(centres[a], centres[b]))
                .then(a.cmp(&b))
        });
        let mut block_id = Vec::with_capacity(block_raw.len());
        let mut block_quarter = Vec::with_capacity(block_raw.len());
        let mut number_in_quarter = vec![0usize; n_q];
        for &b in &block_raw {
            let q = quarter_of(&layout.blocks[b]);
            number_in_quarter[q] += 1;
            block_id.push(format!("{}-{:03}", quarters[q].0, number_in_quarter[q]));
            block_quarter.push(q);
        }
        Town {
            block_raw,
            block_id,
            block_quarter,
            quarter_raw: q_order,
            quarters,
            quarter_district,
            districts,
        }
    }

    fn build_hierarchy(&self, layout: &Layout) -> Result<(Hierarchy, ValidationReport), Error> {
        let mut builder = HierarchyBuilder::new(DEFAULT_LEVELS);
        builder.add_unit(
            0,
            UnitFeature {
                feature: 0,
                id: GEMEINDE_ID.to_owned(),
                name: Some(GEMEINDE_NAME.to_owned()),
                geometry: None,
            },
        );
        for (d, (id, name)) in self.districts.iter().enumerate() {
            builder.add_unit(
                1,
                UnitFeature {
                    feature: 1 + d,
                    id: id.clone(),
                    name: Some(name.clone()),
                    geometry: None,
                },
            );
        }
        for (q, (id, name)) in self.quarters.iter().enumerate() {
            builder.add_unit(
                2,
                UnitFeature {
                    feature: 1 + self.districts.len() + q,
                    id: id.clone(),
                    name: Some(name.clone()),
                    geometry: None,
                },
            );
        }
        for (pos, &raw) in self.block_raw.iter().enumerate() {
            let q = self.block_quarter[pos];
            builder.add_block(BlockFeature {
                feature: pos,
                ids: vec![
                    GEMEINDE_ID.to_owned(),
                    self.districts[self.quarter_district[q]].0.clone(),
                    self.quarters[q].0.clone(),
                    self.block_id[pos].clone(),
                ],
                name: None,
                geometry: MultiPolygon::new(vec![polygon(&layout.blocks[raw])]),
            });
        }
        Ok(builder.build()?)
    }
}

/// The block as a geo polygon.
fn polygon(block: &Block) -> Polygon<f64> {
    let ring = |r: &[Pt]| LineString::from(r.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>());
    Polygon::new(
        ring(&block.exterior),
        block.hole.iter().map(|h| ring(h)).collect(),
    )
}

/// Relative frequency of an age in the town before deprivation (a German-style pyramid:
/// small young cohorts, the baby boomers around 60, thinning out above 75).
fn base_age_weight(age: usize) -> f64 {
    let a = age as f64;
    let w = if age < 18 {
        0.85
    } else if age < 25 {
        0.95
    } else if age < 55 {
        1.05
    } else if age < 67 {
        1.35
    } else {
        1.3 * (1.0 - ((a - 67.0) / 33.0).powi(2)).max(0.0)
    };
    w.max(0.0)
}

/// Cumulative age distribution for a quarter's deprivation.
fn age_table(d: f64) -> Vec<f64> {
    let mut acc = 0.0;
    (0..100)
        .map(|age| {
            let factor = if age < 18 {
                1.0 + 1.4 * d
            } else if age < 25 {
                1.0 + 0.5 * d
            } else if age >= 65 {
                1.0 - 0.5 * d
            } else {
                1.0
            };
            acc += base_age_weight(age) * factor;
            acc
        })
        .collect()
}

/// Draws an index from a cumulative weight table.
fn draw(rng: &mut Pcg64, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let u = rng.random_range(0.0..1.0) * total;
    cumulative
        .partition_point(|&c| c <= u)
        .min(cumulative.len().saturating_sub(1))
}

/// A uniform point strictly inside a block (not in its courtyard), by rejection sampling.
fn point_in(rng: &mut Pcg64, poly: &Polygon<f64>, block: &Block) -> Pt {
    use geo::Contains;
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in &block.exterior {
        lo = [lo[0].min(p[0]), lo[1].min(p[1])];
        hi = [hi[0].max(p[0]), hi[1].max(p[1])];
    }
    for _ in 0..1000 {
        let p = [
            rng.random_range(lo[0]..hi[0]),
            rng.random_range(lo[1]..hi[1]),
        ];
        if poly.contains(&geo::Point::new(p[0], p[1])) {
            return p;
        }
    }
    // Not reached: blocks fill a good share of their bounding box. Fall back to a point
    // between the first vertex and the centre (outside the courtyard).
    let c = layout::centre_of(&block.exterior);
    let v = block.exterior[0];
    [c[0] + 0.75 * (v[0] - c[0]), c[1] + 0.75 * (v[1] - c[1])]
}

/// Fee bracket weights (brackets 1..=6) for a quarter's deprivation: mean ≈ 4.6 in the
/// best-off quarters, ≈ 1 in the most deprived.
fn fee_table(d: f64) -> Vec<f64> {
    let mu = 4.6 - 3.6 * d;
    let mut acc = 0.0;
    (1..=6)
        .map(|b| {
            let z = (f64::from(b) - mu) / 1.3;
            acc += (-0.5 * z * z).exp();
            acc
        })
        .collect()
}

#[allow(clippy::too_many_lines)]
fn population(
    rng: &mut Pcg64,
    config: &DemoConfig,
    layout: &Layout,
    town: &Town,
    deprivation: &[f64],
) -> (Records, [Planted; 3]) {
    use geo::Area;
    let n_blocks = town.block_raw.len();
    let polygons: Vec<Polygon<f64>> = town
        .block_raw
        .iter()
        .map(|&b| polygon(&layout.blocks[b]))
        .collect();
    // Residents per block: multinomial over area × quarter density × block factor.
    let density: Vec<f64> = deprivation
        .iter()
        .map(|&d| 0.6 + 1.4 * d + rng.random_range(0.0..0.3))
        .collect();
    let mut cumulative = Vec::with_capacity(n_blocks);
    let mut acc = 0.0;
    for (pos, poly) in polygons.iter().enumerate() {
        let residential = !rng.random_bool(NON_RESIDENTIAL_P);
        let factor = rng.random_range(0.5..1.5);
        if residential {
            acc += poly.unsigned_area() * density[town.block_quarter[pos]] * factor;
        }
        cumulative.push(acc);
    }
    let mut per_block = vec![0usize; n_blocks];
    if acc > 0.0 {
        for _ in 0..config.residents {
            per_block[draw(rng, &cumulative)] += 1;
        }
    }
    let age_tables: Vec<Vec<f64>> = deprivation.iter().map(|&d| age_table(d)).collect();
    let fee_tables: Vec<Vec<f64>> = deprivation.iter().map(|&d| fee_table(d)).collect();

    let mut residents = Vec::with_capacity(config.residents + 32);
    let mut kita = Vec::new();
    let mut child_support = Vec::new();
    for (pos, &n) in per_block.iter().enumerate() {
        let q = town.block_quarter[pos];
        let d = deprivation[q];
        let block = &layout.blocks[town.block_raw[pos]];
        for _ in 0..n {
            let p = point_in(rng, &polygons[pos], block);
            let position = Some(Position::new(p[0], p[1]));
            // ok: draw returns an index below 100, which fits in u8.
            let age = u8::try_from(draw(rng, &age_tables[q])).unwrap_or(u8::MAX);
            residents.push(Resident { position, age });
            child_records(
                rng,
                (position, age),
                d,
                &fee_tables[q],
                &mut kita,
                &mut child_support,
            );
        }
    }

    // Planted problem records, appended to each list.
    let street = street_edges(layout);
    let planted = plant(
        rng,
        (&layout.shared_edges, &street),
        &mut residents,
        &mut kita,
        &mut child_support,
    );
    (Records::new(residents, kita, child_support), planted)
}

/// The Kita fee record and the child-support case of one resident (a child), if any: the
/// generator's rules for a resident at `position` of age `age` in a quarter of deprivation
/// `d` with the fee bracket table `fee_table` ([`fee_table`]).
fn child_records(
    rng: &mut Pcg64,
    (position, age): (Option<Position>, u8),
    d: f64,
    fee_table: &[f64],
    kita: &mut Vec<KitaRecord>,
    child_support: &mut Vec<ChildSupportCase>,
) {
    if (1..=5).contains(&age) {
        let attend = if age < 3 { 0.5 } else { 0.93 } - 0.2 * d;
        if rng.random_bool(attend.clamp(0.0, 1.0)) {
            let bracket = draw(rng, fee_table) + 1;
            kita.push(KitaRecord {
                position,
                child_age: age,
                fee_bracket: u8::try_from(bracket).unwrap_or(u8::MAX),
            });
        }
    }
    if age < 12 && rng.random_bool((0.03 + 0.22 * d).clamp(0.0, 1.0)) {
        child_support.push(ChildSupportCase {
            position,
            child_age: age,
        });
    }
}

/// Midpoints of the layout's street edges with their outward normals.
fn street_edges(layout: &Layout) -> Vec<(Pt, Pt)> {
    layout
        .blocks
        .iter()
        .flat_map(|b| b.street_edges.iter().copied())
        .collect()
}

/// Appends the planted problem records ([`Planted`]) to each record list: on the polylines
/// `shared_edges` shared by two blocks, in the street next to the `street` edges (midpoint,
/// outward normal), far outside, without a position and with a broken coordinate.
fn plant(
    rng: &mut Pcg64,
    (shared_edges, street): (&[Vec<Pt>], &[(Pt, Pt)]),
    residents: &mut Vec<Resident>,
    kita: &mut Vec<KitaRecord>,
    child_support: &mut Vec<ChildSupportCase>,
) -> [Planted; 3] {
    let mut planted: [Planted; 3] = Default::default();
    let counts: [(usize, usize, usize, usize); 3] = [(12, 10, 3, 5), (2, 2, 1, 2), (2, 2, 1, 2)];
    for (kind_slot, &(n_edge, n_street, n_far, n_none)) in counts.iter().enumerate() {
        let mut spots: Vec<(Option<Pt>, usize)> = Vec::new();
        for _ in 0..n_edge {
            if shared_edges.is_empty() {
                break;
            }
            let e = &shared_edges[rng.random_range(0..shared_edges.len())];
            let seg = rng.random_range(0..e.len() - 1);
            let (a, b) = (e[seg], e[seg + 1]);
            // Exactly on the segment: a + t (b - a) with t = j/8 is exact on the 1/8 m grid.
            let t = f64::from(rng.random_range(0u8..=8)) / 8.0;
            spots.push((
                Some([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]),
                0,
            ));
        }
        for _ in 0..n_street {
            if street.is_empty() {
                break;
            }
            let (mid, out) = street[rng.random_range(0..street.len())];
            let off = rng.random_range(1.0..DemoTown::MAX_STREET_OFFSET_M);
            spots.push((Some([mid[0] + off * out[0], mid[1] + off * out[1]]), 1));
        }
        for k in 0..n_far {
            let p = if k == 0 {
                // x and y swapped: a classic import error
                [CENTRE[1] + rng.random_range(-500.0..500.0), CENTRE[0]]
            } else {
                let angle = rng.random_range(0.0..std::f64::consts::TAU);
                let r = rng.random_range(20_000.0..60_000.0);
                [CENTRE[0] + r * angle.cos(), CENTRE[1] + r * angle.sin()]
            };
            spots.push((Some(p), 2));
        }
        for _ in 0..n_none {
            spots.push((None, 3));
        }
        // A broken export: one coordinate NaN, or infinite.
        spots.push((Some([f64::NAN, CENTRE[1]]), 4));
        if kind_slot == 0 {
            spots.push((Some([CENTRE[0], f64::INFINITY]), 4));
        }
        let base = [residents.len(), kita.len(), child_support.len()][kind_slot];
        for (k, (p, what)) in spots.into_iter().enumerate() {
            let position = p.map(|p| Position::new(p[0], p[1]));
            match kind_slot {
                0 => residents.push(Resident {
                    position,
                    age: rng.random_range(25..85),
                }),
                1 => kita.push(KitaRecord {
                    position,
                    child_age: rng.random_range(1..=5),
                    fee_bracket: rng.random_range(1..=6),
                }),
                _ => child_support.push(ChildSupportCase {
                    position,
                    child_age: rng.random_range(0..12),
                }),
            }
            let list = &mut planted[kind_slot];
            let target = match what {
                0 => &mut list.on_shared_edge,
                1 => &mut list.in_street,
                2 => &mut list.far_outside,
                3 => &mut list.no_position,
                _ => &mut list.invalid_coordinate,
            };
            target.push(base + k);
        }
    }
    planted
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn age_table_shifts_towards_children_with_deprivation() {
        let share_children = |d: f64| {
            let t = age_table(d);
            t[17] / t[99]
        };
        assert!(share_children(1.0) > 1.5 * share_children(0.0));
        assert!(share_children(0.0) > 0.12 && share_children(0.0) < 0.2);
    }

    #[test]
    fn fee_brackets_fall_with_deprivation() {
        let mean = |d: f64| {
            let t = fee_table(d);
            let mut prev = 0.0;
            let mut m = 0.0;
            for (b, &c) in t.iter().enumerate() {
                m += (b + 1) as f64 * (c - prev);
                prev = c;
            }
            m / t[5]
        };
        assert!(mean(0.0) > 4.0);
        assert!(mean(1.0) < 2.0);
    }

    #[test]
    fn draw_stays_in_range() {
        let mut rng = Pcg64::seed_from_u64(1);
        let t = vec![0.0, 1.0, 1.0, 3.0];
        for _ in 0..1000 {
            let k = draw(&mut rng, &t);
            assert!(k == 1 || k == 3);
        }
    }
}
