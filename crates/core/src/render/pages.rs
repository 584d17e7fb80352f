//! The texts and the pages: method, sources, protocol summary, profiles and the index.

use std::collections::BTreeMap;

use super::report::{
    BARS_WIDTH_PX, Classed, Ctx, LOCATOR_WIDTH_PX, LevelData, NO_VALUE_MARK, STRIP_WIDTH_PX,
    SUPPRESSED_MARK, level_label,
};
use super::view::{
    Bar, BarsView, Chrome, Fact, FigureRow, IndexView, Language, LocatorView, MapLink, MapView,
    ProfileView, RankingRow, SourceRow, StripView,
};
use crate::anonymize::{LayerKind, TOTAL};
use crate::classify::Classification;
use crate::hierarchy::Unit;
use crate::indicator::{IndicatorColumn, ValueStatus};
use crate::rank::{
    Aggregation, Direction, Exclusion, MissingPolicy, Normalization, Selection, Weighting,
};
use crate::spatial::Quadrant;

impl<'a> Ctx<'a> {
    pub(super) fn exclusion_text(&self, e: &Exclusion) -> String {
        match e {
            Exclusion::BelowMinimumPopulation { minimum, .. } => format!(
                "{} {}",
                self.t("weniger Einwohner als", "fewer residents than"),
                self.num(*minimum, 0)
            ),
            Exclusion::PopulationUnknown => {
                self.t("Einwohnerzahl geheim gehalten", "population suppressed")
            }
            Exclusion::Manual { reason } => reason.clone(),
            Exclusion::Missing { criteria } => format!(
                "{}: {}",
                self.t("fehlende Werte", "missing values"),
                criteria.join(", ")
            ),
            _ => self.t("kein Indikatorwert", "no indicator value"),
        }
    }

