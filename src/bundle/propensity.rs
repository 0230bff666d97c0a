//! Propensity sections: `meta`, `pschema` (fields and their fitted encoders), `pmodel`, optional
//! `pcalib` (calibration) and `psession` (how a session log becomes a record), each a `Section`
//! with write and read side by side.

use super::codec::{Reader, Writer};
use super::section::{get, put, require, Section};
use super::{Container, ContainerWriter, Metadata};
use crate::error::{Error, Result};
use crate::propensity::{Calibration, Classifier, Dense, Field, FieldKind, Propensity, Schema, Tree, Value};
use crate::session::{Feature, PageStats, SessionMap, StatKind, TypeFilter};

/// Serialises a propensity model.
pub fn write(p: &Propensity) -> Vec<u8> {
    let mut c = ContainerWriter::new();
    p.meta.write_section(&mut c);
    put::<PSchema>(&mut c, &p.schema);
    put::<PModel>(&mut c, &(p.threshold, p.model.clone()));
    if p.calibration != Calibration::None {
        put::<PCalib>(&mut c, &p.calibration);
    }
    if let Some(m) = &p.session {
        put::<PSession>(&mut c, m);
    }
    c.finish()
}

/// Parses and validates a propensity bundle.
pub fn read(bytes: &[u8]) -> Result<Propensity> {
    let c = Container::parse(bytes)?;
    let meta = Metadata::read_for(&c, super::ModelKind::Propensity)?;
    let schema = require!(c, PSchema, ());
    let (threshold, model) = require!(c, PModel, ());
    meta.check_family(model.family())?;
    let mut p = Propensity::from_parts(schema, model, meta, threshold)?;
    if let Some(cal) = get!(c, PCalib, ()) {
        p = p.with_calibration(cal)?;
    }
    match get!(c, PSession, ()) {
        Some(m) => p.with_session(m),
        None => Ok(p),
    }
}

/// `psession`: each mapped field's name and feature (a code, then the feature's types, name or
/// constant), the 12 month names, the returning and new visitor names, then the page
/// statistics: rows of page type, page id (empty for the type's own row) and bounce rate, exit
/// rate, page value as f64 (NaN where the export had none), sorted by type and id.
struct PSession;

impl Section for PSession {
    const NAME: &'static str = "psession";
    type Value = SessionMap;
    type Context = ();
    fn write(m: &SessionMap, w: &mut Writer) {
        w.len(m.fields().len());
        for (name, f) in m.fields() {
            w.str(name);
            write_feature(f, w);
        }
        m.month_names().iter().chain(m.visitor_names()).for_each(|s| w.str(s));
        w.len(m.stats().rows().len());
        for (kind, id, stat) in m.stats().rows() {
            w.str(kind);
            w.str(id);
            stat.iter().for_each(|v| w.f64(v.unwrap_or(f64::NAN)));
        }
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<SessionMap> {
        let n = r.len(2, "session field count")?;
        let mut fields = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.str("session field name")?;
            fields.push((name, read_feature(r)?));
        }
        let months = (0..12).map(|_| r.str("month name")).collect::<Result<Vec<_>>>()?;
        let visitors = [r.str("returning visitor name")?, r.str("new visitor name")?];
        let rows = r.len(26, "page statistics rows")?;
        let mut stats = Vec::with_capacity(rows);
        for _ in 0..rows {
            let (kind, id) = (r.str("page type")?, r.str("page id")?);
            let mut stat = [None; 3];
            for v in &mut stat {
                *v = Some(r.f64("page statistic")?).filter(|v| !v.is_nan());
            }
            stats.push((kind, id, stat));
        }
        SessionMap::new(fields, months, visitors, PageStats::from_sorted(stats)?)
    }
}

