//! Monitoring over time and the offices' sign-offs in the report (issue 9).
//!
//! Two optional inputs of [`ReportInput`](super::ReportInput), both plain data that the
//! caller has already computed from protected aggregates:
//!
//! - [`MonitoringView`]: the ranked level's indicators, ranks and dynamics over several
//!   reference dates (Stichtage). Every profile of the ranked level gets a section
//!   "Entwicklung" ("Development over time") with the quarter's rank at each date
//!   (`31.12.2021: 12 → 31.12.2022: 9 → 31.12.2023: 7`), its dynamics class and
//!   status × dynamics class, and one row per indicator with an inline SVG sparkline (the
//!   series over the dates, estimated points hollow, missing points left out, the first
//!   and the last value labelled) and the change first → last. The index gets a table
//!   "Was hat sich verändert?" ("What changed?") linking to the profiles, and the number of
//!   quarters per status × dynamics class.
//! - [`ReleaseView`]: which indicators lack a current sign-off of their office, and the
//!   sign-offs themselves. A draft indicator's maps carry a diagonal "Entwurf" ("Draft")
//!   watermark, its rows in the profiles a badge; the composite map, the ranking heading
//!   and every profile's header are marked as draft when any indicator that enters the
//!   composite is a draft. The index lists the sign-offs (office, date, comment, the first
//!   12 hex digits of the table's SHA-256, current or outdated).
//!
//! With both inputs `None` the report is byte-identical to a report without them.
//!
//! # Decisions
//!
//! - **Views, not computations.** Changes, dynamics and what-changed reasons come worded and
//!   computed (see the `trend` module); the renderer only formats numbers, so the report
//!   cannot disagree with the tables the planners get.
//! - **Shapes are checked, not trusted.** Every per-unit and per-date vector must have one
//!   entry per unit of the ranked level and per date, and every what-changed entry must
//!   name a unit of the level; otherwise rendering fails with
//!   [`RenderError::MonitoringShape`] / [`RenderError::MonitoringUnit`] naming the field and
//!   the unit id (public), never a value.
//! - **Sparkline scale.** Dates are evenly spaced (they are labels, usually yearly); the
//!   vertical scale spans the unit's own values, so a sparkline shows the shape of the
//!   series, and the labelled first and last values give its level. A line joins only
//!   neighbouring dates that both have a value: a gap stays visible. A non-finite value is
//!   treated as missing.
//! - **Numbers** use the decimals of the indicator's map classes (from the spread of its
//!   current values), so a value reads the same in the key figures and in the sparkline;
//!   an indicator not in the analysis gets one decimal and its name as label.
//! - **What is a draft.** An indicator is a draft when its name is in
//!   [`ReleaseView::drafts`]; the composite is a draft when any indicator with a positive
//!   weight in the ranking is. Names in `drafts` that the analysis does not have are still
//!   listed on the index (they may be inputs of an indicator the caller named
//!   differently) but mark nothing else.
//! - **Marks are countable.** Every HTML mark is one `<span class="draft">` and every SVG
//!   mark one watermark `<text>`, so a reader (and a test) can tell exactly which parts are
//!   drafts; no other text says "Entwurf" unless a draft exists.
//! - **Estimated values** (through the block key from earlier boundaries) are drawn hollow
//!   and explained under the profile's table when the unit has one, and on the index when
//!   any value is estimated or [`MonitoringView::estimated_note`] asks for it.

use std::collections::{BTreeMap, BTreeSet};

use super::RenderError;
use super::format::{MISSING, signed};
use super::report::{Ctx, LevelData, STRIP_WIDTH_PX, level_label};
use super::view::{
    ChangeRow, ChangesView, DynamicsSummary, Fact, ProfileTrend, ReleaseSection, SignoffRow,
    SparkPoint, SparklineView, TrendRow,
};
use crate::hierarchy::Unit;

