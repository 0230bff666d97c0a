//! One bundle section as a unit: its name, and its value's encoding written and read side by
//! side (the shape of tantivy's `BinarySerializable`), so a change to one side is made next to
//! the other. `put` writes a section; the `get!` and `require!` macros read one and check that
//! all of it was read. Each model's sections implement [`Section`] in that model's file.

use super::codec::{Reader, Writer};
use super::ContainerWriter;
use crate::error::Result;

/// One bundle section: its name, and how its value is written and read, side by side.
pub(crate) trait Section {
    /// The section-table name.
    const NAME: &'static str;
    /// What the section holds.
    type Value;
    /// What reading needs from sections read before it (the catalogue size, say).
    type Context: Copy;
    /// Appends the payload.
    fn write(v: &Self::Value, w: &mut Writer);
    /// Decodes the payload (the caller checks that all of it was read).
    fn read(r: &mut Reader<'_>, cx: Self::Context) -> Result<Self::Value>;
}

/// Adds section `S` holding `v` to the bundle.
pub(crate) fn put<S: Section>(c: &mut ContainerWriter, v: &S::Value) {
    let mut w = Writer::new();
    S::write(v, &mut w);
    c.section(S::NAME, w.into_bytes());
}

/// Reads section `$s` if the bundle has it (`Option`), checking it is read to its end. A macro,
/// not a generic function: moving each section's `Result<Option<_>>` through a function of its
/// own cost the wasm 1.4 KB gzip; expanded in place, reading costs what hand-written code did.
macro_rules! get {
    ($c:expr, $s:ty, $cx:expr) => {
        match $c.get(<$s as $crate::bundle::section::Section>::NAME) {
            Some(mut r) => {
                let v = <$s as $crate::bundle::section::Section>::read(&mut r, $cx)?;
                r.finish()?;
                Some(v)
            }
            None => None,
        }
    };
}

/// Reads section `$s`, which the bundle must have.
macro_rules! require {
    ($c:expr, $s:ty, $cx:expr) => {
        match $crate::bundle::section::get!($c, $s, $cx) {
            Some(v) => v,
            None => return Err($crate::Error::MissingSection(<$s as $crate::bundle::section::Section>::NAME.into())),
        }
    };
}

pub(crate) use get;
pub(crate) use require;

/// Writes `v` as section `S`, reads it back through a container (so nothing may be left over)
/// and returns what was read: the one round-trip helper every section's test uses.
#[cfg(test)]
pub(crate) fn round_trip<S: Section>(v: &S::Value, cx: S::Context) -> S::Value {
    let mut c = ContainerWriter::new();
    put::<S>(&mut c, v);
    let bytes = c.finish();
    let read = |c: &super::Container<'_>| -> Result<S::Value> { Ok(require!(c, S, cx)) };
    read(&super::Container::parse(&bytes).expect("a written bundle parses")).expect("a written section reads")
}
