//! Integer scoring for int8 item factors.
//!
//! Each item row is stored as `i8` values with one `f32` scale (`value ≈ q · scale`). A user
//! vector is quantised once per request to `i16` (`x ≈ xq · sx`), and each row's score is the
//! exact integer dot product times `scale · sx`. Integer sums do not depend on evaluation order,
//! so native and wasm scores are bit-identical whatever the lane layout.
//!
//! f32 rows get int8 codes too, for screening candidates only ([`screen_row`]).

/// Largest factor count whose integer dot product cannot overflow `i32` lanes
/// (127 · 32767 per product, a quarter of the products per lane).
pub(crate) const MAX_INT8_FACTORS: usize = 1024;

/// Quantises `row` to `i8` with a symmetric per-row scale; returns the scale (0 for a zero row).
///
/// The scale is the smallest half-precision value ≥ `max |v| / 127`, so bundles store it in two
/// bytes without changing it, and no code exceeds ±127. `None` when the scale overflows f16
/// (factor values above about 8 million).
pub fn quantize_row(row: &[f32], out: &mut [i8]) -> Option<f32> {
    let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
    if max == 0.0 {
        out.iter_mut().for_each(|q| *q = 0);
        return Some(0.0);
    }
    let exact = max / 127.0;
    let mut h = half::f16::from_f32(exact);
    if h.to_f32() < exact {
        h = half::f16::from_bits(h.to_bits() + 1);
    }
    let scale = h.to_f32();
    if !scale.is_finite() || !max.is_finite() {
        return None;
    }
    for (q, v) in out.iter_mut().zip(row) {
        *q = (v / scale).round().clamp(-127.0, 127.0) as i8;
    }
    Some(scale)
}

/// Int8 codes of a finite f32 row for screening, not storage: scale `max |v| / 127`, codes
/// rounded to nearest (ties to even), so `|v − code · scale| ≤ scale / 2` up to f32 rounding.
/// Returns the scale (0 for a zero row), or `None` when the row's magnitude is so small or large
/// that the scale or its reciprocal is not a normal number.
pub fn screen_row(row: &[f32], out: &mut [i8]) -> Option<f32> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let max = simd128::max_abs(row);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
    if max == 0.0 {
        out.iter_mut().for_each(|q| *q = 0);
        return Some(0.0);
    }
    let (scale, inv) = (max / 127.0, 127.0 / max);
    if !(scale.is_normal() && inv.is_normal()) {
        return None;
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let done = simd128::code_row(row, inv, out);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    // `as` saturates; |v · inv| ≤ 127 to rounding, so nothing is clamped in practice.
    for (q, v) in out[done..].iter_mut().zip(&row[done..]) {
        *q = (v * inv).round_ties_even() as i8;
    }
    Some(scale)
}

/// Quantises a user vector to `i16`; returns its scale (0 for a zero vector).
pub fn quantize_query(x: &[f32], out: &mut Vec<i16>) -> f32 {
    out.clear();
    let max = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    if max == 0.0 || !max.is_finite() {
        out.resize(x.len(), 0);
        return 0.0;
    }
    let scale = max / 32767.0;
    out.extend(x.iter().map(|v| (v / scale).round().clamp(-32767.0, 32767.0) as i16));
    scale
}

