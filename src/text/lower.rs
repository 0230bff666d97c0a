//! Unicode lower-casing, as `str::to_lowercase` does it, from compact tables.
//!
//! std's lower-casing brings its full conversion table (11.7 KB) and the `Cased` and
//! `Case_Ignorable` tables for the final sigma into the wasm. Here the same mapping is a list of
//! runs (a code point every one or two, shifted by one offset: 184 runs) and the two properties a
//! varint-coded list of ranges read only around a `Σ`. The tables (`lower_tables.rs`) are
//! generated from std and checked against it, every code point, by the tests below. Training
//! and the runtime both lower-case through here, so a model's terms do not depend on the
//! toolchain that built either side.

use super::lower_tables::{CLASSES, RUNS};

/// The Unicode version whose lower-casing [`lowercase`] applies (std's when the tables were
/// generated), whatever the toolchain's.
pub const UNICODE_VERSION: (u8, u8, u8) = super::lower_tables::UNICODE;

/// `text` lower-cased exactly as `str::to_lowercase` lower-cases it in Unicode
/// [`UNICODE_VERSION`] (the final sigma included).
pub fn lowercase(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        match c {
            _ if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            'Σ' => out.push(if is_word_final(text, i) { 'ς' } else { 'σ' }),
            'İ' => out.push_str("i\u{307}"),
            _ => out.push(lower_char(c)),
        }
    }
    out
}

/// The lower-case of a character other than `Σ` and `İ` (whose lower-casings depend on the
/// context or are two characters).
fn lower_char(c: char) -> char {
    let u = c as u32;
    let after = RUNS.partition_point(|&(key, _)| key >> 8 <= u);
    let Some(&(key, delta)) = after.checked_sub(1).and_then(|i| RUNS.get(i)) else { return c };
    let (start, step, count) = (key >> 8, (key >> 7 & 1) + 1, key & 0x7f);
    let k = u - start;
    if k % step == 0 && k / step < count {
        return char::from_u32(u.wrapping_add_signed(delta)).unwrap_or(c);
    }
    c
}

/// Unicode's `Final_Sigma`: a cased letter before the `Σ` at byte `i` and none after it, each
/// looked for past case-ignorable characters (std's rule).
fn is_word_final(text: &str, i: usize) -> bool {
    let (before, after) = (text.get(..i).unwrap_or(""), text.get(i + 'Σ'.len_utf8()..).unwrap_or(""));
    cased_past_ignorables(before.chars().rev()) && !cased_past_ignorables(after.chars())
}

/// Whether the first character that is not case-ignorable is cased.
fn cased_past_ignorables(chars: impl Iterator<Item = char>) -> bool {
    chars.map(class).find(|&k| k != Class::Ignorable) == Some(Class::Cased)
}

/// What the final-sigma rule sees of a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Other,
    /// `Cased` and not `Case_Ignorable`.
    Cased,
    /// `Case_Ignorable` (which std's rule skips even when the character is also cased).
    Ignorable,
}

/// The class of `c`, by a pass over [`CLASSES`]: ranges in code point order, each a varint of
/// the gap since the last range's end (times two, plus one when cased) and one of its length
/// minus one. Read only for the neighbours of a `Σ`.
fn class(c: char) -> Class {
    let u = c as u32;
    let (mut bytes, mut next): (&[u8], u32) = (CLASSES, 0);
    while let Some((gap, rest)) = varint(bytes) {
        let Some((len, rest)) = varint(rest) else { break };
        let start = next + (gap >> 1);
        if u < start {
            break;
        }
        if u <= start + len {
            return if gap & 1 == 1 { Class::Cased } else { Class::Ignorable };
        }
        (bytes, next) = (rest, start + len + 1);
    }
    Class::Other
}

