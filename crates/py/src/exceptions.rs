//! The Python exception classes of quartier and the one mapping from `quartier::Error`.
//!
//! Each error kind of the core is one Python class. All derive from `QuartierError`, and each
//! also derives from the builtin that fits, so that callers who know nothing of quartier still
//! catch them:
//!
//! | class | bases | raised for |
//! |---|---|---|
//! | `QuartierError` | `Exception` | base of all; also any future error kind |
//! | `HierarchyError` | `QuartierError`, `ValueError` | invalid spatial hierarchy |
//! | `AssignError` | `QuartierError`, `ValueError` | invalid unit index or assignment input |
//! | `TableError` | `QuartierError`, `ValueError` | invalid count table |
//! | `DisclosureError` | `QuartierError`, `ValueError` | groupings, suppression or audit failed |
//! | `QuartierIOError` | `QuartierError`, `OSError` | files that cannot be read or written |
//! | `IndicatorError` | `QuartierError`, `ValueError` | bad indicator specs, tables that do not fit |
//! | `RankError` | `QuartierError`, `ValueError` | bad weights, ranking settings or values |
//! | `ClassifyError` | `QuartierError`, `ValueError` | class breaks that cannot be computed |
//! | `SpatialError` | `QuartierError`, `ValueError` | spatial weights or statistics that cannot be computed |
//! | `RenderError` | `QuartierError`, `ValueError` | maps, profiles or a report that cannot be rendered |
//!
//! `create_exception!` takes a single base class, so the classes are built at first use by
//! calling `type(name, bases, namespace)`, exactly as a `class` statement would, and kept in a
//! `PyOnceLock` so the module attribute and the raised exception are the same class object.
//! `__module__` is `"quartier"`, where the package re-exports them.

use pyo3::exceptions::{PyException, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// One exception class: its name, doc, builtin base and the cell that holds it.
struct ExceptionClass {
    name: &'static str,
    doc: &'static str,
    cell: PyOnceLock<Py<PyType>>,
}

static QUARTIER_ERROR: ExceptionClass = ExceptionClass {
    name: "QuartierError",
    doc: "Base class of every error raised by quartier.",
    cell: PyOnceLock::new(),
};
static HIERARCHY_ERROR: ExceptionClass = ExceptionClass {
    name: "HierarchyError",
    doc: "The spatial hierarchy is invalid (also a ValueError).",
    cell: PyOnceLock::new(),
};
static ASSIGN_ERROR: ExceptionClass = ExceptionClass {
    name: "AssignError",
    doc: "A unit index cannot be built or points cannot be assigned (also a ValueError).",
    cell: PyOnceLock::new(),
};
static TABLE_ERROR: ExceptionClass = ExceptionClass {
    name: "TableError",
    doc: "A count table is invalid (also a ValueError).",
    cell: PyOnceLock::new(),
};
static DISCLOSURE_ERROR: ExceptionClass = ExceptionClass {
    name: "DisclosureError",
    doc: "Disclosure control failed: an invalid grouping, or tables that cannot be protected \
          (also a ValueError).",
    cell: PyOnceLock::new(),
};
static IO_ERROR: ExceptionClass = ExceptionClass {
    name: "QuartierIOError",
    doc: "A file cannot be read or written (also an OSError).",
    cell: PyOnceLock::new(),
};

static INDICATOR_ERROR: ExceptionClass = ExceptionClass {
    name: "IndicatorError",
    doc: "Indicators cannot be computed: a bad indicator spec, or tables that do not fit \
          (also a ValueError).",
    cell: PyOnceLock::new(),
};
static RANK_ERROR: ExceptionClass = ExceptionClass {
    name: "RankError",
    doc: "A ranking cannot be computed: bad weights, settings or values (also a ValueError).",
    cell: PyOnceLock::new(),
};
static CLASSIFY_ERROR: ExceptionClass = ExceptionClass {
    name: "ClassifyError",
    doc: "Class breaks cannot be computed (also a ValueError).",
    cell: PyOnceLock::new(),
};
static SPATIAL_ERROR: ExceptionClass = ExceptionClass {
    name: "SpatialError",
    doc: "Spatial weights or statistics cannot be computed (also a ValueError).",
    cell: PyOnceLock::new(),
};

static RENDER_ERROR: ExceptionClass = ExceptionClass {
    name: "RenderError",
    doc: "Maps, profiles or the report cannot be rendered (also a ValueError).",
    cell: PyOnceLock::new(),
};

/// The error kinds, in the order they are added to the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Base,
    Hierarchy,
    Assign,
    Table,
    Disclosure,
    Io,
    Indicator,
    Rank,
    Classify,
    Spatial,
    Render,
}

