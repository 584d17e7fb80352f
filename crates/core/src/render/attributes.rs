//! The attribute layers of the GIS outputs: one table per published level.

use super::layers::{AttributeColumn, AttributeLayer, AttributeValues, LayerStyle, StyleClass};
use super::report::{Ctx, LevelData, finite_values, palette};
use crate::classify::Classification;
use crate::spatial::Quadrant;

impl Ctx<'_> {
    /// Common columns of every layer: ids, population, area, and indicator value, status
    /// and class.
    pub(super) fn base_columns(&self, data: &LevelData<'_>) -> Vec<AttributeColumn> {
        let h = self.input.hierarchy;
        let units = h.units(data.level);
        let parents = data.level.checked_sub(1).map(|p| h.units(p));
        let mut columns = vec![
            text(
                "unit_id",
                units.iter().map(|u| Some(u.id().to_string())).collect(),
            ),
            text(
                "name",
                units.iter().map(|u| u.name().map(str::to_owned)).collect(),
            ),
            text(
                "parent_id",
                units
                    .iter()
                    .map(|u| {
                        u.parent()
                            .and_then(|p| parents.and_then(|ps| ps.get(p)))
                            .map(|p| p.id().to_string())
                    })
                    .collect(),
            ),
            AttributeColumn {
                name: "population".to_owned(),
                values: AttributeValues::Integer(
                    data.table
                        .population
                        .iter()
                        .map(|p| p.and_then(|p| i64::try_from(p).ok()))
                        .collect(),
                ),
            },
            AttributeColumn {
                name: "area_km2".to_owned(),
                values: AttributeValues::Real(
                    data.table.area_km2.iter().map(|&a| Some(a)).collect(),
                ),
            },
        ];
        for (c, classed) in data.table.columns.iter().zip(&data.classed) {
            columns.push(AttributeColumn {
                name: c.spec.name.clone(),
                values: AttributeValues::Real(finite_values(c)),
            });
            columns.push(text(
                &format!("{}_status", c.spec.name),
                c.values
                    .iter()
                    .map(|v| Some(v.status.as_str().to_owned()))
                    .collect(),
            ));
            columns.push(class_column(
                &format!("{}_class", c.spec.name),
                &classed.classes,
            ));
        }
        columns
    }

    pub(super) fn level_layer(&self, data: &LevelData<'_>) -> AttributeLayer {
        AttributeLayer {
            name: data.name.to_owned(),
            level: data.level,
            columns: self.base_columns(data),
            style: None,
        }
    }

    /// The ranked level's layer: the base columns and every `ranking.csv` column.
    pub(super) fn ranked_layer(&self, data: &LevelData<'_>) -> AttributeLayer {
        let a = self.input.analysis;
        let r = &a.ranking.units;
        let mut columns = self.base_columns(data);
        columns.push(text(
            "excluded",
            r.iter()
                .map(|u| u.exclusion.as_ref().map(|e| self.exclusion_text(e)))
                .collect(),
        ));
        for (i, name) in a.ranking.criteria.iter().enumerate() {
            columns.push(real(
                &format!("{name}_norm"),
                r.iter()
                    .map(|u| u.normalized.get(i).copied().flatten())
                    .collect(),
            ));
        }
        columns.push(real("composite", r.iter().map(|u| u.composite).collect()));
        columns.push(AttributeColumn {
            name: "rank".to_owned(),
            values: AttributeValues::Integer(
                r.iter()
                    .map(|u| u.rank.and_then(|k| i64::try_from(k).ok()))
                    .collect(),
            ),
        });
        let interval = |f: fn(&crate::rank::RankInterval) -> f64| -> Vec<Option<f64>> {
            match &a.intervals {
                Some(iv) => iv.iter().map(|i| i.as_ref().map(f)).collect(),
                None => vec![None; r.len()],
            }
        };
        columns.push(real("rank_median", interval(|i| i.median)));
        columns.push(real("rank_p05", interval(|i| i.p05)));
        columns.push(real("rank_p95", interval(|i| i.p95)));
        columns.push(real("p_selected", interval(|i| i.p_selected)));
        columns.push(class_column("class", &a.classes));
        columns.push(AttributeColumn {
            name: "selected".to_owned(),
            values: AttributeValues::Integer(
                r.iter().map(|u| Some(i64::from(u.selected))).collect(),
            ),
        });
        columns.push(text(
            "drivers",
            r.iter()
                .map(|u| {
                    // As in `ranking.csv`: no driver = empty (NULL), not an empty string.
                    (!u.drivers.is_empty()).then(|| {
                        u.drivers
                            .iter()
                            .map(|d| d.criterion.as_str())
                            .collect::<Vec<_>>()
                            .join(";")
                    })
                })
                .collect(),
        ));
        let lisa =
            |f: &dyn Fn(&crate::analysis::UnitLisa) -> Option<String>| -> Vec<Option<String>> {
                match &a.lisa {
                    Some(l) => l.iter().map(|x| x.as_ref().and_then(f)).collect(),
                    None => vec![None; r.len()],
                }
            };
        columns.push(text(
            "lisa_quadrant",
            lisa(&|x| Some(quadrant_code(x.quadrant).to_owned())),
        ));
        columns.push(real(
            "lisa_p",
            match &a.lisa {
                Some(l) => l.iter().map(|x| x.as_ref().and_then(|x| x.p_sim)).collect(),
                None => vec![None; r.len()],
            },
        ));
        let diverging = matches!(a.spec.classification, Classification::StdMean { .. });
        let colors = palette(self.composite.legend.len(), diverging);
        let style = LayerStyle {
            name: self.t("Gesamtindex (Klassen)", "Composite index (classes)"),
            column: "class".to_owned(),
            classes: self
                .composite
                .legend
                .iter()
                .zip(colors)
                .enumerate()
                .map(|(i, ((label, _), color))| StyleClass {
                    value: i as i64 + 1,
                    label: label.clone(),
                    color: color.to_owned(),
                })
                .collect(),
            no_data_label: self.t("nicht bewertet oder kein Wert", "not rated or no value"),
        };
        AttributeLayer {
            name: data.name.to_owned(),
            level: data.level,
            columns,
            style: Some(style),
        }
    }
}

fn text(name: &str, values: Vec<Option<String>>) -> AttributeColumn {
    AttributeColumn {
        name: name.to_owned(),
        values: AttributeValues::Text(values),
    }
}

fn real(name: &str, values: Vec<Option<f64>>) -> AttributeColumn {
    AttributeColumn {
        name: name.to_owned(),
        values: AttributeValues::Real(
            values
                .into_iter()
                .map(|v| v.filter(|x| x.is_finite()))
                .collect(),
        ),
    }
}

/// Classes as 1-based integers (as `ranking.csv`), `NULL` without a class.
fn class_column(name: &str, classes: &[Option<usize>]) -> AttributeColumn {
    AttributeColumn {
        name: name.to_owned(),
        values: AttributeValues::Integer(
            classes
                .iter()
                .map(|c| c.and_then(|c| i64::try_from(c + 1).ok()))
                .collect(),
        ),
    }
}

fn quadrant_code(q: Quadrant) -> &'static str {
    match q {
        Quadrant::HH => "HH",
        Quadrant::LH => "LH",
        Quadrant::LL => "LL",
        Quadrant::HL => "HL",
    }
}