    pub(super) fn classification_text(&self, c: &Classification) -> String {
        match c {
            Classification::Quantiles { k } => {
                format!("{} ({k})", self.t("Quantile", "quantiles"))
            }
            Classification::EqualInterval { k } => {
                format!("{} ({k})", self.t("gleiche Intervalle", "equal intervals"))
            }
            Classification::FisherJenks { k } => format!("Fisher-Jenks ({k})"),
            Classification::StdMean { multiples } => format!(
                "{} ({})",
                self.t(
                    "Mittelwert ± Standardabweichung",
                    "mean ± standard deviation"
                ),
                multiples
                    .iter()
                    .map(|m| self.num(*m, 1))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Classification::Manual { .. } => self.t("manuelle Grenzen", "manual breaks"),
        }
    }

    pub(super) fn normalization_text(&self, n: &Normalization) -> String {
        match n {
            Normalization::ZScore { weighting } => match weighting {
                Weighting::Population => self.t(
                    "z-Werte (bevölkerungsgewichtet)",
                    "z-scores (population-weighted)",
                ),
                _ => self.t("z-Werte", "z-scores"),
            },
            Normalization::MinMax => self.t("Min-Max-Skalierung", "min-max scaling"),
            Normalization::Rank => self.t("Ränge", "ranks"),
            Normalization::Percentile => self.t("Perzentilränge", "percentile ranks"),
            _ => self.t(
                "exponentielle Rangtransformation (wie IMD)",
                "exponential rank transformation (as the IMD)",
            ),
        }
    }

    /// Method facts shared by profiles and the index.
    pub(super) fn method(&self) -> Vec<Fact> {
        let a = self.input.analysis;
        let r = &a.spec.ranking;
        let mut facts = Vec::new();
        let mut fact = |label: String, value: String| facts.push(Fact { label, value });
        fact(
            self.t("Normalisierung", "Normalization"),
            self.normalization_text(&r.normalization),
        );
        let weights = a
            .spec
            .criteria
            .iter()
            .map(|c| {
                let label = a
                    .indicators
                    .column(&c.indicator)
                    .map_or_else(|| c.indicator.clone(), |col| self.indicator_label(col));
                let w = self
                    .weights
                    .get(c.indicator.as_str())
                    .copied()
                    .unwrap_or(0.0);
                let dir = match c.direction {
                    Direction::HigherIsWorse => "",
                    Direction::LowerIsWorse => " (↓)",
                };
                format!("{label}{dir} {}", self.percent(w))
            })
            .collect::<Vec<_>>()
            .join("; ");
        fact(self.t("Gewichte", "Weights"), weights);
        let mut aggregation = match r.aggregation {
            Aggregation::Geometric => self.t(
                "gewichtetes geometrisches Mittel",
                "weighted geometric mean",
            ),
            _ => self.t(
                "gewichtetes arithmetisches Mittel",
                "weighted arithmetic mean",
            ),
        };
        if r.restandardize {
            aggregation.push_str(&self.t(", erneut standardisiert", ", re-standardized"));
        }
        fact(self.t("Gesamtindex", "Composite"), aggregation);
        let missing = match r.missing {
            MissingPolicy::ExcludeUnit => self.t(
                "Einheiten mit fehlendem Wert werden nicht bewertet",
                "units with a missing value are not rated",
            ),
            _ => self.t(
                "Gewichte der übrigen Indikatoren hochgerechnet",
                "the other indicators' weights scaled up",
            ),
        };
        fact(self.t("Fehlende Werte", "Missing values"), missing);
        if let Some(min) = r.min_population {
            fact(
                self.t("Mindestgröße", "Minimum size"),
                format!("{} {}", self.num(min, 0), self.t("Einwohner", "residents")),
            );
        }
        let selection = match r.selection {
            Selection::TopN(n) => format!(
                "{} {}",
                self.t("die", "the"),
                self.t(
                    &format!("{n} am stärksten benachteiligten"),
                    &format!("{n} most disadvantaged")
                )
            ),
            Selection::Threshold(t) => format!(
                "{} > {}",
                self.t("Gesamtindex", "composite"),
                self.num(t, 2)
            ),
            _ => self.t("keine", "none"),
        };
        fact(self.t("Auswahl", "Selection"), selection);
        if r.smoothing {
            fact(
                self.t("Glättung", "Smoothing"),
                self.t(
                    "Empirical-Bayes-Glättung der Anteile und Raten",
                    "empirical Bayes smoothing of shares and rates",
                ),
            );
        }
        if let Some(u) = &self.input.analysis.spec.uncertainty {
            fact(
                self.t("Unsicherheit", "Uncertainty"),
                format!(
                    "{} {} (±{} {}); {}",
                    self.int(u.draws as u64),
                    self.t("Monte-Carlo-Ziehungen", "Monte-Carlo draws"),
                    self.percent(u.weight_spread),
                    self.t(
                        "Gewichte, Normalisierungen, Glättung",
                        "weights, normalizations, smoothing"
                    ),
                    self.t("Rangintervall 5–95 %", "rank interval 5–95 %"),
                ),
            );
        }
        fact(
            self.t("Klassen des Gesamtindex", "Classes of the composite"),
            self.classification_text(&a.spec.classification),
        );
        fact(
            self.t("Klassen der Indikatoren", "Classes of the indicators"),
            self.classification_text(&self.spec.indicator_classification),
        );
        if let Some(p) = self.input.protocol {
            let k = p.parameters.k;
            let zeros = if p.parameters.zeros == "suppress" {
                self.t("Nullen gesperrt", "zeros suppressed")
            } else {
                self.t("Nullen veröffentlicht", "zeros published")
            };
            fact(
                self.t("Geheimhaltung", "Disclosure control"),
                format!(
                    "{} 1 {} {} {} (k = {k}); {zeros}; {}",
                    self.t("Fallzahlen von", "counts from"),
                    self.t("bis", "to"),
                    k.saturating_sub(1),
                    self.t("gesperrt", "suppressed"),
                    self.t(
                        "Sekundärsperrung über alle Ebenen und Gebietsgliederungen, mit Prüfung (lineare Optimierung)",
                        "secondary suppression across all levels and groupings, audited (linear programming)"
                    ),
                ),
            );
        }
        facts
    }

    pub(super) fn sources(&self) -> Vec<SourceRow> {
        self.input
            .catalogue
            .iter()
            .map(|e| SourceRow {
                title: e.title.clone(),
                office: e.office.clone(),
                reference_date: self.date(&e.reference_date),
                legal_basis: e.legal_basis.clone().unwrap_or_else(|| "–".to_owned()),
            })
            .collect()
    }

    /// An ISO date `YYYY-MM-DD` as `DD.MM.YYYY` in German; other text unchanged.
    pub(super) fn date(&self, iso: &str) -> String {
        let parts: Vec<&str> = iso.split('-').collect();
        match (self.lang, parts.as_slice()) {
            (Language::German, [y, m, d]) if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                format!("{d}.{m}.{y}")
            }
            _ => iso.to_owned(),
        }
    }

