//! Syntax tree → typed program: names resolved against the catalogue's attributes, every
//! operator's operand types checked, parameter types inferred from where they are used.

use super::parse::{Expr, Kind};
use super::RuleError;
use crate::recs::attributes::{AttrType, Attributes};

/// A value's type inside a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A number.
    Num,
    /// `true` / `false`.
    Bool,
    /// A string.
    Str,
    /// A set of strings (an attribute such as tags).
    Set,
    /// A list of strings (`["a", "b"]`, or a parameter).
    List,
    /// A point in time.
    Time,
    /// A span of time (`14d`).
    Dur,
}

impl Ty {
    /// The type's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Ty::Num => "a number",
            Ty::Bool => "true/false",
            Ty::Str => "a string",
            Ty::Set => "a set of strings",
            Ty::List => "a list of strings",
            Ty::Time => "a time",
            Ty::Dur => "a duration",
        }
    }
    fn of(t: AttrType) -> Self {
        match t {
            AttrType::Number => Ty::Num,
            AttrType::Bool => Ty::Bool,
            AttrType::String => Ty::Str,
            AttrType::Set => Ty::Set,
            AttrType::Time => Ty::Time,
        }
    }
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A checked program node. Attributes and parameters are referred to by index.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Num(f64),
    Bool(bool),
    Str(String),
    List(Vec<String>),
    Now,
    Attr(usize),
    Param(usize),
    Has(usize),
    Not(Box<Node>),
    Neg(Box<Node>),
    Arith(Arith, Box<Node>, Box<Node>),
    Cmp(Cmp, Box<Node>, Box<Node>),
    In(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cond(Box<Node>, Box<Node>, Box<Node>),
}

/// Resolves and type-checks one syntax tree.
pub(crate) struct Checker<'a> {
    pub attrs: &'a Attributes,
    /// Parameters met so far, with their inferred types.
    pub params: Vec<(String, Ty)>,
}

type Checked = Result<(Node, Ty), RuleError>;

