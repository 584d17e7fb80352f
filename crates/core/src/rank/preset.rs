//! Presets that reproduce published rankings: Berlin's Monitoring Soziale Stadtentwicklung
//! (status × dynamics) and the English Index of Multiple Deprivation.
//!
//! Both are the engine of [`rank`] with a particular [`RankSpec`] plus the publication's
//! classes; no separate arithmetic.

use super::{
    Aggregation, MissingPolicy, Normalization, RankError, RankInput, RankSpec, Ranking, Selection,
    Weighting, rank,
};

impl RankSpec {
    /// Berlin's Monitoring Soziale Stadtentwicklung (MSS 2021): z-scores of the index
    /// indicators over the ranked planning areas (unweighted mean, **population SD, ddof = 0**
    /// — the only choice that reproduces the published z-values), their sum z-standardized
    /// again, areas under 300 residents excluded, a unit with a missing indicator excluded,
    /// selection: index > 1 (status "niedrig"/"sehr niedrig", dynamics "negativ").
    ///
    /// The same spec serves the status index (indicator shares S1, S3, S4) and the dynamics
    /// index (their two-year changes D1, D3, D4); see [`berlin_mss`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{MissingPolicy, RankSpec};
    ///
    /// let spec = RankSpec::berlin_mss();
    /// assert_eq!(spec.min_population, Some(300.0));
    /// assert_eq!(spec.missing, MissingPolicy::ExcludeUnit);
    /// ```
    #[doc(alias = "MSS")]
    #[doc(alias = "Monitoring Soziale Stadtentwicklung")]
    pub fn berlin_mss() -> Self {
        Self {
            normalization: Normalization::ZScore {
                weighting: Weighting::Unweighted,
            },
            aggregation: Aggregation::Arithmetic,
            missing: MissingPolicy::ExcludeUnit,
            selection: Selection::Threshold(1.0),
            min_population: Some(300.0),
            restandardize: true,
            smoothing: false,
        }
    }

    /// The English Index of Multiple Deprivation 2019: each domain ranked, the ranks
    /// exponentially transformed onto (0, 100] (c = 23, see
    /// [`Normalization::ExponentialRank`]), the weighted sum of the transformed domains
    /// (weights [`IMD_2019_DOMAIN_WEIGHTS`]), ranked; no minimum population, no
    /// re-standardization, no selection (the IMD publishes deciles instead, see [`imd`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{Normalization, RankSpec};
    ///
    /// let spec = RankSpec::imd();
    /// assert_eq!(spec.normalization, Normalization::ExponentialRank { max: 100.0, constant: 23.0 });
    /// assert_eq!(spec.min_population, None);
    /// ```
    #[doc(alias = "IMD")]
    #[doc(alias = "Index of Multiple Deprivation")]
    pub fn imd() -> Self {
        Self {
            normalization: Normalization::ExponentialRank {
                max: 100.0,
                constant: 23.0,
            },
            aggregation: Aggregation::Arithmetic,
            missing: MissingPolicy::ExcludeUnit,
            selection: Selection::None,
            min_population: None,
            restandardize: false,
            smoothing: false,
        }
    }
}

/// The MSS status class of a planning area (status index: higher = worse).
///
/// Classes: `High` ("hoch") x < −1, `Medium` ("mittel") −1 ≤ x ≤ +1, `Low` ("niedrig")
/// +1 < x ≤ +1.5, `VeryLow` ("sehr niedrig") x > +1.5. "High status" is the good end.
///
/// # Examples
///
/// ```
/// use quartier::StatusClass;
///
/// assert_eq!(StatusClass::of(-1.0), StatusClass::Medium);
/// assert_eq!(StatusClass::of(1.5), StatusClass::Low);
/// assert_eq!(StatusClass::of(1.51).label_de(), "sehr niedrig");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusClass {
    /// "hoch" (1): index < −1.
    #[doc(alias = "hoch")]
    High,
    /// "mittel" (2): −1 ≤ index ≤ +1.
    #[doc(alias = "mittel")]
    Medium,
    /// "niedrig" (3): +1 < index ≤ +1.5.
    #[doc(alias = "niedrig")]
    Low,
    /// "sehr niedrig" (4): index > +1.5.
    #[doc(alias = "sehr niedrig")]
    VeryLow,
}

