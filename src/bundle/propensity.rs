//! Propensity sections: `meta`, `pschema` (fields and their fitted encoders), `pmodel`.

use super::codec::{Reader, Writer};
use super::{Container, ContainerWriter, Metadata};
use crate::error::{Error, Result};
use crate::propensity::{Classifier, Dense, Field, FieldKind, Propensity, Schema, Tree};

/// Serialises a propensity model.
pub fn write(p: &Propensity) -> Vec<u8> {
    let mut c = ContainerWriter::new();
    p.meta.write_section(&mut c);

    let mut w = Writer::new();
    w.str(&p.schema.target);
    w.len(p.schema.fields.len());
    for f in &p.schema.fields {
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
    c.section("pschema", w.into_bytes());

    let mut w = Writer::new();
    w.f64(p.threshold);
    match &p.model {
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
            write_trees(&mut w, trees);
        }
        Classifier::Forest { trees } => {
            w.u8(3);
            write_trees(&mut w, trees);
        }
    }
    c.section("pmodel", w.into_bytes());
    c.finish()
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

/// Parses and validates a propensity bundle.
pub fn read(bytes: &[u8]) -> Result<Propensity> {
    let c = Container::parse(bytes)?;
    let meta = Metadata::read_for(&c, super::ModelKind::Propensity)?;

    let mut r = c.require("pschema")?;
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
    r.finish()?;
    let schema = Schema { fields, target };

    let mut r = c.require("pmodel")?;
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
        2 => Classifier::Boosted { base: r.f32("base score")?, trees: read_trees(&mut r)? },
        3 => Classifier::Forest { trees: read_trees(&mut r)? },
        f => return Err(Error::Corrupt(format!("unknown classifier family {f}"))),
    };
    r.finish()?;
    meta.check_family(model.family())?;
    Propensity::from_parts(schema, model, meta, threshold)
}
