//! Train/test splits of an interaction log, and evaluation of a recommender on them.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::{score_user, RankingReport};
use crate::data::Interactions;
use crate::error::{Error, Result};
use crate::recs::{RecommendOptions, Recommender};
use crate::rng::Rng;

/// How to hold out interactions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Split {
    /// Each interaction goes to test with probability `test_fraction`.
    Random {
        /// Share of interactions held out (0 < f < 1).
        test_fraction: f64,
    },
    /// Each user's latest interaction (by time) is held out; users with one interaction stay in train.
    LeaveLastOut,
    /// A seeded sample of at most `users` users with two or more interactions each hold out a
    /// `test_fraction` share of theirs (at least one stays in train); everyone else trains on
    /// all of theirs. Validation inside a training log: at scale, scoring a sample is cheap.
    SampledUsers {
        /// Most users sampled.
        users: usize,
        /// Share of a sampled user's interactions held out (0 < f < 1).
        test_fraction: f64,
    },
}

impl Split {
    /// Splits `data` into (train, test) with `seed`; both share `data`'s id spaces.
    pub fn apply(self, data: &Interactions, seed: u64) -> Result<(Interactions, Interactions)> {
        let mut rng = Rng::new(seed);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        match self {
            Split::Random { test_fraction } => {
                if !(test_fraction > 0.0 && test_fraction < 1.0) {
                    return Err(Error::param("test_fraction", test_fraction, "must be between 0 and 1"));
                }
                for r in 0..data.len() {
                    if rng.f64() < test_fraction {
                        test.push(r)
                    } else {
                        train.push(r)
                    }
                }
            }
            Split::LeaveLastOut => {
                if !data.has_time() {
                    return Err(Error::param("split", "leave-last-out", "needs a time column"));
                }
                let by_user = data.by_user();
                let _ = &mut rng;
                let mut rows: Vec<Vec<usize>> = vec![Vec::new(); data.n_users()];
                for r in 0..data.len() {
                    rows[data.user[r] as usize].push(r);
                }
                for (u, rs) in rows.iter().enumerate() {
                    if by_user.cols(u).len() < 2 {
                        train.extend(rs);
                        continue;
                    }
                    // Latest time; ties broken by the later row, deterministically.
                    let last = *rs.iter().max_by_key(|r| (data.time_at(**r), **r)).unwrap_or(&rs[0]);
                    for r in rs {
                        if *r == last {
                            test.push(*r)
                        } else {
                            train.push(*r)
                        }
                    }
                }
            }
            Split::SampledUsers { users, test_fraction } => {
                if !(test_fraction > 0.0 && test_fraction < 1.0) {
                    return Err(Error::param("test_fraction", test_fraction, "must be between 0 and 1"));
                }
                let by_user = data.by_user();
                let mut eligible: Vec<u32> =
                    (0..data.n_users() as u32).filter(|u| by_user.cols(*u as usize).len() >= 2).collect();
                rng.shuffle(&mut eligible);
                let mut sampled = vec![false; data.n_users()];
                eligible.iter().take(users).for_each(|u| sampled[*u as usize] = true);
                let mut kept = vec![0usize; data.n_users()];
                let mut held: Vec<usize> = Vec::new();
                for r in 0..data.len() {
                    let u = data.user[r] as usize;
                    if sampled[u] && rng.f64() < test_fraction {
                        held.push(r);
                    } else {
                        kept[u] += 1;
                        train.push(r);
                    }
                }
                // A sampled user who drew every row keeps the first back in train.
                let mut returned = vec![false; data.n_users()];
                for r in held {
                    let u = data.user[r] as usize;
                    if kept[u] == 0 && !returned[u] {
                        returned[u] = true;
                        train.push(r);
                    } else {
                        test.push(r);
                    }
                }
                train.sort_unstable();
            }
        }
        Ok((data.select(&train), data.select(&test)))
    }
}

/// Evaluates `rec` by folding each test user's *training* history in through the runtime
/// (exactly as a page would) and ranking with the history excluded. Users are matched by id,
/// so `train` and `test` may come from one split or from two separately read files.
pub fn evaluate(rec: &Recommender, train: &Interactions, test: &Interactions, k: usize) -> Result<RankingReport> {
    Ok(evaluate_lists(rec, train, test, k)?.report(k))
}

/// One evaluated user: the length of their training history, their top-k (best first) and
/// their held-out items.
#[derive(Debug, Clone, PartialEq)]
pub struct UserList {
    /// Items in the user's training history.
    pub history: usize,
    /// Recommended items, best first.
    pub ranked: Vec<String>,
    /// Held-out items.
    pub relevant: HashSet<String>,
}

/// Every evaluated user's list at one cut-off: metrics at that cut-off or any smaller one,
/// for all users or a subset (reports break results down by activity).
#[derive(Debug, Clone, PartialEq)]
pub struct UserLists {
    /// The users, in test-user order.
    pub users: Vec<UserList>,
    /// Items the model can recommend (for coverage).
    pub catalog: usize,
}

impl UserLists {
    /// Averages at cut-off `k` (at most the cut-off the lists were made with) over every user.
    pub fn report(&self, k: usize) -> RankingReport {
        self.report_where(k, |_| true)
    }

    /// Averages at cut-off `k` over the users `keep` accepts.
    pub(crate) fn report_where(&self, k: usize, keep: impl Fn(&UserList) -> bool) -> RankingReport {
        let mut distinct: HashSet<&str> = HashSet::new();
        let per_user: Vec<super::UserMetrics> = self
            .users
            .iter()
            .filter(|u| keep(u))
            .map(|u| {
                let ranked: Vec<&str> = u.ranked.iter().take(k).map(String::as_str).collect();
                distinct.extend(ranked.iter().copied());
                let relevant: HashSet<&str> = u.relevant.iter().map(String::as_str).collect();
                score_user(&ranked, &relevant, k)
            })
            .collect();
        RankingReport::from_users(k, &per_user, distinct.len(), self.catalog)
    }
}

/// Every test user's top-`k` through the runtime (as [`evaluate`]), kept for breakdowns.
pub fn evaluate_lists(rec: &Recommender, train: &Interactions, test: &Interactions, k: usize) -> Result<UserLists> {
    let train_rows = train.by_user();
    let test_rows = test.by_user();
    let train_user: HashMap<&str, usize> = train.users.iter().enumerate().map(|(i, u)| (u, i)).collect();
    let users: Vec<(usize, usize)> = (0..test.n_users())
        .filter(|u| !test_rows.cols(*u).is_empty())
        .filter_map(|u| train_user.get(&test.users[u]).map(|t| (u, *t)))
        .filter(|(_, t)| !train_rows.cols(*t).is_empty())
        .collect();
    let opts = RecommendOptions::top(k);
    let users: Vec<Result<UserList>> = users
        .par_iter()
        .map(|&(u, t)| {
            let history: Vec<(&str, f32)> = train_rows
                .cols(t)
                .iter()
                .zip(train_rows.vals(t))
                .map(|(i, w)| (train.items[*i as usize].as_str(), *w))
                .collect();
            let recs = rec.recommend(&history, &opts)?;
            Ok(UserList {
                history: history.len(),
                ranked: recs.items.into_iter().map(|s| s.item).collect(),
                relevant: test_rows.cols(u).iter().map(|i| test.items[*i as usize].clone()).collect(),
            })
        })
        .collect();
    Ok(UserLists { users: users.into_iter().collect::<Result<_>>()?, catalog: rec.items().len() })
}