fn write_feature(f: &Feature, w: &mut Writer) {
    let filter = |w: &mut Writer, code: u8, t: &TypeFilter| {
        w.u8(code);
        w.u8(u8::from(t.negate));
        w.len(t.types.len());
        t.types.iter().for_each(|s| w.str(s));
    };
    match f {
        Feature::Pages(t) => filter(w, 0, t),
        Feature::Seconds(t) => filter(w, 1, t),
        Feature::Stat(k) => {
            w.u8(2);
            w.u8(*k as u8);
        }
        Feature::Supplied(name) => {
            w.u8(3);
            w.str(name);
        }
        Feature::Constant(v) => {
            w.u8(4);
            match v {
                Value::Missing => w.u8(0),
                Value::Number(n) => {
                    w.u8(1);
                    w.f64(*n);
                }
                Value::Bool(b) => {
                    w.u8(2);
                    w.u8(u8::from(*b));
                }
                Value::Text(t) => {
                    w.u8(3);
                    w.str(t);
                }
            }
        }
        simple => w.u8(SIMPLE_FEATURES.iter().position(|s| s == simple).unwrap_or(0) as u8 + 5),
    }
}

/// Features without parameters, by code − 5.
const SIMPLE_FEATURES: [Feature; 10] = [
    Feature::Month,
    Feature::MonthNumber,
    Feature::Weekday,
    Feature::Hour,
    Feature::Weekend,
    Feature::VisitorType,
    Feature::Returning,
    Feature::Bounced,
    Feature::CartAdds,
    Feature::Purchases,
];

fn read_feature(r: &mut Reader<'_>) -> Result<Feature> {
    let code = r.u8("session feature")?;
    let filter = |r: &mut Reader<'_>| -> Result<TypeFilter> {
        let negate = r.u8("type filter negation")? != 0;
        let n = r.len(1, "page type count")?;
        Ok(TypeFilter { types: (0..n).map(|_| r.str("page type")).collect::<Result<_>>()?, negate })
    };
    Ok(match code {
        0 => Feature::Pages(filter(r)?),
        1 => Feature::Seconds(filter(r)?),
        2 => match StatKind::ALL.get(usize::from(r.u8("page statistic")?)) {
            Some(k) => Feature::Stat(*k),
            None => return Err(Error::Corrupt("unknown page statistic".into())),
        },
        3 => Feature::Supplied(r.str("supplied value name")?),
        4 => Feature::Constant(match r.u8("constant type")? {
            0 => Value::Missing,
            1 => match r.f64("constant")? {
                n if n.is_finite() => Value::Number(n),
                _ => return Err(Error::Corrupt("a constant that is not finite".into())),
            },
            2 => Value::Bool(r.u8("constant")? != 0),
            3 => Value::Text(r.str("constant")?),
            t => return Err(Error::Corrupt(format!("unknown constant type {t}"))),
        }),
        c => match SIMPLE_FEATURES.get(usize::from(c) - 5) {
            Some(f) => f.clone(),
            None => return Err(Error::Corrupt(format!("unknown session feature {c}"))),
        },
    })
}

/// `pcalib`: how raw scores become probabilities: a method code, then Platt's slope and
/// intercept, or the isotonic map's points (count, x values, y values), all f64.
struct PCalib;

