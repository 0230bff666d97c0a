//! Criterion benches for the runtime kernels: scoring + top-k, fold-in.
use criterion::{criterion_group, criterion_main, Criterion};
use shelfwise::kernels::{score_rows, top_k};
use shelfwise::rng::Rng;

fn bench_scoring(c: &mut Criterion) {
    let (n, k) = (100_000usize, 64usize);
    let mut rng = Rng::new(1);
    let items: Vec<f32> = (0..n * k).map(|_| rng.normal() as f32).collect();
    let user: Vec<f32> = (0..k).map(|_| rng.normal() as f32).collect();
    let mut out = vec![0f32; n];
    c.bench_function("score 100k x 64 f32 + top10", |b| {
        b.iter(|| {
            score_rows(&items, &user, &mut out);
            top_k(&out, 10, |_| true)
        })
    });
}

criterion_group!(benches, bench_scoring);
criterion_main!(benches);
