//! Every bundle entry point on arbitrary bytes, then every query method on whatever loads; the
//! bytes also go to `update_catalog` of the merchandising fixture (a seed is its committed
//! update), which must either change it into a model that answers or leave it as it was.
//! The input's declared length and checksum are rewritten first (`bundle::reseal`): otherwise
//! almost every mutation fails the checksum and the section decoders are never reached.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shelfwise::propensity::{Propensity, Value};
use shelfwise::recs::{RecommendOptions, Recommender, TextQuery};
use shelfwise::text::TextClassifier;

/// The model updates are applied to (its catalogue update is a seed).
const MERCH: &[u8] = include_bytes!("../../tests/fixtures/tiny-merch.bundle");

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    shelfwise::bundle::reseal(&mut bytes);
    let _ = shelfwise::bundle::describe(&bytes);
    if let Ok(rec) = Recommender::from_bytes(&bytes) {
        query_recommender(&rec);
    }
    if let Ok(p) = Propensity::from_bytes(&bytes) {
        let fields: Vec<String> = p.schema().fields.iter().map(|f| f.name.clone()).collect();
        let record: Vec<(&str, Value)> =
            fields.iter().enumerate().map(|(i, f)| (f.as_str(), if i % 2 == 0 { Value::Number(1.5) } else { Value::Text("x".into()) })).collect();
        let _ = p.score(&record);
        let _ = p.explain(&record);
        let _ = p.score(&[]);
    }
    let mut merch = Recommender::from_bytes(MERCH).expect("the committed fixture loads");
    match merch.update_catalog(&bytes) {
        Ok(()) => query_recommender(&merch),
        Err(_) => assert!(merch.to_bytes() == MERCH, "a refused update left the model changed"),
    }
    if let Ok(t) = TextClassifier::from_bytes(&bytes) {
        let _ = t.classify("red wooden train set");
        let _ = t.classify("");
    }
});

fn query_recommender(rec: &Recommender) {
    let n = rec.items().len().min(5) as u32;
    let ids: Vec<String> = (0..n).map(|i| rec.items().id(i).to_string()).collect();
    let history: Vec<(&str, f32)> = ids.iter().map(|s| (s.as_str(), 1.0)).chain([("no-such-item", 2.0)]).collect();
    let opts = RecommendOptions::top(7);
    let _ = rec.recommend(&history, &opts);
    let _ = rec.recommend::<&str>(&[], &opts);
    let _ = rec.popular(&opts);
    let _ = rec.trending(&opts);
    let _ = rec.bought_together(&ids, &opts);
    let _ = rec.for_session(&ids, &opts);
    let _ = rec.similar_by_text(TextQuery::Text("red train"), &opts);
    let _ = rec.info();
    for id in &ids {
        let _ = rec.similar(id, &opts);
        let _ = rec.similar_by_text(TextQuery::Item(id), &opts);
    }
    for i in 0..n {
        let _ = rec.entry(i);
    }
}
