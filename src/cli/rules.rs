//! The merchandising options `recommend` and `similar` share: rules, lists, caps, reasons.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use shelfwise::recs::{Promote, RecommendOptions};
use shelfwise::rules::ParamValue;

/// Rules and lists applied to every response (evaluated exactly as on the device).
#[derive(Args, Debug, Clone)]
pub struct RulesArgs {
    /// Items per response (1–1000).
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Only items for which this rule holds, e.g. 'in_stock && price < 50' (attributes from
    /// `train recs --catalog`; the language is in README "Rules").
    #[arg(long)]
    filter: Option<String>,
    /// Multiply each score by this rule's value, e.g. 'margin > 0.3 ? 1.2 : 1'.
    #[arg(long)]
    boost: Option<String>,
    /// A rule parameter: NAME=VALUE (a number, true/false, or a string; `a|b` is a list).
    /// Repeatable: --param category=toys --param max=50.
    #[arg(long = "param", value_parser = parse_param)]
    params: Vec<(String, ParamValue)>,
    /// The time rules call `now` (a date or Unix seconds; default: this machine's clock).
    #[arg(long)]
    now: Option<String>,
    /// Only these items may be recommended: a file of item ids, one per line.
    #[arg(long)]
    include_only: Option<PathBuf>,
    /// Never recommend these items: a file of item ids, one per line.
    #[arg(long)]
    exclude: Option<PathBuf>,
    /// At most N items per value of an attribute: GROUP:N (e.g. category:2).
    #[arg(long, value_parser = parse_max_per)]
    max_per: Option<(String, usize)>,
    /// Fill --promote-share of the slots with the best items for which this rule holds.
    #[arg(long)]
    promote: Option<String>,
    /// Share of slots a promotion takes, in (0, 1].
    #[arg(long, default_value_t = 0.2)]
    promote_share: f64,
    /// Diversity in [0, 1]: trade score against likeness to the items already chosen (maximal
    /// marginal relevance on factor or item2vec cosines).
    #[arg(long, default_value_t = 0.0)]
    diversity: f32,
    /// Reserve this share of the slots for new items (catalogue items nobody has bought yet).
    #[arg(long)]
    explore: Option<f64>,
    /// Add `promoted`, `explore` and `because` columns (`because`: the history items that
    /// contributed most, `|`-separated).
    #[arg(long)]
    reasons: bool,
}

fn parse_param(s: &str) -> Result<(String, ParamValue), String> {
    let (name, v) = s.split_once('=').ok_or_else(|| format!("expected NAME=VALUE, got {s:?}"))?;
    let name = name.trim().trim_start_matches('$').to_string();
    let value = match v {
        "true" => ParamValue::Bool(true),
        "false" => ParamValue::Bool(false),
        _ if v.contains('|') => ParamValue::List(v.split('|').map(str::to_string).collect()),
        _ => v.parse::<f64>().ok().filter(|x| x.is_finite()).map_or(ParamValue::Str(v.to_string()), ParamValue::Num),
    };
    Ok((name, value))
}

fn parse_max_per(s: &str) -> Result<(String, usize), String> {
    let (g, n) = s.rsplit_once(':').ok_or_else(|| format!("expected GROUP:N, got {s:?}"))?;
    let n: usize = n.parse().map_err(|_| format!("N must be a whole number, got {n:?}"))?;
    Ok((g.to_string(), n))
}

fn id_file(path: &PathBuf) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect())
}

impl RulesArgs {
    /// Whether `--reasons` was given.
    pub fn reasons(&self) -> bool {
        self.reasons
    }

    /// The options for every response (`--k` checked here, before any output is opened).
    pub fn options(&self) -> anyhow::Result<RecommendOptions> {
        let k = self.k;
        if !(1..=shelfwise::recs::MAX_K).contains(&k) {
            anyhow::bail!("--k must be between 1 and {}, got {k}", shelfwise::recs::MAX_K);
        }
        let now = match &self.now {
            Some(t) => Some(
                shelfwise::data::time::parse_timestamp(t)
                    .with_context(|| format!("--now {t:?}: expected a date or Unix seconds"))? as f64,
            ),
            None => None,
        };
        Ok(RecommendOptions {
            k,
            filter: self.filter.clone(),
            boost: self.boost.clone(),
            params: self.params.clone(),
            now,
            include_only: self.include_only.as_ref().map(id_file).transpose()?,
            exclude: self.exclude.as_ref().map(id_file).transpose()?.unwrap_or_default(),
            max_per_group: self.max_per.clone(),
            promote: self.promote.clone().map(|filter| Promote { filter, share: self.promote_share }),
            reasons: self.reasons,
            explore: self.explore,
            diversity: self.diversity,
            ..RecommendOptions::default()
        })
    }

    /// Compiles the rules against `rec` once, so a bad rule stops before any output.
    pub fn check(&self, rec: &shelfwise::Recommender) -> anyhow::Result<()> {
        use shelfwise::rules::RuleKind;
        for (text, kind) in
            [(&self.filter, RuleKind::Filter), (&self.boost, RuleKind::Boost), (&self.promote, RuleKind::Filter)]
        {
            if let Some(t) = text {
                rec.compile_rule(t, kind)?;
            }
        }
        Ok(())
    }
}
