//! The Python implicit library's ALS (`implicit.als.AlternatingLeastSquares`, CPU, 0.5 and
//! later): `model.save(path)` (an `.npz`) or the `item_factors` array saved with `numpy.save`.
//!
//! implicit's `recalculate_user` solves, for a user's row `r` of `user_items`,
//! `(YᵀY + Σ (c_i − 1) y_i y_iᵀ + λI) x = Σ c_i y_i` with `c_i = alpha · r_i`
//! (`_als._least_squares`: the row of `alpha × user_items` is the confidence itself, without
//! Hu et al.'s `1 +`, and λ is not scaled by the history's length). That is shelfwise's fold-in
//! with linear scaling and [`FoldIn::one_plus`] false, so the device reproduces the user factors
//! implicit recalculates from the same history.

use std::io::Read;
use std::path::Path;

use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar};

use super::{shop_ids, ImportTables, ImportedFactors};
use crate::error::{Error, Result};
use crate::num_text::Num32;
use crate::recs::{FoldIn, Scaling};

/// The parameters of implicit's ALS that fold-in needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImplicitAlsParams {
    /// `regularization` (implicit's default 0.01).
    pub regularization: f32,
    /// `alpha` (implicit's default 1.0): confidence is `alpha` times the `user_items` value.
    pub alpha: f32,
}

impl ImplicitAlsParams {
    /// Fails unless λ is finite and >= 0 and α finite and > 0.
    pub fn check(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(Error::param("alpha", Num32(self.alpha), "must be a finite number > 0"));
        }
        self.fold_in().check()
    }

    fn fold_in(&self) -> FoldIn {
        FoldIn { one_plus: false, ..FoldIn::new(self.regularization, self.alpha, Scaling::Linear) }
    }
}

/// A row-major matrix of `f32` read from a `.npy` array (f32 or f64, C or Fortran order).
#[derive(Debug, Clone, PartialEq)]
pub struct NpyMatrix {
    /// Rows (items, or users).
    pub rows: usize,
    /// Columns (factors).
    pub cols: usize,
    /// `rows × cols` values, row after row.
    pub values: Vec<f32>,
}

/// What `model.save(path)` wrote: the item factors and, when present, the parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedAls {
    /// `item_factors`.
    pub item_factors: NpyMatrix,
    /// `regularization`, when saved.
    pub regularization: Option<f32>,
    /// `alpha`, when saved (implicit 0.5 and later).
    pub alpha: Option<f32>,
}

impl SavedAls {
    /// Reads an `.npz` written by implicit's `model.save` (`numpy.savez`, stored or deflated).
    /// A BPR or logistic-MF model is refused: fold-in solves ALS's equations only.
    pub fn read(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut zip =
            zip::ZipArchive::new(file).map_err(|e| Error::file(path, format!("not an .npz (zip) file: {e}")))?;
        if zip.index_for_name("learning_rate.npy").is_some() {
            return Err(Error::file(
                path,
                "holds a BPR or logistic matrix factorisation model (it has a learning_rate): only \
                 AlternatingLeastSquares is imported, whose fold-in solves ALS's equations",
            ));
        }
        let mut entry = |name: &str| -> Result<Option<Vec<u8>>> {
            if zip.index_for_name(name).is_none() {
                return Ok(None);
            }
            let f = zip.by_name(name).map_err(|e| Error::file(path, format!("{name}: {e}")))?;
            read_bounded(f, &format!("{}: {name}", path.display())).map(Some)
        };
        let factors = entry("item_factors.npy")?
            .ok_or_else(|| Error::file(path, "holds no item_factors: not a model implicit's save wrote"))?;
        let item_factors = matrix(&factors, &format!("{}: item_factors", path.display()))?;
        let number = |bytes: Option<Vec<u8>>, name: &str| -> Result<Option<f32>> {
            bytes.map(|b| scalar(&b, &format!("{}: {name}", path.display()))).transpose()
        };
        let regularization = number(entry("regularization.npy")?, "regularization")?;
        let alpha = number(entry("alpha.npy")?, "alpha")?;
        Ok(Self { item_factors, regularization, alpha })
    }
}

/// Reads a 2-D `.npy` array of factors (`numpy.save(path, model.item_factors)`).
pub fn read_npy_matrix(path: &Path) -> Result<NpyMatrix> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    matrix(&read_bounded(file, &path.display().to_string())?, &path.display().to_string())
}

