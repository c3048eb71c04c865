//! Whether a cluster holds a value or word more often than chance would give it: the
//! hypergeometric upper tail (drawing a cluster of `n` from a parent of `total`, of which
//! `marked` hold the value), the test a name must pass before it is drawn on the map as a
//! fact. Written here because it is a dozen lines; statrs, the crate that has it, would bring
//! nalgebra with it.

/// The chance, below which an over-representation counts as evidence, after the Bonferroni
/// correction for the number of candidates tested.
pub const ALPHA: f64 = 0.01;

/// Whether `inside` of a cluster of `n` holding a value that `marked` of its parent's
/// `total` hold is evidence, with `tests` candidates tested for the same cluster.
pub fn is_evidence(inside: usize, n: usize, marked: usize, total: usize, tests: usize) -> bool {
    upper_tail(inside, n, marked, total) * tests.max(1) as f64 <= ALPHA
}

/// P(X ≥ k) for X hypergeometric: `n` drawn without replacement from `total` items of which
/// `marked` are marked. Summed from the first possible term upwards, each term from the last
/// by the ratio of consecutive probabilities, until the terms no longer change the sum.
pub fn upper_tail(k: usize, n: usize, marked: usize, total: usize) -> f64 {
    let unmarked = total.saturating_sub(marked);
    let highest = n.min(marked);
    let lowest = k.max(n.saturating_sub(unmarked));
    if lowest > highest || n > total {
        return 0.0;
    }
    if k == 0 {
        return 1.0;
    }
    let ln_first =
        ln_choose(marked, lowest) + ln_choose(unmarked, n - lowest) - ln_choose(total, n);
    let (mut term, mut sum) = (1.0_f64, 1.0_f64);
    for x in lowest..highest {
        let ratio = ((marked - x) * (n - x)) as f64 / ((x + 1) * (unmarked + x + 1 - n)) as f64;
        term *= ratio;
        sum += term;
        if term < sum * 1e-16 {
            break;
        }
    }
    (ln_first + sum.ln()).exp().min(1.0)
}

/// ln C(a, b).
fn ln_choose(a: usize, b: usize) -> f64 {
    ln_factorial(a) - ln_factorial(b) - ln_factorial(a - b)
}

/// ln n!: summed exactly below 32, Stirling's series (relative error below 1e-13) above.
fn ln_factorial(n: usize) -> f64 {
    if n < 32 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    let x = n as f64;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
        + 1.0 / (1260.0 * x.powi(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// References: the exact sums of `math.comb` in Python,
    /// `sum(comb(K, x) * comb(N - K, n - x) for x in range(k, min(n, K) + 1)) / comb(N, n)`.
    #[test]
    fn the_tail_matches_exact_sums() {
        for (k, n, marked, total, exact) in [
            (6, 27, 48, 400, 0.08922128960353046),
            (10, 37, 90, 400, 0.30549355223993274),
            (90, 100, 100, 1200, 9.33484230577403e-112),
            (15, 20, 30, 200, 1.1027786645874028e-10),
            (3, 3, 3, 10, 0.008333333333333333),
            (1, 5, 2, 10, 0.7777777777777778),
        ] {
            let tail = upper_tail(k, n, marked, total);
            assert!(
                ((tail - exact) / exact).abs() < 1e-9,
                "P(X ≥ {k}) of {n} from {marked}/{total}: {tail} against {exact}"
            );
        }
        assert!(upper_tail(500, 1000, 600, 100_000) < 1e-300);
        assert_eq!(upper_tail(0, 10, 3, 20), 1.0);
        assert_eq!(upper_tail(4, 10, 3, 20), 0.0, "more than are marked");
        assert_eq!(upper_tail(2, 4, 20, 20), 1.0, "everyone is marked");
    }

    #[test]
    fn chance_is_not_evidence_and_a_strong_majority_is() {
        // A collector of 12% of the collection holding 6 of a cluster of 27.
        assert!(!is_evidence(6, 27, 48, 400, 1));
        assert!(is_evidence(90, 100, 100, 1200, 50));
        assert!(
            !is_evidence(3, 3, 3, 10, 2),
            "0.8% is not enough once two were tested"
        );
    }
}