impl Section for PCalib {
    const NAME: &'static str = "pcalib";
    type Value = Calibration;
    type Context = ();
    fn write(c: &Calibration, w: &mut Writer) {
        match c {
            Calibration::None => w.u8(0),
            Calibration::Platt { a, b } => {
                w.u8(1);
                w.f64(*a);
                w.f64(*b);
            }
            Calibration::Isotonic { x, y } => {
                w.u8(2);
                w.len(x.len());
                x.iter().chain(y).for_each(|v| w.f64(*v));
            }
        }
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Calibration> {
        Ok(match r.u8("calibration method")? {
            0 => Calibration::None,
            1 => Calibration::Platt { a: r.f64("Platt slope")?, b: r.f64("Platt intercept")? },
            2 => {
                let n = r.len(16, "isotonic points")?;
                let x = (0..n).map(|_| r.f64("isotonic x")).collect::<Result<Vec<_>>>()?;
                let y = (0..n).map(|_| r.f64("isotonic y")).collect::<Result<Vec<_>>>()?;
                Calibration::Isotonic { x, y }
            }
            m => return Err(Error::Corrupt(format!("unknown calibration method {m}"))),
        })
    }
}

/// `pschema`: the target's name, then each field's name, missing-indicator flag and fitted
/// encoder (numeric or boolean: mean and scale; categorical: its categories).
struct PSchema;

impl Section for PSchema {
    const NAME: &'static str = "pschema";
    type Value = Schema;
    type Context = ();
    fn write(schema: &Schema, w: &mut Writer) {
        w.str(&schema.target);
        w.len(schema.fields.len());
        for f in &schema.fields {
            w.str(&f.name);
            w.u8(u8::from(f.missing_indicator));
            match &f.kind {
                FieldKind::Numeric { mean, std } => {
                    w.u8(0);
                    w.f64(*mean);
                    w.f64(*std);
                }
                FieldKind::Boolean { rate, std } => {
                    w.u8(1);
                    w.f64(*rate);
                    w.f64(*std);
                }
                FieldKind::Categorical { categories } => {
                    w.u8(2);
                    w.len(categories.len());
                    categories.iter().for_each(|s| w.str(s));
                }
            }
        }
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Schema> {
        let target = r.str("target name")?;
        let n = r.len(6, "field count")?;
        let mut fields = Vec::with_capacity(n);
        for _ in 0..n {
            let name = r.str("field name")?;
            let missing_indicator = r.u8("missing indicator")? != 0;
            let kind = match r.u8("field type")? {
                0 => FieldKind::Numeric { mean: r.f64("mean")?, std: r.f64("std")? },
                1 => FieldKind::Boolean { rate: r.f64("rate")?, std: r.f64("std")? },
                2 => {
                    let k = r.len(4, "category count")?;
                    let mut categories = Vec::with_capacity(k);
                    for _ in 0..k {
                        categories.push(r.str("category")?);
                    }
                    FieldKind::Categorical { categories }
                }
                t => return Err(Error::Corrupt(format!("field '{name}' has unknown type {t}"))),
            };
            if let FieldKind::Numeric { mean, std } | FieldKind::Boolean { rate: mean, std } = &kind {
                if !mean.is_finite() || !std.is_finite() || *std <= 0.0 {
                    return Err(Error::Corrupt(format!("field '{name}' has invalid scaling")));
                }
            }
            fields.push(Field { name, kind, missing_indicator });
        }
        Ok(Schema { fields, target })
    }
}

/// `pmodel`: the decision threshold, then the classifier (a family code and its parameters).
struct PModel;

impl Section for PModel {
    const NAME: &'static str = "pmodel";
    type Value = (f64, Classifier);
    type Context = ();
    fn write((threshold, model): &Self::Value, w: &mut Writer) {
        w.f64(*threshold);
        match model {
            Classifier::Logistic { weights, bias } => {
                w.u8(0);
                w.f32s(weights);
                w.f32(*bias);
            }
            Classifier::Mlp { layers } => {
                w.u8(1);
                w.len(layers.len());
                for l in layers {
                    w.u32(l.inputs as u32);
                    w.u32(l.outputs as u32);
                    w.f32s(&l.weights);
                    w.f32s(&l.bias);
                }
            }
            Classifier::Boosted { base, trees } => {
                w.u8(2);
                w.f32(*base);
                write_trees(w, trees);
            }
            Classifier::Forest { trees } => {
                w.u8(3);
                write_trees(w, trees);
            }
        }
    }
    fn read(r: &mut Reader<'_>, (): ()) -> Result<Self::Value> {
        let threshold = r.f64("threshold")?;
        let model = match r.u8("model family")? {
            0 => Classifier::Logistic { weights: r.f32s("weights")?, bias: r.f32("bias")? },
            1 => {
                let n = r.len(16, "layer count")?;
                let mut layers = Vec::with_capacity(n);
                for _ in 0..n {
                    layers.push(Dense {
                        inputs: r.u32("inputs")? as usize,
                        outputs: r.u32("outputs")? as usize,
                        weights: r.f32s("weights")?,
                        bias: r.f32s("biases")?,
                    });
                }
                Classifier::Mlp { layers }
            }
            2 => Classifier::Boosted { base: r.f32("base score")?, trees: read_trees(r)? },
            3 => Classifier::Forest { trees: read_trees(r)? },
            f => return Err(Error::Corrupt(format!("unknown classifier family {f}"))),
        };
        Ok((threshold, model))
    }
}

fn write_trees(w: &mut Writer, trees: &[Tree]) {
    w.len(trees.len());
    for t in trees {
        w.u32s(&t.feature);
        w.f32s(&t.threshold);
        w.u32s(&t.left);
        w.u32s(&t.right);
        w.f32s(&t.value);
    }
}

fn read_trees(r: &mut Reader<'_>) -> Result<Vec<Tree>> {
    let n = r.len(20, "tree count")?;
    let mut trees = Vec::with_capacity(n);
    for _ in 0..n {
        trees.push(Tree {
            feature: r.u32s("tree features")?,
            threshold: r.f32s("tree thresholds")?,
            left: r.u32s("tree left children")?,
            right: r.u32s("tree right children")?,
            value: r.f32s("tree values")?,
        });
    }
    Ok(trees)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::section::round_trip;

    #[test]
    fn every_section_round_trips() {
        let schema = Schema {
            target: "Bought".into(),
            fields: vec![
                Field {
                    name: "Pages".into(),
                    kind: FieldKind::Numeric { mean: 3.5, std: 2.0 },
                    missing_indicator: true,
                },
                Field {
                    name: "Weekend".into(),
                    kind: FieldKind::Boolean { rate: 0.25, std: 0.4 },
                    missing_indicator: false,
                },
                Field {
                    name: "Device".into(),
                    kind: FieldKind::Categorical { categories: vec!["desktop".into(), "mobile".into()] },
                    missing_indicator: false,
                },
            ],
        };
        assert_eq!(round_trip::<PSchema>(&schema, ()), schema);
        let tree = Tree {
            feature: vec![0, 0, 0],
            threshold: vec![1.5, 0.0, 0.0],
            left: vec![1, 0, 0],
            right: vec![2, 0, 0],
            value: vec![0.0, -0.5, 0.5],
        };
        for model in [
            Classifier::Logistic { weights: vec![0.5, -1.0], bias: 0.25 },
            Classifier::Mlp {
                layers: vec![Dense { inputs: 2, outputs: 1, weights: vec![1.0, -1.0], bias: vec![0.5] }],
            },
            Classifier::Boosted { base: -0.3, trees: vec![tree.clone()] },
            Classifier::Forest { trees: vec![tree.clone(), tree.clone()] },
        ] {
            let v = (0.42, model);
            assert_eq!(round_trip::<PModel>(&v, ()), v);
        }
        for c in [
            Calibration::Platt { a: 0.9, b: -1.25 },
            Calibration::Isotonic { x: vec![0.1, 0.5, 0.9], y: vec![0.0, 0.3, 1.0] },
        ] {
            assert_eq!(round_trip::<PCalib>(&c, ()), c);
        }
        let mut features = vec![
            Feature::Pages(TypeFilter { types: vec!["product".into(), "list".into()], negate: false }),
            Feature::Seconds(TypeFilter::all()),
            Feature::Supplied("trafficType".into()),
            Feature::Constant(Value::Missing),
            Feature::Constant(Value::Number(0.25)),
            Feature::Constant(Value::Bool(true)),
            Feature::Constant(Value::Text("x".into())),
        ];
        features.extend(StatKind::ALL.map(Feature::Stat));
        features.extend(SIMPLE_FEATURES);
        let fields = features.into_iter().enumerate().map(|(i, f)| (format!("f{i}"), f)).collect();
        let stats = PageStats::new(vec![
            ("product".into(), String::new(), [Some(0.1), Some(0.2), None]),
            ("product".into(), "A".into(), [None, None, Some(12.5)]),
        ])
        .unwrap();
        let months = crate::session::DEFAULT_MONTHS.map(String::from).to_vec();
        let m = SessionMap::new(fields, months, ["R".into(), "N".into()], stats).unwrap();
        assert_eq!(round_trip::<PSession>(&m, ()), m);
    }
}
