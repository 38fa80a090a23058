//! Can two sets of response times be told apart? A two-sided Mann–Whitney U test (ranks, so
//! a few slow outliers from a busy machine do not decide it) with the normal approximation
//! and tie correction, plus the ratio of medians as the effect size. A leak needs both: a
//! difference unlikely to be chance (p below `ALPHA`) and large enough to matter.

/// Significance level: a false alarm about once in a thousand clean runs per comparison.
pub const ALPHA: f64 = 0.001;
/// Medians within this factor of each other are not a leak, however significant.
pub const MAX_RATIO: f64 = 1.5;

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub n_a: usize,
    pub n_b: usize,
    pub median_a: f64,
    pub median_b: f64,
    pub p: f64,
}

impl Comparison {
    /// The larger median over the smaller.
    pub fn ratio(&self) -> f64 {
        let (lo, hi) = if self.median_a < self.median_b {
            (self.median_a, self.median_b)
        } else {
            (self.median_b, self.median_a)
        };
        if lo <= 0.0 {
            f64::INFINITY
        } else {
            hi / lo
        }
    }

    pub fn distinguishable(&self) -> bool {
        self.p < ALPHA && self.ratio() > MAX_RATIO
    }
}

pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Mann–Whitney U of `a` against `b`.
pub fn compare(a: &[f64], b: &[f64]) -> Comparison {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let mut all: Vec<(f64, usize)> = a
        .iter()
        .map(|&x| (x, 0))
        .chain(b.iter().map(|&x| (x, 1)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    // Average ranks over ties; collect the tie correction term.
    let mut ranks = vec![0.0; all.len()];
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for k in ranks.iter_mut().take(j + 1).skip(i) {
            *k = r;
        }
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        i = j + 1;
    }
    let r1: f64 = all
        .iter()
        .zip(&ranks)
        .filter(|((_, g), _)| *g == 0)
        .map(|(_, r)| r)
        .sum();
    let u1 = r1 - n1 * (n1 + 1.0) / 2.0;
    let n = n1 + n2;
    let mean = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    let p = if var <= 0.0 || n1 == 0.0 || n2 == 0.0 {
        1.0
    } else {
        // Continuity-corrected z, two-sided.
        let z = ((u1 - mean).abs() - 0.5).max(0.0) / var.sqrt();
        (2.0 * normal_sf(z)).min(1.0)
    };
    Comparison {
        n_a: a.len(),
        n_b: b.len(),
        median_a: median(a),
        median_b: median(b),
        p,
    }
}

/// P(Z > z) for the standard normal.
fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// The complementary error function (libm's port of musl's).
fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        // erfc and the normal tail at known points.
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
        assert!((2.0 * normal_sf(1.959_964) - 0.05).abs() < 1e-4);
        assert!((2.0 * normal_sf(3.290_527) - 0.001).abs() < 1e-5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    #[test]
    fn separated_samples_are_told_apart_and_mixed_ones_are_not() {
        // Unknown users answered in ~1 ms, wrong passwords in ~50 ms: a leak.
        let fast: Vec<f64> = (0..25).map(|i| 1.0 + (i % 5) as f64 * 0.1).collect();
        let slow: Vec<f64> = (0..25).map(|i| 50.0 + (i % 7) as f64).collect();
        let c = compare(&fast, &slow);
        assert!(
            c.p < 1e-8 && c.ratio() > 40.0 && c.distinguishable(),
            "{c:?}"
        );
        // The same distribution, interleaved: not distinguishable.
        let a: Vec<f64> = (0..25).map(|i| 50.0 + ((i * 7) % 11) as f64).collect();
        let b: Vec<f64> = (0..25).map(|i| 50.0 + ((i * 5 + 3) % 11) as f64).collect();
        let c = compare(&a, &b);
        assert!(c.p > 0.05 && !c.distinguishable(), "{c:?}");
        // Significant but tiny (2 %): not a leak by itself.
        let a: Vec<f64> = (0..40).map(|i| 50.0 + (i % 3) as f64 * 0.01).collect();
        let b: Vec<f64> = (0..40).map(|i| 51.0 + (i % 3) as f64 * 0.01).collect();
        let c = compare(&a, &b);
        assert!(c.p < ALPHA && !c.distinguishable(), "{c:?}");
        // All ties: p = 1.
        assert_eq!(compare(&[1.0; 5], &[1.0; 5]).p, 1.0);
    }

    #[test]
    fn u_statistic_matches_a_hand_count() {
        // a = {1,2,3}, b = {4,5}: U1 = 0, n1 n2 / 2 = 3; exact two-sided p = 0.2, the normal
        // approximation with continuity correction gives about 0.149.
        let c = compare(&[1.0, 2.0, 3.0], &[4.0, 5.0]);
        assert!((c.p - 0.149).abs() < 0.01, "{c:?}");
    }
}
