//! Count tables: units × categories, aggregated up the hierarchy.

/// Errors of counting records into tables.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// A category index is outside the table's categories.
    #[error("category {category} is out of range: the table has {n_categories} categories")]
    CategoryOutOfRange {
        /// The offending category index.
        category: usize,
        /// Number of categories of the table.
        n_categories: usize,
    },
}
