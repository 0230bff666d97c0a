//! Text-classifier sections: `meta`, `tfidf` (tokenizer settings, terms, idf) and `textclf`
//! (labels, feature-major weights, intercepts).

use super::codec::{Reader, Writer};
use super::{Container, ContainerWriter, Metadata};
use crate::error::Result;
use crate::text::{TextClassifier, Tfidf, Tokenizer};

/// Serialises a text classifier.
pub fn write(m: &TextClassifier) -> Vec<u8> {
    let mut c = ContainerWriter::new();
    m.meta.write_section(&mut c);
    let mut w = Writer::new();
    write_tfidf(&mut w, &m.tfidf);
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
    let tfidf = read_tfidf(&mut r)?;
    r.finish()?;
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

/// Writes tokenizer settings, terms and idf (shared with the recommender's title index).
pub(crate) fn write_tfidf(w: &mut Writer, t: &Tfidf) {
    let tok = t.tokenizer;
    w.u8(tok.word_ngrams);
    w.u8(tok.char_ngrams.0);
    w.u8(tok.char_ngrams.1);
    w.len(t.terms.len());
    t.terms.iter().for_each(|s| w.str(s));
    w.f32s(&t.idf);
}

/// Reads what [`write_tfidf`] wrote.
pub(crate) fn read_tfidf(r: &mut Reader<'_>) -> Result<Tfidf> {
    let tokenizer = Tokenizer {
        word_ngrams: r.u8("word n-grams")?,
        char_ngrams: (r.u8("char n-gram min")?, r.u8("char n-gram max")?),
    };
    tokenizer.check().map_err(|e| crate::Error::Corrupt(format!("tokenizer settings: {e}")))?;
    let n = r.len(4, "term count")?;
    let mut terms = Vec::with_capacity(n);
    for _ in 0..n {
        terms.push(r.str("term")?);
    }
    let idf = r.f32s("idf")?;
    Tfidf::new(tokenizer, terms, idf)
}
