//! `import implicit` on arbitrary file contents: the `.npz` reader (zip, then each array's
//! header and data) and the `.npy` reader, and a model from whatever they accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfwise::recs::RecommendOptions;
use shelfwise::train::import::implicit::{imported, read_npy_matrix};
use shelfwise::train::import::{ImplicitAlsParams, SavedAls};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("shelfwise-fuzz-implicit-{}.npz", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let params = ImplicitAlsParams { regularization: 0.1, alpha: 2.0 };
    let matrices = [SavedAls::read(&path).map(|s| s.item_factors), read_npy_matrix(&path)];
    for m in matrices.into_iter().flatten() {
        // Rows are checked finite and the rank bounded; the model must load or fail cleanly.
        if let Ok(rec) = imported(m, params, None, &mut Default::default()).and_then(|f| f.recommender(None, None)) {
            let _ = rec.recommend(&[("0", 1.0), ("1", 0.25)], &RecommendOptions::top(5));
        }
    }
});
