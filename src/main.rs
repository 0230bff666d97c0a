//! The `shelfwise` command-line tool: train, evaluate, inspect, recommend. Native only: built
//! for wasm32 (the wasm tests' `cargo test --target wasm32-unknown-unknown` builds every target)
//! it is an empty program.
#[cfg(not(target_arch = "wasm32"))]
mod cli;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    restore_sigpipe();
    fix_mmap_threshold();
    quiet_parquet_panics();
    match cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The Parquet decoder panics on some malformed files; `data::parquet` catches those panics at its
/// boundary and reports the file as malformed, so their message and backtrace are noise. Every
/// other panic (a bug) prints as before.
#[cfg(not(target_arch = "wasm32"))]
fn quiet_parquet_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !shelfwise::data::parquet::in_decoder() {
            default(info);
        }
    }));
}

/// glibc serves blocks above a threshold by `mmap`, and raises that threshold (up to 32 MB) each
/// time such a block is freed. Reading a Parquet log frees decoder pages early, so later blocks
/// of a few MB (a growing id buffer's) land inside its heaps, and the blocks they replace stay
/// resident there: 33 MB more than the CSV read held at the last merge of a 20M-row log, whose
/// peak was 381–387 MB against the CSV read's 370–379 MB. A fixed threshold (which also stops
/// the adjustment) keeps the two alike: at 1 MB both peaks were 354–357 MB. Process-wide, so the
/// program sets it, not the library.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    // SAFETY: `mallopt` takes no pointer; it runs before any other thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_mmap_threshold() {}

/// Rust ignores SIGPIPE, so `shelfwise inspect m.bundle | head` would panic on the closed pipe.
/// Restore the default disposition so the tool ends quietly, as command-line tools do.
#[cfg(unix)]
fn restore_sigpipe() {
    extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    // SAFETY: `signal` is the C library's; SIG_DFL for SIGPIPE is always a valid disposition.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(all(not(unix), not(target_arch = "wasm32")))]
fn restore_sigpipe() {}
