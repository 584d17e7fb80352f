//! Class breaks for choropleth maps: quantiles, equal interval, Fisher–Jenks, mean ± SD, manual.
//!
//! The break values are those of the Python package mapclassify (`Quantiles`,
//! `EqualInterval`, `FisherJenks`, `StdMean`, `UserDefined`) on the same data, so that a map
//! drawn by quartier and one drawn with geopandas agree. [`Breaks`] holds the classes' upper
//! bounds in mapclassify's convention (`bins`): class 0 holds every value `≤ bins[0]`, class
//! `i` the values in `(bins[i - 1], bins[i]]`.
//!
//! Missing values are the caller's business: drop suppressed or missing units (and sentinel
//! codes such as `-9999`) before classifying. [`class_breaks`] refuses NaN and infinities and
//! names their position.

use std::fmt;

/// The default multiples of the standard deviation of [`Classification::StdMean`], as in
/// mapclassify: mean − 2 SD, mean − SD, mean + SD, mean + 2 SD.
pub const DEFAULT_STD_MULTIPLES: [f64; 4] = [-2.0, -1.0, 1.0, 2.0];

/// Errors of computing class breaks.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifyError {
    /// No values were given.
    #[error("no values to classify")]
    Empty,
    /// A value is NaN or infinite.
    #[error(
        "value at position {index} is not finite ({value}); drop missing units before classifying"
    )]
    NonFinite {
        /// Position of the value in the input.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The number of classes is zero.
    #[error("the number of classes must be at least 1")]
    ZeroClasses,
    /// Fewer values than the method needs (at least one per class; two for the standard
    /// deviation).
    #[error("{method} needs at least {needed} values, got {n}")]
    TooFewValues {
        /// The method's name.
        method: &'static str,
        /// Number of values needed.
        needed: usize,
        /// Number of values given.
        n: usize,
    },
    /// Fewer distinct values than classes for Fisher–Jenks (mapclassify refuses these too).
    #[error("fisher_jenks needs at least {k} distinct values for {k} classes, got {distinct}")]
    TooFewDistinct {
        /// Number of distinct values.
        distinct: usize,
        /// Number of classes asked for.
        k: usize,
    },
    /// All values are equal, so the method's classes have no width.
    #[error("{method} needs values that are not all equal (all are {value})")]
    AllEqual {
        /// The method's name.
        method: &'static str,
        /// The one value.
        value: f64,
    },
    /// A parameter list (breaks, multiples) is empty.
    #[error("{parameter} must not be empty")]
    EmptyParameter {
        /// The parameter's name.
        parameter: &'static str,
    },
    /// A parameter list holds NaN or an infinity.
    #[error("{parameter}[{index}] is not finite ({value})")]
    NonFiniteParameter {
        /// The parameter's name.
        parameter: &'static str,
        /// Position in the list.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A parameter list does not increase (strictly for breaks and multiples; bins given to
    /// [`Breaks::try_new`] may repeat a value).
    #[error("{parameter} must increase: {parameter}[{index}] = {value} after {previous}")]
    NotIncreasing {
        /// The parameter's name.
        parameter: &'static str,
        /// Position of the first value out of order.
        index: usize,
        /// The value before it.
        previous: f64,
        /// The value.
        value: f64,
    },
    /// The method's name is not known.
    #[error("unknown classification method {name:?}; expected one of {}", Classification::NAMES.join(", "))]
    UnknownMethod {
        /// The name given.
        name: String,
    },
    /// A method needs a parameter that was not given.
    #[error("{method} needs {parameter}")]
    MissingParameter {
        /// The method's name.
        method: &'static str,
        /// The parameter's name.
        parameter: &'static str,
    },
    /// A parameter was given to a method that does not use it.
    #[error("{method} does not take {parameter}")]
    UnusedParameter {
        /// The method's name.
        method: &'static str,
        /// The parameter's name.
        parameter: &'static str,
    },
    /// The breaks cannot be represented in `f64`: the values are so large that sums of squares
    /// overflow, or their range is too small for their magnitude (breaks would not increase).
    #[error(
        "{method} breaks cannot be computed in f64 for these values (overflow or range below precision)"
    )]
    Unrepresentable {
        /// The method's name.
        method: &'static str,
    },
}

/// A classification method and its parameters.
///
/// Every method gives the classes' upper bounds ([`Breaks`]); the last bin is never below the
/// maximum of the values, so every value has a class.
///
/// | method | bins | as in mapclassify |
/// |---|---|---|
/// | `Quantiles { k }` | the `i·100/k` percentiles (linear interpolation), duplicates dropped: fewer than `k` bins when values tie | `Quantiles(y, k)` |
/// | `EqualInterval { k }` | `min + i·(max − min)/k`, the last replaced by `max` | `EqualInterval(y, k)` |
/// | `FisherJenks { k }` | class maxima of the exact optimal partition into `k` classes (least sum of squared deviations from the class means) | `FisherJenks(y, k)` |
/// | `StdMean { multiples }` | `mean + m·sd` (sample SD, `n − 1`), then `max` appended if above the last | `StdMean(y, multiples)` |
/// | `Manual { breaks }` | `breaks`, then `max` appended if above the last | `UserDefined(y, bins)` |
///
/// # Examples
///
/// ```
/// use quartier::Classification;
///
/// let method = Classification::from_name("fisher_jenks", 4, None, None)?;
/// assert_eq!(method, Classification::FisherJenks { k: 4 });
/// assert_eq!(method.name(), "fisher_jenks");
/// # Ok::<(), quartier::ClassifyError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Classification {
    /// Quantile classes: about the same number of values in each.
    #[doc(alias = "Quantile")]
    Quantiles {
        /// Number of classes.
        k: usize,
    },
    /// Classes of equal width between the minimum and the maximum.
    #[doc(alias = "gleiche Intervalle")]
    EqualInterval {
        /// Number of classes.
        k: usize,
    },
    /// Fisher–Jenks "natural breaks", exact: the partition of the sorted values into `k`
    /// classes with the least total sum of squared deviations from the class means.
    #[doc(alias = "natürliche Unterbrechungen")]
    FisherJenks {
        /// Number of classes.
        k: usize,
    },
    /// Breaks at the mean plus multiples of the sample standard deviation.
    #[doc(alias = "Standardabweichung")]
    StdMean {
        /// Multiples of the standard deviation, strictly increasing (mapclassify's default is
        /// [`DEFAULT_STD_MULTIPLES`]).
        multiples: Vec<f64>,
    },
    /// Breaks given by the user: the classes' upper bounds, strictly increasing.
    Manual {
        /// The upper bounds.
        breaks: Vec<f64>,
    },
}

