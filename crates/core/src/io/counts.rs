//! Writing count tables as CSV.

use std::io::Write;
use std::path::Path;

use crate::hierarchy::Hierarchy;
use crate::io::{IoError, write_atomic};
use crate::table::CountTable;

/// Writes a count table as CSV, atomically (see [`write_atomic`]).
///
/// Columns: `level, unit_id, parent_id, <one column per category label>, total`; one row
/// per unit of the table's level, in id order; comma-separated, UTF-8, `\n` line ends, no
/// byte-order mark. `level` is the level's name, `parent_id` is empty on the top level. A
/// table without a level ([`CountTable::level`] is `None`, as made by
/// [`count_blocks`](crate::count_blocks)) is written as a block table. The output depends
/// only on the inputs (byte-identical on reruns).
///
/// # Errors
///
/// [`IoError::File`] when the file cannot be written, or (with kind
/// [`std::io::ErrorKind::InvalidInput`]) when the table's rows do not match the units of its
/// level in `hierarchy`.
///
/// # Examples
///
/// ```
/// # let town = quartier::musterstadt(1)?;
/// # let dir = tempfile::tempdir().map_err(|e| quartier::IoError::File { path: ".".into(), source: e })?;
/// use quartier::{RecordKind, count_blocks, aggregate, write_counts_csv};
///
/// let h = &town.hierarchy;
/// let kind = RecordKind::Resident;
/// // pretend every resident lives in block 0
/// let records = town.records.categories(kind).map(|c| (Some(0), c));
/// let (blocks, _) = count_blocks(h.blocks().len(), &kind.categories(), records)?;
/// let tables = aggregate(h, &blocks)?;
/// let path = dir.path().join("residents_quartier.csv");
/// write_counts_csv(&path, h, &tables[2])?;
/// let text = std::fs::read_to_string(&path).unwrap();
/// assert!(text.starts_with("level,unit_id,parent_id,0-2,3-5,6-9,10-11,12-17,18-24,25+,total\n"));
/// # Ok::<(), quartier::Error>(())
/// ```
pub fn write_counts_csv(
    path: &Path,
    hierarchy: &Hierarchy,
    table: &CountTable,
) -> Result<(), IoError> {
    write_atomic(path, |w| write_counts_csv_to(w, hierarchy, table))
}

/// Writes a count table as CSV to any writer (e.g. stdout), in the format of
/// [`write_counts_csv`].
///
/// # Errors
///
/// The writer's errors; [`std::io::ErrorKind::InvalidInput`] when the table's rows do not
/// match the units of its level in `hierarchy`.
pub fn write_counts_csv_to(
    w: &mut dyn Write,
    hierarchy: &Hierarchy,
    table: &CountTable,
) -> std::io::Result<()> {
    let level = table.level().unwrap_or_else(|| hierarchy.block_level());
    let units = hierarchy.units(level);
    let level_name = hierarchy.levels().get(level).map(String::as_str);
    let Some(level_name) = level_name.filter(|_| units.len() == table.units()) else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "the table has {} rows but level {level} of the hierarchy has {} units",
                table.units(),
                units.len()
            ),
        ));
    };
    let parents = level.checked_sub(1).map(|l| hierarchy.units(l));
    let mut csv = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(w);
    let labels = table.categories().labels();
    let mut record: Vec<String> = Vec::with_capacity(labels.len() + 4);
    record.extend(["level", "unit_id", "parent_id"].map(String::from));
    record.extend(labels.iter().cloned());
    record.push("total".to_owned());
    csv.write_record(&record)?;
    for (u, unit) in units.iter().enumerate() {
        record.clear();
        record.push(level_name.to_owned());
        record.push(unit.id().as_str().to_owned());
        let parent = unit
            .parent()
            .and_then(|p| parents.and_then(|ps| ps.get(p)))
            .map_or(String::new(), |p| p.id().as_str().to_owned());
        record.push(parent);
        record.extend(table.row(u).iter().map(u64::to_string));
        record.push(table.row_total(u).to_string());
        csv.write_record(&record)?;
    }
    csv.flush()?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::hierarchy::Unit;
    use crate::table::{CategorySet, aggregate};
    use geo::MultiPolygon;

    fn tiny() -> Hierarchy {
        let unit = |id: &str, parent| Unit {
            id: id.into(),
            name: None,
            parent,
            geometry: MultiPolygon::new(vec![]),
        };
        Hierarchy {
            levels: vec!["town".into(), "block".into()],
            units: vec![
                vec![unit("T", None)],
                vec![unit("T-1", Some(0)), unit("T-2", Some(0))],
            ],
        }
    }

    #[test]
    fn writes_header_rows_and_totals() {
        let h = tiny();
        let cats = CategorySet::new("c", ["a", "b,c"]);
        let blocks = CountTable::new(None, cats, 2, vec![1, 2, 3, 4]).unwrap();
        let tables = aggregate(&h, &blocks).unwrap();
        let mut out = Vec::new();
        write_counts_csv_to(&mut out, &h, &tables[0]).unwrap();
        write_counts_csv_to(&mut out, &h, &blocks).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "level,unit_id,parent_id,a,\"b,c\",total\ntown,T,,4,6,10\n\
             level,unit_id,parent_id,a,\"b,c\",total\nblock,T-1,T,1,2,3\nblock,T-2,T,3,4,7\n"
        );
    }

    #[test]
    fn rejects_a_table_that_does_not_fit_the_level() {
        let h = tiny();
        let t = CountTable::new(Some(0), CategorySet::new("c", ["a"]), 2, vec![0, 0]).unwrap();
        let err = write_counts_csv_to(&mut Vec::new(), &h, &t).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }
}
