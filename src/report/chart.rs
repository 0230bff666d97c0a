//! The charts reports draw, through `plotters`' SVG backend: lines (curves, step histograms as
//! filled areas, scatter points), horizontal grouped bars, heat maps and interval (forest)
//! plots. Each returns a [`Chart`], the SVG text of one figure.

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

/// One drawn figure: an `<svg>` element.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart(String);

impl Chart {
    /// The SVG text.
    pub fn svg(&self) -> &str {
        &self.0
    }

    /// The SVG text, owned.
    pub(crate) fn into_svg(self) -> String {
        self.0
    }
}

/// Colours that stay apart for colour-blind readers (Okabe and Ito), in series order.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];

/// The colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

const FONT: &str = "sans-serif";
const WIDTH: u32 = 760;

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// A line through the points, with a dot on each when there are few.
    Line,
    /// A dashed reference line (e.g. the diagonal of a reliability diagram).
    Dashed,
    /// Dots only.
    Points,
    /// A line with the area under it shaded (histograms drawn as steps).
    Area,
}

/// One named series of `(x, y)` points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    /// Legend text.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// How to draw them.
    pub mark: Mark,
}

impl Series {
    /// A series drawn as a line.
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Self { name: name.into(), points, mark: Mark::Line }
    }

    /// A series drawn as `mark`.
    pub fn with(name: impl Into<String>, points: Vec<(f64, f64)>, mark: Mark) -> Self {
        Self { name: name.into(), points, mark }
    }
}

/// Axes of an x/y chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axes {
    /// Title over the chart.
    pub title: String,
    /// x axis label.
    pub x: String,
    /// y axis label.
    pub y: String,
    /// x range; `None` fits the data.
    pub x_range: Option<Range<f64>>,
    /// y range; `None` fits the data (from 0 when all values are positive).
    pub y_range: Option<Range<f64>>,
}

impl Axes {
    /// Axes fitted to the data.
    pub fn new(title: impl Into<String>, x: impl Into<String>, y: impl Into<String>) -> Self {
        Self { title: title.into(), x: x.into(), y: y.into(), x_range: None, y_range: None }
    }

    /// Both axes from 0 to 1 (rates, probabilities).
    pub fn unit(mut self) -> Self {
        self.x_range = Some(0.0..1.0);
        self.y_range = Some(0.0..1.0);
        self
    }
}

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// Renders into an SVG string of `size`, turning a drawing error into [`Error::Chart`].
fn render(size: (u32, u32), draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult) -> Result<Chart> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        draw(&root).map_err(|e| Error::Chart(e.to_string()))?;
        root.present().map_err(chart_error)?;
    }
    Ok(Chart(svg))
}

/// An axis number without trailing zeros: `2`, `0.25`, `1e6` as `1000000`.
fn tick(v: &f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

fn chart_error(e: impl std::fmt::Display) -> Error {
    Error::Chart(e.to_string())
}

/// A range that holds `values` with a little room, from 0 when they are all ≥ 0.
fn fit(values: impl Iterator<Item = f64>, from_zero: bool) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    if from_zero && lo >= 0.0 {
        lo = 0.0;
    }
    let span = hi - lo;
    // A flat series (every value equal) still gets an axis that reads: ±10 % around it.
    let pad = if span > 1e-9 * hi.abs().max(lo.abs()).max(1.0) { span * 0.05 } else { (hi.abs() * 0.1).max(0.05) };
    (if from_zero && lo == 0.0 { 0.0 } else { lo - pad })..(hi + pad)
}