/// `out[i] = (q_i · xq) · scales[i] · sx` for every `k`-wide row of `q`.
///
/// # Panics
/// Unless `q` holds exactly `out.len()` rows of `xq.len()` codes and `scales` one scale per row:
/// the unchecked SIMD loop below relies on both, so they are checked here, once per call.
pub fn score_rows_i8(q: &[i8], scales: &[f32], xq: &[i16], sx: f32, out: &mut [f32]) {
    let k = xq.len();
    assert!(
        q.len() == out.len() * k && scales.len() == out.len(),
        "score_rows_i8: {} codes and {} scales for {} rows of {k}",
        q.len(),
        scales.len(),
        out.len()
    );
    if k == 0 {
        out.iter_mut().for_each(|o| *o = 0.0);
        return;
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    // SAFETY: the lengths were checked above.
    let done = unsafe { simd128::score_rows4(q, scales, xq, sx, out) };
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let done = 0;
    for ((o, row), s) in out[done..].iter_mut().zip(q[done * k..].chunks_exact(k)).zip(&scales[done..]) {
        *o = dot_i8_i16(row, xq) as f32 * (s * sx);
    }
}

/// Exact integer dot product of an `i8` row and an `i16` query.
#[inline]
pub(crate) fn dot_i8_i16(a: &[i8], b: &[i16]) -> i32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        simd128::dot(a, b)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        a.iter().zip(b).map(|(x, y)| *x as i32 * *y as i32).sum()
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd128 {
    use core::arch::wasm32::*;

    #[inline]
    pub fn dot(a: &[i8], b: &[i16]) -> i32 {
        let n = a.len().min(b.len());
        let chunks = n / 16;
        let mut acc = i32x4_splat(0);
        for c in 0..chunks {
            let i = c * 16;
            // SAFETY: i + 16 <= n: 16 bytes of `a`, 2 × 8 lanes of `b`; loads are unaligned-safe.
            let (va, b0, b1) = unsafe {
                (
                    v128_load(a.as_ptr().add(i) as *const v128),
                    v128_load(b.as_ptr().add(i) as *const v128),
                    v128_load(b.as_ptr().add(i + 8) as *const v128),
                )
            };
            acc = i32x4_add(acc, i32x4_dot_i16x8(i16x8_extend_low_i8x16(va), b0));
            acc = i32x4_add(acc, i32x4_dot_i16x8(i16x8_extend_high_i8x16(va), b1));
        }
        let mut sum = i32x4_extract_lane::<0>(acc)
            .wrapping_add(i32x4_extract_lane::<1>(acc))
            .wrapping_add(i32x4_extract_lane::<2>(acc))
            .wrapping_add(i32x4_extract_lane::<3>(acc));
        for i in chunks * 16..n {
            sum += a[i] as i32 * b[i] as i32;
        }
        sum
    }

    /// `max |v|` over a finite row (lane maxima, no calls to `fmaxf`).
    pub(crate) fn max_abs(row: &[f32]) -> f32 {
        let chunks = row.chunks_exact(4);
        let tail = chunks.remainder().iter().fold(0f32, |m, v| if v.abs() > m { v.abs() } else { m });
        let mut m = f32x4_splat(tail);
        for c in chunks {
            // SAFETY: `c` holds 4 floats; v128 loads have no alignment requirement.
            m = f32x4_pmax(m, f32x4_abs(unsafe { v128_load(c.as_ptr() as *const v128) }));
        }
        let m = f32x4_pmax(m, i32x4_shuffle::<2, 3, 0, 1>(m, m));
        f32x4_extract_lane::<0>(f32x4_pmax(m, i32x4_shuffle::<1, 0, 3, 2>(m, m)))
    }

    /// `out[i] = round_ties_even(row[i] · inv)` for `|row[i] · inv| ≤ 127`, 16 values at a
    /// time; returns how many it wrote. Adding 1.5 · 2²³ rounds to an integer (ties to even, as
    /// the scalar path) held in the low mantissa bits, whose low byte is the code.
    pub(crate) fn code_row(row: &[f32], inv: f32, out: &mut [i8]) -> usize {
        let n = row.len().min(out.len()) / 16 * 16;
        let (s, magic) = (f32x4_splat(inv), f32x4_splat(12_582_912.0));
        // SAFETY (closure): callers pass pointers to 4 readable floats.
        let code = |p: *const f32| f32x4_add(f32x4_mul(unsafe { v128_load(p as *const v128) }, s), magic);
        for i in (0..n).step_by(16) {
            // SAFETY: i + 16 <= n <= both lengths.
            unsafe {
                let p = row.as_ptr().add(i);
                let ab = i8x16_shuffle::<0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0>(code(p), code(p.add(4)));
                let cd = i8x16_shuffle::<0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0>(
                    code(p.add(8)),
                    code(p.add(12)),
                );
                v128_store(out.as_mut_ptr().add(i) as *mut v128, i64x2_shuffle::<0, 2>(ab, cd));
            }
        }
        n
    }

    /// Lane sums of 16 products: codes `p[0..16]` times the query lanes `x0` (0..8) and `x1` (8..16).
    ///
    /// # Safety
    /// `p` must be valid for reading 16 bytes.
    #[inline(always)]
    unsafe fn dot16(p: *const i8, x0: v128, x1: v128) -> v128 {
        let lo = i16x8_load_extend_i8x8(p);
        let hi = i16x8_load_extend_i8x8(p.add(8));
        i32x4_add(i32x4_dot_i16x8(lo, x0), i32x4_dot_i16x8(hi, x1))
    }

    /// Four rows at a time when `k` is a multiple of 16 (integer sums are exact, so the result
    /// equals the one-row path); returns how many rows it scored.
    ///
    /// # Safety
    /// `q.len() == out.len() * xq.len()` and `scales.len() == out.len()` (checked by the one
    /// caller, [`super::score_rows_i8`]).
    pub(super) unsafe fn score_rows4(q: &[i8], scales: &[f32], xq: &[i16], sx: f32, out: &mut [f32]) -> usize {
        let k = xq.len();
        if k % 16 != 0 {
            return 0;
        }
        let blocks = out.len() / 4;
        for b in 0..blocks {
            let base = b * 4 * k;
            let (mut a0, mut a1, mut a2, mut a3) = (i32x4_splat(0), i32x4_splat(0), i32x4_splat(0), i32x4_splat(0));
            let mut i = 0;
            while i < k {
                // SAFETY: base + 3k + i + 16 <= 4(b+1)k <= q.len() and i + 16 <= k = xq.len().
                // `i16x8_load_extend_i8x8` widens eight codes straight from memory (one
                // instruction on x86 and Arm), cheaper than a 16-byte load plus two extends.
                unsafe {
                    let x0 = v128_load(xq.as_ptr().add(i) as *const v128);
                    let x1 = v128_load(xq.as_ptr().add(i + 8) as *const v128);
                    let p = q.as_ptr().add(base + i);
                    a0 = i32x4_add(a0, dot16(p, x0, x1));
                    a1 = i32x4_add(a1, dot16(p.add(k), x0, x1));
                    a2 = i32x4_add(a2, dot16(p.add(2 * k), x0, x1));
                    a3 = i32x4_add(a3, dot16(p.add(3 * k), x0, x1));
                }
                i += 16;
            }
            let p01 = i32x4_add(i32x4_shuffle::<0, 4, 2, 6>(a0, a1), i32x4_shuffle::<1, 5, 3, 7>(a0, a1));
            let p23 = i32x4_add(i32x4_shuffle::<0, 4, 2, 6>(a2, a3), i32x4_shuffle::<1, 5, 3, 7>(a2, a3));
            let sums = i32x4_add(i32x4_shuffle::<0, 1, 4, 5>(p01, p23), i32x4_shuffle::<2, 3, 6, 7>(p01, p23));
            // Same f32 steps as the scalar path: convert the exact sum, times (scale · sx).
            // SAFETY: 4b + 4 <= out.len() = scales.len().
            unsafe {
                let s = f32x4_mul(v128_load(scales.as_ptr().add(b * 4) as *const v128), f32x4_splat(sx));
                v128_store(out.as_mut_ptr().add(b * 4) as *mut v128, f32x4_mul(f32x4_convert_i32x4(sums), s));
            }
        }
        blocks * 4
    }
}

/// Half-precision bits widened to f32: the one out-of-line conversion loop for every f16 array
/// (f16 factors, int8 row scales, 4-byte neighbour weights), so the wasm carries one copy.
#[inline(never)]
pub(crate) fn widen_f16(bits: &[u16]) -> Vec<f32> {
    bits.iter().map(|b| half::f16::from_bits(*b).to_f32()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantised_scores_track_float_scores() {
        let k = 37;
        let rows: Vec<f32> = (0..k * 5).map(|i| ((i as f32) * 0.731).sin() * (1.0 + (i % 7) as f32)).collect();
        let x: Vec<f32> = (0..k).map(|i| ((i as f32) * 0.29).cos()).collect();
        let mut q = vec![0i8; rows.len()];
        let scales: Vec<f32> =
            rows.chunks_exact(k).zip(q.chunks_exact_mut(k)).map(|(r, o)| quantize_row(r, o).unwrap()).collect();
        let mut xq = Vec::new();
        let sx = quantize_query(&x, &mut xq);
        let mut approx = vec![0f32; 5];
        score_rows_i8(&q, &scales, &xq, sx, &mut approx);
        for (r, a) in rows.chunks_exact(k).zip(&approx) {
            let exact: f32 = r.iter().zip(&x).map(|(a, b)| a * b).sum();
            let bound =
                r.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0 * 1.001 * x.iter().map(|v| v.abs()).sum::<f32>();
            assert!((exact - a).abs() <= bound, "{exact} vs {a}");
        }
        // Extremes survive: ±max maps to ±127, zero rows score zero.
        let mut o = [0i8; 3];
        let s = quantize_row(&[2.0, -2.0, 0.5], &mut o).unwrap();
        assert!((2.0 / 127.0..2.0 / 127.0 * 1.001).contains(&s) && half::f16::from_f32(s).to_f32() == s, "{s}");
        assert_eq!(o, [127, -127, 32]);
        assert_eq!(quantize_row(&[0.0; 3], &mut o), Some(0.0));
        assert_eq!(quantize_row(&[1e7, 1.0, 0.0], &mut o), None);
        // Tiny rows keep a non-zero (subnormal half) scale.
        assert!(quantize_row(&[1e-9, 0.0, 0.0], &mut o).unwrap() > 0.0);
        assert_eq!(dot_i8_i16(&[127; 40], &[32767; 40]), 127 * 32767 * 40);
    }
}