/// Item factors with the shop's ids (`item_ids`: columns `index` and `item`, or `item` alone
/// in row order, read as `tables` says; without it the row numbers are the ids), folded in as
/// implicit recalculates a user.
pub fn imported(
    factors: NpyMatrix,
    params: ImplicitAlsParams,
    item_ids: Option<&Path>,
    tables: &mut ImportTables,
) -> Result<ImportedFactors> {
    params.check()?;
    let rows: Vec<i64> = (0..factors.rows as i64).collect();
    let ids = shop_ids(item_ids, &rows, tables)?;
    let described = vec![
        ("regularization", params.regularization.to_string()),
        ("alpha", params.alpha.to_string()),
        ("scaling", "linear".to_string()),
        ("confidence", "alpha × weight (implicit's, without 1 +)".to_string()),
        ("trained_by", "implicit AlternatingLeastSquares (imported)".to_string()),
    ];
    ImportedFactors::new(ids, factors.values, factors.cols, params.fold_in(), described)
}

/// All of `reader`, up to the memory budget (a compressed entry may claim any size).
fn read_bounded(reader: impl Read, what: &str) -> Result<Vec<u8>> {
    let budget = crate::data::default_memory_budget();
    let mut bytes = Vec::new();
    reader.take(budget.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| Error::file(what, e))?;
    if bytes.len() as u64 > budget {
        return Err(Error::file(what, format!("is larger than the memory budget of {budget} bytes")));
    }
    Ok(bytes)
}

/// The longest `.npy` header read, and how deeply its literal may nest: numpy writes a dict of
/// `descr`, `fortran_order` and `shape` in about 128 bytes, two levels deep; the header parser
/// backtracks on deep nesting (363 bytes of `[` took minutes: found by the `implicit` fuzz target).
const MAX_HEADER: usize = 1 << 16;
const MAX_NESTING: usize = 8;

/// Fails unless the header after the magic and version is at most [`MAX_HEADER`] bytes and
/// nests at most [`MAX_NESTING`] brackets deep (before it is parsed).
fn check_header(bytes: &[u8], what: &str) -> Result<()> {
    let not_npy = |why: &str| Error::file(what, format!("not an .npy array: {why}"));
    if bytes.len() < 10 || !bytes.starts_with(b"\x93NUMPY") {
        return Err(not_npy("no NUMPY magic"));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(not_npy(&format!("format version {v}"))),
    };
    if len > MAX_HEADER {
        return Err(not_npy(&format!("a header of {len} bytes (at most {MAX_HEADER})")));
    }
    let header = &bytes[start..(start + len).min(bytes.len())];
    let mut depth = 0usize;
    for b in header {
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > MAX_NESTING {
            return Err(not_npy(&format!("its header nests deeper than {MAX_NESTING} brackets")));
        }
    }
    Ok(())
}

/// The header and the data bytes of an `.npy`, checked to hold exactly the values it declares.
fn parse<'b>(bytes: &'b [u8], what: &str) -> Result<(NpyFile<&'b [u8]>, DType)> {
    check_header(bytes, what)?;
    let mut rest = bytes;
    let header = NpyHeader::from_reader(&mut rest).map_err(|e| Error::file(what, format!("not an .npy array: {e}")))?;
    let npy = NpyFile::with_header(header, rest);
    let dtype = npy.dtype();
    let size = dtype.num_bytes().filter(|_| !npy.uses_pickled_array());
    let expected = size.and_then(|s| npy.len().checked_mul(s as u64));
    if expected != Some(rest.len() as u64) {
        return Err(Error::file(
            what,
            format!("holds {} data bytes where its header declares {:?} of {}", rest.len(), npy.shape(), dtype.descr()),
        ));
    }
    Ok((npy, dtype))
}

/// A 2-D float array as a row-major `f32` matrix.
fn matrix(bytes: &[u8], what: &str) -> Result<NpyMatrix> {
    let (npy, dtype) = parse(bytes, what)?;
    let (rows, cols) = match *npy.shape() {
        [r, c] => (r as usize, c as usize),
        ref s => return Err(Error::file(what, format!("has shape {s:?}: factors are a 2-D array (items × factors)"))),
    };
    let order = npy.order();
    let not_float = || Error::file(what, format!("has dtype {}: factors must be float32 or float64", dtype.descr()));
    let mut values: Vec<f32> = match &dtype {
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 4 => {
            npy.into_vec::<f32>().map_err(|e| Error::file(what, e))?
        }
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 8 => {
            npy.into_vec::<f64>().map_err(|e| Error::file(what, e))?.into_iter().map(|v| v as f32).collect()
        }
        _ => return Err(not_float()),
    };
    if rows.checked_mul(cols) != Some(values.len()) {
        return Err(Error::file(what, format!("shape ({rows}, {cols}) does not hold its {} values", values.len())));
    }
    if order == Order::Fortran {
        values = (0..rows * cols).map(|i| values[(i % cols) * rows + i / cols]).collect();
    }
    if let Some(at) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::file(
            what,
            format!("row {}, factor {}: {} is not a finite number", at / cols.max(1), at % cols.max(1), values[at]),
        ));
    }
    Ok(NpyMatrix { rows, cols, values })
}

