//! Progress bars (indicatif) behind the library's `Progress` trait. Hidden when not a terminal.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use shelfwise::train::Progress;

/// Draws one bar per training stage on stderr.
#[derive(Default)]
pub struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// A spinner for steps of unknown length.
    pub fn spinner(&self, msg: &str) -> ProgressBar {
        let pb = ProgressBar::new_spinner();
        pb.set_message(msg.to_string());
        pb.enable_steady_tick(Duration::from_millis(120));
        pb
    }
    /// Finishes the current bar.
    pub fn finish(&self) {
        if let Ok(mut g) = self.current.lock() {
            if let Some(pb) = g.take() {
                pb.finish_and_clear();
            }
        }
    }
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: u64) {
        if let Ok(mut g) = self.current.lock() {
            if let Some(pb) = g.take() {
                pb.finish_and_clear();
            }
            let pb = ProgressBar::new(total);
            let style = ProgressStyle::with_template("{msg:>20} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            pb.set_style(style.progress_chars("=> "));
            pb.set_message(name.to_string());
            *g = Some(pb);
        }
    }
    fn tick(&self, n: u64) {
        if let Ok(g) = self.current.lock() {
            if let Some(pb) = g.as_ref() {
                pb.inc(n);
            }
        }
    }
    fn message(&self, text: &str) {
        if let Ok(g) = self.current.lock() {
            match g.as_ref() {
                Some(pb) => pb.println(text),
                None => eprintln!("{text}"),
            }
        }
    }
}
