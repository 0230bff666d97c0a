//! Answering requests: a history folded in, then the catalogue ranked for it; similar items,
//! a cart's complements, sessions, text queries, trending and popular items.

use super::{RecModel, RecommendOptions, Recommendations, Recommender, Scored, TextQuery, UserState, MAX_HISTORY};
use crate::error::{Error, Quoted, Result};
use crate::kernels;
use crate::positions::Positions;
use crate::recs::blend::Scales;
use crate::recs::items::FirstSeen;
use crate::recs::select::{now_or_clock, Allowed, Likeness, Pick, Request, Source};
use crate::recs::AttrType;
use crate::rules::{Rule, RuleKind};

/// A request's rules, compiled against the catalogue (they outlive the bound forms).
struct Compiled {
    filter: Option<Rule>,
    boost: Option<Rule>,
    promote: Option<Rule>,
}

impl Recommender {
    /// Items that fit a session (ids oldest first): nearest by cosine to the recency-weighted mean
    /// of the session's item embeddings, session items excluded, `opts` filters applied. Unknown
    /// ids are skipped and returned, each once, in the order of their last appearance (the
    /// session is read from its end, in one linear pass); a session longer than
    /// [`MAX_HISTORY`] keeps its most recent entries. An empty session, a session of unknown ids
    /// only, and a bundle without embeddings are errors.
    pub fn for_session<S: AsRef<str>>(
        &self,
        session: &[S],
        opts: &RecommendOptions,
    ) -> Result<(Vec<Scored>, Vec<String>)> {
        opts.check()?;
        let e = self.item2vec.as_ref().ok_or_else(|| Error::MissingSection("item2vec".into()))?;
        // Like a history, a session keeps its MAX_HISTORY most recent entries; a repeat counts
        // at its latest position, found in one pass from the end (linear, however long).
        let recent = &session[session.len().saturating_sub(MAX_HISTORY)..];
        let mut seen = vec![false; self.items.len()];
        let mut known: Vec<u32> = Vec::new();
        let mut unknown = FirstSeen::default();
        for id in recent.iter().rev() {
            match self.items.get(id.as_ref()) {
                Some(i) if !std::mem::replace(&mut seen[i as usize], true) => known.push(i),
                Some(_) => {}
                None => unknown.insert(id.as_ref()),
            }
        }
        known.reverse();
        let unknown: Vec<String> = unknown.into_ids().into_iter().rev().map(str::to_string).collect();
        if session.is_empty() {
            return Err(Error::param("session", "[]", "needs at least one item id"));
        }
        if known.is_empty() {
            return Err(Error::UnknownItem(unknown.join("', '")));
        }
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &known)?;
        let scores = e.session_scores(&known).unwrap_or_default();
        let picks = if scores.is_empty() {
            Vec::new()
        } else {
            req.select(Source::Dense { scores: scores.into(), positive_only: false }, opts.k)
        };
        Ok((self.named(&picks), unknown))
    }

    /// Items whose titles are closest to `query` by TF-IDF cosine: a free-text search (where a
    /// half-typed last word matches the words it begins), or (for
    /// [`TextQuery::Item`]) content-based "similar items" that works for items nobody has bought
    /// yet (the item itself is excluded). Only items sharing a term with the query are returned,
    /// so there may be fewer than `k`. Empty or oversized text, an unknown item, an item without
    /// a title and a bundle without a text index are errors.
    pub fn similar_by_text(&self, query: TextQuery<'_>, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        opts.check()?;
        let ix = self.text_index.as_ref().ok_or_else(|| Error::MissingSection("txindex".into()))?;
        let (text, skip) = match query {
            TextQuery::Text(t) => (t, None),
            TextQuery::Item(id) => {
                let i = self.items.require(id)?;
                let title = self.catalog.as_ref().map(|c| c.titles[i as usize].as_str()).unwrap_or("");
                if title.trim().is_empty() {
                    return Err(Error::param("item", id, "has no title in the catalogue"));
                }
                (title, Some(i))
            }
        };
        crate::text::classifier::check_text(text)?;
        let row = if skip.is_some() { ix.tfidf.transform(text) } else { ix.query_row(text) };
        let scores = ix.scores(&row, self.items.len());
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, skip.as_slice())?;
        Ok(self.named(&req.select(Source::Dense { scores: scores.into(), positive_only: true }, opts.k)))
    }

    /// Items most often bought with the cart's items (scores summed over the cart), cart excluded,
    /// under the same options as [`Recommender::recommend`] (`k`, `exclude`, `include_only`).
    /// Unknown cart ids are skipped and returned (each once); a cart of unknown ids only is
    /// [`Error::UnknownItem`] (as `similar` is for an unknown item), and a bundle without basket
    /// data is an error. Linear in the cart's length.
    pub fn bought_together<S: AsRef<str>>(
        &self,
        cart: &[S],
        opts: &RecommendOptions,
    ) -> Result<(Vec<Scored>, Vec<String>)> {
        opts.check()?;
        let nb = self.together.as_ref().ok_or_else(|| Error::MissingSection("together".into()))?;
        let mut known = Vec::new();
        let mut seen = Positions::with_capacity(cart.len());
        let mut unknown = FirstSeen::default();
        for id in cart {
            match self.items.get(id.as_ref()) {
                Some(i) => {
                    if seen.insert(i.into()).1 {
                        known.push(i);
                    }
                }
                None => unknown.insert(id.as_ref()),
            }
        }
        let unknown: Vec<String> = unknown.into_ids().into_iter().map(str::to_string).collect();
        if known.is_empty() && !unknown.is_empty() {
            return Err(Error::UnknownItem(unknown.join("', '")));
        }
        // The cart is left out through the same exclusions as `exclude`.
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &known)?;
        let picks = req.select(Source::Sparse(nb.cart_scores(&known)), opts.k);
        let mut out = self.named(&picks);
        if opts.reasons {
            for (o, p) in out.iter_mut().zip(&picks) {
                o.because = self.strongest(known.iter().map(|&j| (j, nb.weight(j, p.hit.index))));
            }
        }
        Ok((out, unknown))
    }

    /// The `k` trending items under `opts` (time-decayed popularity at the training cut-off).
    pub fn trending(&self, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        opts.check()?;
        let t = self.trending.as_ref().ok_or_else(|| Error::MissingSection("trending".into()))?;
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &[])?;
        Ok(self.named(&req.select(Source::Dense { scores: t.as_slice().into(), positive_only: false }, opts.k)))
    }

    /// Step one: merges duplicates, skips and reports unknown ids (each once, in first-seen
    /// order), solves the user vector. Linear in the history's length; a history longer than
    /// [`MAX_HISTORY`] keeps its most recent (last) entries and reports the rest as `truncated`.
    ///
    /// Weights must be finite and positive (use 1.0 for a plain view or purchase).
    pub fn fold_in<S: AsRef<str>>(&self, history: &[(S, f32)]) -> Result<UserState> {
        let truncated = history.len().saturating_sub(MAX_HISTORY);
        let history = &history[truncated..];
        let mut merged: Vec<(u32, f32)> = Vec::with_capacity(history.len());
        let mut slot = Positions::with_capacity(history.len());
        let mut unknown = FirstSeen::default();
        for (id, w) in history {
            let id = id.as_ref();
            if !(w.is_finite() && *w > 0.0) {
                return Err(Error::InvalidValue {
                    field: format!("weight of '{id}'"),
                    value: crate::num_text::Num32(*w).to_string(),
                    reason: "must be a finite number > 0".into(),
                });
            }
            match self.items.get(id) {
                Some(i) => match slot.insert(i.into()) {
                    (_, true) => merged.push((i, *w)),
                    (s, false) => merged[s].1 += w,
                },
                None => unknown.insert(id),
            }
        }
        let vector = match self.model.factors() {
            Some(f) if !merged.is_empty() => Some(f.fold_in(&merged)?),
            _ => None,
        };
        let unknown = unknown.into_ids().into_iter().map(str::to_string).collect();
        Ok(UserState { history: merged, vector, unknown, truncated })
    }

    /// Step two: ranks the catalogue for a folded-in shopper under `opts`.
    pub fn recommend_for(&self, state: &UserState, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        opts.check()?;
        let history: Vec<u32> =
            if opts.include_history { Vec::new() } else { state.history.iter().map(|(i, _)| *i).collect() };
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &history)?;
        let popular = || Source::Dense { scores: self.popularity.as_slice().into(), positive_only: false };
        let mut scales = None;
        let source = match (&self.model, &state.vector) {
            _ if state.history.is_empty() => popular(),
            (RecModel::Factors(f), Some(x)) => Source::Factors { model: f, x: x.clone(), of: None },
            (RecModel::Factors(_) | RecModel::Blend(_), None) => {
                return Err(Error::param("state", "no user vector", "fold the history in with this model"))
            }
            (RecModel::Blend(b), Some(x)) => {
                let (scores, s) = b.scores(x, &state.history);
                scales = Some(s);
                Source::Dense { scores: scores.into(), positive_only: false }
            }
            (RecModel::Neighbors(nb), _) => {
                let mut scores = vec![0f32; self.items.len()];
                nb.scores(&state.history, &mut scores);
                Source::Dense { scores: scores.into(), positive_only: false }
            }
            (RecModel::Popular, _) => popular(),
        };
        let picks = req.select(source, opts.k);
        let mut out = self.named(&picks);
        if opts.reasons && !state.history.is_empty() {
            for (o, p) in out.iter_mut().zip(&picks) {
                o.because = self.because(state, p.hit.index, scales)?;
            }
        }
        Ok(out)
    }

    /// The history items that contributed most to item `i`'s score (at most three, each
    /// contributing more than nothing), strongest first; a blend's parts are scaled as the
    /// request's scores were (`scales`).
    fn because(&self, state: &UserState, i: u32, scales: Option<Scales>) -> Result<Vec<String>> {
        let by_history = |c: Vec<f32>| state.history.iter().zip(c).map(|((j, _), c)| (*j, c)).collect();
        let parts: Vec<(u32, f32)> = match (&self.model, scales) {
            (RecModel::Factors(f), _) => by_history(f.contributions(&state.history, i)?),
            (RecModel::Blend(b), Some(s)) => by_history(b.contributions(&state.history, i, s)?),
            (RecModel::Blend(_), None) => Vec::new(),
            (RecModel::Neighbors(nb), _) => state.history.iter().map(|&(j, w)| (j, w * nb.weight(j, i))).collect(),
            (RecModel::Popular, _) => Vec::new(),
        };
        Ok(self.strongest(parts.into_iter()))
    }

    /// The ids of the (at most three) largest positive contributions, largest first.
    fn strongest(&self, parts: impl Iterator<Item = (u32, f32)>) -> Vec<String> {
        let hits = parts.filter(|(_, c)| *c > 0.0).map(|(index, score)| kernels::Hit { index, score });
        kernels::top_k_sparse(hits, 3).into_iter().map(|h| self.items.id(h.index).to_string()).collect()
    }

    /// Compiles the request's rule texts against this catalogue.
    fn compile(&self, opts: &RecommendOptions) -> Result<Compiled> {
        let compile = |t: &Option<String>, kind| t.as_deref().map(|t| self.compile_rule(t, kind)).transpose();
        Ok(Compiled {
            filter: compile(&opts.filter, RuleKind::Filter)?,
            boost: compile(&opts.boost, RuleKind::Boost)?,
            promote: compile(&opts.promote.as_ref().map(|p| p.filter.clone()), RuleKind::Filter)?,
        })
    }

    /// The request's constraints: `include_only` (when set) minus `exclude` minus `also` (the
    /// history, the query item), and its rules bound to its parameters and time. Costs nothing
    /// per catalogue item unless `include_only` is set.
    fn request<'r>(&'r self, opts: &RecommendOptions, rules: &'r Compiled, also: &[u32]) -> Result<Request<'r>> {
        let only = opts.include_only.as_ref().map(|ids| {
            let mut mask = vec![false; self.items.len()];
            for i in ids.iter().filter_map(|id| self.items.get(id)) {
                mask[i as usize] = true;
            }
            mask
        });
        let mut except: Vec<u32> = opts
            .exclude
            .iter()
            .filter_map(|id| self.items.get(id))
            .chain(also.iter().copied())
            .chain(self.retired.iter().copied())
            .collect();
        kernels::order::sort_by_key(&mut except, |i| *i as u64);
        except.dedup();
        let attrs = self.attributes_or_none();
        let now = now_or_clock(opts);
        let bind = |r: &'r Option<Rule>| r.as_ref().map(|r| r.bind(attrs, &opts.params, now)).transpose();
        let group = match &opts.max_per_group {
            Some((name, n)) => {
                let (_, a) = attrs.find(name).ok_or_else(|| {
                    Error::param(
                        "maxPerGroup.attribute",
                        name,
                        format!("is not an attribute (attributes: {})", attrs.names()),
                    )
                })?;
                if a.ty() == AttrType::Set {
                    return Err(Error::param(
                        "maxPerGroup.attribute",
                        name,
                        "is a set: group by a single-valued attribute",
                    ));
                }
                Some((a, *n))
            }
            None => None,
        };
        Ok(Request {
            allowed: Allowed { only, except },
            filter: bind(&rules.filter)?,
            boost: bind(&rules.boost)?,
            promote: bind(&rules.promote)?.map(|b| (b, opts.slots(opts.promote.as_ref().map_or(0.0, |p| p.share)))),
            explore: opts
                .explore
                .filter(|_| self.cold > 0)
                .map(|e| ((self.items.len() - self.cold) as u32, opts.slots(e))),
            group,
            diversity: self.likeness(opts.diversity)?,
            decay: self.decay(opts),
        })
    }

    /// Rotation's multiplier per ignored item: `0.5^(showings / half-life)`, sorted by item.
    fn decay(&self, opts: &RecommendOptions) -> Vec<(u32, f64)> {
        let mut d: Vec<(u32, f64)> = opts
            .impressions
            .iter()
            .filter(|(_, n)| *n > 0.0)
            .filter_map(|(id, n)| {
                // 0.5^(n / h) through `exp`, which the wasm has anyway (`powf` brought 4 KB of tables).
                let halvings = (*n / opts.rotation_half_life) as f64;
                Some((self.items.get(id)?, (-halvings * std::f64::consts::LN_2).exp()))
            })
            .collect();
        kernels::order::sort_by_key(&mut d, |(i, _)| *i as u64);
        d.dedup_by_key(|(i, _)| *i);
        d
    }

    /// What diversity compares items by: factors, else item2vec embeddings; a diversity above 0
    /// with neither is an error.
    fn likeness(&self, diversity: f32) -> Result<Option<(f32, Likeness<'_>)>> {
        if diversity == 0.0 {
            return Ok(None);
        }
        let like = match (self.model.factors(), &self.item2vec) {
            (Some(f), _) => Likeness::Factors(f),
            (_, Some(e)) => Likeness::Embeddings(e),
            _ => {
                return Err(Error::param(
                    "diversity",
                    crate::num_text::Num32(diversity),
                    "needs item factors or item2vec embeddings in the bundle",
                ))
            }
        };
        Ok(Some((1.0 - diversity, like)))
    }

    /// Both steps for a history of `(item id, weight)` pairs.
    pub fn recommend<S: AsRef<str>>(&self, history: &[(S, f32)], opts: &RecommendOptions) -> Result<Recommendations> {
        let state = self.fold_in(history)?;
        let items = self.recommend_for(&state, opts)?;
        let mut notes = Vec::new();
        if items.len() < opts.k {
            if let Some(f) = &opts.filter {
                notes.push(match items.len() {
                    0 => format!("no item satisfies the filter {}", Quoted(f)),
                    n => format!("only {n} items satisfy the filter {}", Quoted(f)),
                });
            }
        }
        Ok(Recommendations {
            items,
            fallback: state.history.is_empty(),
            unknown: state.unknown,
            truncated: state.truncated,
            notes,
        })
    }

    /// Items most similar to `item` (cosine of factors, or the item-item row; a blend uses its
    /// item-item half), under the same options as [`Recommender::recommend`]; the item itself is
    /// never returned. Unknown ids are errors. With `reasons`, each item's `because` is the
    /// query item.
    pub fn similar(&self, item: &str, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        opts.check()?;
        let i = self.items.require(item)?;
        let rules = self.compile(opts)?;
        let req = self.request(opts, &rules, &[i])?;
        let source = match &self.model {
            RecModel::Factors(f) => Source::Factors { model: f, x: Vec::new(), of: Some(i) },
            RecModel::Neighbors(nb) => Source::Sparse(nb.row(i).collect()),
            RecModel::Blend(b) => Source::Sparse(b.neighbors().row(i).collect()),
            RecModel::Popular => Source::Dense { scores: self.popularity.as_slice().into(), positive_only: false },
        };
        let mut out = self.named(&req.select(source, opts.k));
        if opts.reasons {
            out.iter_mut().for_each(|o| o.because = vec![item.to_string()]);
        }
        Ok(out)
    }

    /// The `k` most popular items, honouring `exclude` / `include_only`.
    pub fn popular(&self, opts: &RecommendOptions) -> Result<Vec<Scored>> {
        let empty = UserState { history: Vec::new(), vector: None, unknown: Vec::new(), truncated: 0 };
        self.recommend_for(&empty, opts)
    }

    fn named(&self, picks: &[Pick]) -> Vec<Scored> {
        picks
            .iter()
            .map(|p| Scored {
                promoted: p.promoted,
                explore: p.explore,
                ..Scored::new(self.items.id(p.hit.index), p.hit.score)
            })
            .collect()
    }
}