impl Classification {
    /// The method names [`Classification::from_name`] accepts, in the enum's order.
    pub const NAMES: [&'static str; 5] = [
        "quantiles",
        "equal_interval",
        "fisher_jenks",
        "std_mean",
        "manual",
    ];

    /// Mean ± SD classes with mapclassify's default multiples `[-2, -1, 1, 2]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Classification, DEFAULT_STD_MULTIPLES};
    ///
    /// let method = Classification::std_mean();
    /// assert_eq!(method, Classification::StdMean { multiples: DEFAULT_STD_MULTIPLES.to_vec() });
    /// ```
    pub fn std_mean() -> Self {
        Classification::StdMean {
            multiples: DEFAULT_STD_MULTIPLES.to_vec(),
        }
    }

    /// Parses a method name and picks the parameters it uses.
    ///
    /// Names are [`Classification::NAMES`]; case, `_`, `-` and spaces are ignored, and
    /// mapclassify's class names are accepted too (`"FisherJenks"`, `"StdMean"`,
    /// `"UserDefined"` for `manual`). `k` is used by `quantiles`, `equal_interval` and
    /// `fisher_jenks` and ignored otherwise; `multiples` (default
    /// [`DEFAULT_STD_MULTIPLES`]) only by `std_mean`, `breaks` only by `manual`. The values of
    /// `k`, `multiples` and `breaks` are checked by [`class_breaks`], not here.
    ///
    /// # Errors
    ///
    /// [`ClassifyError::UnknownMethod`] for another name (the message lists the accepted
    /// ones), [`ClassifyError::MissingParameter`] for `manual` without `breaks`, and
    /// [`ClassifyError::UnusedParameter`] when `multiples` or `breaks` is given to a method
    /// that does not use it.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Classification, ClassifyError};
    ///
    /// let manual = Classification::from_name("manual", 5, None, Some(&[10.0, 20.0]))?;
    /// assert_eq!(manual, Classification::Manual { breaks: vec![10.0, 20.0] });
    /// assert_eq!(Classification::from_name("EqualInterval", 3, None, None)?,
    ///            Classification::EqualInterval { k: 3 });
    /// assert!(matches!(Classification::from_name("jenks", 5, None, None),
    ///                  Err(ClassifyError::UnknownMethod { .. })));
    /// # Ok::<(), ClassifyError>(())
    /// ```
    pub fn from_name(
        name: &str,
        k: usize,
        multiples: Option<&[f64]>,
        breaks: Option<&[f64]>,
    ) -> Result<Self, ClassifyError> {
        let key: String = name
            .chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect();
        let method = match key.as_str() {
            "quantiles" => Classification::Quantiles { k },
            "equalinterval" => Classification::EqualInterval { k },
            "fisherjenks" => Classification::FisherJenks { k },
            "stdmean" => Classification::StdMean {
                multiples: multiples.unwrap_or(&DEFAULT_STD_MULTIPLES).to_vec(),
            },
            "manual" | "userdefined" => Classification::Manual {
                breaks: breaks
                    .ok_or(ClassifyError::MissingParameter {
                        method: "manual",
                        parameter: "breaks",
                    })?
                    .to_vec(),
            },
            _ => {
                return Err(ClassifyError::UnknownMethod {
                    name: name.to_owned(),
                });
            }
        };
        let unused = match (&method, multiples, breaks) {
            (Classification::StdMean { .. }, _, Some(_)) => Some("breaks"),
            (Classification::Manual { .. }, Some(_), _) => Some("multiples"),
            (Classification::StdMean { .. } | Classification::Manual { .. }, _, _) => None,
            (_, Some(_), _) => Some("multiples"),
            (_, _, Some(_)) => Some("breaks"),
            _ => None,
        };
        match unused {
            Some(parameter) => Err(ClassifyError::UnusedParameter {
                method: method.name(),
                parameter,
            }),
            None => Ok(method),
        }
    }

    /// The method's name, one of [`Classification::NAMES`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Classification::Quantiles { k: 5 }.name(), "quantiles");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Classification::Quantiles { .. } => "quantiles",
            Classification::EqualInterval { .. } => "equal_interval",
            Classification::FisherJenks { .. } => "fisher_jenks",
            Classification::StdMean { .. } => "std_mean",
            Classification::Manual { .. } => "manual",
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Classification::Quantiles { k }
            | Classification::EqualInterval { k }
            | Classification::FisherJenks { k } => write!(f, "{} (k = {k})", self.name()),
            Classification::StdMean { multiples } => {
                write!(f, "{} (multiples = {multiples:?})", self.name())
            }
            Classification::Manual { breaks } => write!(f, "{} (breaks = {breaks:?})", self.name()),
        }
    }
}

/// The upper bounds of the classes (mapclassify's `bins`): non-empty, finite, non-decreasing.
///
/// Class 0 holds every value `≤ bins[0]` (also values below the data's minimum), class `i`
/// the values in `(bins[i - 1], bins[i]]`. A value above the last bin, and NaN, has no class.
/// Bins computed by [`class_breaks`] end at or above the maximum of the values, so each value
/// they were computed from has a class. Two equal bins (possible only in degenerate
/// equal-interval or mean ± SD cases, as in mapclassify) leave the class between them empty.
///
/// # Examples
///
/// ```
/// use quartier::Breaks;
///
/// let breaks = Breaks::try_new(vec![1.0, 5.0, 10.0])?;
/// assert_eq!(breaks.len(), 3);
/// assert_eq!(breaks.class_of(1.0), Some(0)); // upper bounds belong to their class
/// assert_eq!(breaks.class_of(1.5), Some(1));
/// assert_eq!(breaks.class_of(-7.0), Some(0));
/// assert_eq!(breaks.class_of(11.0), None);
/// assert_eq!(breaks.class_of(f64::NAN), None);
/// assert_eq!(breaks.counts(&[0.0, 2.0, 3.0, 10.0, 12.0]), vec![1, 2, 1]);
/// # Ok::<(), quartier::ClassifyError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Breaks {
    bins: Vec<f64>,
}

