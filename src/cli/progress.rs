//! Progress behind the library's `Progress` trait: indicatif bars on a terminal, and plain
//! periodic lines (`[train] ALS 47% 7/15, 12s`) when stderr is a file, a pipe or CI's log, so a
//! redirected run is never silent for minutes.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use shelfwise::train::Progress;

/// How often a plain progress line is printed while a stage runs.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Reports training stages on stderr.
pub struct Bars {
    current: Mutex<Option<ProgressBar>>,
    /// Set when stderr is not a terminal.
    plain: Option<Mutex<Plain>>,
}

/// The stage a plain reporter is in.
struct Plain {
    name: String,
    total: u64,
    done: u64,
    started: Instant,
    printed: Instant,
}

impl Default for Bars {
    fn default() -> Self {
        let plain = (!std::io::stderr().is_terminal()).then(|| {
            Mutex::new(Plain {
                name: String::new(),
                total: 0,
                done: 0,
                started: Instant::now(),
                printed: Instant::now(),
            })
        });
        Self { current: Mutex::new(None), plain }
    }
}

impl Plain {
    fn line(&self) -> String {
        let secs = self.started.elapsed().as_secs();
        if self.total == 0 {
            return format!("[train] {} {}s", self.name, secs);
        }
        let pct = 100 * self.done.min(self.total) / self.total;
        format!("[train] {} {pct}% {}/{}, {secs}s", self.name, self.done, self.total)
    }
}

impl Bars {
    /// A spinner for steps of unknown length.
    pub fn spinner(&self, msg: &str) -> ProgressBar {
        if self.plain.is_some() {
            eprintln!("[train] {msg}");
            return ProgressBar::hidden();
        }
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
        if let Some(p) = &self.plain {
            if let Ok(mut p) = p.lock() {
                *p = Plain { name: name.to_string(), total, done: 0, started: Instant::now(), printed: Instant::now() };
                eprintln!("{}", p.line());
            }
            return;
        }
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
        if let Some(p) = &self.plain {
            if let Ok(mut p) = p.lock() {
                p.done += n;
                if p.printed.elapsed() >= PLAIN_EVERY {
                    p.printed = Instant::now();
                    eprintln!("{}", p.line());
                }
            }
            return;
        }
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
