//! Latency curves as SVG: above, each latency's p50 and p99 second by second through the
//! measured phase; below, each latency's distribution by percentile (the HDR view: 50 %,
//! 90 %, 99 %, 99.9 %, ... spaced evenly), the baseline's among them.

use std::path::Path;

use anyhow::{anyhow, Result};
use hdrhistogram::Histogram;
use plotters::prelude::*;

use crate::metrics::{Latency, Metrics};

/// Colours of the series, in order; the baseline is always grey.
const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Per second: (second, p50 ms, p99 ms).
type Seconds = Vec<(f64, f64, f64)>;

/// A named, coloured curve of (x, ms) points.
type Curve = (String, RGBColor, Vec<(f64, f64)>);

/// The baseline's colour.
const GREY: RGBColor = RGBColor(120, 120, 120);

/// Percentiles up to 99.99 %, i.e. 4 "nines" on the distribution's axis.
const NINES: f64 = 4.0;

/// Draws `metrics`' latencies, and the baseline's distribution, to an SVG file at `path`.
pub fn draw(
    path: &Path,
    title: &str,
    metrics: &Metrics,
    baseline: Option<&Histogram<u64>>,
) -> Result<()> {
    // The generator's own lag is in the report, not among the server's curves.
    let latencies: Vec<Latency> = metrics
        .latencies()
        .into_iter()
        .filter(|l| *l != Latency::Lag)
        .collect();
    let root = SVGBackend::new(path, (1000, 860)).into_drawing_area();
    root.fill(&WHITE).map_err(plot)?;
    let root = root.titled(title, ("sans-serif", 16)).map_err(plot)?;
    let (above, below) = root.split_vertically(400);

    // Second by second.
    let per_second: Vec<(Latency, Seconds)> = latencies
        .iter()
        .map(|&l| {
            let points = metrics
                .per_second(l)
                .iter()
                .enumerate()
                .filter(|(_, h)| !h.is_empty())
                .map(|(s, h)| {
                    let ms = |q| h.value_at_quantile(q) as f64 / 1000.0;
                    (s as f64 + 0.5, ms(0.5), ms(0.99))
                })
                .collect();
            (l, points)
        })
        .collect();
    let seconds = per_second
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(s, _, _)| *s + 0.5))
        .fold(1.0, f64::max);
    let top = per_second
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, _, p99)| *p99))
        .fold(1.0, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&above)
        .caption("p50 (thin) and p99 (thick) per second", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..seconds, 0f64..top)
        .map_err(plot)?;
    chart
        .configure_mesh()
        .x_desc("seconds into the measured phase")
        .y_desc("latency, ms")
        .draw()
        .map_err(plot)?;
    for (i, (latency, points)) in per_second.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let p50: Vec<(f64, f64)> = points.iter().map(|(s, p50, _)| (*s, *p50)).collect();
        let p99: Vec<(f64, f64)> = points.iter().map(|(s, _, p99)| (*s, *p99)).collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                p50,
                colour.stroke_width(1),
            )))
            .map_err(plot)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                p99,
                colour.stroke_width(3),
            )))
            .map_err(plot)?
            .label(latency.describe())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(plot)?;

    // By percentile.
    let mut curves: Vec<Curve> = latencies
        .iter()
        .enumerate()
        .filter_map(|(i, &l)| {
            let h = metrics.histogram(l)?;
            Some((
                l.describe().to_string(),
                COLOURS[i % COLOURS.len()],
                spectrum(&h),
            ))
        })
        .collect();
    if let Some(h) = baseline {
        curves.push((
            format!("baseline: {}", Latency::Baseline.describe()),
            GREY,
            spectrum(h),
        ));
    }
    let top = curves
        .iter()
        .flat_map(|(_, _, p)| p.iter().map(|(_, ms)| *ms))
        .fold(1.0, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&below)
        .caption("latency by percentile", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..NINES, 0f64..top)
        .map_err(plot)?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency, ms")
        .x_labels(NINES as usize + 1)
        .x_label_formatter(&|nines| {
            let q = format!("{:.2}", 100.0 * (1.0 - 10f64.powf(-nines)));
            format!("{}%", q.trim_end_matches('0').trim_end_matches('.'))
        })
        .draw()
        .map_err(plot)?;
    for (label, colour, points) in curves {
        chart
            .draw_series(std::iter::once(PathElement::new(
                points,
                colour.stroke_width(2),
            )))
            .map_err(plot)?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(plot)?;
    root.present().map_err(plot)?;
    Ok(())
}

/// The distribution's curve: (nines, ms) from the median to 99.99 %.
fn spectrum(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    (0..=(NINES * 20.0) as usize)
        .map(|step| {
            let nines = step as f64 / 20.0;
            let q = 1.0 - 10f64.powf(-nines);
            (nines, h.value_at_quantile(q) as f64 / 1000.0)
        })
        .collect()
}

fn plot<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing the chart: {e:?}")
}
