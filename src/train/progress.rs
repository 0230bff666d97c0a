//! Progress reporting hooks, so the CLI can draw bars without the trainers knowing about terminals.

/// Receives progress from long training steps. Every method has a no-op default.
pub trait Progress: Sync {
    /// A new stage with `total` steps begins.
    fn stage(&self, _name: &str, _total: u64) {}
    /// `n` more steps of the current stage are done.
    fn tick(&self, _n: u64) {}
    /// A one-line message (e.g. a validation result).
    fn message(&self, _text: &str) {}
}

/// Discards all progress.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;
impl Progress for Silent {}

pub(crate) fn or_silent(p: Option<&dyn Progress>) -> &dyn Progress {
    p.unwrap_or(&Silent)
}