impl Breaks {
    /// Breaks from given upper bounds, e.g. bins stored with a map.
    ///
    /// Unlike [`Classification::Manual`], equal neighbours are accepted (the class between
    /// them is empty), since computed bins may contain them.
    ///
    /// # Errors
    ///
    /// [`ClassifyError::EmptyParameter`], [`ClassifyError::NonFiniteParameter`] or
    /// [`ClassifyError::NotIncreasing`] (a bin below its predecessor), each for `bins`.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::Breaks;
    ///
    /// assert!(Breaks::try_new(vec![0.0, 2.0, 2.0]).is_ok());
    /// assert!(Breaks::try_new(vec![3.0, 2.0]).is_err());
    /// assert!(Breaks::try_new(vec![]).is_err());
    /// ```
    pub fn try_new(bins: Vec<f64>) -> Result<Self, ClassifyError> {
        check_parameter("bins", &bins, false)?;
        Ok(Breaks { bins })
    }

    /// The classes' upper bounds.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{class_breaks, Classification};
    ///
    /// let breaks = class_breaks(&[1.0, 2.0, 3.0, 4.0], &Classification::EqualInterval { k: 3 })?;
    /// assert_eq!(breaks.bins(), &[2.0, 3.0, 4.0]);
    /// # Ok::<(), quartier::ClassifyError>(())
    /// ```
    pub fn bins(&self) -> &[f64] {
        &self.bins
    }

    /// Consumes the breaks and returns the upper bounds.
    ///
    /// # Examples
    ///
    /// ```
    /// let bins = quartier::Breaks::try_new(vec![1.0, 2.0])?.into_bins();
    /// assert_eq!(bins, vec![1.0, 2.0]);
    /// # Ok::<(), quartier::ClassifyError>(())
    /// ```
    pub fn into_bins(self) -> Vec<f64> {
        self.bins
    }

    /// Number of classes (bins).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(quartier::Breaks::try_new(vec![1.0, 2.0])?.len(), 2);
    /// # Ok::<(), quartier::ClassifyError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.bins.len()
    }

    /// Always `false`: breaks have at least one bin.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!quartier::Breaks::try_new(vec![1.0])?.is_empty());
    /// # Ok::<(), quartier::ClassifyError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    /// The class of a value: the first bin `≥ value`; `None` for NaN and for values above
    /// the last bin. `O(log k)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let breaks = quartier::Breaks::try_new(vec![10.0, 20.0])?;
    /// assert_eq!(breaks.class_of(10.0), Some(0));
    /// assert_eq!(breaks.class_of(10.5), Some(1));
    /// assert_eq!(breaks.class_of(f64::NEG_INFINITY), Some(0));
    /// assert_eq!(breaks.class_of(20.5), None);
    /// # Ok::<(), quartier::ClassifyError>(())
    /// ```
    pub fn class_of(&self, value: f64) -> Option<usize> {
        if value.is_nan() {
            return None;
        }
        let class = self.bins.partition_point(|&bin| bin < value);
        (class < self.bins.len()).then_some(class)
    }

    /// The class of each value, as [`Breaks::class_of`].
    ///
    /// # Examples
    ///
    /// ```
    /// let breaks = quartier::Breaks::try_new(vec![10.0, 20.0])?;
    /// assert_eq!(breaks.classify(&[5.0, 15.0, f64::NAN]), vec![Some(0), Some(1), None]);
    /// # Ok::<(), quartier::ClassifyError>(())
    /// ```
    pub fn classify(&self, values: &[f64]) -> Vec<Option<usize>> {
        values.iter().map(|&v| self.class_of(v)).collect()
    }

    /// Number of values in each class (values without a class are not counted).
    ///
    /// # Examples
    ///
    /// ```
    /// let breaks = quartier::Breaks::try_new(vec![10.0, 20.0])?;
    /// assert_eq!(breaks.counts(&[5.0, 15.0, 16.0, 99.0]), vec![1, 2]);
    /// # Ok::<(), quartier::ClassifyError>(())
    /// ```
    pub fn counts(&self, values: &[f64]) -> Vec<usize> {
        let mut counts = vec![0; self.bins.len()];
        for class in values.iter().filter_map(|&v| self.class_of(v)) {
            counts[class] += 1;
        }
        counts
    }
}

/// Computes the class breaks of `values` with `method`, as mapclassify does.
///
/// The values need not be sorted. They must be finite: drop missing or suppressed units (and
/// sentinel codes such as `-9999`) before classifying.
///
/// Boundary rules, exactly as mapclassify 2.10:
/// - `Quantiles`: the percentiles `p = 100/k, 200/k, …` (as `numpy.arange` steps them, the last
///   capped at 100) by linear interpolation between order statistics
///   (`scipy.stats.scoreatpercentile`), then sorted and de-duplicated: values with many ties
///   give fewer than `k` bins.
/// - `EqualInterval`: `numpy.arange(min + w, max + w, w)` with `w = (max − min)/k`, cut to `k`
///   bins, the last set to `max`.
/// - `FisherJenks`: the maxima of the classes of an optimal partition. Where several
///   partitions are optimal, the one whose last class starts earliest (recursively) is taken,
///   as in mapclassify. mapclassify runs its dynamic program in 32-bit floats and may miss the
///   optimum by a rounding margin (e.g. on data with outliers); this one uses 64-bit sums
///   (compensated prefix sums of the mean-shifted values) and is exact up to that precision.
///   `O(k·n·log n)` time (divide-and-conquer optimisation, valid because the cost is a
///   Monge array) and `O(k·n)` memory, after an `O(n log n)` sort; see
///   [`fisher_jenks_naive`] for the plain `O(k·n²)` program.
/// - `StdMean`: `mean + m·sd` with numpy's pairwise summation for mean and variance (sample
///   SD, `ddof = 1`), then `max` appended when above the last bin.
/// - `Manual`: the breaks, then `max` appended when above the last break (`UserDefined`).
///
/// # Errors
///
/// - [`ClassifyError::Empty`] for no values, [`ClassifyError::NonFinite`] (with the position)
///   for NaN or ±∞;
/// - [`ClassifyError::ZeroClasses`] for `k = 0`, [`ClassifyError::TooFewValues`] for fewer
///   values than classes (quantiles, equal interval, Fisher–Jenks) or fewer than two values
///   (mean ± SD);
/// - [`ClassifyError::TooFewDistinct`] for fewer distinct values than classes (Fisher–Jenks,
///   as mapclassify);
/// - [`ClassifyError::AllEqual`] when all values are equal (equal interval, as mapclassify;
///   mean ± SD, where mapclassify would return `k` equal bins);
/// - [`ClassifyError::EmptyParameter`], [`ClassifyError::NonFiniteParameter`],
///   [`ClassifyError::NotIncreasing`] for manual breaks or SD multiples that are empty, not
///   finite or not strictly increasing;
/// - [`ClassifyError::Unrepresentable`] for values whose sums overflow `f64` or whose range is
///   below their precision.
///
/// # Examples
///
/// ```
/// use quartier::{class_breaks, Classification};
///
/// let shares = [3.0, 1.0, 8.0, 2.0, 9.0, 10.0, 4.0, 25.0];
/// let fj = class_breaks(&shares, &Classification::FisherJenks { k: 3 })?;
/// assert_eq!(fj.bins(), &[4.0, 10.0, 25.0]);
/// assert_eq!(fj.counts(&shares), vec![4, 3, 1]);
///
/// let q = class_breaks(&shares, &Classification::Quantiles { k: 2 })?;
/// assert_eq!(q.bins(), &[6.0, 25.0]); // the median interpolates between 4 and 8
///
/// let manual = class_breaks(&shares, &Classification::Manual { breaks: vec![5.0, 10.0] })?;
/// assert_eq!(manual.bins(), &[5.0, 10.0, 25.0]); // the maximum is appended
/// # Ok::<(), quartier::ClassifyError>(())
/// ```
pub fn class_breaks(values: &[f64], method: &Classification) -> Result<Breaks, ClassifyError> {
    check_values(values)?;
    let bins = match method {
        Classification::Quantiles { k } => {
            check_k("quantiles", values.len(), *k)?;
            quantile_bins(&sorted(values), *k)
        }
        Classification::EqualInterval { k } => {
            check_k("equal_interval", values.len(), *k)?;
            equal_interval_bins(values, *k)?
        }
        Classification::FisherJenks { k } => {
            fisher_jenks_bins(values, *k, Search::DivideAndConquer)?
        }
        Classification::StdMean { multiples } => std_mean_bins(values, multiples)?,
        Classification::Manual { breaks } => {
            check_parameter("breaks", breaks, true)?;
            let mut bins = breaks.clone();
            append_max(&mut bins, values);
            bins
        }
    };
    finish(method.name(), bins)
}

