//! Contiguity weights, Moran's I and local Moran against independent oracles.
//!
//! - contiguity: the brute-force twin on random rectangle layouts (proptest), lattices whose
//!   neighbour counts are known by construction, rook ⊆ queen, monotone in the tolerance;
//! - Moran's I: a dense-matrix computation written here, the exact value −1 of alternating
//!   values on a cycle, and a Monte Carlo check that E[I] and V[I] under normality are the
//!   mean and variance of I over i.i.d. normal samples;
//! - permutation p-values: against the exact permutation distribution (all 7! orders, all
//!   neighbour subsets) on small graphs, and identical on 1 and 3 threads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use geo::{Coord, LineString, MultiPolygon, Polygon, Rect};
use proptest::prelude::*;
use quartier::{
    Contiguity, Quadrant, SpatialError, Weights, contiguity, contiguity_naive, local_moran, moran,
};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
    MultiPolygon::from(Rect::new((x, y), (x + side, y + side)).to_polygon())
}

fn lattice(rows: usize, cols: usize) -> Vec<MultiPolygon<f64>> {
    (0..rows * cols)
        .map(|k| square((k % cols) as f64 * 10.0, (k / cols) as f64 * 10.0, 10.0))
        .collect()
}

/// Neighbour counts of a rows × cols lattice by construction (queen: up to 8, rook: up to 4).
fn lattice_cardinalities(rows: usize, cols: usize, kind: Contiguity) -> Vec<usize> {
    let mut out = Vec::new();
    for r in 0..rows as i64 {
        for c in 0..cols as i64 {
            let mut count = 0;
            for dr in -1..=1i64 {
                for dc in -1..=1i64 {
                    let diagonal = dr != 0 && dc != 0;
                    let (rr, cc) = (r + dr, c + dc);
                    if (dr, dc) != (0, 0)
                        && (kind == Contiguity::Queen || !diagonal)
                        && (0..rows as i64).contains(&rr)
                        && (0..cols as i64).contains(&cc)
                    {
                        count += 1;
                    }
                }
            }
            out.push(count);
        }
    }
    out
}

#[test]
fn lattice_neighbour_counts_are_known_by_construction() {
    for (rows, cols) in [(1, 2), (3, 3), (4, 7), (10, 10)] {
        let polygons = lattice(rows, cols);
        for kind in [Contiguity::Queen, Contiguity::Rook] {
            let expected = lattice_cardinalities(rows, cols, kind);
            for tolerance in [0.0, 0.5] {
                let w = contiguity(&polygons, kind, tolerance).unwrap();
                assert_eq!(
                    w.cardinalities(),
                    expected,
                    "{rows}x{cols} {kind:?} {tolerance}"
                );
            }
        }
    }
}

#[test]
fn a_gap_needs_a_tolerance_at_least_as_wide() {
    // Two squares 2 m apart; the corners are 2 m apart too.
    let polygons = vec![square(0.0, 0.0, 10.0), square(12.0, 0.0, 10.0)];
    for kind in [Contiguity::Queen, Contiguity::Rook] {
        assert_eq!(contiguity(&polygons, kind, 1.99).unwrap().n_links(), 0);
        assert_eq!(
            contiguity(&polygons, kind, 2.0).unwrap().neighbours(0),
            &[1]
        );
    }
}

#[test]
fn works_on_hierarchy_geometries() {
    let town = quartier::musterstadt_with(2019, &quartier::DemoConfig::SMALL).unwrap();
    let h = &town.hierarchy;
    let level = h.block_level();
    let w = contiguity(
        h.units(level).iter().map(quartier::Unit::geometry),
        Contiguity::Queen,
        0.0,
    )
    .unwrap();
    assert_eq!(w.len(), h.units(level).len());
}