    pub(super) fn chrome(&self) -> Chrome {
        let de = self.lang == Language::German;
        let h = |k: &'static str, g: &str, e: &str| (k, if de { g } else { e }.to_owned());
        Chrome {
            lang: self.lang.tag(),
            footer: format!(
                "{} {} {} · {}",
                self.t("Erstellt mit", "Made with"),
                env!("CARGO_PKG_NAME"),
                env!("CARGO_PKG_VERSION"),
                self.t(
                    "nur geheim gehaltene Tabellen, keine Einzeldaten",
                    "protected tables only, no individual records"
                )
            ),
            headings: vec![
                h("figures", "Kennzahlen", "Key figures"),
                h(
                    "age",
                    "Altersstruktur der Einwohner",
                    "Age structure of the residents",
                ),
                h("sources", "Datenquellen", "Data sources"),
                h("method", "Methode", "Method"),
                h("ranking", "Rangfolge", "Ranking"),
                h("profiles", "Steckbriefe", "Profiles"),
                h(
                    "protocol",
                    "Protokoll der Geheimhaltung",
                    "Disclosure protocol",
                ),
                h("map", "Karten", "Maps"),
                h("back", "Zur Übersicht", "Back to the overview"),
                h("maps", "Weitere Karten", "Other maps"),
                h("source_title", "Datensatz", "Dataset"),
                h("source_office", "Fachamt", "Office"),
                h("source_date", "Stichtag", "Reference date"),
                h("source_legal", "Rechtsgrundlage", "Legal basis"),
                h("weight", "Gewicht im Index", "Weight in the index"),
                h("selected", "ausgewählt", "selected"),
            ],
            figure_columns: vec![
                self.t("Indikator", "Indicator"),
                self.t("Wert", "Value"),
                self.spec.title.clone(),
                self.t("Rang", "Rank"),
                self.t("Klasse", "Class"),
                self.t("Vergleich mit allen", "Compared with all"),
            ],
            ranking_columns: vec![
                self.t("Rang", "Rank"),
                level_label(&self.input.analysis.indicators.level),
                self.t("Gesamtindex", "Composite"),
                self.t("Rangintervall (5–95 %)", "Rank interval (5–95 %)"),
                self.t("P(ausgewählt)", "P(selected)"),
                self.t("Klasse", "Class"),
                self.t("Hinweis", "Note"),
            ],
            extra_css: self.input.monitoring.is_some() || self.input.release.is_some(),
        }
    }

