//! Point-in-polygon assignment of records to units.

/// Errors of building a unit index or assigning points.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssignError {
    /// The x and y coordinate slices differ in length.
    #[error("coordinate arrays differ in length: {x_len} x values, {y_len} y values")]
    LengthMismatch {
        /// Number of x values.
        x_len: usize,
        /// Number of y values.
        y_len: usize,
    },
}
