//! `bundle::merge` on two arbitrary (resealed) bundles: the first byte says where to cut the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else { return };
    let at = (cut as usize * rest.len()) / 255;
    let (mut a, mut b) = (rest[..at].to_vec(), rest[at..].to_vec());
    shelfwise::bundle::reseal(&mut a);
    shelfwise::bundle::reseal(&mut b);
    if let Ok(merged) = shelfwise::bundle::merge(&[("a", &a), ("b", &b)]) {
        // Whatever merges must load as a bundle again.
        shelfwise::bundle::Container::parse(&merged).expect("a merged bundle parses");
    }
});