    /// Category counts of the residents per unit of the ranked level.
    pub(super) fn age_structure(&self) -> BTreeMap<&'a str, Vec<(&'a str, Option<u64>)>> {
        let mut out: BTreeMap<&'a str, Vec<(&'a str, Option<u64>)>> = BTreeMap::new();
        let level = &self.input.analysis.indicators.level;
        let Some(residents) = self
            .input
            .tables
            .iter()
            .find(|t| t.dataset() == crate::records::RecordKind::Resident)
        else {
            return out;
        };
        for row in residents.rows() {
            if row.layer_kind == LayerKind::Level && row.layer == level && row.category != TOTAL {
                out.entry(row.unit_id)
                    .or_default()
                    .push((row.category, row.value));
            }
        }
        out
    }

    /// Rank (1 = worst by the indicator's direction, else highest) of a value among the
    /// finite values of its column (`sorted`, ascending, as [`Classed`] holds them): one
    /// more than the number of values worse than it, so ties share a rank.
    pub(super) fn rank(&self, column: &IndicatorColumn, sorted: &[f64], x: f64) -> usize {
        let direction = self
            .input
            .analysis
            .spec
            .criteria
            .iter()
            .find(|c| c.indicator == column.spec.name)
            .map_or(Direction::HigherIsWorse, |c| c.direction);
        1 + match direction {
            Direction::HigherIsWorse => sorted.len() - sorted.partition_point(|&y| y <= x),
            Direction::LowerIsWorse => sorted.partition_point(|&y| y < x),
        }
    }

    pub(super) fn profile(
        &self,
        data: &LevelData<'a>,
        u: usize,
        ages: &BTreeMap<&'a str, Vec<(&'a str, Option<u64>)>>,
    ) -> ProfileView<'a> {
        let a = self.input.analysis;
        let unit = &self.units[u];
        let ranked = &a.ranking.units[u];
        let h = self.input.hierarchy;
        let level_name = &a.indicators.level;
        let mut subtitle = vec![self.spec.title.clone()];
        if let Some(p) = unit
            .parent()
            .and_then(|p| h.unit(self.level.wrapping_sub(1), p))
        {
            subtitle.push(format!(
                "{} {}",
                level_label(&h.levels()[self.level - 1]),
                self.unit_title(p)
            ));
        }
        subtitle.push(self.t("Steckbrief", "Profile"));

        let mut facts = Vec::new();
        let population = match a.indicators.population[u] {
            Some(p) => self.int(p),
            None => format!(
                "{} {SUPPRESSED_MARK}",
                self.t("geheim gehalten", "suppressed")
            ),
        };
        facts.push(Fact {
            label: self.t("Einwohner", "Residents"),
            value: population,
        });
        facts.push(Fact {
            label: self.t("Fläche", "Area"),
            value: format!("{} km²", self.num(a.indicators.area_km2[u], 2)),
        });
        if let (Some(c), Some(r)) = (ranked.composite, ranked.rank) {
            facts.push(Fact {
                label: self.t("Gesamtindex", "Composite index"),
                value: self.num(c, 2),
            });
            let mut rank = self.of(r, a.ranking.ranked());
            if let Some(Some(i)) = a.intervals.as_ref().and_then(|iv| iv.get(u)) {
                rank.push_str(&format!(
                    " ({} {}–{})",
                    self.t("Intervall", "interval"),
                    self.num(i.p05, 0),
                    self.num(i.p95, 0)
                ));
                facts.push(Fact {
                    label: self.t("Rang", "Rank"),
                    value: rank,
                });
                facts.push(Fact {
                    label: self.t("Wahrscheinlichkeit ausgewählt", "Probability selected"),
                    value: self.percent(i.p_selected),
                });
            } else {
                facts.push(Fact {
                    label: self.t("Rang", "Rank"),
                    value: rank,
                });
            }
            if let Some(c) = a.classes[u] {
                facts.push(Fact {
                    label: self.t("Klasse", "Class"),
                    value: self.class_text(&self.composite, c),
                });
            }
            if !ranked.drivers.is_empty() {
                let drivers = ranked
                    .drivers
                    .iter()
                    .map(|d| {
                        a.indicators
                            .column(&d.criterion)
                            .map_or_else(|| d.criterion.clone(), |c| self.indicator_label(c))
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                facts.push(Fact {
                    label: self.t("Treiber", "Drivers"),
                    value: drivers,
                });
            }
        }
        if let Some(Some(l)) = a.lisa.as_ref().and_then(|l| l.get(u)) {
            let significant = l.p_sim.is_some_and(|p| p <= 0.05);
            let value = if significant {
                format!(
                    "{} (p = {})",
                    self.quadrant_text(l.quadrant),
                    self.num(l.p_sim.unwrap_or(1.0), 3)
                )
            } else {
                self.t("kein signifikantes Muster", "no significant pattern")
            };
            facts.push(Fact {
                label: self.t("Räumliches Muster (LISA)", "Spatial pattern (LISA)"),
                value,
            });
        }
        let callout = match (&ranked.exclusion, ranked.selected) {
            (Some(e), _) => Some(format!(
                "{}: {}",
                self.t("Nicht bewertet", "Not rated"),
                self.exclusion_text(e)
            )),
            (None, true) => Some(self.t(
                "Ausgewählt: benachteiligtes Quartier nach dem Gesamtindex",
                "Selected: a disadvantaged quarter by the composite index",
            )),
            _ => None,
        };

        let figures = data
            .table
            .columns
            .iter()
            .zip(&data.classed)
            .map(|(column, classed)| self.figure(column, classed, u))
            .collect();

        let age = ages.get(unit.id().as_str()).map(|rows| BarsView {
            id_prefix: "a-".to_owned(),
            bars: rows
                .iter()
                .map(|(cat, v)| Bar {
                    label: (*cat).to_owned(),
                    value: *v,
                    value_label: v.map_or_else(|| SUPPRESSED_MARK.to_owned(), |v| self.int(v)),
                })
                .collect(),
            description: format!(
                "{} {}",
                self.t(
                    "Einwohner nach Altersgruppe in",
                    "Residents by age group in"
                ),
                unit.id()
            ),
            width_px: BARS_WIDTH_PX,
        });

        ProfileView {
            chrome: self.chrome(),
            title: format!("{} {}", level_label(level_name), self.unit_title(unit)),
            subtitle: subtitle.join(" · "),
            facts,
            callout,
            locator: self.locator(u),
            draft_note: self.composite_draft_note(),
            figures,
            trend: self.profile_trend(data, u),
            age,
            sources: self.sources(),
            method: self.method(),
            index_href: "index.html".to_owned(),
        }
    }

    /// The locator of unit `u`: among all units of the level, or, on a level of more than
    /// `spec.locator_max_units` units, among the units of its parent.
    fn locator(&self, u: usize) -> LocatorView<'a> {
        let h = self.input.hierarchy;
        let all = h.units(self.level);
        let parent = all.get(u).and_then(Unit::parent);
        let (members, context) = match parent {
            Some(p) if all.len() > self.spec.locator_max_units => {
                let members: Vec<usize> = (0..all.len())
                    .filter(|&i| all[i].parent() == Some(p))
                    .collect();
                let context = h
                    .units(self.level.saturating_sub(1))
                    .get(p)
                    .map_or_else(|| self.spec.title.clone(), |p| self.unit_title(p));
                (members, context)
            }
            _ => ((0..all.len()).collect(), self.spec.title.clone()),
        };
        LocatorView {
            id_prefix: "l-".to_owned(),
            units: members
                .iter()
                .map(|&i| self.shapes.get(h, self.level, i))
                .collect(),
            highlight: members.iter().position(|&i| i == u).unwrap_or(usize::MAX),
            width_px: LOCATOR_WIDTH_PX,
            description: format!(
                "{} {} {} {context}",
                self.t("Lage von", "Location of"),
                all.get(u)
                    .map_or_else(String::new, |unit| unit.id().to_string()),
                self.t("in", "in"),
            ),
        }
    }

    pub(super) fn class_text(&self, classed: &Classed, c: usize) -> String {
        let label = classed.legend.get(c).map(|(l, _)| l.as_str()).unwrap_or("");
        format!("{}: {label}", self.of(c + 1, classed.legend.len()))
    }

    pub(super) fn figure(
        &self,
        column: &IndicatorColumn,
        classed: &Classed,
        u: usize,
    ) -> FigureRow {
        let v = &column.values[u];
        let value = v.value.filter(|x| x.is_finite());
        let footnote = match (v.status, value) {
            (ValueStatus::Suppressed, _) => Some((
                SUPPRESSED_MARK.to_owned(),
                self.t(
                    "geheim gehalten: zu kleine Fallzahl oder zum Schutz einer anderen Zelle gesperrt",
                    "suppressed: too few cases, or suppressed to protect another cell",
                ),
            )),
            (_, None) => Some((
                NO_VALUE_MARK.to_owned(),
                self.t(
                    "kein Wert: Bezugsgröße ist null",
                    "no value: the denominator is zero",
                ),
            )),
            _ => None,
        };
        let rank = value.map(|x| self.rank(column, &classed.finite, x));
        let n = classed.finite.len();
        let unit_of_measure = self.measure_unit(&column.spec.measure);
        let town = column.overall.filter(|x| x.is_finite());
        let fmt = |x: f64| self.num(x, classed.decimals);
        let (lo, hi) = classed
            .finite
            .iter()
            .chain(&town)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        let label = self.indicator_label(column);
        FigureRow {
            label: label.clone(),
            unit: unit_of_measure,
            value: footnote.is_none().then(|| value.map(fmt)).flatten(),
            footnote,
            town: town.map_or_else(|| "–".to_owned(), fmt),
            rank: rank.map_or_else(|| "–".to_owned(), |r| self.of(r, n)),
            class: classed.classes[u]
                .map_or_else(|| "–".to_owned(), |c| self.class_text(classed, c)),
            weight: self
                .weights
                .get(column.spec.name.as_str())
                .filter(|w| **w > 0.0)
                .map(|w| self.percent(*w)),
            draft: self.draft(&column.spec.name),
            chart: StripView {
                values: classed.finite.clone(),
                this: value,
                town,
                min_label: if lo.is_finite() {
                    fmt(lo)
                } else {
                    String::new()
                },
                max_label: if hi.is_finite() {
                    fmt(hi)
                } else {
                    String::new()
                },
                description: format!(
                    "{label}: {} {}",
                    self.units[u].id(),
                    self.t("im Vergleich mit allen", "compared with all")
                ),
                width_px: STRIP_WIDTH_PX,
            },
        }
    }

    pub(super) fn quadrant_text(&self, q: Quadrant) -> String {
        match q {
            Quadrant::HH => self.t(
                "Brennpunkt: hoher Wert, benachbart zu hohen",
                "hot spot: high, next to high values",
            ),
            Quadrant::LL => self.t(
                "niedriger Wert, benachbart zu niedrigen",
                "cold spot: low, next to low values",
            ),
            Quadrant::HL => self.t(
                "Ausreißer: hoher Wert zwischen niedrigen",
                "outlier: high among low values",
            ),
            Quadrant::LH => self.t(
                "Ausreißer: niedriger Wert zwischen hohen",
                "outlier: low among high values",
            ),
        }
    }

    pub(super) fn protocol_facts(&self) -> Vec<Fact> {
        let Some(p) = self.input.protocol else {
            return Vec::new();
        };
        let mut facts = Vec::new();
        for d in &p.datasets {
            let title = self
                .input
                .catalogue
                .iter()
                .find(|e| e.dataset == d.dataset)
                .map_or_else(|| d.dataset.to_owned(), |e| e.title.clone());
            let r = &d.records;
            let assigned = r.assigned + r.snapped;
            let (cells, suppressed) = d.cells.iter().fold((0, 0), |(c, s), l| {
                (c + l.cells, s + l.primary + l.secondary)
            });
            let audit = if d.audit.passed {
                self.t("Prüfung bestanden", "audit passed")
            } else {
                self.t("Prüfung NICHT bestanden", "audit FAILED")
            };
            facts.push(Fact {
                label: title,
                value: format!(
                    "{} {}, {} {}, {} {}; {} {} {} {}; {audit}",
                    self.int(r.read as u64),
                    self.t("Datensätze", "records"),
                    self.int(assigned as u64),
                    self.t("zugeordnet", "assigned"),
                    self.int(r.read.saturating_sub(assigned) as u64),
                    self.t("nicht zugeordnet", "not assigned"),
                    self.int(suppressed as u64),
                    self.t("von", "of"),
                    self.int(cells as u64),
                    self.t("Tabellenzellen gesperrt", "table cells suppressed"),
                ),
            });
        }
        if let Some(m) = &self.input.analysis.moran {
            facts.push(Fact {
                label: self.t("Moran's I des Gesamtindex", "Moran's I of the composite"),
                value: format!("{} (z = {})", self.num(m.i, 3), self.num(m.z_normal, 2)),
            });
        }
        facts
    }

    pub(super) fn index(
        &self,
        map: MapView<'a>,
        map_links: Vec<MapLink>,
        data: &LevelData<'a>,
    ) -> IndexView<'a> {
        let a = self.input.analysis;
        let mut order: Vec<usize> = (0..self.units.len()).collect();
        order.sort_by_key(|&u| (a.ranking.units[u].rank.unwrap_or(usize::MAX), u));
        let ranking = order
            .into_iter()
            .map(|u| {
                let r = &a.ranking.units[u];
                let interval = a
                    .intervals
                    .as_ref()
                    .and_then(|iv| iv.get(u))
                    .and_then(Option::as_ref);
                RankingRow {
                    rank: r
                        .rank
                        .map_or_else(|| "–".to_owned(), |k| self.int(k as u64)),
                    id: self.units[u].id().to_string(),
                    name: self.units[u].name().unwrap_or_default().to_owned(),
                    href: self.hrefs[u].clone(),
                    composite: r
                        .composite
                        .map_or_else(|| "–".to_owned(), |c| self.num(c, 2)),
                    interval: interval.map_or_else(
                        || "–".to_owned(),
                        |i| format!("{}–{}", self.num(i.p05, 0), self.num(i.p95, 0)),
                    ),
                    p_selected: interval
                        .map_or_else(|| "–".to_owned(), |i| self.percent(i.p_selected)),
                    class: a.classes[u].map_or_else(
                        || "–".to_owned(),
                        |c| self.of(c + 1, self.composite.legend.len()),
                    ),
                    selected: r.selected,
                    note: match (&r.exclusion, r.selected) {
                        (Some(e), _) => self.exclusion_text(e),
                        (None, true) => self.t("ausgewählt", "selected"),
                        _ => String::new(),
                    },
                }
            })
            .collect();
        let selected = a.ranking.selected().count();
        IndexView {
            chrome: self.chrome(),
            title: format!(
                "{}: {}",
                self.t("Sozialraumanalyse", "Small-area analysis"),
                self.spec.title
            ),
            subtitle: format!(
                "{} {} · {} {} · {} {}",
                self.int(self.units.len() as u64),
                level_label(&a.indicators.level),
                self.int(a.ranking.ranked() as u64),
                self.t("bewertet", "rated"),
                self.int(selected as u64),
                self.t("als benachteiligt ausgewählt", "selected as disadvantaged"),
            ),
            map,
            map_links,
            ranking_draft: self.composite_draft(),
            ranking,
            changes: self.changes(data),
            dynamics: self.dynamics_summary(),
            release: self.release(),
            protocol: self.protocol_facts(),
            sources: self.sources(),
            method: self.method(),
        }
    }
}