/// A 0-D number (`regularization`, `alpha`) as `f32`.
fn scalar(bytes: &[u8], what: &str) -> Result<f32> {
    let (npy, dtype) = parse(bytes, what)?;
    let one = |v: Vec<f64>| v.first().copied().filter(|_| v.len() == 1);
    let value = match &dtype {
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 8 => {
            one(npy.into_vec::<f64>().map_err(|e| Error::file(what, e))?)
        }
        DType::Plain(t) if t.type_char() == TypeChar::Float && t.size_field() == 4 => {
            one(npy.into_vec::<f32>().map_err(|e| Error::file(what, e))?.into_iter().map(f64::from).collect())
        }
        DType::Plain(t) if t.type_char() == TypeChar::Int && t.size_field() == 8 => {
            one(npy.into_vec::<i64>().map_err(|e| Error::file(what, e))?.into_iter().map(|v| v as f64).collect())
        }
        _ => None,
    };
    value.map(|v| v as f32).ok_or_else(|| Error::file(what, format!("is not one number ({})", dtype.descr())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `.npy` (format 1.0) of `values` with `descr` and `shape`, as numpy writes it.
    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Vec<u8> {
        let dict = format!(
            "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape}, }}",
            if fortran { "True" } else { "False" }
        );
        let mut header = dict.into_bytes();
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(b' ');
        }
        header.push(b'\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend((header.len() as u16).to_le_bytes());
        out.extend(header);
        out.extend(data);
        out
    }

    fn f32s(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn matrices_read_in_either_order_and_precision() {
        let c = matrix(&npy("<f4", false, "(2, 3)", &f32s(&[1., 2., 3., 4., 5., 6.])), "c").unwrap();
        assert_eq!(c, NpyMatrix { rows: 2, cols: 3, values: vec![1., 2., 3., 4., 5., 6.] });
        let f = matrix(&npy("<f4", true, "(2, 3)", &f32s(&[1., 4., 2., 5., 3., 6.])), "f").unwrap();
        assert_eq!(f, c, "Fortran order is transposed into rows");
        let wide: Vec<u8> = [1f64, 2., 3., 4., 5., 6.].iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(matrix(&npy("<f8", false, "(2, 3)", &wide), "d").unwrap(), c);
        assert_eq!(scalar(&npy("<f8", false, "()", &0.25f64.to_le_bytes()), "s").unwrap(), 0.25);
        assert_eq!(scalar(&npy("<i8", false, "()", &7i64.to_le_bytes()), "s").unwrap(), 7.0);
    }

    #[test]
    fn malformed_arrays_are_errors_naming_the_array() {
        let short = npy("<f4", false, "(1000000, 64)", &f32s(&[1.0; 4]));
        let e = matrix(&short, "item_factors").unwrap_err().to_string();
        assert!(e.contains("item_factors") && e.contains("16 data bytes"), "{e}");
        let e = matrix(&npy("<i4", false, "(1, 1)", &1i32.to_le_bytes()), "m").unwrap_err().to_string();
        assert!(e.contains("float32 or float64"), "{e}");
        let e = matrix(&npy("<f4", false, "(2,)", &f32s(&[1., 2.])), "m").unwrap_err().to_string();
        assert!(e.contains("2-D"), "{e}");
        let e = matrix(&npy("<f4", false, "(1, 2)", &f32s(&[1., f32::NAN])), "m").unwrap_err().to_string();
        assert!(e.contains("row 0, factor 1"), "{e}");
        assert!(matrix(b"PK\x03\x04 not numpy", "m").is_err());
        // Deep nesting in the header literal is refused before the parser sees it.
        let mut deep = b"\x93NUMPY\x01\x00".to_vec();
        let text = format!("{{'descr': '<f4',{}", "[".repeat(300));
        deep.extend((text.len() as u16).to_le_bytes());
        deep.extend(text.as_bytes());
        let e = matrix(&deep, "m").unwrap_err().to_string();
        assert!(e.contains("nests deeper"), "{e}");
        let e = scalar(&npy("<f8", false, "(2,)", &[0u8; 16]), "alpha").unwrap_err().to_string();
        assert!(e.contains("not one number"), "{e}");
    }

    #[test]
    fn parameters_are_checked() {
        assert!(ImplicitAlsParams { regularization: 0.01, alpha: 1.0 }.check().is_ok());
        assert!(ImplicitAlsParams { regularization: 0.01, alpha: 0.0 }.check().is_err());
        assert!(ImplicitAlsParams { regularization: f32::NAN, alpha: 1.0 }.check().is_err());
    }
}
