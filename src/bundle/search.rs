//! The `search` section: how `--model auto` chose the model — every trial with its parameters,
//! validation metrics, bundle size and time, and which one won. Written by native training and
//! read by `inspect`; the browser never reads it, so the runtime carries no code for it. The
//! payload is JSON (serde_json), the same schema `inspect --json` prints.

use serde::{Deserialize, Serialize};

/// One configuration the search trained and validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Family (`als`, `svd`, `ease`, `rp3`, `popular`).
    pub family: String,
    /// Hyperparameters by name.
    pub params: std::collections::BTreeMap<String, f64>,
    /// `low` (fewer ALS iterations, to rank cheaply), `full`, or `check` (a finalist retrained
    /// and validated on a second, independent split; the winner has the best mean of the two).
    pub fidelity: String,
    /// How factors are stored (`f32`, `f16`, `int8`); empty for models without factors.
    #[serde(default)]
    pub storage: String,
    /// Validation NDCG@k (the selection metric).
    pub ndcg: f64,
    /// Validation precision@k (hits / k).
    pub precision: f64,
    /// Share of the catalogue recommended to at least one validation user.
    pub coverage: f64,
    /// Size of the bundle this model makes, as it would be shipped (quantisation applied).
    pub bundle_bytes: u64,
    /// Training and validation time.
    pub seconds: f64,
}

/// The record of one search.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchLog {
    /// The cut-off `k` of the metrics.
    pub k: usize,
    /// The budget as given (`60s`, `40 trials`).
    pub budget: String,
    /// Largest bundle the winner could have.
    pub max_bundle_bytes: u64,
    /// Validation users scored per trial.
    pub validation_users: usize,
    /// Every trial in the order run.
    pub trials: Vec<Trial>,
    /// Index of the winner's first (`full`) trial in `trials`.
    pub winner: usize,
    /// Indices of the trials on the size/quality frontier: no smaller bundle scored as well.
    pub frontier: Vec<usize>,
}

#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
impl Trial {
    /// The parameters as `name=value` pairs: whole numbers as they are, others to `decimals`.
    pub fn params_text(&self, decimals: usize) -> String {
        let value =
            |v: f64| if v.fract() == 0.0 && v.abs() < 1e15 { format!("{v}") } else { format!("{v:.decimals$}") };
        self.params.iter().map(|(k, v)| format!("{k}={}", value(*v))).collect::<Vec<_>>().join(" ")
    }
}

#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
impl SearchLog {
    /// The trials on the frontier of NDCG against bundle bytes (full-fidelity trials only), by size.
    pub(crate) fn compute_frontier(trials: &[Trial]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..trials.len()).filter(|i| trials[*i].fidelity == "full").collect();
        order.sort_by(|a, b| {
            let (ta, tb) = (&trials[*a], &trials[*b]);
            ta.bundle_bytes.cmp(&tb.bundle_bytes).then(tb.ndcg.total_cmp(&ta.ndcg))
        });
        let mut best = f64::NEG_INFINITY;
        order
            .into_iter()
            .filter(|i| {
                trials[*i].ndcg > best && {
                    best = trials[*i].ndcg;
                    true
                }
            })
            .collect()
    }
}

#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
pub(crate) struct SearchSection;

#[cfg(all(feature = "train", not(target_arch = "wasm32")))]
impl super::section::Section for SearchSection {
    const NAME: &'static str = "search";
    type Value = SearchLog;
    type Context = ();
    fn write(v: &SearchLog, w: &mut super::codec::Writer) {
        // Serialising plain strings and numbers cannot fail; an empty object is the fallback.
        w.raw(&serde_json::to_vec(v).unwrap_or_default());
    }
    fn read(r: &mut super::codec::Reader<'_>, _: ()) -> crate::Result<SearchLog> {
        let bytes = r.take(r.remaining(), "search record")?;
        serde_json::from_slice(bytes).map_err(|e| crate::Error::Corrupt(format!("search section: {e}")))
    }
}

#[cfg(all(test, feature = "train", not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::bundle::section::round_trip;

    fn trial(family: &str, bytes: u64, ndcg: f64) -> Trial {
        Trial {
            family: family.into(),
            params: [("lambda".to_string(), 250.0)].into(),
            fidelity: "full".into(),
            storage: String::new(),
            ndcg,
            precision: ndcg / 2.0,
            coverage: 0.5,
            bundle_bytes: bytes,
            seconds: 1.5,
        }
    }

    #[test]
    fn the_frontier_keeps_only_trials_no_smaller_bundle_beats() {
        let t = vec![trial("a", 100, 0.2), trial("b", 50, 0.25), trial("c", 300, 0.3), trial("d", 200, 0.1)];
        assert_eq!(SearchLog::compute_frontier(&t), vec![1, 2]);
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let t = vec![trial("ease", 100, 0.2), trial("als", 50, 0.25)];
        let log = SearchLog {
            k: 10,
            budget: "60s".into(),
            max_bundle_bytes: 5_000_000,
            validation_users: 610,
            frontier: SearchLog::compute_frontier(&t),
            trials: t,
            winner: 1,
        };
        assert_eq!(round_trip::<SearchSection>(&log, ()), log);
    }
}
