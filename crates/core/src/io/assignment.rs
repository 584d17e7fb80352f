//! Writing an assignment as CSV: one row per input point, in input order.

use std::io::Write;

use crate::assign::{Assignment, UnitIndex};

/// Writes `point_id,unit_id,outcome,reason`, one row per point in input order.
///
/// `unit_id` is empty for an unassigned point; `outcome` is `assigned`, `snapped` or
/// `unassigned`; `reason` is empty unless unassigned (`invalid_coordinate`,
/// `outside_every_unit`).
///
/// This output names records: it belongs inside the sealed office.
///
/// # Errors
///
/// Any error of the writer; [`std::io::ErrorKind::InvalidInput`] when `point_ids` and the
/// assignment differ in length.
pub fn write_assignment_csv<W: Write>(
    out: W,
    point_ids: &[String],
    index: &UnitIndex,
    assignment: &Assignment,
) -> std::io::Result<()> {
    if point_ids.len() != assignment.len() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{} point ids for {} assigned points",
                point_ids.len(),
                assignment.len()
            ),
        ));
    }
    let mut w = csv::Writer::from_writer(out);
    w.write_record(["point_id", "unit_id", "outcome", "reason"])?;
    let ids = index.unit_ids();
    for (i, point_id) in point_ids.iter().enumerate() {
        let unit = assignment
            .unit(i)
            .and_then(|u| ids.get(u))
            .map_or("", |u| u.as_str());
        let outcome = assignment.outcome(i);
        let (kind, reason) = match outcome.reason() {
            None => (outcome.as_str(), ""),
            Some(r) => ("unassigned", r.as_str()),
        };
        w.write_record([point_id.as_str(), unit, kind, reason])?;
    }
    w.flush()?;
    Ok(())
}