impl Checker<'_> {
    /// Checks `e`; `want` is the type the context needs, when it knows (a parameter takes it).
    pub fn check(&mut self, e: &Expr, want: Option<Ty>) -> Checked {
        match &e.kind {
            Kind::Num(v) => Ok((Node::Num(*v), Ty::Num)),
            Kind::Dur(v) => Ok((Node::Num(*v), Ty::Dur)),
            Kind::Str(s) => Ok((Node::Str(s.clone()), Ty::Str)),
            Kind::Bool(b) => Ok((Node::Bool(*b), Ty::Bool)),
            Kind::Now => Ok((Node::Now, Ty::Time)),
            Kind::Attr(name) => {
                let (i, a) = self.attribute(name, e.pos)?;
                Ok((Node::Attr(i), Ty::of(a)))
            }
            Kind::Param(name) => self.param(name, want, e.pos),
            Kind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match &item.kind {
                        Kind::Str(s) => out.push(s.clone()),
                        _ => return Err(RuleError::at(item.pos, "a list holds string literals only: [\"a\", \"b\"]")),
                    }
                }
                Ok((Node::List(out), Ty::List))
            }
            Kind::Unary(op, inner) => {
                let (n, t) = self.check(inner, Some(if *op == "!" { Ty::Bool } else { Ty::Num }))?;
                match (*op, t) {
                    ("!", Ty::Bool) => Ok((Node::Not(Box::new(n)), Ty::Bool)),
                    ("-", Ty::Num | Ty::Dur) => Ok((Node::Neg(Box::new(n)), t)),
                    _ => Err(RuleError::at(e.pos, format!("'{op}' cannot apply to {}", t.name()))),
                }
            }
            Kind::Binary(op, l, r) => self.binary(op, l, r, e.pos),
            Kind::Cond(c, yes, no) => {
                let (c, ct) = self.check(c, Some(Ty::Bool))?;
                expect(ct, Ty::Bool, e.pos, "the condition before '?'")?;
                let (yes_n, yt) = self.check(yes, want)?;
                let (no_n, nt) = self.check(no, Some(yt))?;
                if yt != nt {
                    return Err(RuleError::at(
                        no.pos,
                        format!("both branches of '? :' must have one type: {} and {}", yt.name(), nt.name()),
                    ));
                }
                Ok((Node::Cond(Box::new(c), Box::new(yes_n), Box::new(no_n)), yt))
            }
            Kind::Call(f, args) => match (f.as_str(), args.as_slice()) {
                ("has", [Expr { kind: Kind::Attr(name), pos }]) => {
                    let (i, _) = self.attribute(name, *pos)?;
                    Ok((Node::Has(i), Ty::Bool))
                }
                ("has", _) => Err(RuleError::at(e.pos, "has() takes one attribute name: has(price)")),
                _ => Err(RuleError::at(e.pos, format!("unknown function '{f}' (functions: has)"))),
            },
        }
    }

    fn attribute(&self, name: &str, pos: usize) -> Result<(usize, AttrType), RuleError> {
        self.attrs.find(name).map(|(i, a)| (i, a.ty())).ok_or_else(|| {
            RuleError::at(pos, format!("unknown attribute '{name}' (attributes: {})", self.attrs.names()))
        })
    }

    fn param(&mut self, name: &str, want: Option<Ty>, pos: usize) -> Checked {
        if let Some(i) = self.params.iter().position(|(p, _)| p == name) {
            let t = self.params[i].1;
            return Ok((Node::Param(i), t));
        }
        let t = want.ok_or_else(|| {
            RuleError::at(pos, format!("cannot tell the type of ${name} here: compare it with an attribute first"))
        })?;
        if t == Ty::Set {
            return Err(RuleError::at(pos, format!("${name} cannot stand for a set; use a list: \"x\" in ${name}")));
        }
        self.params.push((name.to_string(), t));
        Ok((Node::Param(self.params.len() - 1), t))
    }

    fn binary(&mut self, op: &str, l: &Expr, r: &Expr, pos: usize) -> Checked {
        match op {
            "&&" | "||" => {
                let (ln, lt) = self.check(l, Some(Ty::Bool))?;
                expect(lt, Ty::Bool, l.pos, &format!("the left of '{op}'"))?;
                let (rn, rt) = self.check(r, Some(Ty::Bool))?;
                expect(rt, Ty::Bool, r.pos, &format!("the right of '{op}'"))?;
                let (a, b) = (Box::new(ln), Box::new(rn));
                Ok((if op == "&&" { Node::And(a, b) } else { Node::Or(a, b) }, Ty::Bool))
            }
            "in" => {
                let (rn, rt) = self.check(r, Some(Ty::List))?;
                if !matches!(rt, Ty::Set | Ty::List) {
                    return Err(RuleError::at(
                        r.pos,
                        format!("the right of 'in' must be a set or a list, not {}", rt.name()),
                    ));
                }
                let (ln, lt) = self.check(l, Some(Ty::Str))?;
                expect(lt, Ty::Str, l.pos, "the left of 'in'")?;
                Ok((Node::In(Box::new(ln), Box::new(rn)), Ty::Bool))
            }
            _ => {
                let [(ln, lt), (rn, rt)] = self.pair(l, r, op)?;
                if let Some(c) = comparison(op) {
                    let ordered = matches!(lt, Ty::Num | Ty::Time | Ty::Dur);
                    let ok =
                        lt == rt && (ordered || (matches!(c, Cmp::Eq | Cmp::Ne) && matches!(lt, Ty::Str | Ty::Bool)));
                    if !ok {
                        return Err(RuleError::at(
                            pos,
                            format!("cannot compare {} with {} using '{op}'", lt.name(), rt.name()),
                        ));
                    }
                    return Ok((Node::Cmp(c, Box::new(ln), Box::new(rn)), Ty::Bool));
                }
                let a = arith(op);
                let t = arith_type(a, lt, rt).ok_or_else(|| {
                    RuleError::at(pos, format!("cannot apply '{op}' to {} and {}", lt.name(), rt.name()))
                })?;
                Ok((Node::Arith(a, Box::new(ln), Box::new(rn)), t))
            }
        }
    }

    /// Both operands of a comparison or arithmetic: a parameter on one side takes the other
    /// side's type.
    fn pair(&mut self, l: &Expr, r: &Expr, op: &str) -> Result<[(Node, Ty); 2], RuleError> {
        let numeric = comparison(op).is_none();
        if matches!(l.kind, Kind::Param(_)) && !matches!(r.kind, Kind::Param(_)) {
            let right = self.check(r, None)?;
            let want = if numeric { Ty::Num } else { right.1 };
            let left = self.check(l, Some(if numeric && right.1 == Ty::Time { Ty::Time } else { want }))?;
            return Ok([left, right]);
        }
        let left = self.check(l, numeric.then_some(Ty::Num))?;
        let want = match (numeric, left.1) {
            (true, Ty::Time) if op == "-" => Ty::Dur,
            (true, Ty::Time | Ty::Dur) if op == "+" => Ty::Dur,
            (true, _) => Ty::Num,
            (false, t) => t,
        };
        let right = self.check(r, Some(want))?;
        Ok([left, right])
    }
}

fn expect(got: Ty, want: Ty, pos: usize, what: &str) -> Result<(), RuleError> {
    if got == want {
        return Ok(());
    }
    Err(RuleError::at(pos, format!("{what} must be {}, not {}", want.name(), got.name())))
}

fn comparison(op: &str) -> Option<Cmp> {
    Some(match op {
        "==" => Cmp::Eq,
        "!=" => Cmp::Ne,
        "<" => Cmp::Lt,
        "<=" => Cmp::Le,
        ">" => Cmp::Gt,
        ">=" => Cmp::Ge,
        _ => return None,
    })
}

fn arith(op: &str) -> Arith {
    match op {
        "+" => Arith::Add,
        "-" => Arith::Sub,
        "*" => Arith::Mul,
        _ => Arith::Div,
    }
}

/// The result type of `l op r`, if the operation makes sense (times minus times are durations,
/// times plus durations are times, and so on).
fn arith_type(op: Arith, l: Ty, r: Ty) -> Option<Ty> {
    use Arith::*;
    use Ty::*;
    Some(match (op, l, r) {
        (_, Num, Num) => Num,
        (Sub, Time, Time) => Dur,
        (Add | Sub, Time, Dur) | (Add, Dur, Time) => Time,
        (Add | Sub, Dur, Dur) => Dur,
        (Mul, Dur, Num) | (Mul, Num, Dur) | (Div, Dur, Num) => Dur,
        (Div, Dur, Dur) => Num,
        _ => return None,
    })
}