impl StatusClass {
    /// The class of a status index value.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::StatusClass;
    ///
    /// assert_eq!(StatusClass::of(-1.2), StatusClass::High);
    /// ```
    pub fn of(index: f64) -> Self {
        if index < -1.0 {
            Self::High
        } else if index <= 1.0 {
            Self::Medium
        } else if index <= 1.5 {
            Self::Low
        } else {
            Self::VeryLow
        }
    }

    /// The published German label ("hoch", "mittel", "niedrig", "sehr niedrig").
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::StatusClass;
    ///
    /// assert_eq!(StatusClass::High.label_de(), "hoch");
    /// ```
    pub fn label_de(self) -> &'static str {
        match self {
            Self::High => "hoch",
            Self::Medium => "mittel",
            Self::Low => "niedrig",
            Self::VeryLow => "sehr niedrig",
        }
    }

    /// The published class number (`SI_N`): 1 hoch … 4 sehr niedrig.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::StatusClass;
    ///
    /// assert_eq!(StatusClass::VeryLow.number(), 4);
    /// ```
    pub fn number(self) -> u8 {
        match self {
            Self::High => 1,
            Self::Medium => 2,
            Self::Low => 3,
            Self::VeryLow => 4,
        }
    }
}

/// The MSS dynamics class of a planning area (dynamics index: higher = worsening).
///
/// Classes: `Positive` ("positiv") x < −1, `Stable` ("stabil") −1 ≤ x ≤ +1, `Negative`
/// ("negativ") x > +1.
///
/// # Examples
///
/// ```
/// use quartier::DynamicsClass;
///
/// assert_eq!(DynamicsClass::of(1.0), DynamicsClass::Stable);
/// assert_eq!(DynamicsClass::of(1.01).label_de(), "negativ");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DynamicsClass {
    /// "positiv" (1): index < −1.
    #[doc(alias = "positiv")]
    Positive,
    /// "stabil" (3): −1 ≤ index ≤ +1.
    #[doc(alias = "stabil")]
    Stable,
    /// "negativ" (5): index > +1.
    #[doc(alias = "negativ")]
    Negative,
}

impl DynamicsClass {
    /// The class of a dynamics index value.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::DynamicsClass;
    ///
    /// assert_eq!(DynamicsClass::of(-3.0), DynamicsClass::Positive);
    /// ```
    pub fn of(index: f64) -> Self {
        if index < -1.0 {
            Self::Positive
        } else if index <= 1.0 {
            Self::Stable
        } else {
            Self::Negative
        }
    }

    /// The published German label ("positiv", "stabil", "negativ").
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::DynamicsClass;
    ///
    /// assert_eq!(DynamicsClass::Stable.label_de(), "stabil");
    /// ```
    pub fn label_de(self) -> &'static str {
        match self {
            Self::Positive => "positiv",
            Self::Stable => "stabil",
            Self::Negative => "negativ",
        }
    }

    /// The published class number (`DI_N`): 1 positiv, 3 stabil, 5 negativ.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::DynamicsClass;
    ///
    /// assert_eq!(DynamicsClass::Negative.number(), 5);
    /// ```
    pub fn number(self) -> u8 {
        match self {
            Self::Positive => 1,
            Self::Stable => 3,
            Self::Negative => 5,
        }
    }
}

/// The combined MSS status/dynamics class (one of 4 × 3).
///
/// # Examples
///
/// ```
/// use quartier::{DynamicsClass, MssClass, StatusClass};
///
/// let c = MssClass { status: StatusClass::Medium, dynamics: DynamicsClass::Negative };
/// assert_eq!(c.code(), "2-");
/// assert_eq!(c.number(), 25);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MssClass {
    /// The status class.
    pub status: StatusClass,
    /// The dynamics class.
    pub dynamics: DynamicsClass,
}

impl MssClass {
    /// The published short code (`SDI`): status number and `+`, `+/-` or `-`, e.g. `"1+/-"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{DynamicsClass, MssClass, StatusClass};
    ///
    /// let c = MssClass { status: StatusClass::High, dynamics: DynamicsClass::Stable };
    /// assert_eq!(c.code(), "1+/-");
    /// ```
    pub fn code(self) -> String {
        let d = match self.dynamics {
            DynamicsClass::Positive => "+",
            DynamicsClass::Stable => "+/-",
            DynamicsClass::Negative => "-",
        };
        format!("{}{d}", self.status.number())
    }