/// A random axis-parallel rectangle on a coarse integer grid (so that many share vertices
/// and edges), sometimes with an extra vertex, its ring rotated and possibly reversed.
fn rectangle() -> impl Strategy<Value = MultiPolygon<f64>> {
    (
        0..6i32,
        0..6i32,
        1..4i32,
        1..4i32,
        0..4usize,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(x, y, w, h, rotate, reverse, split)| {
            let (x0, y0, x1, y1) = (x as f64, y as f64, (x + w) as f64, (y + h) as f64);
            let mut ring = vec![
                Coord { x: x0, y: y0 },
                Coord { x: x1, y: y0 },
                Coord { x: x1, y: y1 },
                Coord { x: x0, y: y1 },
            ];
            if split {
                // An extra vertex in the middle of the bottom edge.
                ring.insert(
                    1,
                    Coord {
                        x: (x0 + x1) / 2.0,
                        y: y0,
                    },
                );
            }
            let len = ring.len();
            ring.rotate_left(rotate % len);
            if reverse {
                ring.reverse();
            }
            MultiPolygon(vec![Polygon::new(LineString::new(ring), vec![])])
        })
}

fn jitter(polygons: &[MultiPolygon<f64>], seed: u64, amount: f64) -> Vec<MultiPolygon<f64>> {
    let mut rng = Pcg64::seed_from_u64(seed);
    polygons
        .iter()
        .map(|mp| {
            let mut mp = mp.clone();
            for polygon in &mut mp.0 {
                polygon.exterior_mut(|ring| {
                    let n = ring.0.len();
                    for c in &mut ring.0[..n - 1] {
                        c.x += rng.random_range(-amount..amount);
                        c.y += rng.random_range(-amount..amount);
                    }
                    ring.0[n - 1] = ring.0[0];
                });
            }
            mp
        })
        .collect()
}

fn is_subset(small: &Weights, large: &Weights) -> bool {
    (0..small.len()).all(|i| {
        small
            .neighbours(i)
            .iter()
            .all(|j| large.neighbours(i).binary_search(j).is_ok())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_201), ..ProptestConfig::default() })]

    #[test]
    fn contiguity_equals_naive_and_is_consistent(
        rects in proptest::collection::vec(rectangle(), 0..14),
        seed in any::<u64>(),
    ) {
        let polygons = rects;
        let jittered = jitter(&polygons, seed, 0.05);
        for (layout, tolerance) in [(&polygons, 0.0), (&polygons, 0.3), (&jittered, 0.0), (&jittered, 0.15)] {
            let queen = contiguity(layout, Contiguity::Queen, tolerance).unwrap();
            let rook = contiguity(layout, Contiguity::Rook, tolerance).unwrap();
            prop_assert_eq!(&queen, &contiguity_naive(layout, Contiguity::Queen, tolerance).unwrap());
            prop_assert_eq!(&rook, &contiguity_naive(layout, Contiguity::Rook, tolerance).unwrap());
            for w in [&queen, &rook] {
                prop_assert_eq!(w.len(), layout.len());
                // Symmetric, irreflexive, sorted without repeats: from_neighbours re-checks.
                let lists = (0..w.len()).map(|i| w.neighbours(i).to_vec()).collect();
                prop_assert_eq!(&Weights::from_neighbours(lists).unwrap(), w);
                for i in 0..w.len() {
                    prop_assert!(w.neighbours(i).windows(2).all(|p| p[0] < p[1]));
                    prop_assert!(!w.neighbours(i).contains(&i));
                }
            }
            prop_assert!(is_subset(&rook, &queen));
        }
        // A wider tolerance only adds neighbours.
        for kind in [Contiguity::Queen, Contiguity::Rook] {
            let narrow = contiguity(&jittered, kind, 0.1).unwrap();
            let wide = contiguity(&jittered, kind, 0.4).unwrap();
            prop_assert!(is_subset(&narrow, &wide));
        }
    }

    #[test]
    fn permutation_p_values_are_in_the_unit_interval(
        values in proptest::collection::vec(-100.0..100.0f64, 9),
        permutations in 1..200usize,
        seed in any::<u64>(),
    ) {
        let w = contiguity(&lattice(3, 3), Contiguity::Queen, 0.0).unwrap();
        let floor = 1.0 / (permutations as f64 + 1.0);
        let m = moran(&values, &w, permutations, seed).unwrap();
        let p = m.permutation.unwrap().p_sim;
        prop_assert!(p >= floor && p <= 1.0);
        let local = local_moran(&values, &w, permutations, seed).unwrap();
        for p in local.p_sim.unwrap() {
            prop_assert!(p >= floor && p <= 1.0);
        }
    }
}