/// The ranked level over several reference dates, as the report shows it.
///
/// All per-unit vectors follow the units of the analysed (ranked) level in hierarchy order;
/// all per-date vectors follow [`dates`](Self::dates).
///
/// # Examples
///
/// ```
/// use quartier::{DynamicsView, MonitoringView, SeriesView};
///
/// // Two quarters, two dates.
/// let view = MonitoringView {
///     dates: vec!["2021-12-31".into(), "2023-12-31".into()],
///     series: vec![SeriesView {
///         indicator: "under25_share".into(),
///         values: vec![vec![Some(20.0), Some(23.5)], vec![None, Some(18.0)]],
///         estimated: vec![vec![true, false], vec![false, false]],
///         change: vec![Some(3.5), None],
///         unit_label: "Prozentpunkte".into(),
///     }],
///     ranks: vec![vec![Some(2), Some(1)], vec![Some(1), Some(2)]],
///     dynamics: vec![
///         Some(DynamicsView { index: 1.2, class: "negativ".into(), combined: "1-".into() }),
///         None,
///     ],
///     changes: Vec::new(),
///     estimated_note: true,
/// };
/// assert_eq!(view.series[0].values.len(), view.ranks.len());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MonitoringView {
    /// The reference dates, oldest first (ISO `YYYY-MM-DD` prints as `DD.MM.YYYY` in German
    /// reports; any other label prints as it is).
    pub dates: Vec<String>,
    /// One series per indicator.
    pub series: Vec<SeriesView>,
    /// The rank of each unit at each date (`[unit][date]`, 1 = most disadvantaged);
    /// `None` = not ranked then.
    pub ranks: Vec<Vec<Option<usize>>>,
    /// The dynamics of each unit (`[unit]`); `None` = no dynamics (e.g. too few residents).
    pub dynamics: Vec<Option<DynamicsView>>,
    /// The units a planner should look at, in the order to list them.
    pub changes: Vec<ChangeView>,
    /// Show the note on values estimated through the block key on the index even when no
    /// point of [`SeriesView::estimated`] is set.
    pub estimated_note: bool,
}

/// One indicator over the reference dates.
///
/// # Examples
///
/// ```
/// use quartier::SeriesView;
///
/// let s = SeriesView {
///     indicator: "under25_share".into(),
///     values: vec![vec![Some(20.0), None, Some(23.5)]],
///     estimated: vec![vec![true, false, false]],
///     change: vec![Some(3.5)],
///     unit_label: "pp".into(),
/// };
/// assert_eq!(s.values[0].iter().flatten().count(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesView {
    /// The indicator's name as in the analysis (`under25_share`); its label, unit and
    /// decimals come from there.
    pub indicator: String,
    /// The values (`[unit][date]`), in the indicator's unit (shares in percent); `None` =
    /// no value (suppressed, not yet collected).
    pub values: Vec<Vec<Option<f64>>>,
    /// Whether a value is estimated through the block key (`[unit][date]`).
    pub estimated: Vec<Vec<bool>>,
    /// The change first → last date (`[unit]`), in percentage points for shares.
    pub change: Vec<Option<f64>>,
    /// The unit of [`change`](Self::change) as printed after it (`Prozentpunkte`, `pp`).
    pub unit_label: String,
}

/// A unit's dynamics (e.g. Berlin's MSS dynamics index and class).
///
/// # Examples
///
/// ```
/// use quartier::DynamicsView;
///
/// let d = DynamicsView { index: -0.8, class: "positiv".into(), combined: "3+".into() };
/// assert!(d.index < 0.0);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DynamicsView {
    /// The dynamics index (higher = worsening).
    pub index: f64,
    /// The dynamics class, worded (`negativ`, `stabil`, `positiv`).
    pub class: String,
    /// The status × dynamics class (`2-`).
    pub combined: String,
}

/// One entry of the "what changed" table.
///
/// # Examples
///
/// ```
/// use quartier::ChangeView;
///
/// let c = ChangeView {
///     unit: 0,
///     reason: "neu ausgewählt".into(),
///     rank_before: Some(4),
///     rank_now: Some(1),
///     dynamics: Some("negativ".into()),
///     indicator: Some("under25_share".into()),
///     change: Some(3.5),
/// };
/// assert_eq!(c.rank_before.zip(c.rank_now), Some((4, 1)));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChangeView {
    /// The unit's position in the ranked level.
    pub unit: usize,
    /// Why it is listed, worded in the report's language (`neu ausgewählt`).
    pub reason: String,
    /// The rank at the first date.
    pub rank_before: Option<usize>,
    /// The rank at the last date.
    pub rank_now: Option<usize>,
    /// The dynamics class, worded.
    pub dynamics: Option<String>,
    /// The indicator that changed most (its name as in the analysis).
    pub indicator: Option<String>,
    /// That indicator's change, in the unit of its [`SeriesView::unit_label`].
    pub change: Option<f64>,
}