    /// The published group number (`SDI_N`): 10 × status number + dynamics number.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::{DynamicsClass, MssClass, StatusClass};
    ///
    /// let c = MssClass { status: StatusClass::VeryLow, dynamics: DynamicsClass::Positive };
    /// assert_eq!(c.number(), 41);
    /// ```
    pub fn number(self) -> u8 {
        10 * self.status.number() + self.dynamics.number()
    }
}

/// One planning area's MSS result.
///
/// # Examples
///
/// ```
/// use quartier::{DynamicsClass, MssUnit, StatusClass};
///
/// let u = MssUnit {
///     id: "01100101".into(),
///     status_index: Some(-0.33),
///     status_class: Some(StatusClass::Medium),
///     dynamics_index: Some(1.27),
///     dynamics_class: Some(DynamicsClass::Negative),
/// };
/// assert_eq!(u.combined().map(|c| c.code()), Some("2-".to_owned()));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MssUnit {
    /// The planning area's id.
    pub id: String,
    /// The status index (re-standardized status sum); `None` when excluded.
    pub status_index: Option<f64>,
    /// The status class; `None` when excluded.
    pub status_class: Option<StatusClass>,
    /// The dynamics index; `None` when excluded.
    pub dynamics_index: Option<f64>,
    /// The dynamics class; `None` when excluded.
    pub dynamics_class: Option<DynamicsClass>,
}

impl MssUnit {
    /// The combined class, when both indices exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use quartier::MssUnit;
    ///
    /// let u = MssUnit { id: "x".into(), status_index: None, status_class: None, dynamics_index: None, dynamics_class: None };
    /// assert_eq!(u.combined(), None);
    /// ```
    pub fn combined(&self) -> Option<MssClass> {
        Some(MssClass {
            status: self.status_class?,
            dynamics: self.dynamics_class?,
        })
    }
}

/// The result of [`berlin_mss`].
///
/// # Examples
///
/// See [`berlin_mss`].
///
/// ```
/// # use quartier::MssResult;
/// fn count_disadvantaged(r: &MssResult) -> usize {
///     r.status.selected().count()
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MssResult {
    /// The status ranking (z-scores per indicator, index, ranks, exclusions, drivers).
    pub status: Ranking,
    /// The dynamics ranking.
    pub dynamics: Ranking,
    /// Per planning area, in input order: indices and classes.
    pub units: Vec<MssUnit>,
}

