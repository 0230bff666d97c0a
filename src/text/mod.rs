//! Product text: tokenizer, TF-IDF and a softmax classifier (shared by training and runtime).

pub mod classifier;
pub mod lower;
mod lower_tables;
pub mod tfidf;
pub mod tokenize;

pub use classifier::{Classification, LabelScore, TextClassifier};
pub use tfidf::Tfidf;
pub use tokenize::{Tokenizer, MAX_CHAR_NGRAM};
