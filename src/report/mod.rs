//! Self-contained HTML reports: one file with its charts as inline SVG and its style as one
//! inline `<style>` block, no script and no request, readable offline and under a strict
//! Content-Security-Policy (the page carries its own: `default-src 'none'`, the style allowed
//! by its SHA-256 hash).
//!
//! A [`Report`] is a list of blocks (headings, paragraphs, key figures, tables, charts); the
//! per-task builders ([`recs`], [`propensity`], [`text`], [`experiment`]) fill one from an
//! evaluation. Charts are drawn by `plotters` into SVG (`chart.rs`).

pub(crate) mod chart;
pub mod experiment;
pub mod propensity;
pub mod recs;
pub mod text;

use base64::Engine;
use sha2::{Digest, Sha256};

pub use chart::Chart;

/// The one style block (its hash goes into the page's CSP).
const STYLE: &str = "\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1040px;padding:24px;color:#1d2330;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #dde1e8;padding-bottom:4px}
p.sub{color:#5b6474;margin:0 0 16px}p.note{color:#5b6474;font-size:13px}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}.figure{border:1px solid #dde1e8;border-radius:6px;padding:8px 12px;min-width:110px}
.figure b{display:block;font-size:20px}.figure span{color:#5b6474;font-size:12px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{padding:4px 10px;border-bottom:1px solid #e8ebf0;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f5f7fa}
figure{margin:12px 0}figure svg{max-width:100%;height:auto;border:1px solid #e8ebf0;border-radius:6px}
figcaption{color:#5b6474;font-size:13px;margin-top:4px}
@media (max-width:600px){body{padding:12px}table{font-size:12px}}";

/// One part of a report, in order.
#[derive(Debug, Clone)]
enum Block {
    Heading(String),
    Paragraph(String),
    Note(String),
    Figures(Vec<(String, String)>),
    Table { header: Vec<String>, rows: Vec<Vec<String>> },
    Chart { svg: String, caption: String },
}

/// A report being assembled; [`Report::to_html`] renders it.
#[derive(Debug, Clone)]
pub struct Report {
    title: String,
    subtitle: String,
    blocks: Vec<Block>,
}

impl Report {
    /// A report with a title and a one-line description under it.
    pub fn new(title: impl Into<String>, subtitle: impl Into<String>) -> Self {
        Self { title: title.into(), subtitle: subtitle.into(), blocks: Vec::new() }
    }

    /// A section heading.
    pub(crate) fn heading(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    /// A paragraph of plain text.
    pub(crate) fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// A small grey paragraph: definitions, caveats.
    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Note(text.into()));
        self
    }

    /// A row of key figures, `(value, what it is)`.
    pub fn figures(&mut self, figures: Vec<(String, String)>) -> &mut Self {
        self.blocks.push(Block::Figures(figures));
        self
    }

    /// A table; the first column is left-aligned, the others right-aligned.
    pub fn table(&mut self, header: Vec<String>, rows: Vec<Vec<String>>) -> &mut Self {
        self.blocks.push(Block::Table { header, rows });
        self
    }

    /// A drawn chart with a caption.
    pub fn chart(&mut self, chart: Chart, caption: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Chart { svg: chart.into_svg(), caption: caption.into() });
        self
    }

    /// How many charts the report holds.
    pub fn charts(&self) -> usize {
        self.blocks.iter().filter(|b| matches!(b, Block::Chart { .. })).count()
    }

    /// The page: HTML5 with its own CSP, inline style, inline SVG; nothing fetched.
    pub fn to_html(&self) -> String {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
        let mut out = String::with_capacity(64 * 1024);
        out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{hash}'; \
             img-src data:; base-uri 'none'; form-action 'none'\">\n"
        ));
        out.push_str(&format!("<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n", escape(&self.title)));
        out.push_str(&format!("<h1>{}</h1>\n<p class=\"sub\">{}</p>\n", escape(&self.title), escape(&self.subtitle)));
        for b in &self.blocks {
            render_block(b, &mut out);
        }
        out.push_str("</body>\n</html>\n");
        out
    }
}

fn render_block(b: &Block, out: &mut String) {
    match b {
        Block::Heading(t) => out.push_str(&format!("<h2>{}</h2>\n", escape(t))),
        Block::Paragraph(t) => out.push_str(&format!("<p>{}</p>\n", escape(t))),
        Block::Note(t) => out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(t))),
        Block::Figures(fs) => {
            out.push_str("<div class=\"figures\">");
            for (v, what) in fs {
                out.push_str(&format!("<div class=\"figure\"><b>{}</b><span>{}</span></div>", escape(v), escape(what)));
            }
            out.push_str("</div>\n");
        }
        Block::Table { header, rows } => {
            out.push_str("<table><thead><tr>");
            header.iter().for_each(|h| out.push_str(&format!("<th>{}</th>", escape(h))));
            out.push_str("</tr></thead><tbody>");
            for r in rows {
                out.push_str("<tr>");
                r.iter().for_each(|c| out.push_str(&format!("<td>{}</td>", escape(c))));
                out.push_str("</tr>");
            }
            out.push_str("</tbody></table>\n");
        }
        Block::Chart { svg, caption } => {
            out.push_str(&format!("<figure>{svg}<figcaption>{}</figcaption></figure>\n", escape(caption)))
        }
    }
}

/// Text for HTML element content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for a table cell: four decimals, or an integer as is.
pub fn num(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_hashes_its_style() {
        let mut r = Report::new("a <b> & \"c\"", "sub");
        r.paragraph("<script>alert(1)</script>").table(vec!["x'".into()], vec![vec!["<i>".into()]]);
        let html = r.to_html();
        assert!(!html.contains("<script>") && !html.contains("<i>"));
        assert!(
            html.contains("&lt;script&gt;")
                && html.contains("x&#39;")
                && html.contains("a &lt;b&gt; &amp; &quot;c&quot;")
        );
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
        assert!(html.contains(&format!("style-src 'sha256-{hash}'")));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
    }

    #[test]
    fn numbers_read_plainly() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.123456), "0.1235");
        assert_eq!(num(f64::NAN), "NaN");
    }
}
