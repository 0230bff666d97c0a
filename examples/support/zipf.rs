//! Zipf sampling shared by the synthetic-log examples (`synth_log`, `synth_shop`).

use shelfwise::rng::Rng;

/// Cumulative Zipf weights over `n` ranks, for inverse-CDF sampling.
pub fn zipf_cdf(n: usize, s: f64) -> Vec<f64> {
    let mut acc = 0.0;
    let mut cdf: Vec<f64> = (1..=n)
        .map(|r| {
            acc += 1.0 / (r as f64).powf(s);
            acc
        })
        .collect();
    cdf.iter_mut().for_each(|c| *c /= acc);
    cdf
}

/// A rank drawn from `cdf` (see [`zipf_cdf`]).
pub fn sample(cdf: &[f64], rng: &mut Rng) -> usize {
    let u = rng.f64();
    cdf.partition_point(|c| *c < u).min(cdf.len() - 1)
}