/// The legend corner with the fewest points near it (a legend never hides a curve's end).
fn legend_corner(series: &[Series], xr: &Range<f64>, yr: &Range<f64>) -> SeriesLabelPosition {
    let near = |right: bool, top: bool| {
        let pts = series.iter().flat_map(|s| s.points.iter());
        pts.filter(|(x, y)| {
            let fx = (x - xr.start) / (xr.end - xr.start);
            let fy = (y - yr.start) / (yr.end - yr.start);
            (if right { fx > 0.6 } else { fx < 0.4 }) && (if top { fy > 0.6 } else { fy < 0.4 })
        })
        .count()
    };
    let corners = [
        (near(true, true), SeriesLabelPosition::UpperRight),
        (near(true, false), SeriesLabelPosition::LowerRight),
        (near(false, true), SeriesLabelPosition::UpperLeft),
        (near(false, false), SeriesLabelPosition::LowerLeft),
    ];
    corners.into_iter().min_by_key(|c| c.0).map_or(SeriesLabelPosition::UpperRight, |c| c.1)
}

/// Lines, dots or shaded areas on numeric axes, with a legend when there are two series or more.
pub fn lines(axes: &Axes, series: &[Series]) -> Result<Chart> {
    let xr =
        axes.x_range.clone().unwrap_or_else(|| fit(series.iter().flat_map(|s| s.points.iter().map(|p| p.0)), false));
    let yr =
        axes.y_range.clone().unwrap_or_else(|| fit(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)), true));
    render((WIDTH, 380), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&axes.title, (FONT, 20))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(xr.clone(), yr.clone())?;
        chart
            .configure_mesh()
            .x_desc(&axes.x)
            .y_desc(&axes.y)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .light_line_style(RGBColor(238, 240, 244))
            .label_style((FONT, 15))
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let c = if s.mark == Mark::Dashed { RGBColor(150, 150, 150) } else { colour(i) };
            let pts: Vec<(f64, f64)> =
                s.points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
            let drawn = match s.mark {
                Mark::Line => {
                    if pts.len() <= 30 {
                        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 3, c.filled())))?;
                    }
                    chart.draw_series(LineSeries::new(pts, c.stroke_width(2)))?
                }
                Mark::Dashed => chart.draw_series(DashedLineSeries::new(pts, 6, 4, c.stroke_width(1)))?,
                Mark::Points => chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 4, c.mix(0.75).filled())))?,
                Mark::Area => chart.draw_series(
                    AreaSeries::new(pts, yr.start.max(0.0), c.mix(0.25)).border_style(c.stroke_width(2)),
                )?,
            };
            drawn.label(&s.name).legend(swatch(c));
        }
        if series.len() > 1 {
            legend(&mut chart, legend_corner(series, &xr, &yr))?;
        }
        Ok(())
    })
}

/// An x/y chart on numeric axes, as every chart here is.
type XyChart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The legend box, at `at`.
fn legend<'a, 'b: 'a>(chart: &mut XyChart<'a, 'b>, at: SeriesLabelPosition) -> DrawResult {
    chart
        .configure_series_labels()
        .label_font((FONT, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .position(at)
        .draw()?;
    Ok(())
}

/// A series' legend mark: a small filled box in its colour.
fn swatch(c: RGBColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 4), (x + 16, y + 4)], c.filled())
}

/// A chart with values along x and one row per label (the first on top), its axes drawn: what
/// bars and interval plots draw on.
fn category_rows<'a, 'b: 'a>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    (title, value): (&str, &str),
    xr: Range<f64>,
    labels: &[String],
) -> std::result::Result<XyChart<'a, 'b>, Box<dyn std::error::Error>> {
    let n = labels.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(label_room(labels))
        .build_cartesian_2d(xr, -0.5..(n as f64 - 0.5))?;
    chart
        .configure_mesh()
        .x_desc(value)
        .x_label_formatter(&tick)
        .y_labels(n)
        .y_label_formatter(&|v| category_label(labels, *v))
        .disable_y_mesh()
        .light_line_style(RGBColor(238, 240, 244))
        .label_style((FONT, 15))
        .draw()?;
    Ok(chart)
}

/// Room for the longest of `labels` on a category axis, in pixels.
fn label_room(labels: &[String]) -> u32 {
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as u32;
    (longest * 7 + 16).clamp(48, 260)
}

