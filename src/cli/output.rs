//! Writing outputs safely: never over one of the run's inputs, never half a file.
//!
//! Every file the CLI writes (bundles, CSVs, reports) goes through [`OutputFile`]: the bytes go to
//! a temporary file in the destination's directory, which is flushed, fsynced and renamed over
//! the destination only when the command has succeeded. A run that fails, or is killed (even with
//! `kill -9`), leaves whatever was at the destination before untouched.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// An output being written; see the module docs. Dropped without [`OutputFile::commit`], it
/// removes its temporary file and leaves the destination as it was.
pub struct OutputFile {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl OutputFile {
    /// Starts writing `dest`, refusing when `dest` is one of `inputs` (the same file by path,
    /// link or inode).
    pub fn create(dest: &Path, inputs: &[&Path]) -> anyhow::Result<Self> {
        refuse_overwriting_inputs(dest, inputs)?;
        let name = dest.file_name().with_context(|| format!("{} is not a file name", dest.display()))?;
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if dest.is_dir() {
            bail!("{} is a directory; --out takes a file path", dest.display());
        }
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let file =
            File::create(&tmp).with_context(|| format!("creating {} (for {})", tmp.display(), dest.display()))?;
        Ok(Self { dest: dest.to_path_buf(), tmp, file: Some(BufWriter::with_capacity(1 << 16, file)) })
    }

    /// Writes all of `bytes` to `dest` at once (see [`OutputFile::create`]).
    pub fn write_all_to(dest: &Path, inputs: &[&Path], bytes: &[u8]) -> anyhow::Result<()> {
        let mut f = Self::create(dest, inputs)?;
        f.write_all(bytes).with_context(|| format!("writing {}", dest.display()))?;
        f.commit()
    }

    /// Flushes, fsyncs and renames the finished file over the destination.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let dest = self.dest.display().to_string();
        let file = self.file.take().context("output already committed")?;
        let file = file.into_inner().map_err(|e| e.into_error()).with_context(|| format!("writing {dest}"))?;
        file.sync_all().with_context(|| format!("flushing {dest} to disk"))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.dest).with_context(|| format!("moving the finished file to {dest}"))?;
        // Make the rename itself durable (best effort: not every file system lets a directory be opened).
        if let Some(dir) = self.dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    fn writer(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        self.file.as_mut().ok_or_else(|| std::io::Error::other("output already committed"))
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer()?.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Where a command writes its result: a file (atomically) or standard output.
pub enum Sink {
    /// `--out FILE`.
    File(OutputFile),
    /// No `--out`: standard output.
    Stdout(BufWriter<std::io::StdoutLock<'static>>),
}

impl Sink {
    /// `--out` when given (checked against the command's inputs), else standard output.
    pub fn open(out: Option<&Path>, inputs: &[&Path]) -> anyhow::Result<Self> {
        Ok(match out {
            Some(p) => Sink::File(OutputFile::create(p, inputs)?),
            None => Sink::Stdout(BufWriter::new(std::io::stdout().lock())),
        })
    }

    /// Finishes the output: commits the file, or flushes standard output.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::File(f) => f.commit(),
            Sink::Stdout(mut s) => Ok(s.flush()?),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stdout(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(s) => s.flush(),
        }
    }
}

/// Fails when `dest` names the same file as one of `inputs`: the same path after resolving links,
/// or (on Unix) the same device and inode, which also catches hard links.
pub fn refuse_overwriting_inputs(dest: &Path, inputs: &[&Path]) -> anyhow::Result<()> {
    let Ok(out_meta) = std::fs::metadata(dest) else {
        return Ok(()); // a file that does not exist yet is no input
    };
    let out_canon = std::fs::canonicalize(dest).ok();
    for input in inputs {
        let Ok(in_meta) = std::fs::metadata(input) else { continue };
        if same_file(&out_meta, &in_meta) || (out_canon.is_some() && out_canon == std::fs::canonicalize(input).ok()) {
            bail!(
                "refusing to write {} over the input {} (the same file): choose another --out",
                dest.display(),
                input.display()
            );
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}
/// Writes an HTML report (`--report`) like every other output, and says where.
pub fn write_report(dest: &Path, inputs: &[&Path], report: &shelfwise::report::Report) -> anyhow::Result<()> {
    let html = report.to_html();
    OutputFile::write_all_to(dest, inputs, html.as_bytes())?;
    eprintln!("wrote report {} ({} charts, {} KB)", dest.display(), report.charts(), html.len().div_ceil(1024));
    Ok(())
}