/// Dense row-standardized matrix of the weights (island rows zero).
fn dense(w: &Weights) -> Vec<Vec<f64>> {
    let n = w.len();
    (0..n)
        .map(|i| {
            let mut row = vec![0.0; n];
            for &j in w.neighbours(i) {
                row[j] = 1.0 / w.neighbours(i).len() as f64;
            }
            row
        })
        .collect()
}

/// (I, E[I], V[I] under normality) from the dense matrix, Cliff & Ord's formulas.
fn dense_moran(y: &[f64], w: &Weights) -> (f64, f64, f64) {
    let n = y.len() as f64;
    let m = dense(w);
    let mean = y.iter().sum::<f64>() / n;
    let z: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let (mut s0, mut s1, mut s2, mut num) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..y.len() {
        let (mut row, mut col) = (0.0, 0.0);
        for j in 0..y.len() {
            s0 += m[i][j];
            s1 += (m[i][j] + m[j][i]).powi(2) / 2.0;
            row += m[i][j];
            col += m[j][i];
            num += m[i][j] * z[i] * z[j];
        }
        s2 += (row + col).powi(2);
    }
    let den: f64 = z.iter().map(|v| v * v).sum();
    let i = n / s0 * num / den;
    let e = -1.0 / (n - 1.0);
    let v = (n * n * s1 - n * s2 + 3.0 * s0 * s0) / ((n * n - 1.0) * s0 * s0) - e * e;
    (i, e, v)
}

