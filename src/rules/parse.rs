//! Text → syntax tree: a hand-written lexer and a precedence-climbing parser, with the byte
//! position of every node for error messages. Bounded: rules longer than [`MAX_LEN`] bytes or
//! nested deeper than [`MAX_DEPTH`] are errors, never a stack overflow.

use super::RuleError;

/// Longest rule text accepted.
pub const MAX_LEN: usize = 4096;
/// Deepest nesting of parentheses and operators accepted.
pub const MAX_DEPTH: usize = 64;

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_read_exactly_where_shops_write_them() {
        for s in ["0", "12", "12.5", "0.3", ".5", "1e3", "2.5E-2", "19.99", "123456789.123"] {
            assert_eq!(crate::num_text::parse_f64(s), s.parse::<f64>().ok(), "{s}");
        }
        assert_eq!(crate::num_text::parse_f64("1.2.3"), None);
        assert_eq!(crate::num_text::parse_f64("."), None);
        assert!(super::lex("1e999").is_err());
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    /// A duration literal, in seconds (`14d`).
    Dur(f64),
    Str(String),
    Ident(String),
    Param(String),
    Op(&'static str),
    End,
}

/// A syntax tree node and where it starts in the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub pos: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Num(f64),
    Dur(f64),
    Str(String),
    Bool(bool),
    Now,
    Attr(String),
    Param(String),
    List(Vec<Expr>),
    Unary(&'static str, Box<Expr>),
    Binary(&'static str, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

const OPS: [&str; 22] = [
    "&&", "||", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "?", ":", "(", ")", "[", "]", ",", "=", "&",
];

/// Seconds per duration unit.
fn unit_seconds(u: char) -> Option<f64> {
    Some(match u {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86_400.0,
        'w' => 604_800.0,
        _ => return None,
    })
}

/// `text` from byte `i` on (empty past its end). The lexer moves by whole characters, so `i` is
/// a character boundary; `get` instead of slicing keeps a panic path out of the wasm all the same.
fn at(text: &str, i: usize) -> &str {
    text.get(i..).unwrap_or("")
}

/// Splits `text` into tokens with their byte positions.
pub(crate) fn lex(text: &str) -> Result<Vec<(usize, Tok)>, RuleError> {
    if text.len() > MAX_LEN {
        return Err(RuleError::at(MAX_LEN, format!("a rule may be at most {MAX_LEN} bytes long")));
    }
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let (tok, end) = number(text, start)?;
            out.push((start, tok));
            i = end;
            continue;
        }
        if c == b'"' || c == b'\'' {
            let (s, end) = string_literal(text, i)?;
            out.push((start, Tok::Str(s)));
            i = end;
            continue;
        }
        if c == b'`' {
            let end = at(text, i + 1).find('`').ok_or_else(|| RuleError::at(i, "unclosed `quoted name`"))? + i + 1;
            out.push((start, Tok::Ident(text.get(i + 1..end).unwrap_or("").to_string())));
            i = end + 1;
            continue;
        }
        let first = at(text, i).chars().next().unwrap_or(' ');
        if c == b'$' || first.is_alphabetic() || c == b'_' {
            i += first.len_utf8();
            while let Some(ch) =
                at(text, i).chars().next().filter(|ch| ch.is_alphanumeric() || *ch == '_' || *ch == '.')
            {
                i += ch.len_utf8();
            }
            let word = text.get(start..i).unwrap_or("");
            out.push((
                start,
                if c == b'$' { Tok::Param(at(word, 1).to_string()) } else { Tok::Ident(word.to_string()) },
            ));
            if c == b'$' && word.len() == 1 {
                return Err(RuleError::at(start, "'$' must be followed by a parameter name"));
            }
            continue;
        }
        match OPS.iter().find(|op| at(text, i).starts_with(**op)) {
            Some(&"=") => return Err(RuleError::at(i, "'=' is not an operator here: compare with '=='")),
            Some(&"&") => return Err(RuleError::at(i, "'&' is not an operator here: use '&&'")),
            Some(op) => {
                out.push((start, Tok::Op(op)));
                i += op.len();
            }
            None => {
                let ch = at(text, i).chars().next().unwrap_or('?');
                return Err(RuleError::at(i, format!("unexpected character '{ch}'")));
            }
        }
    }
    out.push((text.len(), Tok::End));
    Ok(out)
}

/// A number starting at `start` (digits, a point, an exponent such as `1e-3`), or a duration
/// when a unit letter follows (`30s`, `15m`, `12h`, `14d`, `2w`): the token and the position
/// after it.
fn number(text: &str, start: usize) -> Result<(Tok, usize), RuleError> {
    let b = text.as_bytes();
    let mut i = start;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len()
        && (b[i] == b'e' || b[i] == b'E')
        && b.get(i + 1).is_some_and(|d| d.is_ascii_digit() || *d == b'-' || *d == b'+')
    {
        i += 2;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
    }
    let digits = text.get(start..i).unwrap_or("");
    let v = crate::num_text::parse_f64(digits)
        .filter(|v| v.is_finite())
        .ok_or_else(|| RuleError::at(start, format!("'{digits}' is not a number")))?;
    let unit = at(text, i).chars().next().filter(char::is_ascii_alphabetic);
    match unit.map(|u| (u, unit_seconds(u))) {
        Some((_, Some(s))) if !at(text, i + 1).starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') => {
            Ok((Tok::Dur(v * s), i + 1))
        }
        Some(_) => Err(RuleError::at(i, "a number is followed by a letter: durations are 30s, 15m, 12h, 14d or 2w")),
        None => Ok((Tok::Num(v), i)),
    }
}

