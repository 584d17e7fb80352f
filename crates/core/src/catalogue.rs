//! The dataset catalogue (step a of the seed): which office owns which dataset, on what legal
//! basis, and for which reference date.
//!
//! The report prints it with every profile and on the index page, so that a reader knows
//! where each figure comes from. The project file (`[[datasets]]`) fills it for an office's
//! own data; [`DemoTown::catalogue`](crate::DemoTown::catalogue) for the demo town.

use serde::{Deserialize, Serialize};

/// One dataset of the catalogue.
///
/// # Examples
///
/// ```
/// use quartier::DatasetEntry;
///
/// let e = DatasetEntry::new("resident", "Einwohnermelderegister", "Bürgeramt", "2021-12-31");
/// assert_eq!(e.office, "Bürgeramt");
/// assert!(e.legal_basis.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[doc(alias = "Datenkatalog")]
pub struct DatasetEntry {
    /// The dataset's name as in the protected tables (`resident`, `kita`, `child_support`).
    pub dataset: String,
    /// A readable title, e.g. `Einwohnermelderegister`.
    pub title: String,
    /// The owner office (Fachamt), which keeps the interpretive authority over its data.
    #[doc(alias = "Fachamt")]
    pub office: String,
    /// The reference date (Stichtag), ISO 8601 (`2021-12-31`).
    #[doc(alias = "Stichtag")]
    pub reference_date: String,
    /// The legal basis of the use (e.g. `§ 34 BMG`); `None` when not documented.
    pub legal_basis: Option<String>,
    /// A short description; `None` when none.
    pub description: Option<String>,
    /// The columns read from the office's file, each as `column (use, role, sensitivity)`
    /// (e.g. `Straße (street, address, identifying)`); empty when not documented (generated
    /// data). Every other column of the file is never read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

impl DatasetEntry {
    /// An entry with name, title, office and reference date; no legal basis or description.
    pub fn new(
        dataset: impl Into<String>,
        title: impl Into<String>,
        office: impl Into<String>,
        reference_date: impl Into<String>,
    ) -> Self {
        Self {
            dataset: dataset.into(),
            title: title.into(),
            office: office.into(),
            reference_date: reference_date.into(),
            legal_basis: None,
            description: None,
            columns: Vec::new(),
        }
    }

    /// Sets the legal basis.
    pub fn with_legal_basis(mut self, legal_basis: impl Into<String>) -> Self {
        self.legal_basis = Some(legal_basis.into());
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}
