//! The memory-read floor for the in-browser benchmark (`bench/browser/recs.mjs`): how long
//! Chromium takes just to stream a factor matrix's bytes through 16-byte SIMD loads, with no
//! arithmetic beyond one add per load. Scoring cannot beat this; the benchmark prints it next to
//! the scoring times.
//!
//! Built as its own small wasm module:
//! `cargo build --release --example read_floor --target wasm32-unknown-unknown --no-default-features`

/// Reserves `bytes` bytes of wasm memory (filled with a small constant) and returns their address.
#[no_mangle]
pub extern "C" fn reserve(bytes: usize) -> *mut u8 {
    let mut v = vec![1u8; bytes];
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// Adds up `bytes` bytes from `p` as `f32x4` lanes (`bytes` a multiple of 64), four
/// independent accumulators so that loads, not add latency, set the pace.
///
/// # Safety
/// `p` must point to `bytes` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn read_sum(p: *const u8, bytes: usize) -> f32 {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::*;
        let z = f32x4_splat(0.0);
        let (mut a, mut b, mut c, mut d) = (z, z, z, z);
        let mut i = 0;
        while i + 64 <= bytes {
            a = f32x4_add(a, v128_load(p.add(i) as *const v128));
            b = f32x4_add(b, v128_load(p.add(i + 16) as *const v128));
            c = f32x4_add(c, v128_load(p.add(i + 32) as *const v128));
            d = f32x4_add(d, v128_load(p.add(i + 48) as *const v128));
            i += 64;
        }
        let s = f32x4_add(f32x4_add(a, b), f32x4_add(c, d));
        f32x4_extract_lane::<0>(s)
            + f32x4_extract_lane::<1>(s)
            + f32x4_extract_lane::<2>(s)
            + f32x4_extract_lane::<3>(s)
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    {
        std::slice::from_raw_parts(p, bytes).iter().map(|b| *b as f32).sum()
    }
}