/// A category's label at an axis position (categories sit at integers, the first at the top).
fn category_label(labels: &[String], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() > 1e-6 || i < 0.0 || i as usize >= labels.len() {
        return String::new();
    }
    labels[labels.len() - 1 - i as usize].clone()
}

/// Horizontal bars: one row per category, one bar per group in each row.
pub fn bars(title: &str, value: &str, categories: &[String], groups: &[(String, Vec<f64>)]) -> Result<Chart> {
    let n = categories.len().max(1);
    let xr = fit(groups.iter().flat_map(|g| g.1.iter().copied()).chain([0.0]), true);
    let g = groups.len().max(1);
    // With a legend, the value axis runs on past the longest bar so the legend sits clear of it.
    let end = if g > 1 { xr.end + (xr.end - xr.start.min(0.0)) * 0.4 } else { xr.end };
    let xr = xr.start.min(0.0)..end;
    let height = (n * (10 + 12 * g)).clamp(140, 1400) as u32 + 90;
    render((WIDTH, height), |root| {
        let mut chart = category_rows(root, (title, value), xr.clone(), categories)?;
        let h = 0.8 / g as f64;
        for (gi, (name, values)) in groups.iter().enumerate() {
            let c = colour(gi);
            let rects = values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, v)| {
                let top = (n - 1 - i) as f64 + 0.4 - gi as f64 * h;
                Rectangle::new([(0.0, top), (*v, top - h * 0.9)], c.filled())
            });
            chart.draw_series(rects)?.label(name).legend(swatch(c));
        }
        if groups.len() > 1 {
            legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        }
        Ok(())
    })
}

/// A matrix of cells shaded by `shade` (0 to 1), each with its `text`; rows top to bottom.
pub(crate) fn heat_map(
    title: &str,
    (x_desc, y_desc): (&str, &str),
    labels: &[String],
    shade: &[Vec<f64>],
    text: &[Vec<String>],
) -> Result<Chart> {
    let n = labels.len().max(1);
    let side = (n as u32 * 56).clamp(160, 640);
    let room = label_room(labels);
    render((side + room + 60, side + 120), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 20))
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(room)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), -0.5..(n as f64 - 0.5))?;
        let columns: Vec<String> = labels.iter().rev().cloned().collect();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n)
            .y_labels(n)
            .x_label_formatter(&|v| category_label(&columns, *v))
            .y_label_formatter(&|v| category_label(labels, *v))
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 14))
            .draw()?;
        let cells = shade.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().map(move |(c, s)| {
                let y = (n - 1 - r) as f64;
                let s = if s.is_finite() { s.clamp(0.0, 1.0) } else { 0.0 };
                let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * s).round() as u8;
                let fill = RGBColor(mix(247, 0), mix(249, 90), mix(252, 160));
                Rectangle::new([(c as f64 - 0.5, y - 0.5), (c as f64 + 0.5, y + 0.5)], fill.filled())
            })
        });
        chart.draw_series(cells)?;
        let font_size = if n > 10 { 12 } else { 16 };
        let labels = text.iter().enumerate().flat_map(|(r, row)| {
            row.iter().enumerate().map(move |(c, t)| {
                let dark = shade.get(r).and_then(|row| row.get(c)).is_some_and(|s| *s > 0.55);
                let style = TextStyle::from((FONT, font_size)).color(if dark { &WHITE } else { &BLACK }).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                );
                Text::new(t.clone(), (c as f64, (n - 1 - r) as f64), style)
            })
        });
        chart.draw_series(labels)?;
        Ok(())
    })
}

/// One row of an interval plot.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Interval {
    /// Row label.
    pub label: String,
    /// Point estimate.
    pub value: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end.
    pub high: f64,
}