impl Kind {
    const ALL: [Kind; 11] = [
        Kind::Base,
        Kind::Hierarchy,
        Kind::Assign,
        Kind::Table,
        Kind::Disclosure,
        Kind::Io,
        Kind::Indicator,
        Kind::Rank,
        Kind::Classify,
        Kind::Spatial,
        Kind::Render,
    ];

    fn class(self) -> &'static ExceptionClass {
        match self {
            Kind::Base => &QUARTIER_ERROR,
            Kind::Hierarchy => &HIERARCHY_ERROR,
            Kind::Assign => &ASSIGN_ERROR,
            Kind::Table => &TABLE_ERROR,
            Kind::Disclosure => &DISCLOSURE_ERROR,
            Kind::Io => &IO_ERROR,
            Kind::Indicator => &INDICATOR_ERROR,
            Kind::Rank => &RANK_ERROR,
            Kind::Classify => &CLASSIFY_ERROR,
            Kind::Spatial => &SPATIAL_ERROR,
            Kind::Render => &RENDER_ERROR,
        }
    }

    /// The class object, created on first use.
    fn get(self, py: Python<'_>) -> PyResult<Bound<'_, PyType>> {
        let class = self.class();
        let ty = class.cell.get_or_try_init(py, || {
            let bases = match self {
                Kind::Base => PyTuple::new(py, [py.get_type::<PyException>()])?,
                Kind::Io => PyTuple::new(py, [Kind::Base.get(py)?, py.get_type::<PyOSError>()])?,
                _ => PyTuple::new(py, [Kind::Base.get(py)?, py.get_type::<PyValueError>()])?,
            };
            let namespace = PyDict::new(py);
            namespace.set_item("__module__", "quartier")?;
            namespace.set_item("__doc__", class.doc)?;
            let ty = py
                .get_type::<PyType>()
                .call1((class.name, bases, namespace))?
                .cast_into::<PyType>()?;
            Ok::<_, PyErr>(ty.unbind())
        })?;
        Ok(ty.bind(py).clone())
    }

    fn of(err: &quartier::Error) -> Kind {
        match err {
            quartier::Error::Hierarchy(_) => Kind::Hierarchy,
            quartier::Error::Assign(_) => Kind::Assign,
            quartier::Error::Table(_) => Kind::Table,
            quartier::Error::Disclosure(_) => Kind::Disclosure,
            quartier::Error::Io(_) => Kind::Io,
            quartier::Error::Indicator(_) => Kind::Indicator,
            quartier::Error::Rank(_) => Kind::Rank,
            quartier::Error::Classify(_) => Kind::Classify,
            quartier::Error::Spatial(_) => Kind::Spatial,
            quartier::Error::Render(_) => Kind::Render,
            _ => Kind::Base,
        }
    }
}

/// Adds every exception class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    for kind in Kind::ALL {
        m.add(kind.class().name, kind.get(m.py())?)?;
    }
    Ok(())
}

/// The operating system's error number in the error's source chain, if there is one.
fn os_errno(err: &quartier::Error) -> Option<i32> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io.raw_os_error();
        }
        source = e.source();
    }
    None
}

/// Maps any error of quartier to its Python exception; the only place that does.
///
/// The message is the core's message (lowercase, no personal data). For file errors that
/// carry an operating-system error number, the exception is built as `OSError(errno, msg)`
/// so that `exc.errno` is set.
pub(crate) fn to_pyerr(err: quartier::Error) -> PyErr {
    Python::attach(|py| {
        let kind = Kind::of(&err);
        let ty = match kind.get(py) {
            Ok(ty) => ty,
            Err(e) => return e,
        };
        let message = err.to_string();
        match (kind, os_errno(&err)) {
            (Kind::Io, Some(errno)) => PyErr::from_type(ty, (errno, message)),
            _ => PyErr::from_type(ty, (message,)),
        }
    })
}