/// The offices' sign-offs, as the report shows them.
///
/// # Examples
///
/// ```
/// use quartier::{ReleaseView, SignoffView};
///
/// let release = ReleaseView {
///     drafts: ["kita_low_income_share".to_owned()].into(),
///     signoffs: vec![SignoffView {
///         dataset: "resident".into(),
///         reference_date: "2023-12-31".into(),
///         office: "Bürgeramt".into(),
///         signed_on: "2024-02-01".into(),
///         comment: None,
///         sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
///         current: true,
///     }],
/// };
/// assert!(release.drafts.contains("kita_low_income_share"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReleaseView {
    /// Names of the indicators (as in the analysis) without a current sign-off.
    pub drafts: BTreeSet<String>,
    /// The sign-offs, in the order to list them.
    pub signoffs: Vec<SignoffView>,
}

/// One sign-off of a protected table by its office.
///
/// # Examples
///
/// ```
/// use quartier::SignoffView;
///
/// let s = SignoffView {
///     dataset: "kita".into(),
///     reference_date: "2023-03-01".into(),
///     office: "Jugendamt".into(),
///     signed_on: "2023-05-02".into(),
///     comment: Some("Stichtag verschoben".into()),
///     sha256: "ab".repeat(32),
///     current: false,
/// };
/// assert!(!s.current);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignoffView {
    /// The dataset's name (`resident`); printed as its catalogue title when the catalogue
    /// has it.
    pub dataset: String,
    /// The reference date of the signed table (ISO).
    pub reference_date: String,
    /// The office that signed.
    pub office: String,
    /// The date of the sign-off (ISO).
    pub signed_on: String,
    /// The office's comment.
    pub comment: Option<String>,
    /// The SHA-256 of the signed table (hex); the report prints the first 12 digits.
    pub sha256: String,
    /// Whether the signed table is the current one (else it changed since).
    pub current: bool,
}

/// Hex digits of the SHA-256 printed.
const SHA_DIGITS: usize = 12;

/// Checks that `view` has one entry per unit of `units` and per date everywhere, and that
/// every what-changed entry names one of the units.
pub(super) fn check(view: &MonitoringView, level: &str, units: &[Unit]) -> Result<(), RenderError> {
    let n = units.len();
    let d = view.dates.len();
    let shape = |field: String, expected: usize, found: usize| {
        if expected == found {
            Ok(())
        } else {
            Err(RenderError::MonitoringShape {
                field,
                expected,
                found,
            })
        }
    };
    let id = |u: usize| units.get(u).map_or("", |x| x.id().as_str());
    shape("ranks".to_owned(), n, view.ranks.len())?;
    for (u, r) in view.ranks.iter().enumerate() {
        shape(format!("ranks[{}]", id(u)), d, r.len())?;
    }
    shape("dynamics".to_owned(), n, view.dynamics.len())?;
    for s in &view.series {
        let name = &s.indicator;
        shape(format!("series[{name}].values"), n, s.values.len())?;
        shape(format!("series[{name}].estimated"), n, s.estimated.len())?;
        shape(format!("series[{name}].change"), n, s.change.len())?;
        for (u, (v, e)) in s.values.iter().zip(&s.estimated).enumerate() {
            shape(format!("series[{name}].values[{}]", id(u)), d, v.len())?;
            shape(format!("series[{name}].estimated[{}]", id(u)), d, e.len())?;
        }
    }
    if let Some((entry, c)) = view.changes.iter().enumerate().find(|(_, c)| c.unit >= n) {
        return Err(RenderError::MonitoringUnit {
            entry,
            unit: c.unit,
            level: level.to_owned(),
            units: n,
        });
    }
    Ok(())
}

/// Label, unit of measure and display decimals of an indicator.
struct Format {
    label: String,
    unit: String,
    decimals: usize,
}

impl<'a> Ctx<'a> {
    /// The draft badge of indicator `name`, `None` when it is signed off (or there is no
    /// release input).
    pub(super) fn draft(&self, name: &str) -> Option<String> {
        self.input
            .release
            .filter(|r| r.drafts.contains(name))
            .map(|_| self.draft_word())
    }

    fn draft_word(&self) -> String {
        self.t("Entwurf", "Draft")
    }

