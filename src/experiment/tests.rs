use super::*;
use crate::rng::Rng;

/// One device's report: true bits drawn at the arm's rates, each told truthfully with
/// probability `q`, revenue clipped and Laplace-noised.
fn report(rng: &mut Rng, variant: &str, ctr: f64, conversion: f64, eps: f64) -> Report {
    let q = truth_probability(eps);
    let mut bit = |p: f64| {
        let truth = rng.f64() < p;
        f64::from(u8::from(if rng.f64() < q { truth } else { !truth }))
    };
    let clicked = bit(ctr);
    let bought = rng.f64() < conversion;
    let converted = f64::from(u8::from(if rng.f64() < q { bought } else { !bought }));
    let revenue = if bought { 40.0 } else { 0.0 };
    let u = rng.f64() - 0.5;
    let noise = -(100.0 / eps) * u.signum() * (1.0 - 2.0 * u.abs()).ln();
    Report {
        format: "shelfwise-report/1".into(),
        experiment: "shelf".into(),
        variant: variant.into(),
        period: "2026-11-30".into(),
        epsilon: [("clicked", eps), ("converted", eps), ("revenue", eps)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        metrics: [("clicked", clicked), ("converted", converted), ("revenue", revenue + noise)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        revenue_cap: Some(100.0),
    }
}

#[test]
fn randomized_response_spends_exactly_the_documented_epsilon() {
    for eps in [0.1, 0.5, 1.0, 2.0, 4.0] {
        let q = truth_probability(eps);
        // The likelihood ratio of any report under the two true values is q / (1 − q) = e^ε.
        assert!(((q / (1.0 - q)).ln() - eps).abs() < 1e-12, "{eps}");
    }
    assert!((truth_probability(1.0) - std::f64::consts::E / (1.0 + std::f64::consts::E)).abs() < 1e-15);
}

#[test]
fn the_planner_says_plainly_what_privacy_costs() {
    let p = plan(0.02, 0.15, 1.0, 0.05, 0.8).unwrap();
    // The arithmetic: about 47× the variance at 2 %, on the order of 1.6M devices per arm.
    assert!((40.0..55.0).contains(&p.privacy_cost), "{p:?}");
    assert!((1.3e6..2.0e6).contains(&p.devices_per_variant), "{p:?}");
    assert!(plan(0.02, 0.15, 0.0, 0.05, 0.8).is_err());
    assert!(plan(0.9, 0.5, 1.0, 0.05, 0.8).is_err());
}

#[test]
fn intervals_cover_the_truth_and_lifts_are_found_as_often_as_planned() {
    // 100,000 devices (50,000 per arm) at ε = 1, 200 repetitions, through the estimators
    // `analyze` uses (one repetition also through `analyze` itself, below).
    let (eps, n, runs) = (1.0, 50_000usize, 200);
    let (ctr, conv) = ([0.04, 0.05], [0.02, 0.023]);
    let q = truth_probability(eps);
    let mut covered = [[0usize; 2]; 2];
    let mut detected = [0usize; 2];
    let mut rng = Rng::new(2026);
    for _ in 0..runs {
        let mut values =
            [[Vec::with_capacity(n), Vec::with_capacity(n)], [Vec::with_capacity(n), Vec::with_capacity(n)]];
        for arm in 0..2 {
            for (m, rate) in [ctr[arm], conv[arm]].into_iter().enumerate() {
                for _ in 0..n {
                    let truth = rng.f64() < rate;
                    let told = if rng.f64() < q { truth } else { !truth };
                    values[arm][m].push(debias_bit(f64::from(u8::from(told)), eps));
                }
                let e = Estimate::of(&values[arm][m]);
                covered[arm][m] += usize::from(e.low <= rate && rate <= e.high);
            }
        }
        for m in 0..2 {
            detected[m] += usize::from(compare(&values[1][m], &values[0][m]).p_value < 0.05);
        }
    }
    // Each interval is 95 %: over the 800 (two arms, two metrics, 200 runs) at least 93 % cover,
    // and none of the four falls below 90 % (200 runs leave a binomial spread of ±1.5 points).
    let total: usize = covered.iter().flatten().sum();
    assert!(total as f64 / (4 * runs) as f64 >= 0.93, "coverage of {runs} runs: {covered:?}");
    assert!(covered.iter().flatten().all(|c| *c as f64 / runs as f64 >= 0.90), "coverage of {runs} runs: {covered:?}");
    for (m, (p0, p1)) in [(ctr[0], ctr[1]), (conv[0], conv[1])].into_iter().enumerate() {
        let planned = power(p0, p1, n as f64, eps, 0.05);
        let seen = detected[m] as f64 / runs as f64;
        assert!((seen - planned).abs() <= 0.05, "metric {m}: detected {seen}, planned power {planned}");
    }
}

#[test]
fn analyze_reads_reports_into_the_same_estimates() {
    let mut rng = Rng::new(7);
    let mut reports: Vec<Report> = (0..20_000).map(|_| report(&mut rng, "control", 0.04, 0.02, 1.0)).collect();
    reports.extend((0..20_000).map(|_| report(&mut rng, "shelfwise", 0.08, 0.02, 1.0)));
    reports.push(Report { experiment: "other".into(), ..reports[0].clone() });
    let a = analyze("shelf", &reports).unwrap();
    assert_eq!(
        a.variants.iter().map(|v| (v.variant.as_str(), v.reports)).collect::<Vec<_>>(),
        [("control", 20_000), ("shelfwise", 20_000)]
    );
    let bits: Vec<f64> = reports[..20_000].iter().map(|r| debias_bit(r.metrics["clicked"], 1.0)).collect();
    assert_eq!(a.variants[0].metrics["clicked"], Estimate::of(&bits));
    let d = a.differences["clicked"]["shelfwise"];
    assert!(d.p_value < 0.05 && d.estimate.low > 0.0, "{d:?}");
    // Revenue: 40 per conversion, so about 0.8 per device, Laplace noise averaged out.
    let rev = a.variants[0].metrics["revenue"];
    assert!(rev.low < 0.8 && 0.8 < rev.high, "{rev:?}");
    assert!(analyze("nope", &reports).is_err());
    let mut bad = reports[0].clone();
    bad.metrics.insert("clicked".into(), 0.5);
    assert!(analyze("shelf", &[bad]).unwrap_err().to_string().contains("0 or 1"));
}
