//! Decimal text ↔ floating point for the runtime, without the standard library's tables.
//!
//! `str::parse::<f64>` and `{}` on floats pull about 35 KB (15 KB gzip, much of it an
//! incompressible power-of-five table) into the wasm binary. The runtime only reads numbers
//! that shoppers' pages send as text ("3.5", "120") and writes numbers into error messages and
//! category keys, so it uses these instead:
//!
//! * [`parse_f64`] reads `[+-]digits[.digits][(e|E)[+-]digits]`. Up to 19 significant digits
//!   and exponents within ±22 (every value a page plausibly sends) are converted exactly
//!   (correctly rounded); longer inputs may differ from `str::parse` in the last bit.
//! * [`Num`] displays a number like `{}` does (`2`, `0.1`, `-0.25`, `NaN`, `inf`): the shortest
//!   digits that [`parse_f64`] reads back to the same value, never in exponent notation.
//!
//! Native and wasm builds run this same code, so both give identical text.

use std::fmt;

/// Exactly representable powers of ten.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// `m · 10^e`, correctly rounded when `m < 2^53` and `|e| <= 22`.
fn scale(m: u64, e: i32) -> f64 {
    mul_pow10(m as f64, e)
}

/// `v · 10^e`, applied in steps of at most 10^22 so that intermediate values stay in range.
fn mul_pow10(mut v: f64, mut e: i32) -> f64 {
    while e > 22 && v.is_finite() {
        v *= 1e22;
        e -= 22;
    }
    while e < -22 && v != 0.0 {
        v /= 1e22;
        e += 22;
    }
    if e >= 0 {
        v * POW10[e.min(22) as usize]
    } else {
        v / POW10[(-e).min(22) as usize]
    }
}

/// Parses a decimal number; `None` for anything else (including empty text, whitespace,
/// `inf` and `NaN`).
pub(crate) fn parse_f64(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let (mut m, mut digits, mut exp, mut seen) = (0u64, 0u32, 0i64, false);
    let mut point = false;
    while i < b.len() {
        match b[i] {
            c @ b'0'..=b'9' => {
                seen = true;
                if m == 0 && c == b'0' {
                    // Leading zeros carry no precision.
                    if point {
                        exp -= 1;
                    }
                } else if digits < 19 {
                    m = m * 10 + (c - b'0') as u64;
                    digits += 1;
                    if point {
                        exp -= 1;
                    }
                } else if !point {
                    exp += 1;
                }
            }
            b'.' if !point => point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen {
        return None;
    }
    if i < b.len() {
        if b[i] != b'e' && b[i] != b'E' {
            return None;
        }
        i += 1;
        let eneg = match b.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e = 0i64;
        while i < b.len() && b[i].is_ascii_digit() {
            e = (e * 10 + (b[i] - b'0') as i64).min(100_000);
            i += 1;
        }
        if i == start || i != b.len() {
            return None;
        }
        exp += if eneg { -e } else { e };
    }
    let v = if m == 0 { 0.0 } else { scale(m, exp.clamp(-100_000, 100_000) as i32) };
    Some(if neg { -v } else { v })
}

/// Displays an `f64` like `{}` does, with the shortest digits that read back exactly.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

/// Displays an `f32` like `{}` does (`0.1`, not `0.10000000149011612`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num32(pub f32);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        write_shortest(f, x, |v| v == x.abs())
    }
}

impl fmt::Display for Num32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        write_shortest(f, x as f64, |v| v as f32 == x.abs())
    }
}

