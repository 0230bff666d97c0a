//! Numbers written with a decimal comma, as spreadsheets set to most European locales export
//! them: `3,50`, `-0,5`, `1,2E+03`, or grouped by dots, `1.234,56`. Such files separate fields
//! with `;` (or a tab), never a comma, so a comma inside a number is only read as a decimal mark
//! in a file whose separator is not the comma ([`allows_decimal_comma`]); there `3,50` is read
//! exactly as `3.50` is, and the same data trains the same model in either form.

/// Longest number with a decimal comma read (sign, digits, marks, exponent); longer cells are
/// not numbers of a spreadsheet.
const LONGEST: usize = 64;

/// Whether a file whose fields are separated by `delimiter` may hold decimal commas: any
/// separator but the comma.
pub(crate) fn allows_decimal_comma(delimiter: u8) -> bool {
    delimiter != b','
}

/// `cell` as a number: as written, else, when `comma` allows it, as a number with a decimal
/// comma ([`point_form`]).
pub(crate) fn parse_number<T: std::str::FromStr>(cell: &str, comma: bool) -> Option<T> {
    match cell.parse() {
        Ok(v) => Some(v),
        Err(_) if comma => {
            let mut buf = [0u8; LONGEST];
            let n = point_form(cell, &mut buf)?;
            std::str::from_utf8(&buf[..n]).ok()?.parse().ok()
        }
        Err(_) => None,
    }
}

/// `cell` rewritten with a decimal point (`1.234,56` → `1234.56`) if it is a number with a
/// decimal comma; `None` for anything else, plain numbers included.
pub(crate) fn with_decimal_point(cell: &str) -> Option<String> {
    let mut buf = [0u8; LONGEST];
    let n = point_form(cell, &mut buf)?;
    std::str::from_utf8(&buf[..n]).ok().map(str::to_owned)
}

/// Whether `cell` is a number with a decimal comma, as [`with_decimal_point`] reads one.
pub(crate) fn has_decimal_comma(cell: &str) -> bool {
    point_form(cell, &mut [0u8; LONGEST]).is_some()
}

/// Writes the point form of `cell` into `out` and returns its length, if `cell` is
/// `[+-]` integer part `,` digits [`e`|`E` `[+-]` digits], the integer part being digits, or
/// one to three digits followed by groups of a dot and three digits. A dot anywhere else (`1.5,2`,
/// `1.23,4`), a second comma, or no digit on either side of the comma is not such a number.
fn point_form(cell: &str, out: &mut [u8; LONGEST]) -> Option<usize> {
    let b = cell.as_bytes();
    if b.len() > LONGEST {
        return None;
    }
    let comma = b.iter().position(|&c| c == b',')?;
    let (int, rest) = (&b[..comma], &b[comma + 1..]);
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    let sign = usize::from(matches!(int.first(), Some(b'+' | b'-')));
    let whole = &int[sign..];
    if !(digits(whole) || grouped(whole)) {
        return None;
    }
    let (fraction, exponent) = match rest.iter().position(|&c| c == b'e' || c == b'E') {
        Some(e) => (&rest[..e], Some(&rest[e + 1..])),
        None => (rest, None),
    };
    if !digits(fraction) {
        return None;
    }
    if let Some(x) = exponent {
        let x = x.strip_prefix(b"+").or_else(|| x.strip_prefix(b"-")).unwrap_or(x);
        if !digits(x) {
            return None;
        }
    }
    let mut n = 0;
    for &c in b {
        match c {
            b'.' => continue,
            b',' => out[n] = b'.',
            c => out[n] = c,
        }
        n += 1;
    }
    Some(n)
}

/// Whether `s` is digits grouped by dots as thousands are: one to three digits, then one or
/// more groups of a dot and three digits (`1.234`, `12.345.678`).
fn grouped(s: &[u8]) -> bool {
    let mut groups = s.split(|&c| c == b'.');
    let Some(first) = groups.next() else { return false };
    let mut any = false;
    for g in groups {
        if g.len() != 3 || !g.iter().all(u8::is_ascii_digit) {
            return false;
        }
        any = true;
    }
    any && (1..=3).contains(&first.len()) && first.iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_commas_read_as_the_same_number_with_a_point() {
        for (comma, point) in [
            ("3,50", "3.50"),
            ("-0,5", "-0.5"),
            ("+12,0", "+12.0"),
            ("1.234,56", "1234.56"),
            ("12.345.678,9", "12345678.9"),
            ("1,2E+03", "1.2E+03"),
            ("7,25e-2", "7.25e-2"),
        ] {
            assert_eq!(with_decimal_point(comma).as_deref(), Some(point), "{comma}");
            assert!(has_decimal_comma(comma), "{comma}");
            assert_eq!(parse_number::<f64>(comma, true), point.parse::<f64>().ok(), "{comma}");
            assert_eq!(parse_number::<f32>(comma, true), point.parse::<f32>().ok(), "{comma}");
            assert_eq!(parse_number::<f64>(comma, false), None, "{comma} in a comma-separated file");
        }
    }

    #[test]
    fn plain_numbers_read_as_written_and_other_commas_are_not_numbers() {
        for plain in ["3.5", "1234", "-2", "1e5", "0.25"] {
            assert_eq!(with_decimal_point(plain), None, "{plain}");
            assert_eq!(parse_number::<f64>(plain, true), plain.parse::<f64>().ok(), "{plain}");
        }
        for not_one in [
            "1,2,3",
            ",5",
            "5,",
            "1.5,2",
            "1.23,4",
            "1234.567,8",
            ".123,4",
            "1,5e",
            "1,5e+",
            "a,5",
            "1,5x",
            "1 234,5",
            "--1,5",
            "1,-5",
            "",
        ] {
            assert_eq!(with_decimal_point(not_one), None, "{not_one:?}");
            assert!(!has_decimal_comma(not_one), "{not_one:?}");
            assert_eq!(parse_number::<f64>(not_one, true), None, "{not_one:?}");
        }
        let long = format!("1,{}", "5".repeat(LONGEST));
        assert_eq!(parse_number::<f64>(&long, true), None, "a cell past {LONGEST} bytes");
    }
}
