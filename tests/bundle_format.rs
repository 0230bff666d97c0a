//! The bundle reader rejects every malformed input with a typed error and never panics.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use proptest::prelude::*;
use shelfwise::bundle::{FORMAT_VERSION, MAGIC};
use shelfwise::recs::Recommender;
use shelfwise::train::{train_recommender, AlsParams, EaseParams, ModelChoice};
use shelfwise::Error;

fn bundles() -> Vec<Vec<u8>> {
    let data = common::clustered_shop();
    vec![
        train_recommender(&data, &ModelChoice::Als(AlsParams::new().factors(4).iterations(3).threads(1)), None)
            .unwrap()
            .to_bytes(),
        train_recommender(&data, &ModelChoice::Ease(EaseParams::new().threads(1)), None).unwrap().to_bytes(),
        train_recommender(&data, &ModelChoice::Popular, None).unwrap().to_bytes(),
    ]
}

#[test]
fn round_trip_preserves_the_model() {
    for b in bundles() {
        let r = Recommender::from_bytes(&b).unwrap();
        assert_eq!(r.to_bytes(), b);
        assert_eq!(r.items().len(), 21);
    }
}

#[test]
fn truncated_bundle_is_a_truncation_error() {
    for b in bundles() {
        for cut in [0, 7, 8, 23, 30, b.len() / 2, b.len() - 1] {
            let e = Recommender::from_bytes(&b[..cut]).unwrap_err();
            assert!(matches!(e, Error::Truncated { .. } | Error::BadMagic { .. }), "cut {cut}: {e}");
        }
        let e = Recommender::from_bytes(&b[..b.len() - 10]).unwrap_err();
        assert!(e.to_string().starts_with("truncated bundle"), "{e}");
    }
}

#[test]
fn bit_flip_is_a_checksum_error() {
    for b in bundles() {
        for pos in [40, b.len() / 3, b.len() / 2, b.len() - 5] {
            let mut c = b.clone();
            c[pos] ^= 0x10;
            let e = Recommender::from_bytes(&c).unwrap_err();
            assert!(matches!(e, Error::ChecksumMismatch { .. } | Error::Corrupt(_)), "flip at {pos}: {e}");
        }
    }
}

#[test]
fn wrong_version_and_wrong_magic_are_named() {
    let mut b = bundles().remove(0);
    b[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let e = Recommender::from_bytes(&b).unwrap_err();
    assert_eq!(e, Error::UnsupportedVersion { found: FORMAT_VERSION + 1, supported: FORMAT_VERSION });
    assert!(e.to_string().contains(&format!("version {FORMAT_VERSION}")), "{e}");
    let e = Recommender::from_bytes(b"PK\x03\x04 not a bundle").unwrap_err();
    assert!(matches!(e, Error::BadMagic { .. }), "{e}");
    assert!(e.to_string().contains("SHLFWISE"));
    assert_eq!(&b[..8], MAGIC);
}

#[test]
fn bundle_holds_no_user_ids() {
    let data = common::clustered_shop();
    for b in bundles() {
        for u in data.users() {
            let needle = u.as_bytes();
            assert!(!b.windows(needle.len()).any(|w| w == needle), "user id {u} found in bundle");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Recommender::from_bytes(&bytes);
    }

    #[test]
    fn mutated_bundles_never_panic(pos in 0usize..10_000, val in any::<u8>(), fix_crc in any::<bool>()) {
        let mut b = bundles().remove(1);
        let p = pos % b.len();
        b[p] = val;
        if fix_crc {
            // Recompute the checksum so the structural validation is exercised, not just the checksum.
            let n = b.len() - 4;
            let sum = shelfwise::bundle::checksum::checksum(&b[..n]);
            b[n..].copy_from_slice(&sum.to_le_bytes());
        }
        let _ = Recommender::from_bytes(&b);
    }
}