/// Berlin's MSS: status index and dynamics index with their classes and the combined
/// 4 × 3 class, by [`RankSpec::berlin_mss`].
///
/// `status` holds the index indicators' shares (S1 unemployment, S3 transfer benefits, S4
/// child poverty; all `HigherIsWorse`, weight 1), `dynamics` their two-year changes in
/// percentage points (D1, D3, D4; `HigherIsWorse`); both for the same units in the same
/// order, with the residents as population and Berlin's manual exclusion (the outlier
/// "Gewerbegebiet Bitterfelder Straße") in `exclusions`. The published indices are the
/// z-standardized *sums* of z-values; the engine standardizes the *mean*, which is the same
/// after re-standardization.
///
/// # Errors
///
/// [`RankError::UnitsDiffer`] when the two inputs do not list the same unit ids in the same
/// order; everything [`rank`] rejects.
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, RankInput, StatusClass, berlin_mss};
///
/// let ids: Vec<String> = (1..=6).map(|i| format!("P{i}")).collect();
/// let pop = vec![Some(3000.0), Some(2500.0), Some(4000.0), Some(150.0), Some(1800.0), Some(2200.0)];
/// let share = |v: [f64; 6]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
/// let status = RankInput::new(ids.clone(), pop.clone())
///     .with_criterion(Criterion::new("S1", share([3.0, 4.0, 12.0, 1.0, 5.0, 6.0]), Direction::HigherIsWorse))
///     .with_criterion(Criterion::new("S3", share([6.0, 9.0, 30.0, 2.0, 10.0, 11.0]), Direction::HigherIsWorse))
///     .with_criterion(Criterion::new("S4", share([10.0, 20.0, 60.0, 5.0, 22.0, 25.0]), Direction::HigherIsWorse));
/// let dynamics = RankInput::new(ids, pop)
///     .with_criterion(Criterion::new("D1", share([0.1, -0.2, 0.5, 0.0, 0.3, -0.1]), Direction::HigherIsWorse))
///     .with_criterion(Criterion::new("D3", share([0.2, -0.5, 1.0, 0.0, 0.1, 0.0]), Direction::HigherIsWorse))
///     .with_criterion(Criterion::new("D4", share([1.0, -2.0, 3.0, 0.0, 0.5, 0.2]), Direction::HigherIsWorse));
/// let mss = berlin_mss(&status, &dynamics)?;
/// assert_eq!(mss.units[2].status_class, Some(StatusClass::VeryLow));
/// assert_eq!(mss.units[3].combined(), None); // fewer than 300 residents
/// # Ok::<(), quartier::RankError>(())
/// ```
#[doc(alias = "Monitoring Soziale Stadtentwicklung")]
pub fn berlin_mss(status: &RankInput, dynamics: &RankInput) -> Result<MssResult, RankError> {
    let n = status.units.len().max(dynamics.units.len());
    for position in 0..n {
        let (a, b) = (status.units.get(position), dynamics.units.get(position));
        if a != b {
            return Err(RankError::UnitsDiffer {
                position,
                first: a.cloned().unwrap_or_default(),
                second: b.cloned().unwrap_or_default(),
            });
        }
    }
    let spec = RankSpec::berlin_mss();
    let s = rank(status, &spec)?;
    let d = rank(dynamics, &spec)?;
    let units = s
        .units
        .iter()
        .zip(&d.units)
        .map(|(su, du)| MssUnit {
            id: su.id.clone(),
            status_index: su.composite,
            status_class: su.composite.map(StatusClass::of),
            dynamics_index: du.composite,
            dynamics_class: du.composite.map(DynamicsClass::of),
        })
        .collect();
    Ok(MssResult {
        status: s,
        dynamics: d,
        units,
    })
}

/// The IMD 2019 domain weights in percent (Income, Employment 22.5; Education, Health 13.5;
/// Crime, Barriers to Housing and Services, Living Environment 9.3; they sum to 99.9 as
/// published).
///
/// # Examples
///
/// ```
/// use quartier::IMD_2019_DOMAIN_WEIGHTS;
///
/// let total: f64 = IMD_2019_DOMAIN_WEIGHTS.iter().map(|(_, w)| w).sum();
/// assert!((total - 99.9).abs() < 1e-9);
/// ```
pub const IMD_2019_DOMAIN_WEIGHTS: [(&str, f64); 7] = [
    ("income", 22.5),
    ("employment", 22.5),
    ("education", 13.5),
    ("health", 13.5),
    ("crime", 9.3),
    ("barriers", 9.3),
    ("living_environment", 9.3),
];

/// One small area's IMD result.
///
/// # Examples
///
/// ```
/// use quartier::ImdUnit;
///
/// let u = ImdUnit { id: "E01000001".into(), score: Some(3.2), rank: Some(29_199), decile: Some(9) };
/// assert_eq!(u.decile, Some(9));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ImdUnit {
    /// The area's id.
    pub id: String,
    /// Σ wᵢ·Xᵢ / Σ wᵢ over the exponentially transformed domains (proportional to MHCLG's
    /// Σ wᵢ·Xᵢ/100, with the same ranks).
    pub score: Option<f64>,
    /// 1 = most deprived.
    pub rank: Option<usize>,
    /// 1 = the most deprived 10 %: ⌈10·rank / N⌉ for N ranked areas (= ⌈rank / (N/10)⌉,
    /// computed in integers).
    pub decile: Option<u8>,
}

/// The result of [`imd`].
///
/// # Examples
///
/// ```
/// # use quartier::ImdResult;
/// fn most_deprived_decile(r: &ImdResult) -> usize {
///     r.units.iter().filter(|u| u.decile == Some(1)).count()
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ImdResult {
    /// The engine's ranking (normalized = exponentially transformed domain values).
    pub ranking: Ranking,
    /// Per area, in input order: score, rank, decile.
    pub units: Vec<ImdUnit>,
}