/// A little-endian base-128 number and the bytes after it.
fn varint(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let mut v = 0u32;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        v |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, &bytes[i + 1..]));
        }
    }
    None
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn chars() -> impl Iterator<Item = char> {
        (0..=0x10FFFF).filter_map(char::from_u32)
    }

    /// Whether std lower-cases the `Σ` after `before` to the final form.
    fn std_final(before: &[char]) -> bool {
        before.iter().chain(['Σ'].iter()).collect::<String>().to_lowercase().ends_with('ς')
    }

    /// The tables as std's lower-casing implies them (probing the final sigma for the classes).
    fn tables_from_std() -> (Vec<(u32, i32)>, Vec<u8>) {
        let mut runs: Vec<(u32, u32, u32, i32)> = Vec::new(); // start, count, step, delta
        for c in chars().filter(|c| !c.is_ascii() && !['Σ', 'İ'].contains(c)) {
            let (u, l) = (c as u32, c.to_lowercase().collect::<Vec<_>>());
            assert_eq!(l.len(), 1, "{c:?} lower-cases to {l:?}");
            if l[0] == c {
                continue;
            }
            let delta = l[0] as i32 - u as i32;
            match runs.last_mut() {
                Some(r)
                    if r.3 == delta && r.1 < 127 && {
                        let gap = u - (r.0 + (r.1 - 1) * r.2);
                        (r.1 == 1 && gap <= 2) || gap == r.2
                    } =>
                {
                    r.2 = if r.1 == 1 { u - r.0 } else { r.2 };
                    r.1 += 1;
                }
                _ => runs.push((u, 1, 1, delta)),
            }
        }
        let runs = runs.iter().map(|&(s, n, step, d)| ((s << 8) | ((step - 1) << 7) | n, d)).collect();
        let mut ranges: Vec<(u32, u32, bool)> = Vec::new();
        for c in chars() {
            let (cased, ignorable) = (std_final(&[c]), std_final(&['A', c]));
            if !cased && !ignorable {
                continue;
            }
            match ranges.last_mut() {
                Some(r) if r.1 + 1 == c as u32 && r.2 == cased => r.1 += 1,
                _ => ranges.push((c as u32, c as u32, cased)),
            }
        }
        let (mut bytes, mut next) = (Vec::new(), 0);
        let mut put = |mut v: u32| loop {
            let low = (v & 0x7f) as u8;
            v >>= 7;
            bytes.push(if v == 0 { low } else { low | 0x80 });
            if v == 0 {
                break;
            }
        };
        for (start, end, cased) in ranges {
            put(((start - next) << 1) | u32::from(cased));
            put(end - start);
            next = end + 1;
        }
        (runs, bytes)
    }

    fn table_source(runs: &[(u32, i32)], classes: &[u8]) -> String {
        let (major, minor, update) = char::UNICODE_VERSION;
        let mut s = format!(
            "//! Generated by `text::lower::tests::tables_are_std_s` from Rust's std (Unicode {major}.{minor}.{update}):\n\
             //! do not edit; when std's Unicode changes, that test prints the new file.\n\n\
             /// The Unicode version of the tables.\n\
             pub(super) const UNICODE: (u8, u8, u8) = ({major}, {minor}, {update});\n\n\
             /// Non-ASCII single-character lower-casings as runs `(first << 8 | (step − 1) << 7 | count, delta)`:\n\
             /// `count` code points `step` apart from `first`, each lower-cased to itself plus `delta`.\n\
             #[rustfmt::skip]\n\
             pub(super) const RUNS: [(u32, i32); {}] = [\n",
            runs.len()
        );
        for line in runs.chunks(6) {
            let items: Vec<String> = line.iter().map(|(k, d)| format!("({k:#x}, {d})")).collect();
            s += &format!("    {},\n", items.join(", "));
        }
        s += "];\n\n\
             /// `Cased` (and not `Case_Ignorable`) and `Case_Ignorable` code points as ranges, in order: per range a\n\
             /// varint of the gap since the previous range's end, times two, plus one when cased; then one of\n\
             /// its length minus one.\n\
             #[rustfmt::skip]\n\
             pub(super) const CLASSES: &[u8] = &[\n";
        for line in classes.chunks(24) {
            let items: Vec<String> = line.iter().map(|b| b.to_string()).collect();
            s += &format!("    {},\n", items.join(", "));
        }
        s + "];\n"
    }

    /// The committed tables are what std implies, when std has their Unicode version; otherwise
    /// the test says so and prints nothing more (the tables keep shelfwise's terms fixed).
    #[test]
    fn tables_are_std_s() {
        if char::UNICODE_VERSION != UNICODE_VERSION {
            eprintln!("std has Unicode {:?}, the tables {UNICODE_VERSION:?}: not compared", char::UNICODE_VERSION);
            return;
        }
        let (runs, classes) = tables_from_std();
        let same = runs == RUNS && classes == CLASSES;
        assert!(
            same,
            "the lower-casing tables differ from std's; src/text/lower_tables.rs should be:\n{}",
            table_source(&runs, &classes)
        );
    }

    /// Every character alone, and `Σ` beside every character, lower-case as std does: before it
    /// alone and after a cased letter (cased, or skipped as case-ignorable), after a cased letter
    /// and `Σ` alone and followed by a cased letter.
    #[test]
    fn lowercase_is_std_s_for_every_character() {
        if char::UNICODE_VERSION != UNICODE_VERSION {
            eprintln!("std has Unicode {:?}, the tables {UNICODE_VERSION:?}: not compared", char::UNICODE_VERSION);
            return;
        }
        let mut text = String::new();
        for c in chars() {
            for shape in [&[c][..], &[c, 'Σ'], &['A', c, 'Σ'], &['a', 'Σ', c], &['a', 'Σ', c, 'b']] {
                text.clear();
                text.extend(shape);
                assert_eq!(lowercase(&text), text.to_lowercase(), "{text:?}");
            }
        }
    }

    #[test]
    fn words_keep_their_letters() {
        assert_eq!(lowercase("ΟΔΟΣ ΣΟΦΙΑΣ Ölpumpe İstanbul ǅ Ω"), "οδος σοφιας ölpumpe i\u{307}stanbul ǆ ω");
    }
}