fn path(n: usize) -> Weights {
    Weights::from_neighbours(
        (0..n)
            .map(|i| {
                [i.checked_sub(1), (i + 1 < n).then_some(i + 1)]
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .collect(),
    )
    .unwrap()
}

fn normal(rng: &mut Pcg64) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[test]
fn moran_equals_the_dense_matrix_computation() {
    let mut rng = Pcg64::seed_from_u64(5);
    // Lattices, a lattice plus a far-away square (an island), and a path.
    let mut with_island = lattice(4, 5);
    with_island.push(square(1000.0, 1000.0, 10.0));
    let cases = [
        contiguity(&lattice(6, 5), Contiguity::Queen, 0.0).unwrap(),
        contiguity(&lattice(6, 5), Contiguity::Rook, 0.0).unwrap(),
        contiguity(&with_island, Contiguity::Rook, 0.0).unwrap(),
        path(17),
    ];
    for w in &cases {
        let y: Vec<f64> = (0..w.len()).map(|_| rng.random_range(0.0..50.0)).collect();
        let m = moran(&y, w, 0, 0).unwrap();
        let (i, e, v) = dense_moran(&y, w);
        assert!((m.i - i).abs() < 1e-12, "{} vs {i}", m.i);
        assert_eq!(m.expected, e);
        assert!((m.variance_normal - v).abs() < 1e-12);
        assert!((m.z_normal - (i - e) / v.sqrt()).abs() < 1e-9);
        assert!(m.p_normal > 0.0 && m.p_normal <= 1.0);
        // The local I sum to n / S0 · ... : Σ Iᵢ = (n − 1) / n · S0 · I for row-standardized W.
        let local = local_moran(&y, w, 0, 0).unwrap();
        let n = w.len() as f64;
        let s0 = (w.len() - w.islands().len()) as f64;
        let sum: f64 = local.i.iter().sum();
        assert!((sum - (n - 1.0) / n * s0 * i).abs() < 1e-9);
    }
    assert!(!cases[2].islands().is_empty());
}

#[test]
fn alternating_values_on_a_cycle_give_minus_one() {
    let n = 12;
    let cycle =
        Weights::from_neighbours((0..n).map(|i| vec![(i + n - 1) % n, (i + 1) % n]).collect())
            .unwrap();
    let y: Vec<f64> = (0..n).map(|i| if i % 2 == 0 { 3.0 } else { 1.0 }).collect();
    let m = moran(&y, &cycle, 0, 0).unwrap();
    assert!((m.i + 1.0).abs() < 1e-14);
    let local = local_moran(&y, &cycle, 0, 0).unwrap();
    for (k, q) in local.quadrant.iter().enumerate() {
        assert_eq!(
            *q,
            if k % 2 == 0 {
                Quadrant::HL
            } else {
                Quadrant::LH
            }
        );
    }
}

#[test]
fn normal_moments_match_monte_carlo() {
    // Under normality, E[I] and V[I] are the mean and variance of I over i.i.d. normal values.
    let w = contiguity(&lattice(5, 6), Contiguity::Queen, 0.0).unwrap();
    let mut rng = Pcg64::seed_from_u64(11);
    let samples = 40_000;
    let draws: Vec<f64> = (0..samples)
        .map(|_| {
            let y: Vec<f64> = (0..w.len()).map(|_| normal(&mut rng)).collect();
            moran(&y, &w, 0, 0).unwrap().i
        })
        .collect();
    let mean = draws.iter().sum::<f64>() / samples as f64;
    let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (samples as f64 - 1.0);
    // V[I] and E[I] do not depend on the values.
    let m = moran(&[1.0, 2.0].repeat(15), &w, 0, 0).unwrap();
    let se_mean = (m.variance_normal / samples as f64).sqrt();
    assert!(
        (mean - m.expected).abs() < 4.0 * se_mean,
        "{mean} vs {}",
        m.expected
    );
    // The sample variance of 40k draws is within a few per cent of the true one.
    assert!(
        (var / m.variance_normal - 1.0).abs() < 0.04,
        "{var} vs {}",
        m.variance_normal
    );
}

/// All permutations of `0..n` (Heap's algorithm).
fn permutations(n: usize) -> Vec<Vec<usize>> {
    fn heap(k: usize, a: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if k == 1 {
            out.push(a.clone());
            return;
        }
        heap(k - 1, a, out);
        for i in 0..k - 1 {
            if k % 2 == 0 {
                a.swap(i, k - 1);
            } else {
                a.swap(0, k - 1);
            }
            heap(k - 1, a, out);
        }
    }
    let mut out = Vec::new();
    heap(n, &mut (0..n).collect(), &mut out);
    out
}

/// All `k`-subsets of `items`.
fn subsets(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![vec![]];
    }
    let mut out = Vec::new();
    for (x, &first) in items.iter().enumerate() {
        for mut rest in subsets(&items[x + 1..], k - 1) {
            rest.insert(0, first);
            out.push(rest);
        }
    }
    out
}

#[test]
fn global_p_sim_approaches_the_exact_permutation_distribution() {
    // 7 units on a path plus a chord; values with a trend.
    let w = Weights::from_neighbours(vec![
        vec![1, 3],
        vec![0, 2],
        vec![1, 3],
        vec![0, 2, 4],
        vec![3, 5],
        vec![4, 6],
        vec![5],
    ])
    .unwrap();
    let y = [1.0, 2.5, 2.0, 4.0, 3.5, 6.0, 7.5];
    let observed = moran(&y, &w, 0, 0).unwrap().i;
    let all = permutations(7);
    let at_least = all
        .iter()
        .filter(|p| {
            let permuted: Vec<f64> = p.iter().map(|&k| y[k]).collect();
            moran(&permuted, &w, 0, 0).unwrap().i >= observed - 1e-12
        })
        .count() as f64;
    let q = at_least / all.len() as f64;
    let exact_folded = q.min(1.0 - q);
    let test = moran(&y, &w, 20_000, 9).unwrap().permutation.unwrap();
    // Binomial sd of a proportion near 0.05 over 20k draws is ~0.0015.
    assert!(
        (test.p_sim - exact_folded).abs() < 0.006,
        "{} vs {exact_folded}",
        test.p_sim
    );
    // The permutation mean of I is exactly −1/(n−1) over all orders.
    assert!((test.mean + 1.0 / 6.0).abs() < 0.01, "{}", test.mean);
}

/// Local p-values of 20,000 conditional permutations against the exact folded p-values over
/// all neighbour subsets.
fn assert_local_p_sim_near_exact(w: &Weights, y: &[f64], seed: u64) {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let z: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let den: f64 = z.iter().map(|v| v * v).sum();
    let local_i = |i: usize, nb: &[usize]| {
        (n as f64 - 1.0) * z[i] * nb.iter().map(|&j| z[j]).sum::<f64>() / nb.len() as f64 / den
    };
    let result = local_moran(y, w, 20_000, seed).unwrap();
    let p_sim = result.p_sim.unwrap();
    for (i, (&got_i, &got_p)) in result.i.iter().zip(&p_sim).enumerate() {
        let observed = local_i(i, w.neighbours(i));
        assert!((got_i - observed).abs() < 1e-12);
        let others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
        let draws = subsets(&others, w.neighbours(i).len());
        let at_least = draws
            .iter()
            .filter(|s| local_i(i, s) >= observed - 1e-12)
            .count() as f64;
        let q = at_least / draws.len() as f64;
        let exact_folded = q.min(1.0 - q);
        // The Monte Carlo standard error is at most sqrt(0.25 / 20000) = 0.0035.
        assert!(
            (got_p - exact_folded).abs() < 0.012,
            "unit {i}: {got_p} vs {exact_folded}"
        );
    }
}

#[test]
fn local_p_sim_approaches_the_exact_conditional_distribution() {
    // 7 units: many neighbours relative to n, drawn by a partial shuffle.
    let w = Weights::from_neighbours(vec![
        vec![1, 3],
        vec![0, 2],
        vec![1, 3],
        vec![0, 2, 4],
        vec![3, 5],
        vec![4, 6],
        vec![5],
    ])
    .unwrap();
    assert_local_p_sim_near_exact(&w, &[1.0, 2.5, 2.0, 4.0, 3.5, 6.0, 7.5], 4);
    // A 5 × 8 rook lattice: few neighbours among many units, drawn by rejection.
    let w = contiguity(&lattice(5, 8), Contiguity::Rook, 0.0).unwrap();
    let mut rng = Pcg64::seed_from_u64(21);
    let y: Vec<f64> = (0..w.len())
        .map(|k| (k % 8) as f64 + rng.random_range(0.0..4.0))
        .collect();
    assert_local_p_sim_near_exact(&w, &y, 5);
}

#[test]
fn permutation_results_do_not_depend_on_the_thread_count() {
    let polygons = lattice(30, 30);
    let w = contiguity(&polygons, Contiguity::Queen, 0.0).unwrap();
    let mut rng = Pcg64::seed_from_u64(3);
    let y: Vec<f64> = (0..w.len()).map(|_| rng.random_range(0.0..1.0)).collect();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                (
                    moran(&y, &w, 199, 77).unwrap(),
                    local_moran(&y, &w, 199, 77).unwrap(),
                    contiguity(&polygons, Contiguity::Rook, 0.5).unwrap(),
                )
            })
    };
    let one = run(1);
    assert_eq!(one, run(3));
    // Another seed gives other p-values.
    let other = local_moran(&y, &w, 199, 78).unwrap();
    assert_ne!(one.1.p_sim, other.p_sim);
}

#[test]
fn errors_are_reported_through_the_umbrella_error() {
    let w = path(3);
    let err: quartier::Error = moran(&[1.0, 2.0], &w, 0, 0).unwrap_err().into();
    assert_eq!(
        err.to_string(),
        "2 values were given for weights of 3 units"
    );
    assert!(matches!(
        err,
        quartier::Error::Spatial(SpatialError::LengthMismatch { .. })
    ));
}