/// The English Index of Multiple Deprivation: ranks and deciles from domain ranks or domain
/// scores, by [`RankSpec::imd`].
///
/// Each criterion of `input` is one domain with its weight (2019: [`IMD_2019_DOMAIN_WEIGHTS`]).
/// Give either domain *scores* (`HigherIsWorse`) or domain *ranks* with 1 = most deprived
/// (`LowerIsWorse`); both yield R = (N − rank + 1)/N for the transformation.
///
/// **Published ranks from published domain ranks.** MHCLG transforms the ranks of the
/// unrounded domain scores and ranks the weighted sum; neither the scores nor the sum are in
/// the rank files. The published domain ranks are "min" ranks with 4–56 ties per domain; the
/// engine re-ranks them with average ranks for ties ([`Normalization::Rank`]). On the real
/// 2019 data (32,844 LSOAs) that reproduces 32,814 overall ranks exactly and the other 30
/// within one place (transforming the tied min-ranks as they are gives 32,736 exact, max 2);
/// every decile reproduces (see the `presets` integration test). The weights need not sum to
/// 100 (the 2019 ones sum to 99.9): the score is divided by their sum, which changes no rank.
///
/// # Errors
///
/// Everything [`rank`] rejects.
///
/// # Examples
///
/// ```
/// use quartier::{Criterion, Direction, RankInput, imd};
///
/// let ids: Vec<String> = (0..10).map(|i| format!("L{i}")).collect();
/// let rank_of = |v: [f64; 10]| v.iter().map(|&x| Some(x)).collect::<Vec<_>>();
/// let input = RankInput::new(ids, vec![None; 10])
///     .with_criterion(Criterion::new("income", rank_of([1., 2., 3., 4., 5., 6., 7., 8., 9., 10.]), Direction::LowerIsWorse).with_weight(22.5))
///     .with_criterion(Criterion::new("crime", rank_of([2., 1., 3., 4., 5., 6., 7., 8., 10., 9.]), Direction::LowerIsWorse).with_weight(9.3));
/// let r = imd(&input)?;
/// assert_eq!(r.units[0].rank, Some(1)); // income outweighs crime
/// assert_eq!(r.units[0].decile, Some(1));
/// assert_eq!(r.units[9].decile, Some(10));
/// # Ok::<(), quartier::RankError>(())
/// ```
#[doc(alias = "Index of Multiple Deprivation")]
pub fn imd(input: &RankInput) -> Result<ImdResult, RankError> {
    let ranking = rank(input, &RankSpec::imd())?;
    let n = ranking.ranked();
    let units = ranking
        .units
        .iter()
        .map(|u| ImdUnit {
            id: u.id.clone(),
            score: u.composite,
            rank: u.rank,
            decile: u.rank.map(|r| decile(r, n)),
        })
        .collect();
    Ok(ImdResult { ranking, units })
}

/// ⌈10·rank/n⌉ in integers (1 ≤ rank ≤ n), in 1..=10.
fn decile(rank: usize, n: usize) -> u8 {
    let d = (10 * rank).div_ceil(n).clamp(1, 10);
    u8::try_from(d).unwrap_or(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_split_evenly() {
        assert_eq!(decile(1, 100), 1);
        assert_eq!(decile(10, 100), 1);
        assert_eq!(decile(11, 100), 2);
        assert_eq!(decile(100, 100), 10);
        // N = 32,844: N/10 = 3284.4 → rank 3284 is decile 1, 3285 decile 2
        assert_eq!(decile(3284, 32_844), 1);
        assert_eq!(decile(3285, 32_844), 2);
    }

    #[test]
    fn class_boundaries() {
        assert_eq!(StatusClass::of(-1.0000001), StatusClass::High);
        assert_eq!(StatusClass::of(1.0), StatusClass::Medium);
        assert_eq!(StatusClass::of(1.0000001), StatusClass::Low);
        assert_eq!(StatusClass::of(1.5000001), StatusClass::VeryLow);
        assert_eq!(DynamicsClass::of(-1.0), DynamicsClass::Stable);
        assert_eq!(DynamicsClass::of(-1.0000001), DynamicsClass::Positive);
    }
}
