//! What a request asks for: how many items, which rules, which diversity, reasons.

use crate::error::{Error, Result};
use crate::rules::ParamValue;

/// What [`super::Recommender::similar_by_text`] searches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextQuery<'a> {
    /// Free text (a search box query, or a new product's title).
    Text(&'a str),
    /// The catalogue title of this item id.
    Item(&'a str),
}

/// What one request asks for: `k`, exclusions, and the shop's rules. Defaults: `k = 10`,
/// history excluded, no lists, no rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendOptions {
    /// How many items to return (1..=1000).
    pub k: usize,
    /// Item ids never to return (unknown ids are ignored).
    pub exclude: Vec<String>,
    /// When set, only these item ids may be returned.
    pub include_only: Option<Vec<String>>,
    /// Whether items in the history may be returned again (default: no).
    pub include_history: bool,
    /// A filter over catalogue attributes (see [`crate::rules`]): only items it holds for.
    pub filter: Option<String>,
    /// A boost over catalogue attributes: each score multiplied by the item's value.
    pub boost: Option<String>,
    /// Values for the rules' `$parameters`.
    pub params: Vec<(String, ParamValue)>,
    /// The time the rules call `now`, in seconds since 1970 (default: this machine's clock).
    pub now: Option<f64>,
    /// At most `.1` items per value of attribute `.0` (a category, a brand).
    pub max_per_group: Option<(String, usize)>,
    /// Fill a share of the slots with the best items a rule allows (see [`Promote`]).
    pub promote: Option<Promote>,
    /// Reserve this share of the slots (rounded, at least one; in (0, 1]) for new items
    /// (catalogue items nobody has interacted with yet), ranked by the same model.
    pub explore: Option<f64>,
    /// Diversity in [0, 1]: 0 (default) ranks by score alone; above it, each next item trades
    /// score against its likeness (factor or item2vec cosine) to the items already chosen
    /// (maximal marginal relevance over the best 5·k candidates).
    pub diversity: f32,
    /// Rotation: items shown this many times since the shopper last interacted with them
    /// (`Profile.impressions()`), whose scores are halved every [`RecommendOptions::rotation_half_life`]
    /// showings, so a shelf does not show the same ignored items forever.
    pub impressions: Vec<(String, f32)>,
    /// Showings that halve an ignored item's score (default 3).
    pub rotation_half_life: f32,
    /// Say why each item was chosen ([`super::Scored::because`]).
    pub reasons: bool,
}

/// A promotion: `share` of the `k` slots (rounded, at least one) go to the best items — ranked
/// by the same model and boost — for which `filter` holds, placed at evenly spread slots after
/// the first (see `recs::select`); the other slots are filled as usual.
#[derive(Debug, Clone, PartialEq)]
pub struct Promote {
    /// Which items may be promoted (a filter rule).
    pub filter: String,
    /// Share of the slots, in (0, 1].
    pub share: f64,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        Self {
            k: 10,
            exclude: Vec::new(),
            include_only: None,
            include_history: false,
            filter: None,
            boost: None,
            params: Vec::new(),
            now: None,
            max_per_group: None,
            promote: None,
            explore: None,
            diversity: 0.0,
            impressions: Vec::new(),
            rotation_half_life: 3.0,
            reasons: false,
        }
    }
}

/// Largest `k` a single request may ask for.
pub const MAX_K: usize = 1000;

impl RecommendOptions {
    /// Options returning the top `k`.
    pub fn top(k: usize) -> Self {
        Self { k, ..Self::default() }
    }
    pub(super) fn check(&self) -> Result<()> {
        if self.k == 0 || self.k > MAX_K {
            return Err(Error::param("k", self.k, format!("must be between 1 and {MAX_K}")));
        }
        if let Some(p) = &self.promote {
            if !(p.share > 0.0 && p.share <= 1.0) {
                return Err(Error::param("promote.share", crate::num_text::Num(p.share), "must be in (0, 1]"));
            }
        }
        if !(self.rotation_half_life > 0.0 && self.rotation_half_life.is_finite()) {
            return Err(Error::param(
                "rotation.halfLife",
                crate::num_text::Num32(self.rotation_half_life),
                "must be > 0",
            ));
        }
        if let Some((id, n)) = self.impressions.iter().find(|(_, n)| !(n.is_finite() && *n >= 0.0)) {
            return Err(Error::param(format!("impressions of '{id}'"), crate::num_text::Num32(*n), "must be >= 0"));
        }
        if !(0.0..=1.0).contains(&self.diversity) {
            return Err(Error::param("diversity", crate::num_text::Num32(self.diversity), "must be in [0, 1]"));
        }
        if let Some(e) = self.explore.filter(|e| !(*e > 0.0 && *e <= 1.0)) {
            return Err(Error::param("explore", crate::num_text::Num(e), "must be in (0, 1]"));
        }
        if let Some((attr, 0)) = &self.max_per_group {
            return Err(Error::param("maxPerGroup.n", 0, format!("must be at least 1 (attribute '{attr}')")));
        }
        if self.now.is_some_and(|t| !t.is_finite()) {
            return Err(Error::param("now", "not finite", "must be seconds since 1970"));
        }
        Ok(())
    }
    /// Slots a share of `k` takes (rounded, at least one).
    pub(super) fn slots(&self, share: f64) -> usize {
        ((share * self.k as f64).round() as usize).clamp(1, self.k)
    }
}
