//! Criterion benches for the runtime kernels (f32 and int8 scoring + top-k, fold-in) and for
//! ALS training. Run: `cargo bench --bench kernels` (figures in BENCHMARKS.md).
use criterion::{criterion_group, criterion_main, Criterion};
use shelfwise::data::Interactions;
use shelfwise::kernels::quant::{quantize_query, quantize_row, score_rows_i8};
use shelfwise::kernels::{score_rows, top_k};
use shelfwise::recs::{FactorModel, Quantization, Scaling};
use shelfwise::rng::Rng;
use shelfwise::train::{AlsParams, Silent};

const N: usize = 100_000;
const K: usize = 64;

fn factors(rng: &mut Rng) -> Vec<f32> {
    (0..N * K).map(|_| rng.normal() as f32 * 0.1).collect()
}

fn bench_scoring(c: &mut Criterion) {
    let mut rng = Rng::new(1);
    let items = factors(&mut rng);
    let user: Vec<f32> = (0..K).map(|_| rng.normal() as f32).collect();
    let mut out = vec![0f32; N];
    c.bench_function("score 100k x 64 f32 + top10", |b| {
        b.iter(|| {
            score_rows(&items, &user, &mut out);
            top_k(&out, 10, |_| true)
        })
    });
    let mut codes = vec![0i8; N * K];
    let scales: Vec<f32> = items
        .chunks_exact(K)
        .zip(codes.chunks_exact_mut(K))
        .map(|(r, c)| quantize_row(r, c).expect("bench factors fit"))
        .collect();
    let mut xq = Vec::new();
    c.bench_function("score 100k x 64 int8 + top10", |b| {
        b.iter(|| {
            let sx = quantize_query(&user, &mut xq);
            score_rows_i8(&codes, &scales, &xq, sx, &mut out);
            top_k(&out, 10, |_| true)
        })
    });
}

fn bench_fold_in(c: &mut Criterion) {
    let mut rng = Rng::new(2);
    let items = factors(&mut rng);
    let mut gramian = vec![0f64; K * K];
    for row in items.chunks_exact(K) {
        for r in 0..K {
            for s in 0..K {
                gramian[r * K + s] += row[r] as f64 * row[s] as f64;
            }
        }
    }
    let model = FactorModel::new(K, items, gramian, shelfwise::recs::FoldIn::new(1.0, 10.0, Scaling::Linear)).unwrap();
    let history: Vec<(u32, f32)> = (0..50).map(|i| ((i * 7919 % N) as u32, 1.0)).collect();
    c.bench_function("fold-in 50 items, 64 factors", |b| b.iter(|| model.fold_in(&history).unwrap()));
    // Short histories take the rank-one-update route from the factor computed at load.
    c.bench_function("fold-in 1 item, 64 factors", |b| b.iter(|| model.fold_in(&history[..1]).unwrap()));
    c.bench_function("fold-in 20 items, 64 factors", |b| b.iter(|| model.fold_in(&history[..20]).unwrap()));
    let int8 = model.clone().quantize(Quantization::Int8).unwrap();
    let user = model.fold_in(&history[..1]).unwrap();
    // Certified screening: int8 codes (an f32 model's built on its first ranking), 72 rescored.
    model.top_k(&user, 10, |_| true);
    c.bench_function("screened top-10 (FactorModel::top_k) 100k x 64 f32", |b| {
        b.iter(|| model.top_k(&user, 10, |_| true))
    });
    c.bench_function("screened top-10 (FactorModel::top_k) 100k x 64 int8", |b| {
        b.iter(|| int8.top_k(&user, 10, |_| true))
    });
    c.bench_function("similar top-10 (FactorModel::similar) 100k x 64 f32", |b| b.iter(|| model.similar(7, 10)));
}

fn bench_als(c: &mut Criterion) {
    // A seeded power-law log: 20k users × 5k items, 400k interactions.
    let mut rng = Rng::new(3);
    let (users, items) = (20_000u64, 5_000u64);
    let names: Vec<(String, String)> = (0..400_000)
        .map(|_| {
            let u = rng.below(users);
            let i = ((rng.f64().powf(2.5)) * items as f64) as u64;
            (format!("u{u}"), format!("i{i}"))
        })
        .collect();
    let data = Interactions::from_triples(names.iter().map(|(u, i)| (u.as_str(), i.as_str(), 1.0))).unwrap();
    let params = AlsParams::new().factors(64).iterations(15).regularization(50.0).threads(2);
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.bench_function("ALS 64 factors x 15 iterations, 400k interactions", |b| {
        b.iter(|| params.fit(&data, &Silent).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench_scoring, bench_fold_in, bench_als);
criterion_main!(benches);
