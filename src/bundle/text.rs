//! Text-classifier sections: `meta`, `tfidf` (tokenizer settings, terms, idf) and `textclf`
//! (labels, feature-major weights, intercepts), each a `Section` with write and read side by side.

use super::codec::{Reader, Writer};
use super::section::{put, require, Section};
use super::{Container, ContainerWriter, Metadata};
use crate::error::Result;
use crate::text::{TextClassifier, Tfidf, Tokenizer};

/// Serialises a text classifier.
pub fn write(m: &TextClassifier) -> Vec<u8> {
    let mut c = ContainerWriter::new();
    m.meta.write_section(&mut c);
    put::<TfidfSection>(&mut c, &m.tfidf);
    put::<TextClf>(&mut c, &(m.labels.clone(), m.weights.clone(), m.bias.clone()));
    c.finish()
}

/// Parses and validates a text-classifier bundle.
pub fn read(bytes: &[u8]) -> Result<TextClassifier> {
    let c = Container::parse(bytes)?;
    let meta = Metadata::read_for(&c, super::ModelKind::Text)?;
    meta.check_family("text")?;
    let tfidf = require!(c, TfidfSection, ());
    let (labels, weights, bias) = require!(c, TextClf, ());
    let mut m = TextClassifier::new(tfidf, labels, weights, bias)?;
    m.meta = meta;
    Ok(m)
}

/// `tfidf`: tokenizer settings, terms and idf (the codec the recommender's title index shares).
struct TfidfSection;

impl Section for TfidfSection {
    const NAME: &'static str = "tfidf";
    type Value = Tfidf;
    type Context = ();
    fn write(t: &Tfidf, w: &mut Writer) {
        write_tfidf(w, t);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Tfidf> {
        read_tfidf(r)
    }
}

/// `textclf`: the labels, then the weights (feature-major) and the intercepts.
struct TextClf;

impl Section for TextClf {
    const NAME: &'static str = "textclf";
    type Value = (Vec<String>, Vec<f32>, Vec<f32>);
    type Context = ();
    fn write((labels, weights, bias): &Self::Value, w: &mut Writer) {
        w.len(labels.len());
        labels.iter().for_each(|s| w.str(s));
        w.f32s(weights);
        w.f32s(bias);
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        let n = r.len(4, "label count")?;
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            labels.push(r.str("label")?);
        }
        Ok((labels, r.f32s("weights")?, r.f32s("intercepts")?))
    }
}

/// Writes tokenizer settings, terms and idf (shared with the recommender's title index).
pub(crate) fn write_tfidf(w: &mut Writer, t: &Tfidf) {
    let tok = t.tokenizer();
    w.u8(tok.word_ngrams);
    w.u8(tok.char_ngrams.0);
    w.u8(tok.char_ngrams.1);
    w.len(t.len());
    t.terms().for_each(|s| w.str(s));
    w.f32s(t.idf());
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
        terms.push(r.str_ref("term")?);
    }
    let idf = r.f32s("idf")?;
    Tfidf::new(tokenizer, &terms, idf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::section::round_trip;

    #[test]
    fn every_section_round_trips() {
        let t = Tfidf::fit(Tokenizer::default(), &["red wooden train", "blue doll", "red doll"], 1).unwrap();
        assert_eq!(round_trip::<TfidfSection>(&t, ()), t);
        let clf = (vec!["Dolls".to_string(), "Trains".into()], vec![0.5, -1.0, 2.0, 0.0], vec![0.1, -0.1]);
        assert_eq!(round_trip::<TextClf>(&clf, ()), clf);
    }
}