/// Fisher–Jenks breaks by the plain `O(k·n²)` dynamic program: the test oracle and bench
/// baseline of [`class_breaks`] with [`Classification::FisherJenks`].
///
/// Same cost function, tie rule and errors as the fast path; only the search differs (every
/// split is tried instead of the monotone range).
///
/// # Errors
///
/// As [`class_breaks`] for [`Classification::FisherJenks`].
///
/// # Examples
///
/// ```
/// use quartier::{class_breaks, fisher_jenks_naive, Classification};
///
/// let values = [1.0, 2.0, 4.0, 8.0, 16.0, 17.0, 30.0];
/// let naive = fisher_jenks_naive(&values, 3)?;
/// assert_eq!(naive, class_breaks(&values, &Classification::FisherJenks { k: 3 })?);
/// assert_eq!(naive.bins(), &[8.0, 17.0, 30.0]);
/// # Ok::<(), quartier::ClassifyError>(())
/// ```
pub fn fisher_jenks_naive(values: &[f64], k: usize) -> Result<Breaks, ClassifyError> {
    check_values(values)?;
    let bins = fisher_jenks_bins(values, k, Search::Full)?;
    finish("fisher_jenks", bins)
}

/// Refuses empty input and names the first value that is not finite.
fn check_values(values: &[f64]) -> Result<(), ClassifyError> {
    if values.is_empty() {
        return Err(ClassifyError::Empty);
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(ClassifyError::NonFinite {
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// At least one class, and at least one value per class.
fn check_k(method: &'static str, n: usize, k: usize) -> Result<(), ClassifyError> {
    if k == 0 {
        Err(ClassifyError::ZeroClasses)
    } else if n < k {
        Err(ClassifyError::TooFewValues {
            method,
            needed: k,
            n,
        })
    } else {
        Ok(())
    }
}

/// A parameter list: non-empty, finite, increasing (strictly when `strict`).
fn check_parameter(
    parameter: &'static str,
    list: &[f64],
    strict: bool,
) -> Result<(), ClassifyError> {
    if list.is_empty() {
        return Err(ClassifyError::EmptyParameter { parameter });
    }
    if let Some(index) = list.iter().position(|v| !v.is_finite()) {
        return Err(ClassifyError::NonFiniteParameter {
            parameter,
            index,
            value: list[index],
        });
    }
    let out_of_order = list
        .windows(2)
        .position(|w| if strict { w[1] <= w[0] } else { w[1] < w[0] });
    match out_of_order {
        Some(i) => Err(ClassifyError::NotIncreasing {
            parameter,
            index: i + 1,
            previous: list[i],
            value: list[i + 1],
        }),
        None => Ok(()),
    }
}

/// The final check of computed bins: finite and non-decreasing, else the method cannot
/// represent them.
fn finish(method: &'static str, bins: Vec<f64>) -> Result<Breaks, ClassifyError> {
    let ok = !bins.is_empty()
        && bins.iter().all(|b| b.is_finite())
        && bins.windows(2).all(|w| w[0] <= w[1]);
    if ok {
        Ok(Breaks { bins })
    } else {
        Err(ClassifyError::Unrepresentable { method })
    }
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut x = values.to_vec();
    x.sort_unstable_by(f64::total_cmp);
    x
}

fn max_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

fn min_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Appends the maximum of the values when it is above the last bin (mapclassify's
/// `UserDefined` and `StdMean`).
fn append_max(bins: &mut Vec<f64>, values: &[f64]) {
    let max = max_of(values);
    if bins.last().is_some_and(|&last| last < max) {
        bins.push(max);
    }
}

/// The first `limit` elements of `numpy.arange(start, stop, step)` for floats: the length is
/// `ceil((stop − start)/step)`, the elements `start`, `start + step`, then
/// `start + i·((start + step) − start)` (numpy's fill rule).
fn numpy_arange(start: f64, stop: f64, step: f64, limit: usize) -> Vec<f64> {
    let len = ((stop - start) / step).ceil();
    // `len` is a small count here (about k); the comparison also rejects NaN.
    let len = if len > 0.0 {
        (len.min(limit as f64)) as usize
    } else {
        0
    };
    let next = start + step;
    let delta = next - start;
    (0..len)
        .map(|i| match i {
            0 => start,
            1 => next,
            _ => start + i as f64 * delta,
        })
        .collect()
}

/// numpy's pairwise summation of a contiguous float64 array (`np.add.reduce`), so that the
/// mean and standard deviation agree with numpy to the last bit.
fn numpy_sum(a: &[f64]) -> f64 {
    0.0 + pairwise_sum(a)
}

fn pairwise_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        a.iter().fold(-0.0, |acc, &v| acc + v)
    } else if n <= BLOCK {
        let mut r = [0.0; 8];
        r.copy_from_slice(&a[..8]);
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(chunk) {
                *acc += v;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[whole..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// mapclassify's `quantile`: `scipy.stats.scoreatpercentile` at numpy-stepped percentiles,
/// then `numpy.unique`. `x` is sorted and holds at least `k ≥ 1` values.
fn quantile_bins(x: &[f64], k: usize) -> Vec<f64> {
    let w = 100.0 / k as f64;
    // numpy may step one past 100 (e.g. k = 29); mapclassify caps that one at 100.
    let mut percents = numpy_arange(w, 100.0 + w, w, k + 1);
    if let Some(last) = percents.last_mut() {
        if *last > 100.0 {
            *last = 100.0;
        }
    }
    let last_index = (x.len() - 1) as f64;
    let mut bins: Vec<f64> = percents
        .iter()
        .map(|&p| {
            let idx = p / 100.0 * last_index;
            let i = idx as usize; // idx ≥ 0; truncation as Python's int()
            let (lo, hi) = (x[i.min(x.len() - 1)], x[(i + 1).min(x.len() - 1)]);
            if i as f64 == idx {
                lo
            } else {
                let (w_lo, w_hi) = ((i + 1) as f64 - idx, idx - i as f64);
                (lo * w_lo + hi * w_hi) / (w_lo + w_hi)
            }
        })
        .collect();
    bins.sort_unstable_by(f64::total_cmp);
    bins.dedup();
    bins
}

/// mapclassify's `EqualInterval._set_bins`.
fn equal_interval_bins(values: &[f64], k: usize) -> Result<Vec<f64>, ClassifyError> {
    let (min, max) = (min_of(values), max_of(values));
    if min == max {
        return Err(ClassifyError::AllEqual {
            method: "equal_interval",
            value: min,
        });
    }
    let width = (max - min) / k as f64;
    if !width.is_finite() {
        return Err(ClassifyError::Unrepresentable {
            method: "equal_interval",
        });
    }
    let mut cuts = numpy_arange(min + width, max + width, width, k);
    match cuts.last_mut() {
        Some(last) => *last = max,
        None => {
            return Err(ClassifyError::Unrepresentable {
                method: "equal_interval",
            });
        }
    }
    Ok(cuts)
}

/// mapclassify's `StdMean._set_bins` (without `anchor`).
fn std_mean_bins(values: &[f64], multiples: &[f64]) -> Result<Vec<f64>, ClassifyError> {
    check_parameter("multiples", multiples, true)?;
    let n = values.len();
    if n < 2 {
        return Err(ClassifyError::TooFewValues {
            method: "std_mean",
            needed: 2,
            n,
        });
    }
    let mean = numpy_sum(values) / n as f64;
    let squares: Vec<f64> = values
        .iter()
        .map(|&v| {
            let d = v - mean;
            d * d
        })
        .collect();
    let sd = (numpy_sum(&squares) / (n - 1) as f64).sqrt();
    if !mean.is_finite() || !sd.is_finite() {
        return Err(ClassifyError::Unrepresentable { method: "std_mean" });
    }
    if sd == 0.0 {
        return Err(ClassifyError::AllEqual {
            method: "std_mean",
            value: values[0],
        });
    }
    let mut bins: Vec<f64> = multiples.iter().map(|&m| mean + sd * m).collect();
    append_max(&mut bins, values);
    Ok(bins)
}

/// How the Fisher–Jenks program searches the split of each subproblem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Search {
    /// Every split (`O(n)` per subproblem).
    Full,
    /// Divide and conquer over the monotone optimal split (`O(log n)` amortised).
    DivideAndConquer,
}

/// Sums of squared deviations of runs of sorted values in `O(1)`, from prefix sums.
///
/// The values are shifted by their mean first and the prefix sums are compensated
/// (Neumaier), which keeps `Σx² − (Σx)²/w` from cancelling on data far from zero.
struct Ssd {
    s1: Vec<f64>,
    s2: Vec<f64>,
}

impl Ssd {
    fn new(x: &[f64]) -> Option<Self> {
        let shift = numpy_sum(x) / x.len() as f64;
        let mut s1 = Vec::with_capacity(x.len() + 1);
        let mut s2 = Vec::with_capacity(x.len() + 1);
        let (mut sum1, mut sum2) = (Neumaier::default(), Neumaier::default());
        s1.push(0.0);
        s2.push(0.0);
        for &v in x {
            let d = v - shift;
            sum1.add(d);
            sum2.add(d * d);
            s1.push(sum1.value());
            s2.push(sum2.value());
        }
        let finite = shift.is_finite() && sum1.value().is_finite() && sum2.value().is_finite();
        finite.then_some(Ssd { s1, s2 })
    }

    /// Sum of squared deviations from their mean of `x[i..j]`, `i < j`.
    #[inline]
    fn cost(&self, i: usize, j: usize) -> f64 {
        let w = (j - i) as f64;
        let a = self.s1[j] - self.s1[i];
        (self.s2[j] - self.s2[i]) - a * a / w
    }
}

/// Compensated summation (Neumaier's variant of Kahan's).
#[derive(Default)]
struct Neumaier {
    sum: f64,
    compensation: f64,
}

impl Neumaier {
    fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.compensation += (self.sum - t) + v;
        } else {
            self.compensation += (v - t) + self.sum;
        }
        self.sum = t;
    }

    fn value(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// Fisher–Jenks bins: checks, sort, dynamic program, class maxima.
fn fisher_jenks_bins(values: &[f64], k: usize, search: Search) -> Result<Vec<f64>, ClassifyError> {
    check_k("fisher_jenks", values.len(), k)?;
    let x = sorted(values);
    let distinct = 1 + x.windows(2).filter(|w| w[0] != w[1]).count();
    if distinct < k {
        return Err(ClassifyError::TooFewDistinct { distinct, k });
    }
    let ssd = Ssd::new(&x).ok_or(ClassifyError::Unrepresentable {
        method: "fisher_jenks",
    })?;
    let ends = optimal_class_ends(&ssd, x.len(), k, search);
    Ok(ends.iter().map(|&end| x[end - 1]).collect())
}

/// The exclusive ends of the `k` classes of an optimal partition of `n` sorted values.
///
/// `cost[c][j]` is the least total cost of `c` classes over the first `j` values and
/// `start[c][j]` the start of the last of them; only two cost rows are kept. Among equal
/// costs the smallest start wins, as in mapclassify (its `>=` while the start decreases).
/// Row `c` is needed for `j` in `c..=n − (k − c)` only.
fn optimal_class_ends(ssd: &Ssd, n: usize, k: usize, search: Search) -> Vec<usize> {
    let mut prev: Vec<f64> = (0..=n)
        .map(|j| if j == 0 { 0.0 } else { ssd.cost(0, j) })
        .collect();
    let mut starts: Vec<Vec<usize>> = Vec::with_capacity(k.saturating_sub(1));
    let mut cur = vec![f64::INFINITY; n + 1];
    for c in 2..=k {
        let j_hi = n - (k - c);
        let j_lo = if c == k { n } else { c };
        let mut start = vec![0; n + 1];
        let mut layer = Layer {
            ssd,
            prev: &prev,
            cur: &mut cur,
            start: &mut start,
        };
        match search {
            Search::Full => {
                for j in j_lo..=j_hi {
                    layer.solve_one(j, c - 1, j - 1);
                }
            }
            Search::DivideAndConquer => layer.divide(j_lo, j_hi, c - 1, j_hi - 1),
        }
        std::mem::swap(&mut prev, &mut cur);
        starts.push(start);
    }
    let mut ends = vec![n];
    let mut j = n;
    for start in starts.iter().rev() {
        j = start[j];
        ends.push(j);
    }
    ends.reverse();
    ends
}

/// One row of the Fisher–Jenks program: `cur[j] = min over i of prev[i] + cost(i, j)`.
struct Layer<'a> {
    ssd: &'a Ssd,
    prev: &'a [f64],
    cur: &'a mut [f64],
    start: &'a mut [usize],
}

impl Layer<'_> {
    /// Solves `j` over the splits `lo..=hi` (first minimum wins) and returns the split.
    #[inline]
    fn solve_one(&mut self, j: usize, lo: usize, hi: usize) -> usize {
        let mut best = f64::INFINITY;
        let mut best_i = lo;
        for i in lo..=hi {
            let v = self.prev[i] + self.ssd.cost(i, j);
            if v < best {
                best = v;
                best_i = i;
            }
        }
        self.cur[j] = best;
        self.start[j] = best_i;
        best_i
    }

    /// Solves `j_lo..=j_hi` knowing their optimal splits lie in `opt_lo..=opt_hi`: the
    /// (smallest) optimal split is non-decreasing in `j` because the cost is a Monge array.
    fn divide(&mut self, j_lo: usize, j_hi: usize, opt_lo: usize, opt_hi: usize) {
        if j_lo > j_hi {
            return;
        }
        let mid = j_lo + (j_hi - j_lo) / 2;
        let best = self.solve_one(mid, opt_lo, opt_hi.min(mid - 1));
        if mid > j_lo {
            self.divide(j_lo, mid - 1, opt_lo, best);
        }
        self.divide(mid + 1, j_hi, best, opt_hi);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn bins(values: &[f64], method: Classification) -> Vec<f64> {
        class_breaks(values, &method).unwrap().into_bins()
    }

    /// Total within-class sum of squares of a classification, computed directly (two-pass).
    fn within_ss(values: &[f64], breaks: &Breaks) -> f64 {
        let mut total = 0.0;
        for class in 0..breaks.len() {
            let members: Vec<f64> = values
                .iter()
                .copied()
                .filter(|&v| breaks.class_of(v) == Some(class))
                .collect();
            if members.is_empty() {
                continue;
            }
            let mean = members.iter().sum::<f64>() / members.len() as f64;
            total += members.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
        }
        total
    }

    /// Every partition of sorted distinct-run boundaries into k classes, by brute force.
    fn brute_force_best(values: &[f64], k: usize) -> f64 {
        let x = sorted(values);
        let n = x.len();
        let mut best = f64::INFINITY;
        // choose k - 1 cut positions among 1..n
        fn rec(x: &[f64], from: usize, left: usize, cuts: &mut Vec<usize>, best: &mut f64) {
            if left == 0 {
                let mut bounds = vec![0];
                bounds.extend(cuts.iter().copied());
                bounds.push(x.len());
                let mut total = 0.0;
                for w in bounds.windows(2) {
                    let part = &x[w[0]..w[1]];
                    let mean = part.iter().sum::<f64>() / part.len() as f64;
                    total += part.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
                }
                *best = best.min(total);
                return;
            }
            for c in from..x.len() {
                cuts.push(c);
                rec(x, c + 1, left - 1, cuts, best);
                cuts.pop();
            }
        }
        rec(&x, 1, k - 1, &mut Vec::new(), &mut best);
        let _ = n;
        best
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        // mapclassify.classifiers.quantile(np.arange(1000.0), k), printed with repr by
        // mapclassify 2.10 (its docstring rounds k = 3 to [333., 666., 999.]).
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(
            bins(&x, Classification::Quantiles { k: 4 }),
            vec![249.75, 499.5, 749.25, 999.0]
        );
        assert_eq!(
            bins(&x, Classification::Quantiles { k: 3 }),
            vec![333.00000000000006, 666.0000000000001, 999.0]
        );
    }

    #[test]
    fn quantiles_drop_duplicate_bins() {
        let x = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 3.0];
        let b = bins(&x, Classification::Quantiles { k: 4 });
        // 25th and 50th percentiles are both 1.0
        assert_eq!(b[0], 1.0);
        assert_eq!(b.len(), 3);
        assert_eq!(*b.last().unwrap(), 3.0);
    }

    #[test]
    fn numpy_arange_steps_past_100_for_k_29() {
        // np.arange(100/29, 100 + 100/29, 100/29) has 30 elements; the 30th is capped.
        let w = 100.0 / 29.0;
        assert_eq!(numpy_arange(w, 100.0 + w, w, usize::MAX).len(), 30);
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let b = bins(&x, Classification::Quantiles { k: 29 });
        assert_eq!(*b.last().unwrap(), 99.0);
        assert!(b.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn equal_interval_matches_mapclassify_docstring() {
        // mapclassify's calemp example has min 0.13 and max 4111.45.
        let x = [0.13, 4111.45, 100.0, 200.0, 300.0];
        let b = bins(&x, Classification::EqualInterval { k: 5 });
        let expected = [822.394, 1644.658, 2466.922, 3289.186, 4111.45];
        for (got, want) in b.iter().zip(expected) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        assert_eq!(b[4], 4111.45);
    }

    #[test]
    fn std_mean_appends_the_maximum() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0];
        let b = bins(&x, Classification::std_mean());
        let mean = 14.5;
        let sd = (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 9.0).sqrt();
        let want = [
            mean - 2.0 * sd,
            mean - sd,
            mean + sd,
            mean + 2.0 * sd,
            100.0,
        ];
        assert_eq!(b.len(), 5);
        for (got, want) in b.iter().zip(want) {
            assert!((got - want).abs() < 1e-12 * want.abs().max(1.0));
        }
        // No max appended when the last multiple reaches beyond it.
        let wide = Classification::StdMean {
            multiples: vec![-1.0, 5.0],
        };
        assert_eq!(bins(&x, wide).len(), 2);
    }

    #[test]
    fn numpy_sum_and_sd_match_numpy_to_the_bit() {
        // Values printed by numpy 2.4 (np.add.reduce, a.mean(), a.std(ddof=1)) for
        // a = [((i*7919) % 1000 - 500) / 7 + ((i*104729) % 997) / 997 * 1e10 * (±1)];
        // a left fold gives 2066198460.0730724 and 60661985886.445045 instead.
        let a = |n: i64| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    let sign = if i % 2 == 1 { 1.0 } else { -1.0 };
                    ((i * 7919) % 1000 - 500) as f64 / 7.0
                        + ((i * 104729) % 997) as f64 / 997.0 * 1e10 * sign
                })
                .collect()
        };
        assert_eq!(numpy_sum(&a(100)), 2066198460.0731015);
        assert_eq!(numpy_sum(&a(1000)), 60661985886.4451);
        assert_eq!(numpy_sum(&a(777)), 48766298745.83297);
        // std_mean's bins at multiples 0 and 1 are the mean and mean + sd.
        let b = bins(
            &a(777),
            Classification::StdMean {
                multiples: vec![0.0, 1.0],
            },
        );
        assert_eq!(b[0], 62762289.24817628);
        assert_eq!(b[1], 62762289.24817628 + 5740854061.899015);
        assert_eq!(numpy_sum(&[]), 0.0);
        assert_eq!(numpy_sum(&[1.5]), 1.5);
    }

    #[test]
    fn manual_appends_the_maximum_only_when_above() {
        let x = [1.0, 5.0, 9.0];
        let b = bins(
            &x,
            Classification::Manual {
                breaks: vec![2.0, 4.0],
            },
        );
        assert_eq!(b, vec![2.0, 4.0, 9.0]);
        let b = bins(
            &x,
            Classification::Manual {
                breaks: vec![2.0, 9.0],
            },
        );
        assert_eq!(b, vec![2.0, 9.0]);
        let b = bins(&x, Classification::Manual { breaks: vec![20.0] });
        assert_eq!(b, vec![20.0]);
    }

    #[test]
    fn fisher_jenks_ties_prefer_the_longer_last_class() {
        // {1}{2,3} and {1,2}{3} both cost 0.5; mapclassify picks bins [1, 3].
        assert_eq!(
            bins(&[1.0, 2.0, 3.0], Classification::FisherJenks { k: 2 }),
            vec![1.0, 3.0]
        );
        assert_eq!(
            fisher_jenks_naive(&[3.0, 2.0, 1.0], 2).unwrap().bins(),
            &[1.0, 3.0]
        );
    }

    #[test]
    fn fisher_jenks_k1_and_k_equal_n() {
        let x = [4.0, 1.0, 3.0];
        assert_eq!(bins(&x, Classification::FisherJenks { k: 1 }), vec![4.0]);
        assert_eq!(
            bins(&x, Classification::FisherJenks { k: 3 }),
            vec![1.0, 3.0, 4.0]
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let fj = |k| Classification::FisherJenks { k };
        assert_eq!(class_breaks(&[], &fj(2)), Err(ClassifyError::Empty));
        assert_eq!(
            class_breaks(&[1.0, 2.0], &fj(0)),
            Err(ClassifyError::ZeroClasses)
        );
        assert_eq!(
            class_breaks(&[1.0, 2.0], &fj(3)),
            Err(ClassifyError::TooFewValues {
                method: "fisher_jenks",
                needed: 3,
                n: 2
            })
        );
        assert_eq!(
            class_breaks(&[1.0, 1.0, 2.0], &fj(3)),
            Err(ClassifyError::TooFewDistinct { distinct: 2, k: 3 })
        );
        let err = class_breaks(&[1.0, f64::NAN, 2.0], &fj(2)).unwrap_err();
        assert!(matches!(err, ClassifyError::NonFinite { index: 1, .. }));
        assert!(err.to_string().contains("position 1"), "{err}");
        assert!(matches!(
            class_breaks(&[2.0, 2.0], &Classification::EqualInterval { k: 2 }),
            Err(ClassifyError::AllEqual { .. })
        ));
        assert!(matches!(
            class_breaks(&[2.0, 2.0], &Classification::std_mean()),
            Err(ClassifyError::AllEqual { .. })
        ));
        assert!(matches!(
            class_breaks(&[2.0], &Classification::std_mean()),
            Err(ClassifyError::TooFewValues { needed: 2, .. })
        ));
        let err = class_breaks(
            &[1.0],
            &Classification::Manual {
                breaks: vec![1.0, 3.0, 3.0],
            },
        )
        .unwrap_err();
        assert_eq!(
            err,
            ClassifyError::NotIncreasing {
                parameter: "breaks",
                index: 2,
                previous: 3.0,
                value: 3.0
            }
        );
        assert_eq!(
            err.to_string(),
            "breaks must increase: breaks[2] = 3 after 3"
        );
        assert!(matches!(
            class_breaks(&[1.0], &Classification::Manual { breaks: vec![] }),
            Err(ClassifyError::EmptyParameter { .. })
        ));
        assert!(matches!(
            class_breaks(
                &[1.0, 2.0],
                &Classification::StdMean {
                    multiples: vec![0.0, f64::INFINITY]
                }
            ),
            Err(ClassifyError::NonFiniteParameter { index: 1, .. })
        ));
        assert!(matches!(
            class_breaks(&[1e300, -1e300, 0.0], &Classification::std_mean()),
            Err(ClassifyError::Unrepresentable { .. })
        ));
        assert!(matches!(
            class_breaks(&[1e300, -1e300, 0.0], &fj(2)),
            Err(ClassifyError::Unrepresentable { .. })
        ));
        assert!(matches!(
            class_breaks(
                &[f64::MAX, -f64::MAX],
                &Classification::EqualInterval { k: 2 }
            ),
            Err(ClassifyError::Unrepresentable { .. })
        ));
    }

    #[test]
    fn from_name_parses_and_refuses() {
        assert_eq!(
            Classification::from_name("Std-Mean", 5, None, None).unwrap(),
            Classification::std_mean()
        );
        assert_eq!(
            Classification::from_name("UserDefined", 5, None, Some(&[1.0])).unwrap(),
            Classification::Manual { breaks: vec![1.0] }
        );
        for (i, name) in Classification::NAMES.iter().enumerate() {
            let breaks = (i == 4).then_some(&[1.0][..]);
            assert_eq!(
                Classification::from_name(name, 3, None, breaks)
                    .unwrap()
                    .name(),
                *name
            );
        }
        let err = Classification::from_name("jenks", 5, None, None).unwrap_err();
        assert!(
            err.to_string()
                .contains("quantiles, equal_interval, fisher_jenks"),
            "{err}"
        );
        assert_eq!(
            Classification::from_name("manual", 5, None, None),
            Err(ClassifyError::MissingParameter {
                method: "manual",
                parameter: "breaks"
            })
        );
        assert_eq!(
            Classification::from_name("quantiles", 5, Some(&[1.0]), None),
            Err(ClassifyError::UnusedParameter {
                method: "quantiles",
                parameter: "multiples"
            })
        );
        assert_eq!(
            Classification::from_name("std_mean", 5, None, Some(&[1.0])),
            Err(ClassifyError::UnusedParameter {
                method: "std_mean",
                parameter: "breaks"
            })
        );
    }

    #[test]
    fn fisher_jenks_is_optimal_by_brute_force() {
        let mut rng = rand_pcg::Pcg64::new(7, 11);
        use rand::Rng;
        for _ in 0..200 {
            let n = rng.random_range(1..=9);
            let values: Vec<f64> = (0..n)
                .map(|_| f64::from(rng.random_range(0..6u8)))
                .collect();
            let distinct = {
                let s = sorted(&values);
                1 + s.windows(2).filter(|w| w[0] != w[1]).count()
            };
            for k in 1..=distinct {
                let breaks = class_breaks(&values, &Classification::FisherJenks { k }).unwrap();
                let got = within_ss(&values, &breaks);
                let best = brute_force_best(&values, k);
                assert!(
                    (got - best).abs() <= 1e-9,
                    "{values:?} k={k}: {got} vs {best}"
                );
                assert_eq!(breaks.len(), k);
            }
        }
    }

    fn methods() -> impl Strategy<Value = Classification> {
        prop_oneof![
            (1usize..8).prop_map(|k| Classification::Quantiles { k }),
            (1usize..8).prop_map(|k| Classification::EqualInterval { k }),
            (1usize..8).prop_map(|k| Classification::FisherJenks { k }),
            Just(Classification::std_mean()),
            proptest::collection::vec(-50.0f64..50.0, 1..5).prop_map(|mut b| {
                b.sort_by(f64::total_cmp);
                b.dedup();
                Classification::Manual { breaks: b }
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, rng_seed: proptest::test_runner::RngSeed::Fixed(20210), ..ProptestConfig::default() })]

        #[test]
        fn breaks_are_sorted_and_classify_every_value(
            values in proptest::collection::vec(-100.0f64..100.0, 1..60),
            method in methods(),
        ) {
            match class_breaks(&values, &method) {
                Ok(breaks) => {
                    let b = breaks.bins();
                    prop_assert!(b.windows(2).all(|w| w[0] <= w[1]));
                    let max = max_of(&values);
                    prop_assert!(*b.last().unwrap() >= max);
                    if !matches!(method, Classification::Manual { .. } | Classification::StdMean { .. }) {
                        prop_assert_eq!(*b.last().unwrap(), max);
                    }
                    prop_assert!(values.iter().all(|&v| breaks.class_of(v).is_some()));
                    prop_assert_eq!(breaks.counts(&values).iter().sum::<usize>(), values.len());
                    // class_of is monotone in the value
                    let mut s = values.clone();
                    s.sort_by(f64::total_cmp);
                    let classes: Vec<usize> = s.iter().map(|&v| breaks.class_of(v).unwrap()).collect();
                    prop_assert!(classes.windows(2).all(|w| w[0] <= w[1]));
                    if let Classification::FisherJenks { k } = method {
                        prop_assert_eq!(b.len(), k);
                        prop_assert!(b.windows(2).all(|w| w[0] < w[1]));
                    }
                }
                Err(e) => {
                    // Only the documented refusals for these inputs.
                    let distinct = 1 + sorted(&values).windows(2).filter(|w| w[0] != w[1]).count();
                    let ok = match (&method, &e) {
                        (_, ClassifyError::TooFewValues { needed, .. }) => values.len() < *needed,
                        (_, ClassifyError::TooFewDistinct { k, .. }) => distinct < *k,
                        (_, ClassifyError::AllEqual { .. }) => distinct == 1,
                        _ => false,
                    };
                    prop_assert!(ok, "unexpected {e:?}");
                }
            }
        }

        #[test]
        fn fisher_jenks_equals_naive_on_continuous_data(
            values in proptest::collection::vec(-1e3f64..1e3, 1..150),
            k in 1usize..10,
        ) {
            let fast = class_breaks(&values, &Classification::FisherJenks { k });
            let naive = fisher_jenks_naive(&values, k);
            prop_assert_eq!(fast, naive);
        }

        #[test]
        fn fisher_jenks_cost_equals_naive_on_tied_data(
            values in proptest::collection::vec(0u8..12, 1..120),
            k in 1usize..8,
        ) {
            let values: Vec<f64> = values.into_iter().map(f64::from).collect();
            match (class_breaks(&values, &Classification::FisherJenks { k }), fisher_jenks_naive(&values, k)) {
                (Ok(fast), Ok(naive)) => {
                    let (a, b) = (within_ss(&values, &fast), within_ss(&values, &naive));
                    prop_assert!((a - b).abs() <= 1e-9 * b.max(1.0), "{a} vs {b}");
                }
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                (a, b) => prop_assert!(false, "{a:?} vs {b:?}"),
            }
        }

        #[test]
        fn class_of_agrees_with_a_linear_scan(
            mut bins in proptest::collection::vec(-10.0f64..10.0, 1..8),
            value in -12.0f64..12.0,
        ) {
            bins.sort_by(f64::total_cmp);
            let breaks = Breaks::try_new(bins.clone()).unwrap();
            let scan = bins.iter().position(|&b| value <= b);
            prop_assert_eq!(breaks.class_of(value), scan);
        }
    }
}