/// A quoted string starting at `start` with `\"`, `\'` and `\\` escapes: its value and the
/// position after the closing quote.
fn string_literal(text: &str, start: usize) -> Result<(String, usize), RuleError> {
    let quote = text.as_bytes()[start] as char;
    let mut s = String::new();
    let mut chars = at(text, start + 1).char_indices();
    while let Some((j, ch)) = chars.next() {
        match ch {
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\'' | '\\'))) => s.push(e),
                _ => return Err(RuleError::at(start + 1 + j, "unknown escape: use \\\", \\' or \\\\")),
            },
            c if c == quote => return Ok((s, start + 1 + j + 1)),
            c => s.push(c),
        }
    }
    Err(RuleError::at(start, "unclosed string"))
}

/// Parses a whole rule.
pub(crate) fn parse(text: &str) -> Result<Expr, RuleError> {
    let toks = lex(text)?;
    let mut p = Parser { toks, at: 0, depth: 0 };
    if matches!(p.peek(), Tok::End) {
        return Err(RuleError::at(0, "the rule is empty"));
    }
    let e = p.expr()?;
    match p.peek() {
        Tok::End => Ok(e),
        t => Err(RuleError::at(p.pos(), format!("unexpected {} after a complete expression", describe(t)))),
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(v) => format!("number {}", crate::num_text::Num(*v)),
        Tok::Dur(_) => "duration".into(),
        Tok::Str(s) => format!("string {}", crate::error::Quoted(s)),
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Param(s) => format!("'${s}'"),
        Tok::Op(o) => format!("'{o}'"),
        Tok::End => "end of rule".into(),
    }
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    at: usize,
    depth: usize,
}

/// Binary operators by precedence, loosest first.
const LEVELS: [&[&str]; 5] = [&["||"], &["&&"], &["==", "!=", "<", "<=", ">", ">=", "in"], &["+", "-"], &["*", "/"]];

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at].1
    }
    fn pos(&self) -> usize {
        self.toks[self.at].0
    }
    fn next(&mut self) -> (usize, Tok) {
        let t = self.toks[self.at].clone();
        self.at = (self.at + 1).min(self.toks.len() - 1);
        t
    }
    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Tok::Op(o) if *o == op) {
            self.next();
            true
        } else {
            false
        }
    }
    fn expect(&mut self, op: &str, context: &str) -> Result<(), RuleError> {
        if self.eat(op) {
            return Ok(());
        }
        Err(RuleError::at(self.pos(), format!("expected '{op}' {context}, found {}", describe(self.peek()))))
    }
    fn deeper(&mut self) -> Result<(), RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(RuleError::at(self.pos(), format!("the rule nests deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    /// `cond ? a : b`, the loosest form (right-associative).
    fn expr(&mut self) -> Result<Expr, RuleError> {
        self.deeper()?;
        let cond = self.binary(0)?;
        let e = if self.eat("?") {
            let yes = self.expr()?;
            self.expect(":", "between the branches of '? :'")?;
            let no = self.expr()?;
            Expr { pos: cond.pos, kind: Kind::Cond(Box::new(cond), Box::new(yes), Box::new(no)) }
        } else {
            cond
        };
        self.depth -= 1;
        Ok(e)
    }

    fn level_op(&self, level: usize) -> Option<&'static str> {
        let op = match self.peek() {
            Tok::Op(o) => *o,
            Tok::Ident(w) if w == "in" => "in",
            _ => return None,
        };
        LEVELS[level].iter().find(|o| **o == op).copied()
    }

    fn binary(&mut self, level: usize) -> Result<Expr, RuleError> {
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.level_op(level) {
            self.next();
            self.deeper()?;
            let right = self.binary(level + 1)?;
            self.depth -= 1;
            left = Expr { pos: left.pos, kind: Kind::Binary(op, Box::new(left), Box::new(right)) };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        let pos = self.pos();
        for op in ["!", "-"] {
            if self.eat(op) {
                self.deeper()?;
                let inner = self.unary()?;
                self.depth -= 1;
                return Ok(Expr { pos, kind: Kind::Unary(op, Box::new(inner)) });
            }
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, RuleError> {
        let (pos, tok) = self.next();
        let kind = match tok {
            Tok::Num(v) => Kind::Num(v),
            Tok::Dur(v) => Kind::Dur(v),
            Tok::Str(s) => Kind::Str(s),
            Tok::Param(p) => Kind::Param(p),
            Tok::Ident(w) => match w.as_str() {
                "true" => Kind::Bool(true),
                "false" => Kind::Bool(false),
                "now" => Kind::Now,
                "in" => return Err(RuleError::at(pos, "'in' needs a value on its left")),
                _ if self.eat("(") => Kind::Call(w, self.items(")")?),
                _ => Kind::Attr(w),
            },
            Tok::Op("(") => {
                let e = self.expr()?;
                self.expect(")", "to close '('")?;
                return Ok(e);
            }
            Tok::Op("[") => Kind::List(self.items("]")?),
            t => return Err(RuleError::at(pos, format!("expected a value, found {}", describe(&t)))),
        };
        Ok(Expr { pos, kind })
    }

    /// Comma-separated expressions up to `close` (already past the opening bracket).
    fn items(&mut self, close: &str) -> Result<Vec<Expr>, RuleError> {
        let mut items = Vec::new();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if self.eat(close) {
                return Ok(items);
            }
            self.expect(",", &format!("or '{close}' in a list"))?;
        }
    }
}
