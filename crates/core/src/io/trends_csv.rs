//! `trends.csv`: the monitoring over time, one row per unit of the ranking level and
//! indicator: its value at every reference date, the change from the first to the last date
//! (percentage points for shares) and its relative change, whether it is estimated, the
//! unit's ranks, rank change and Berlin-MSS dynamics.

use std::path::Path;

use crate::trend::{TrendInput, Trends};

use super::{IoError, write_atomic};

/// Writes `trends.csv` (atomic). Values with up to 6 decimals; empty = missing
/// (suppressed, or no value); booleans `true`/`false`.
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written.
pub fn write_trends_csv(path: &Path, input: &TrendInput, trends: &Trends) -> Result<(), IoError> {
    let num =
        |v: Option<f64>| v.map_or_else(String::new, |v| format!("{}", (v * 1e6).round() / 1e6));
    write_atomic(path, |w| {
        let mut out = csv::Writer::from_writer(w);
        let mut header = vec!["unit_id".to_owned(), "indicator".to_owned()];
        header.extend(input.dates.iter().map(|d| format!("value_{d}")));
        header.extend(
            [
                "change",
                "relative_change",
                "estimated",
                "rank_from",
                "rank_to",
                "rank_change",
                "dynamics_index",
                "dynamics_class",
                "status_dynamics",
            ]
            .map(str::to_owned),
        );
        header.extend(input.dates.iter().map(|d| format!("rank_{d}")));
        out.write_record(&header).map_err(std::io::Error::other)?;
        for (u, id) in input.ids.iter().enumerate() {
            let mss = trends.mss.as_ref().and_then(|m| m.units.get(u));
            for (series, trend) in input.indicators.iter().zip(&trends.indicators) {
                let mut row = vec![id.clone(), series.name.clone()];
                row.extend(
                    series
                        .values
                        .iter()
                        .map(|d| num(d.get(u).copied().flatten())),
                );
                row.push(num(trend.change.get(u).copied().flatten()));
                row.push(num(trend.relative.get(u).copied().flatten()));
                row.push(trend.estimated.get(u).copied().unwrap_or(false).to_string());
                let rank = |v: Option<usize>| v.map_or_else(String::new, |r| r.to_string());
                row.push(rank(trends.rank_before.get(u).copied().flatten()));
                row.push(rank(trends.rank_after.get(u).copied().flatten()));
                row.push(
                    trends
                        .rank_change
                        .get(u)
                        .copied()
                        .flatten()
                        .map_or_else(String::new, |c| c.to_string()),
                );
                row.push(num(mss.and_then(|m| m.dynamics_index)));
                row.push(
                    mss.and_then(|m| m.dynamics_class)
                        .map_or_else(String::new, |c| c.label_de().to_owned()),
                );
                row.push(
                    mss.and_then(|m| m.combined())
                        .map_or_else(String::new, |c| c.code()),
                );
                row.extend(
                    input
                        .ranks
                        .iter()
                        .map(|d| rank(d.get(u).copied().flatten())),
                );
                out.write_record(&row).map_err(std::io::Error::other)?;
            }
        }
        out.flush()?;
        Ok(())
    })
}
