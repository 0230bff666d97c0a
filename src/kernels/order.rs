//! Sorting for the runtime through one shared instantiation.
//!
//! Every `sort_by` on a new element type or comparator compiles another complete sort into the
//! wasm binary (5–10 KB each). The runtime's sorts go through [`sort_by_key`] instead: each
//! element gets a `u64` key and only `[(u64, u32)]` is ever sorted.

/// A key that orders scores from highest to lowest; NaN sorts last and −0 equals +0.
pub(crate) fn descending(score: f32) -> u32 {
    let s = if score.is_nan() {
        f32::NEG_INFINITY
    } else if score == 0.0 {
        0.0
    } else {
        score
    };
    let bits = s.to_bits();
    // Flip negatives entirely and positives' sign bit: ascending floats become ascending u32s.
    let ascending = if bits >> 31 == 1 { !bits } else { bits | 0x8000_0000 };
    !ascending
}

/// [`descending`] for `f64`.
pub(crate) fn descending_f64(score: f64) -> u64 {
    let s = if score.is_nan() {
        f64::NEG_INFINITY
    } else if score == 0.0 {
        0.0
    } else {
        score
    };
    let bits = s.to_bits();
    let ascending = if bits >> 63 == 1 { !bits } else { bits | 1 << 63 };
    !ascending
}

/// Sorts `v` by ascending `key`; equal keys keep their original order (a stable sort).
pub(crate) fn sort_by_key<T>(v: &mut Vec<T>, key: impl Fn(&T) -> u64) {
    if v.len() < 2 {
        return;
    }
    debug_assert!(v.len() <= u32::MAX as usize);
    let mut keyed: Vec<(u64, u32)> = v.iter().enumerate().map(|(i, t)| (key(t), i as u32)).collect();
    keyed.sort_unstable();
    let mut slots: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(keyed.into_iter().filter_map(|(_, i)| slots[i as usize].take()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descending_orders_like_the_scores() {
        let xs = [f32::INFINITY, 3.5, 1.0, 1e-30, 0.0, -0.0, -1e-30, -2.0, f32::NEG_INFINITY];
        for w in xs.windows(2) {
            assert!(descending(w[0]) <= descending(w[1]), "{} vs {}", w[0], w[1]);
        }
        assert_eq!(descending(0.0), descending(-0.0));
        assert_eq!(descending(f32::NAN), descending(f32::NEG_INFINITY));
        assert!(descending(3.5) < descending(1.0));
        assert!(descending_f64(1.0 + 1e-12) < descending_f64(1.0));
        assert!(descending_f64(-0.5) < descending_f64(-0.75));
    }

    #[test]
    fn sort_is_stable_and_complete() {
        let mut v: Vec<(u32, &str)> = vec![(2, "a"), (1, "b"), (2, "c"), (0, "d"), (1, "e")];
        sort_by_key(&mut v, |e| e.0 as u64);
        assert_eq!(v, vec![(0, "d"), (1, "b"), (1, "e"), (2, "a"), (2, "c")]);
    }
}
