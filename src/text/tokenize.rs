//! Tokenisation shared by training and the runtime: Unicode lower-casing, words split at
//! anything that is not a letter, digit or underscore, words of two or more characters (as
//! scikit-learn's default `\b\w\w+\b`), then word n-grams and optional character n-grams.

/// Longest character n-gram a tokenizer may use (bundles with longer ones are refused).
pub const MAX_CHAR_NGRAM: u8 = 8;

/// How text becomes terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tokenizer {
    /// Longest word n-gram (1 = words only).
    pub word_ngrams: u8,
    /// Character n-grams of these lengths inside each padded word (`(0, 0)` = none).
    pub char_ngrams: (u8, u8),
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self { word_ngrams: 2, char_ngrams: (0, 0) }
    }
}

/// Lower-cased words of two or more word characters.
pub fn words(text: &str) -> Vec<String> {
    let lower = super::lower::lowercase(text);
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.chars().nth(1).is_some())
        .map(str::to_owned)
        .collect()
}

impl Tokenizer {
    /// The one rule for valid settings (training, the CLI and the bundle reader all use it): word
    /// n-grams 1 to 3; character n-grams `(0, 0)` (none) or `1 <= min <= max <= MAX_CHAR_NGRAM`.
    pub fn check(&self) -> crate::Result<()> {
        if !(1..=3).contains(&self.word_ngrams) {
            return Err(crate::Error::param("word n-grams", self.word_ngrams, "must be 1–3"));
        }
        let (lo, hi) = self.char_ngrams;
        if (lo, hi) != (0, 0) && !(1 <= lo && lo <= hi && hi <= MAX_CHAR_NGRAM) {
            return Err(crate::Error::param(
                "char n-grams",
                format!("{lo}-{hi}"),
                format!("must be 0-0 (none) or between 1 and {MAX_CHAR_NGRAM}, min <= max"),
            ));
        }
        Ok(())
    }

    /// Every term of `text`, in order, repeats included.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let w = words(text);
        let mut out = Vec::with_capacity(w.len() * self.word_ngrams as usize);
        for n in 1..=self.word_ngrams.max(1) as usize {
            for gram in w.windows(n) {
                out.push(gram.join(" "));
            }
        }
        let (lo, hi) = self.char_ngrams;
        if lo > 0 && hi >= lo {
            for word in &w {
                let chars: Vec<char> = format!(" {word} ").chars().collect();
                for n in lo as usize..=hi as usize {
                    for g in chars.windows(n) {
                        out.push(format!("#{}", g.iter().collect::<String>()));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_words_ngrams_and_char_grams() {
        assert_eq!(
            words("Hornby R3213 'Flying Scotsman' — Ölpumpe, a 1:76 set!"),
            ["hornby", "r3213", "flying", "scotsman", "ölpumpe", "76", "set"]
        );
        let t = Tokenizer { word_ngrams: 2, char_ngrams: (0, 0) };
        assert_eq!(t.terms("Toy Train set"), ["toy", "train", "set", "toy train", "train set"]);
        let c = Tokenizer { word_ngrams: 1, char_ngrams: (3, 3) };
        assert_eq!(c.terms("Lego"), ["lego", "# le", "#leg", "#ego", "#go "]);
        assert!(Tokenizer::default().terms("  ,; ").is_empty());
    }
}
