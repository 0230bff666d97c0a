//! Training-side vector kernels, chosen once per process: AVX2+FMA on x86-64 CPUs that have it,
//! a portable wide-accumulator path elsewhere. (The runtime's scoring kernels live in
//! `crate::kernels` and keep one summation order on every platform; training does not need that.)

/// Dot product and `y += a·x` for one instruction set. A value of the implementing type is the
/// proof that this CPU can run its instructions.
pub(crate) trait VecOps: Copy {
    /// `Σ a[i]·b[i]`.
    fn dot(self, a: &[f32], b: &[f32]) -> f32;
    /// `y[i] += alpha·x[i]`.
    fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]);
    /// `out = M·x` for a *symmetric* row-major `k x k` matrix `M` (computed as `Σ_d x[d]·M[d]`).
    #[inline(always)]
    fn sym_matvec(self, m: &[f32], x: &[f32], out: &mut [f32]) {
        let k = x.len();
        out.iter_mut().for_each(|o| *o = 0.0);
        for d in 0..k {
            self.axpy(x[d], &m[d * k..(d + 1) * k], out);
        }
    }
}

/// Portable kernels (auto-vectorised for the build target).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Portable;

impl VecOps for Portable {
    #[inline(always)]
    fn dot(self, a: &[f32], b: &[f32]) -> f32 {
        crate::kernels::dot::dot_wide(a, b)
    }
    #[inline(always)]
    fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]) {
        for (yi, xi) in y.iter_mut().zip(x) {
            *yi += alpha * xi;
        }
    }
}

/// AVX2 + FMA kernels. A value exists only on a CPU that has both features (the detection
/// token pattern of memchr's `One::new`): [`Avx2Fma::detect`] checks, and the private field keeps
/// anything else from building one, so the safe methods below can run the intrinsics soundly.
/// They are fastest when inlined into a `#[target_feature(enable = "avx2,fma")]` caller.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct Avx2Fma {
    _proof: (),
}

#[cfg(target_arch = "x86_64")]
impl Avx2Fma {
    /// The token, when this CPU has AVX2 and FMA.
    pub(crate) fn detect() -> Option<Self> {
        (std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")).then_some(Self { _proof: () })
    }

    /// The token without checking.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[allow(dead_code)]
    pub(crate) unsafe fn new_unchecked() -> Self {
        Self { _proof: () }
    }
}

#[cfg(target_arch = "x86_64")]
impl VecOps for Avx2Fma {
    #[inline(always)]
    fn dot(self, a: &[f32], b: &[f32]) -> f32 {
        use std::arch::x86_64::*;
        let n = a.len().min(b.len());
        // SAFETY: `self` exists only when the CPU has AVX2 and FMA (see `Avx2Fma::detect`); every
        // load reads 8 floats below `n`.
        unsafe {
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let mut acc = [_mm256_setzero_ps(); 4];
            let mut i = 0;
            while i + 32 <= n {
                for (l, acc_l) in acc.iter_mut().enumerate() {
                    *acc_l =
                        _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i + 8 * l)), _mm256_loadu_ps(pb.add(i + 8 * l)), *acc_l);
                }
                i += 32;
            }
            while i + 8 <= n {
                acc[0] = _mm256_fmadd_ps(_mm256_loadu_ps(pa.add(i)), _mm256_loadu_ps(pb.add(i)), acc[0]);
                i += 8;
            }
            let v = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
            let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
            let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
            let s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
            let mut r = _mm_cvtss_f32(s);
            while i < n {
                r += a[i] * b[i];
                i += 1;
            }
            r
        }
    }
    #[inline(always)]
    fn sym_matvec(self, m: &[f32], x: &[f32], out: &mut [f32]) {
        use std::arch::x86_64::*;
        let k = x.len();
        assert!(m.len() >= k * k && out.len() >= k);
        let mut c0 = 0;
        // SAFETY: as in `dot`; column block c0..c0+64 lies inside every row of length k.
        unsafe {
            while c0 + 64 <= k {
                let mut acc = [_mm256_setzero_ps(); 8];
                for (d, xd) in x.iter().enumerate() {
                    let xv = _mm256_set1_ps(*xd);
                    let row = m.as_ptr().add(d * k + c0);
                    for (l, a) in acc.iter_mut().enumerate() {
                        *a = _mm256_fmadd_ps(xv, _mm256_loadu_ps(row.add(8 * l)), *a);
                    }
                }
                for (l, a) in acc.iter().enumerate() {
                    _mm256_storeu_ps(out.as_mut_ptr().add(c0 + 8 * l), *a);
                }
                c0 += 64;
            }
        }
        for (c, o) in out.iter_mut().enumerate().take(k).skip(c0) {
            *o = x.iter().enumerate().map(|(d, xd)| xd * m[d * k + c]).sum();
        }
    }
    #[inline(always)]
    fn axpy(self, alpha: f32, x: &[f32], y: &mut [f32]) {
        use std::arch::x86_64::*;
        let n = x.len().min(y.len());
        // SAFETY: as in `dot`; loads and stores stay below `n`.
        unsafe {
            let va = _mm256_set1_ps(alpha);
            let mut i = 0;
            while i + 8 <= n {
                let r = _mm256_fmadd_ps(va, _mm256_loadu_ps(x.as_ptr().add(i)), _mm256_loadu_ps(y.as_ptr().add(i)));
                _mm256_storeu_ps(y.as_mut_ptr().add(i), r);
                i += 8;
            }
            while i < n {
                y[i] += alpha * x[i];
                i += 1;
            }
        }
    }
}
