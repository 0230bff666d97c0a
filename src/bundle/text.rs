//! Text-classifier sections: `meta`, `tfidf` (tokenizer settings, terms, idf) and `textclf`
//! (labels, feature-major weights, intercepts).

use super::codec::Writer;
use super::{Container, ContainerWriter, Metadata};
use crate::error::Result;
use crate::text::{TextClassifier, Tfidf, Tokenizer};

/// Serialises a text classifier.
pub fn write(m: &TextClassifier) -> Vec<u8> {
    let mut c = ContainerWriter::new();
    m.meta.write_section(&mut c);
    let mut w = Writer::new();
    let t = m.tfidf.tokenizer;
    w.u8(t.word_ngrams);
    w.u8(t.char_ngrams.0);
    w.u8(t.char_ngrams.1);
    w.len(m.tfidf.terms.len());
    m.tfidf.terms.iter().for_each(|s| w.str(s));
    w.f32s(&m.tfidf.idf);
    c.section("tfidf", w.into_bytes());
    let mut w = Writer::new();
    w.len(m.labels.len());
    m.labels.iter().for_each(|s| w.str(s));
    w.f32s(&m.weights);
    w.f32s(&m.bias);
    c.section("textclf", w.into_bytes());
    c.finish()
}

/// Parses and validates a text-classifier bundle.
pub fn read(bytes: &[u8]) -> Result<TextClassifier> {
    let c = Container::parse(bytes)?;
    let meta = Metadata::read_for(&c, super::ModelKind::Text)?;
    meta.check_family("text")?;
    let mut r = c.require("tfidf")?;
    let tokenizer = Tokenizer { word_ngrams: r.u8("word n-grams")?, char_ngrams: (r.u8("char n-gram min")?, r.u8("char n-gram max")?) };
    let n = r.len(4, "term count")?;
    let mut terms = Vec::with_capacity(n);
    for _ in 0..n {
        terms.push(r.str("term")?);
    }
    let idf = r.f32s("idf")?;
    r.finish()?;
    let tfidf = Tfidf::new(tokenizer, terms, idf)?;
    let mut r = c.require("textclf")?;
    let n = r.len(4, "label count")?;
    let mut labels = Vec::with_capacity(n);
    for _ in 0..n {
        labels.push(r.str("label")?);
    }
    let weights = r.f32s("weights")?;
    let bias = r.f32s("intercepts")?;
    r.finish()?;
    let mut m = TextClassifier::new(tfidf, labels, weights, bias)?;
    m.meta = meta;
    Ok(m)
}