    /// The indicators with a positive weight in the composite that are drafts, by name.
    fn composite_drafts(&self) -> Vec<&'a str> {
        let Some(r) = self.input.release else {
            return Vec::new();
        };
        self.weights
            .iter()
            .filter(|(name, w)| **w > 0.0 && r.drafts.contains(**name))
            .map(|(name, _)| *name)
            .collect()
    }

    /// The draft badge of the composite (map, ranking), `None` when it is signed off.
    pub(super) fn composite_draft(&self) -> Option<String> {
        (!self.composite_drafts().is_empty()).then(|| self.draft_word())
    }

    /// The label of indicator `name` (its name when the analysis does not have it).
    fn label_of(&self, name: &str) -> String {
        self.input
            .analysis
            .indicators
            .column(name)
            .map_or_else(|| name.to_owned(), |c| self.indicator_label(c))
    }

    /// A profile's draft note: (badge, text) when the composite is a draft.
    pub(super) fn composite_draft_note(&self) -> Option<(String, String)> {
        let drafts = self.composite_drafts();
        if drafts.is_empty() {
            return None;
        }
        let labels: Vec<String> = drafts.iter().map(|n| self.label_of(n)).collect();
        Some((
            self.draft_word(),
            format!(
                "{}: {}",
                self.t(
                    "Gesamtindex und Rang beruhen auf Indikatoren ohne aktuelle Freigabe des Fachamts",
                    "The composite index and the rank rest on indicators without a current sign-off by their office"
                ),
                labels.join("; ")
            ),
        ))
    }

    fn format_of(&self, data: &LevelData<'a>, name: &str) -> Format {
        match data.table.columns.iter().position(|c| c.spec.name == name) {
            Some(i) => {
                let column = &data.table.columns[i];
                Format {
                    label: self.indicator_label(column),
                    unit: self.measure_unit(&column.spec.measure),
                    decimals: data.classed.get(i).map_or(1, |c| c.decimals),
                }
            }
            None => Format {
                label: name.to_owned(),
                unit: String::new(),
                decimals: 1,
            },
        }
    }

    /// A change with its sign and unit, or `–`.
    fn change_text(&self, change: Option<f64>, decimals: usize, unit: &str) -> String {
        match change.filter(|c| c.is_finite()) {
            Some(c) => {
                let mut text = signed(c, decimals, self.lang);
                if !unit.is_empty() {
                    text.push(' ');
                    text.push_str(unit);
                }
                text
            }
            None => MISSING.to_owned(),
        }
    }

    fn estimated_word(&self) -> String {
        self.t("geschätzt", "estimated")
    }

    /// Unit `u`'s development over the dates; `None` without monitoring input or with
    /// nothing to show.
    pub(super) fn profile_trend(&self, data: &LevelData<'a>, u: usize) -> Option<ProfileTrend> {
        let m = self.input.monitoring?;
        if m.dates.is_empty() {
            return None;
        }
        let dates: Vec<String> = m.dates.iter().map(|d| self.date(d)).collect();
        let mut facts = Vec::new();
        if let Some(ranks) = m.ranks.get(u).filter(|r| r.iter().any(Option::is_some)) {
            let value = dates
                .iter()
                .zip(ranks)
                .map(|(d, r)| {
                    let r = r.map_or_else(|| MISSING.to_owned(), |r| self.int(r as u64));
                    format!("{d}: {r}")
                })
                .collect::<Vec<_>>()
                .join(" → ");
            facts.push(Fact {
                label: self.t("Rang im Zeitverlauf", "Rank over time"),
                value,
            });
        }
        if let Some(Some(dy)) = m.dynamics.get(u) {
            facts.push(Fact {
                label: self.t("Dynamik", "Dynamics"),
                value: format!(
                    "{} ({} {})",
                    dy.class,
                    self.t("Index", "index"),
                    signed(dy.index, 2, self.lang)
                ),
            });
            facts.push(Fact {
                label: self.t("Status × Dynamik", "Status × dynamics"),
                value: dy.combined.clone(),
            });
        }
        let mut any_estimated = false;
        let rows: Vec<TrendRow> = m
            .series
            .iter()
            .map(|s| {
                let f = self.format_of(data, &s.indicator);
                let values = s.values.get(u).map_or(&[][..], Vec::as_slice);
                let estimated = s.estimated.get(u).map_or(&[][..], Vec::as_slice);
                let suffix = if f.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", f.unit)
                };
                let points: Vec<Option<SparkPoint>> = dates
                    .iter()
                    .enumerate()
                    .map(|(d, date)| {
                        let value = values.get(d).copied().flatten().filter(|v| v.is_finite())?;
                        let est = estimated.get(d).copied().unwrap_or(false);
                        any_estimated |= est;
                        let mut tooltip =
                            format!("{date}: {}{suffix}", self.num(value, f.decimals));
                        if est {
                            tooltip.push_str(&format!(" ({})", self.estimated_word()));
                        }
                        Some(SparkPoint {
                            value,
                            estimated: est,
                            tooltip,
                        })
                    })
                    .collect();
                let present: Vec<(usize, f64)> = points
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| p.as_ref().map(|p| (i, p.value)))
                    .collect();
                let (first_label, last_label) = match (present.first(), present.last()) {
                    (Some(&(i, a)), Some(&(j, b))) => (
                        self.num(a, f.decimals),
                        if j > i {
                            self.num(b, f.decimals)
                        } else {
                            String::new()
                        },
                    ),
                    _ => (String::new(), String::new()),
                };
                TrendRow {
                    chart: SparklineView {
                        points,
                        first_label,
                        last_label,
                        description: format!(
                            "{}: {} {}",
                            f.label,
                            self.units.get(u).map_or("", |x| x.id().as_str()),
                            self.t("im Zeitverlauf", "over time")
                        ),
                        width_px: STRIP_WIDTH_PX,
                    },
                    change: self.change_text(
                        s.change.get(u).copied().flatten(),
                        f.decimals,
                        &s.unit_label,
                    ),
                    draft: self.draft(&s.indicator),
                    label: f.label,
                    unit: f.unit,
                }
            })
            .collect();
        if facts.is_empty() && rows.is_empty() {
            return None;
        }
        let span = match (dates.first(), dates.last()) {
            (Some(a), Some(b)) if dates.len() > 1 => format!("{a} – {b}"),
            (Some(a), _) => a.clone(),
            _ => String::new(),
        };
        Some(ProfileTrend {
            facts,
            columns: vec![
                self.t("Indikator", "Indicator"),
                format!("{} {span}", self.t("Verlauf", "Development")),
                self.t("Veränderung", "Change"),
            ],
            rows,
            note: any_estimated.then(|| {
                format!(
                    "○ {}",
                    self.t(
                        "geschätzt über den Blockschlüssel (Crosswalk): Wert eines früheren Gebietsstands, auf die heutigen Grenzen umgerechnet",
                        "estimated through the block key (crosswalk): a value of earlier boundaries, carried over to today's"
                    )
                )
            }),
        })
    }

    /// The "what changed" table of the index; `None` without monitoring input.
    pub(super) fn changes(&self, data: &LevelData<'a>) -> Option<ChangesView> {
        let m = self.input.monitoring?;
        let intro = match (m.dates.first(), m.dates.last()) {
            (Some(a), Some(b)) if m.dates.len() > 1 => format!(
                "{} {} {} {}",
                self.t("Veränderungen vom", "Changes from"),
                self.date(a),
                self.t("zum", "to"),
                self.date(b)
            ),
            _ => String::new(),
        };
        let rows = m
            .changes
            .iter()
            .filter_map(|c| {
                let unit = self.units.get(c.unit)?;
                let series = c
                    .indicator
                    .as_ref()
                    .and_then(|name| m.series.iter().find(|s| &s.indicator == name));
                let f = c.indicator.as_ref().map(|name| self.format_of(data, name));
                let rank =
                    |r: Option<usize>| r.map_or_else(|| MISSING.to_owned(), |r| self.int(r as u64));
                Some(ChangeRow {
                    unit: self.unit_title(unit),
                    href: self.hrefs.get(c.unit).cloned().unwrap_or_default(),
                    reason: c.reason.clone(),
                    rank: format!("{} → {}", rank(c.rank_before), rank(c.rank_now)),
                    dynamics: c.dynamics.clone().unwrap_or_else(|| MISSING.to_owned()),
                    indicator: f
                        .as_ref()
                        .map_or_else(|| MISSING.to_owned(), |f| f.label.clone()),
                    draft: c.indicator.as_deref().and_then(|n| self.draft(n)),
                    change: self.change_text(
                        c.change,
                        f.as_ref().map_or(1, |f| f.decimals),
                        series.map_or("", |s| s.unit_label.as_str()),
                    ),
                })
            })
            .collect();
        let estimated = m.estimated_note
            || m.series
                .iter()
                .any(|s| s.estimated.iter().flatten().any(|&e| e));
        Some(ChangesView {
            intro,
            columns: vec![
                level_label(&self.input.analysis.indicators.level),
                self.t("Grund", "Reason"),
                self.t("Rang vorher → jetzt", "Rank before → now"),
                self.t("Dynamik", "Dynamics"),
                self.t("Indikator", "Indicator"),
                self.t("Veränderung", "Change"),
            ],
            rows,
            empty: self.t(
                "Keine auffälligen Veränderungen.",
                "No notable changes.",
            ),
            note: estimated.then(|| {
                self.t(
                    "Werte früherer Stichtage sind zum Teil geschätzt über den Blockschlüssel (Crosswalk), wo sich die Gebietsgrenzen geändert haben.",
                    "Some values of earlier reference dates are estimated through the block key (crosswalk) where the boundaries changed.",
                )
            }),
        })
    }

    /// Units per status × dynamics class; `None` without monitoring input or dynamics.
    pub(super) fn dynamics_summary(&self) -> Option<DynamicsSummary> {
        let m = self.input.monitoring?;
        if m.dynamics.iter().all(Option::is_none) {
            return None;
        }
        let mut counts: BTreeMap<&str, (BTreeSet<&str>, usize)> = BTreeMap::new();
        let mut without = 0;
        for d in &m.dynamics {
            match d {
                Some(d) => {
                    let entry = counts.entry(d.combined.as_str()).or_default();
                    entry.0.insert(d.class.as_str());
                    entry.1 += 1;
                }
                None => without += 1,
            }
        }
        let mut rows: Vec<(String, String, String)> = counts
            .into_iter()
            .map(|(combined, (classes, n))| {
                (
                    combined.to_owned(),
                    classes.into_iter().collect::<Vec<_>>().join(", "),
                    self.int(n as u64),
                )
            })
            .collect();
        if without > 0 {
            rows.push((
                self.t("ohne Angabe", "none"),
                MISSING.to_owned(),
                self.int(without as u64),
            ));
        }
        Some(DynamicsSummary {
            columns: vec![
                self.t("Status × Dynamik", "Status × dynamics"),
                self.t("Dynamik", "Dynamics"),
                format!(
                    "{} ({})",
                    self.t("Anzahl", "Number"),
                    level_label(&self.input.analysis.indicators.level)
                ),
            ],
            rows,
        })
    }

    /// The sign-offs section of the index; `None` without release input.
    pub(super) fn release(&self) -> Option<ReleaseSection> {
        let r = self.input.release?;
        let rows = r
            .signoffs
            .iter()
            .map(|s| SignoffRow {
                dataset: self
                    .input
                    .catalogue
                    .iter()
                    .find(|e| e.dataset == s.dataset)
                    .map_or_else(|| s.dataset.clone(), |e| e.title.clone()),
                reference_date: self.date(&s.reference_date),
                office: s.office.clone(),
                signed_on: self.date(&s.signed_on),
                comment: s.comment.clone().unwrap_or_else(|| MISSING.to_owned()),
                sha256: s.sha256.chars().take(SHA_DIGITS).collect(),
                status: if s.current {
                    self.t("aktuell", "current")
                } else {
                    self.t("veraltet – Tabelle geändert", "outdated – table changed")
                },
                current: s.current,
            })
            .collect();
        let drafts = (!r.drafts.is_empty()).then(|| {
            let labels: Vec<String> = r.drafts.iter().map(|n| self.label_of(n)).collect();
            (
                self.draft_word(),
                format!(
                    "{}: {}",
                    self.t(
                        "ohne aktuelle Freigabe des Fachamts",
                        "without a current sign-off by their office"
                    ),
                    labels.join("; ")
                ),
            )
        });
        Some(ReleaseSection {
            columns: vec![
                self.t("Datensatz", "Dataset"),
                self.t("Stichtag", "Reference date"),
                self.t("Fachamt", "Office"),
                self.t("Freigegeben am", "Signed on"),
                self.t("Kommentar", "Comment"),
                "SHA-256".to_owned(),
                self.t("Status", "Status"),
            ],
            rows,
            empty: self.t("Keine Freigaben erfasst.", "No sign-offs recorded."),
            drafts,
        })
    }
}