/// Writes `x` with the fewest significant digits (1–17) whose value passes `exact`.
fn write_shortest(f: &mut fmt::Formatter<'_>, x: f64, exact: impl Fn(f64) -> bool) -> fmt::Result {
    if x.is_nan() {
        return f.write_str("NaN");
    }
    if x.is_sign_negative() {
        f.write_str("-")?;
    }
    let a = x.abs();
    if a.is_infinite() {
        return f.write_str("inf");
    }
    if a == 0.0 {
        return f.write_str("0");
    }
    if a.fract() == 0.0 && a < 1e15 {
        return write!(f, "{}", a as u64);
    }
    // Decimal exponent of the leading digit: 10^e10 <= a < 10^(e10 + 1).
    let mut e10 = 0i32;
    while scale(1, e10 + 1) <= a {
        e10 += 1;
    }
    while scale(1, e10) > a {
        e10 -= 1;
    }
    let (mut m, mut shift) = (0u64, 0i32);
    for p in 1..=17 {
        shift = e10 - p + 1;
        let t = mul_pow10(a, -shift);
        m = t.round() as u64;
        if exact(scale(m, shift)) {
            break;
        }
    }
    // Trailing zeros of m belong to the exponent.
    while m % 10 == 0 && m > 0 {
        m /= 10;
        shift += 1;
    }
    let digits = m.to_string();
    let n = digits.len() as i32;
    if shift >= 0 {
        f.write_str(&digits)?;
        for _ in 0..shift {
            f.write_str("0")?;
        }
        Ok(())
    } else if -shift < n {
        // `get`, not slicing: the digits are ASCII, and no panic path comes with it.
        let point = (n + shift) as usize;
        write!(f, "{}.{}", digits.get(..point).unwrap_or(""), digits.get(point..).unwrap_or(""))
    } else {
        f.write_str("0.")?;
        for _ in 0..(-shift - n) {
            f.write_str("0")?;
        }
        f.write_str(&digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_the_standard_library() {
        for s in [
            "0",
            "-0",
            "3.5",
            "+120",
            "0.0123",
            "1e3",
            "2.5E-3",
            ".5",
            "5.",
            "-7.25e+2",
            "123456789012345678",
            "0.1",
            "1e-22",
            "9.87654321e22",
        ] {
            assert_eq!(parse_f64(s), s.parse::<f64>().ok(), "{s}");
        }
        for s in ["", "-", ".", "e5", "1e", "1e+", "abc", " 1", "1 ", "1.2.3", "0x10", "inf", "NaN", "1,5"] {
            assert_eq!(parse_f64(s), None, "{s}");
        }
        assert_eq!(parse_f64("1e999"), Some(f64::INFINITY));
        // Outside the exact range: within a few units in the last place.
        for s in ["1e308", "1.7976931348623157e308", "1e-300", "12345678901234567890123"] {
            let (a, b) = (parse_f64(s).unwrap(), s.parse::<f64>().unwrap());
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * b, "{s}: {a} vs {b}");
        }
    }

    #[test]
    fn displays_like_the_standard_library() {
        for x in [
            0.0,
            -0.0,
            2.0,
            -1.0,
            0.1,
            0.25,
            -3.75,
            1.0 / 3.0,
            123.456,
            1e-7,
            0.000123,
            1e15,
            1.5e16,
            1e21,
            2.5e-10,
            6.02e23,
        ] {
            assert_eq!(Num(x).to_string(), format!("{x}"), "{x:e}");
        }
        for x in [0.1f32, 1.0 / 3.0, -2.5, 16_777_216.0, 3.4e38, 1e-7] {
            assert_eq!(Num32(x).to_string(), format!("{x}"), "{x:e}");
        }
        // Outside the exact range the digits still read back within a few units in the last place.
        for x in [1.2345e300, f64::MIN_POSITIVE, 1e-300] {
            let y = parse_f64(&Num(x).to_string()).unwrap();
            assert!((x - y).abs() <= 4.0 * f64::EPSILON * x, "{x:e} -> {y:e}");
        }
        assert_eq!(Num(f64::NAN).to_string(), "NaN");
        assert_eq!(Num(f64::NEG_INFINITY).to_string(), "-inf");
        assert_eq!(Num32(f32::INFINITY).to_string(), "inf");
    }
}
