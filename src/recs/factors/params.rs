//! The parameters a factor model is read with: how interaction weights become confidence
//! ([`Scaling`], [`FoldIn`]) and how its factors are stored ([`Quantization`]).

use crate::error::{Error, Result};
use crate::num_text::Num32;

/// How raw interaction weights become confidence (`c = 1 + alpha * s(w)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scaling {
    /// `s(w) = w`.
    #[default]
    Linear,
    /// `s(w) = ln(1 + w)`: damps heavy repeat purchases.
    Log,
    /// BM25 ([`Bm25`](super::Bm25)): saturates repeats, normalises by the user's activity and
    /// weighs rare items up. Depends on the whole history, so the model weighs it
    /// ([`Bm25::weigh`](super::Bm25::weigh)) and [`Scaling::apply`] passes the weighed value
    /// through.
    Bm25,
}

impl Scaling {
    /// Applies the scaling to a raw weight.
    pub fn apply(self, w: f32) -> f32 {
        match self {
            Scaling::Linear => w,
            Scaling::Log => w.ln_1p(),
            Scaling::Bm25 => w,
        }
    }
    /// Stable code used in bundles.
    pub fn code(self) -> u8 {
        match self {
            Scaling::Linear => 0,
            Scaling::Log => 1,
            Scaling::Bm25 => 2,
        }
    }
    /// Inverse of [`Scaling::code`].
    pub(crate) fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(Scaling::Linear),
            1 => Some(Scaling::Log),
            2 => Some(Scaling::Bm25),
            _ => None,
        }
    }
    /// Name used on the command line and in metadata.
    pub fn name(self) -> &'static str {
        match self {
            Scaling::Linear => "linear",
            Scaling::Log => "log",
            Scaling::Bm25 => "bm25",
        }
    }
}

/// The parameters of fold-in, which must equal those of the ALS run that made the factors:
/// λ, and the confidence `c = 1 + alpha · scaling(w)` of each history weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldIn {
    /// L2 regularisation λ (finite, >= 0).
    pub regularization: f32,
    /// Confidence scale α (finite, >= 0).
    pub alpha: f32,
    /// Weight scaling before α.
    pub scaling: Scaling,
    /// λ multiplied by the number of history items, as Spark MLlib's ALS regularises each user
    /// (`regParam · numExplicits`, the ALS-WR weighting); false for shelfwise's and implicit's ALS.
    pub lambda_per_item: bool,
    /// Confidence `1 + alpha · s(w)` (Hu et al.; shelfwise's and Spark's ALS); false: `alpha ·
    /// s(w)`, the Python implicit library's, whose `alpha × user_items` is the confidence itself.
    pub one_plus: bool,
}

impl FoldIn {
    /// Hu et al.'s fold-in, as shelfwise's own ALS trains: confidence `1 + alpha · scaling(w)`
    /// and a fixed λ (set [`FoldIn::lambda_per_item`] or [`FoldIn::one_plus`] for imported models).
    pub fn new(regularization: f32, alpha: f32, scaling: Scaling) -> Self {
        Self { regularization, alpha, scaling, lambda_per_item: false, one_plus: true }
    }

    /// Fails unless λ and α are finite and >= 0.
    pub fn check(&self) -> Result<()> {
        if !(self.regularization.is_finite() && self.regularization >= 0.0) {
            return Err(Error::param("regularization", Num32(self.regularization), "must be a finite number >= 0"));
        }
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::param("alpha", Num32(self.alpha), "must be a finite number >= 0"));
        }
        Ok(())
    }

    /// The λ of a history of `n` items.
    pub fn lambda(&self, n: usize) -> f64 {
        if self.lambda_per_item {
            self.regularization as f64 * n as f64
        } else {
            self.regularization as f64
        }
    }

    /// The confidence of a history weight, `1 + alpha · scaling(w)`, or `alpha · scaling(w)`
    /// without [`FoldIn::one_plus`] (in f64, as fold-in uses it).
    pub fn confidence(&self, w: f32) -> f64 {
        let scaled = self.alpha as f64 * self.scaling.apply(w) as f64;
        if self.one_plus {
            1.0 + scaled
        } else {
            scaled
        }
    }
}

/// How item factors are stored in a bundle (`shelfwise train recs --quantize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quantization {
    /// 4 bytes per value.
    #[default]
    None,
    /// IEEE half precision in the bundle (2 bytes per value), widened to f32 at load: half the
    /// download, the same scoring speed.
    F16,
    /// One signed byte per value plus one f32 scale per item (about a quarter of the bytes); kept
    /// as int8 in memory and scored with integer dot products; the final candidates are rescored
    /// with the dequantised rows, and rankings equal those of the dequantised rows.
    Int8,
}

impl Quantization {
    /// How the factors are stored, as `inspect` and `info()` say it: `f32`, `f16` or `int8`.
    pub(crate) fn storage_name(self) -> &'static str {
        match self {
            Quantization::None => "f32",
            q => q.name(),
        }
    }
    /// Name used on the command line and in metadata: `none`, `f16` or `int8`.
    pub fn name(self) -> &'static str {
        match self {
            Quantization::None => "none",
            Quantization::F16 => "f16",
            Quantization::Int8 => "int8",
        }
    }
    /// Stable code used in bundles (the `factors` section's storage byte).
    pub fn code(self) -> u8 {
        match self {
            Quantization::None => 0,
            Quantization::Int8 => 1,
            Quantization::F16 => 2,
        }
    }
    /// Inverse of [`Quantization::code`].
    pub(crate) fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(Quantization::None),
            1 => Some(Quantization::Int8),
            2 => Some(Quantization::F16),
            _ => None,
        }
    }
    /// Parses [`Quantization::name`].
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "none" | "f32" => Ok(Quantization::None),
            "f16" => Ok(Quantization::F16),
            "int8" => Ok(Quantization::Int8),
            _ => Err(Error::param("quantize", s, "expected none, f16 or int8")),
        }
    }
}
