//! Evaluating a checked program for one item, and bounding a boost over the whole catalogue.
//!
//! Missing values follow three-valued logic: a comparison with a missing value is unknown
//! (except `!=`, which is true: a missing category is not "gift-cards"), `&&`/`||` are Kleene's,
//! arithmetic on a missing value is missing, an unknown condition takes the `:` branch, and at
//! the top an unknown filter is false and an unknown boost is 1.

use super::check::{Arith, Cmp, Node};
use super::ParamValue;
use crate::recs::attributes::{Attributes, Column};

/// A value during evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum V<'a> {
    Missing,
    Num(f64),
    Bool(bool),
    Str(&'a str),
    /// An item's set attribute: (attribute index, item).
    Set(usize, usize),
    List(&'a [String]),
}

/// What evaluation reads besides the item: the catalogue, bound parameters, the time.
pub(crate) struct Env<'a> {
    pub attrs: &'a Attributes,
    pub params: &'a [ParamValue],
    pub now: f64,
}

impl<'a> Env<'a> {
    pub fn eval(&self, n: &'a Node, i: usize) -> V<'a> {
        match n {
            Node::Num(v) => V::Num(*v),
            Node::Bool(b) => V::Bool(*b),
            Node::Str(s) => V::Str(s),
            Node::List(l) => V::List(l),
            Node::Now => V::Num(self.now),
            Node::Attr(a) => self.attribute(*a, i),
            Node::Param(p) => match &self.params[*p] {
                ParamValue::Num(v) => V::Num(*v),
                ParamValue::Bool(b) => V::Bool(*b),
                ParamValue::Str(s) => V::Str(s),
                ParamValue::List(l) => V::List(l),
            },
            Node::Has(a) => V::Bool(!matches!(self.attribute(*a, i), V::Missing)),
            Node::Not(x) => match self.eval(x, i) {
                V::Bool(b) => V::Bool(!b),
                _ => V::Missing,
            },
            Node::Neg(x) => match self.eval(x, i) {
                V::Num(v) => V::Num(-v),
                _ => V::Missing,
            },
            Node::Arith(op, l, r) => match (self.eval(l, i), self.eval(r, i)) {
                (V::Num(a), V::Num(b)) => V::Num(match op {
                    Arith::Add => a + b,
                    Arith::Sub => a - b,
                    Arith::Mul => a * b,
                    Arith::Div => a / b,
                }),
                _ => V::Missing,
            },
            Node::Cmp(op, l, r) => compare(*op, self.eval(l, i), self.eval(r, i)),
            Node::In(l, r) => match (self.eval(l, i), self.eval(r, i)) {
                (V::Str(s), V::List(list)) => V::Bool(list.iter().any(|x| x == s)),
                (V::Str(s), V::Set(a, item)) => V::Bool(self.attrs.get(a).set(item).any(|x| x == s)),
                _ => V::Missing,
            },
            Node::And(l, r) => match self.eval(l, i) {
                V::Bool(false) => V::Bool(false),
                a => match (a, self.eval(r, i)) {
                    (_, V::Bool(false)) => V::Bool(false),
                    (V::Bool(true), V::Bool(true)) => V::Bool(true),
                    _ => V::Missing,
                },
            },
            Node::Or(l, r) => match self.eval(l, i) {
                V::Bool(true) => V::Bool(true),
                a => match (a, self.eval(r, i)) {
                    (_, V::Bool(true)) => V::Bool(true),
                    (V::Bool(false), V::Bool(false)) => V::Bool(false),
                    _ => V::Missing,
                },
            },
            Node::Cond(c, yes, no) => match self.eval(c, i) {
                V::Bool(true) => self.eval(yes, i),
                _ => self.eval(no, i),
            },
        }
    }

    fn attribute(&self, a: usize, i: usize) -> V<'a> {
        let attr = self.attrs.get(a);
        match attr.column() {
            Column::Number(_) => attr.number(i).map_or(V::Missing, V::Num),
            Column::Bool(_) => attr.bool(i).map_or(V::Missing, V::Bool),
            Column::String { .. } => attr.string(i).map_or(V::Missing, V::Str),
            Column::Set { .. } => V::Set(a, i),
        }
    }

    /// Smallest and largest value a numeric program can take over every item (±∞ where it
    /// cannot tell), by interval arithmetic over the attributes' ranges. (A missing value makes
    /// the whole boost 1: the caller adds that.)
    pub fn bounds(&self, n: &Node) -> (f64, f64) {
        const ANY: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);
        let hull = |a: (f64, f64), b: (f64, f64)| (a.0.min(b.0), a.1.max(b.1));
        match n {
            Node::Num(v) => (*v, *v),
            Node::Now => (self.now, self.now),
            Node::Param(p) => match self.params[*p] {
                ParamValue::Num(v) => (v, v),
                _ => ANY,
            },
            Node::Attr(a) => self.attrs.get(*a).range(),
            Node::Neg(x) => {
                let (lo, hi) = self.bounds(x);
                (-hi, -lo)
            }
            Node::Cond(_, yes, no) => hull(self.bounds(yes), self.bounds(no)),
            Node::Arith(op, l, r) => {
                let ((a, b), (c, d)) = (self.bounds(l), self.bounds(r));
                let corners = |f: fn(f64, f64) -> f64| {
                    let v = [f(a, c), f(a, d), f(b, c), f(b, d)];
                    if v.iter().any(|x| x.is_nan()) {
                        return ANY;
                    }
                    (
                        v.iter().copied().fold(f64::INFINITY, f64::min),
                        v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    )
                };
                let out = match op {
                    Arith::Add => (a + c, b + d),
                    Arith::Sub => (a - d, b - c),
                    Arith::Mul => corners(|x, y| x * y),
                    Arith::Div if c > 0.0 || d < 0.0 => corners(|x, y| x / y),
                    Arith::Div => ANY,
                };
                if out.0.is_nan() || out.1.is_nan() {
                    ANY
                } else {
                    out
                }
            }
            _ => ANY,
        }
    }
}

fn compare<'a>(op: Cmp, l: V<'a>, r: V<'a>) -> V<'a> {
    use std::cmp::Ordering;
    let ord = match (l, r) {
        (V::Num(a), V::Num(b)) => a.partial_cmp(&b),
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        (V::Bool(a), V::Bool(b)) => Some(a.cmp(&b)),
        _ => None,
    };
    match (op, ord) {
        (Cmp::Ne, None) => V::Bool(true),
        (_, None) => V::Missing,
        (Cmp::Eq, Some(o)) => V::Bool(o == Ordering::Equal),
        (Cmp::Ne, Some(o)) => V::Bool(o != Ordering::Equal),
        (Cmp::Lt, Some(o)) => V::Bool(o == Ordering::Less),
        (Cmp::Le, Some(o)) => V::Bool(o != Ordering::Greater),
        (Cmp::Gt, Some(o)) => V::Bool(o == Ordering::Greater),
        (Cmp::Ge, Some(o)) => V::Bool(o != Ordering::Less),
    }
}