/// Point estimates with their intervals, one row each, and an optional dashed reference line.
pub fn intervals(title: &str, value: &str, rows: &[Interval], reference: Option<f64>) -> Result<Chart> {
    let n = rows.len().max(1);
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();
    let xr = fit(rows.iter().flat_map(|r| [r.low, r.high, r.value]).chain(reference), false);
    render((WIDTH, (n as u32 * 44).clamp(100, 900) + 100), |root| {
        let mut chart = category_rows(root, (title, value), xr.clone(), &labels)?;
        if let Some(x) = reference {
            chart.draw_series(DashedLineSeries::new(
                vec![(x, -0.5), (x, n as f64 - 0.5)],
                6,
                4,
                RGBColor(150, 150, 150).stroke_width(1),
            ))?;
        }
        for (i, r) in rows.iter().enumerate() {
            let (y, c) = ((n - 1 - i) as f64, colour(i));
            chart.draw_series(LineSeries::new(vec![(r.low, y), (r.high, y)], c.stroke_width(3)))?;
            for x in [r.low, r.high] {
                chart.draw_series(LineSeries::new(vec![(x, y - 0.15), (x, y + 0.15)], c.stroke_width(2)))?;
            }
            chart.draw_series([Circle::new((r.value, y), 5, c.filled())])?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(svg: &str, tag: &str) -> usize {
        svg.matches(&format!("<{tag}")).count()
    }

    #[test]
    fn lines_draw_every_series_and_a_legend() {
        let axes = Axes::new("t", "x", "y").unit();
        let s = [
            Series::line("a & b", vec![(0.0, 0.0), (0.5, 0.7), (1.0, 1.0)]),
            Series::with("chance", vec![(0.0, 0.0), (1.0, 1.0)], Mark::Dashed),
        ];
        let c = lines(&axes, &s).unwrap();
        assert!(c.svg().starts_with("<svg"));
        assert!(count(c.svg(), "polyline") >= 2 && count(c.svg(), "circle") >= 3);
        assert!(c.svg().contains("a &amp; b"), "legend text is escaped");
    }

    #[test]
    fn bars_heat_maps_and_intervals_draw_one_mark_per_value() {
        let cats: Vec<String> = vec!["x".into(), "y".into(), "z".into()];
        let b =
            bars("t", "v", &cats, &[("g".into(), vec![0.1, -0.2, 0.3]), ("h".into(), vec![0.4, 0.5, 0.6])]).unwrap();
        assert!(count(b.svg(), "rect") >= 6);
        let m = heat_map(
            "t",
            ("p", "t"),
            &cats,
            &vec![vec![1.0, 0.0, 0.0]; 3],
            &vec![vec!["1".into(), "2".into(), "3".into()]; 3],
        )
        .unwrap();
        assert!(count(m.svg(), "rect") >= 9 && m.svg().contains(">\n3\n<"));
        let rows = vec![Interval { label: "a".into(), value: 0.5, low: 0.4, high: 0.6 }];
        let i = intervals("t", "v", &rows, Some(0.0)).unwrap();
        assert!(count(i.svg(), "circle") == 1);
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick(&2.0), "2");
        assert_eq!(tick(&0.25), "0.25");
        assert_eq!(tick(&-0.00001), "0");
    }

    #[test]
    fn flat_data_gets_a_readable_axis_and_the_legend_avoids_the_data() {
        let r = fit([1.5, 1.5].into_iter(), false);
        assert!(r.start < 1.5 - 0.1 && r.end > 1.5 + 0.1, "{r:?}");
        let rising = [Series::line("a", vec![(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]), Series::line("b", vec![(0.9, 0.9)])];
        let corner = legend_corner(&rising, &(0.0..1.0), &(0.0..1.0));
        assert!(matches!(corner, SeriesLabelPosition::LowerRight | SeriesLabelPosition::UpperLeft));
    }

    #[test]
    fn category_labels_sit_on_integers_first_on_top() {
        let l: Vec<String> = vec!["first".into(), "second".into()];
        assert_eq!(category_label(&l, 1.0), "first");
        assert_eq!(category_label(&l, 0.0), "second");
        assert_eq!(category_label(&l, 0.5), "");
        assert_eq!(category_label(&l, 2.0), "");
    }
}
