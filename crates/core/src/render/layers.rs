//! Attribute layers: one table per published level (ids, indicator values with status,
//! ranks, classes), the input of the GIS writers (GeoPackage, GeoJSON).

/// The values of one attribute column, one per unit of the layer's level (hierarchy order).
///
/// `None` is written as SQL `NULL` / JSON `null`: a suppressed or missing value is never a
/// zero.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValues {
    /// Floating-point values (`REAL`).
    Real(Vec<Option<f64>>),
    /// Integers (`INTEGER`).
    Integer(Vec<Option<i64>>),
    /// Text (`TEXT`).
    Text(Vec<Option<String>>),
}

impl AttributeValues {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::Real(v) => v.len(),
            Self::Integer(v) => v.len(),
            Self::Text(v) => v.len(),
        }
    }

    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One attribute column.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeColumn {
    /// Column name (lowercase ASCII, digits and `_`).
    pub name: String,
    /// The values.
    pub values: AttributeValues,
}

/// One class of a [`LayerStyle`].
#[derive(Debug, Clone, PartialEq)]
pub struct StyleClass {
    /// The value of the style's class column (1 = lowest class).
    pub value: i64,
    /// Legend label, e.g. `-1,0 bis 1,0`.
    pub label: String,
    /// Fill colour `#rrggbb`.
    pub color: String,
}

/// A categorized style of a layer by its class column (written as a QGIS QML style).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerStyle {
    /// Style name (shown in QGIS' style manager).
    pub name: String,
    /// The integer column holding the class (1-based; `NULL` = no class).
    pub column: String,
    /// The classes, lowest first.
    pub classes: Vec<StyleClass>,
    /// Legend label of units without a class (`NULL`), drawn hatched.
    pub no_data_label: String,
}

/// One published level as a table: the GIS outputs' unit of writing.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeLayer {
    /// Table / layer name (the level name, e.g. `quartier`).
    pub name: String,
    /// The hierarchy level whose units (and geometries) the rows are, in hierarchy order.
    pub level: usize,
    /// Columns; each has one value per unit of the level.
    pub columns: Vec<AttributeColumn>,
    /// The default style (the composite classes on the ranked level); `None` = no style.
    pub style: Option<LayerStyle>,
}
