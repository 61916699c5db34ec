//! Inline SVG line charts for the HTML report: one indicator over the turns, its
//! range as the axis, ticks at 1, 2 or 5 x 10^k.

use super::text::html;

/// A tick step from 1, 2, 5 x 10^k giving at most `max_ticks` intervals over `span`.
fn nice_step(span: i64, max_ticks: i64) -> i64 {
    let span = span.max(1);
    let mut magnitude = 1i64;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if span / step <= max_ticks {
                return step;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// An inline SVG line chart of one indicator over turns.
pub fn chart(id: &str, name: &str, min: i64, max: i64, points: &[(u32, i64)]) -> String {
    const W: f64 = 360.0;
    const H: f64 = 210.0;
    const ML: f64 = 46.0;
    const MR: f64 = 14.0;
    const MT: f64 = 30.0;
    const MB: f64 = 44.0;
    let (pw, ph) = (W - ML - MR, H - MT - MB);
    let t0 = points.first().map_or(0, |p| p.0);
    let t1 = points.last().map_or(0, |p| p.0).max(t0);
    let x = |t: u32| -> f64 {
        if t1 == t0 {
            ML + pw / 2.0
        } else {
            ML + f64::from(t - t0) / f64::from(t1 - t0) * pw
        }
    };
    let y = |v: i64| -> f64 {
        if max <= min {
            MT + ph / 2.0
        } else {
            MT + ph - (v.clamp(min, max) - min) as f64 / (max - min) as f64 * ph
        }
    };
    let label = html(name);
    let mut o = String::with_capacity(2048 + points.len() * 120);
    o.push_str(&format!(
        "<svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-labelledby=\"chart-{id}\">\n<title id=\"chart-{id}\">{label}: value at the end of each turn</title>\n",
        id = html(id)
    ));
    o.push_str(&format!(
        "<text x=\"{ML}\" y=\"18\" font-size=\"13\" font-weight=\"600\" fill=\"#1d232b\">{label}</text>\n"
    ));
    // Horizontal grid and value ticks.
    let step = nice_step(max - min, 5);
    let mut v = min.div_euclid(step) * step;
    if v < min {
        v += step;
    }
    while v <= max {
        let yy = y(v);
        o.push_str(&format!(
            "<line x1=\"{ML}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#e3e7ec\" stroke-width=\"1\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"end\">{v}</text>\n",
            ML + pw,
            ML - 6.0,
            yy + 4.0
        ));
        if max <= min {
            break;
        }
        v += step;
    }
    // Axes.
    o.push_str(&format!(
        "<line x1=\"{ML}\" y1=\"{MT}\" x2=\"{ML}\" y2=\"{:.1}\" stroke=\"#5b6573\" stroke-width=\"1\"/>\n<line x1=\"{ML}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#5b6573\" stroke-width=\"1\"/>\n",
        MT + ph,
        MT + ph,
        ML + pw,
        MT + ph
    ));
    // Turn ticks.
    let tstep = nice_step(i64::from(t1 - t0), 10) as u32;
    let mut t = t0;
    while t <= t1 {
        let xx = x(t);
        o.push_str(&format!(
            "<line x1=\"{xx:.1}\" y1=\"{:.1}\" x2=\"{xx:.1}\" y2=\"{:.1}\" stroke=\"#5b6573\" stroke-width=\"1\"/>\n<text x=\"{xx:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"middle\">{t}</text>\n",
            MT + ph,
            MT + ph + 4.0,
            MT + ph + 16.0
        ));
        if t1 == t0 {
            break;
        }
        t += tstep.max(1);
    }
    // Axis titles.
    o.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"middle\">Turn</text>\n<text x=\"12\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">Value ({min}-{max})</text>\n",
        ML + pw / 2.0,
        H - 8.0,
        MT + ph / 2.0,
        MT + ph / 2.0
    ));
    // The line and its points.
    if points.len() > 1 {
        let pts: Vec<String> = points
            .iter()
            .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
            .collect();
        o.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f4e79\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n",
            pts.join(" ")
        ));
    }
    let radius = if points.len() > 20 { 1.5 } else { 3.0 };
    for (t, v) in points {
        o.push_str(&format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{radius}\" fill=\"#1f4e79\"><title>Turn {t}: {v}</title></circle>\n",
            x(*t),
            y(*v)
        ));
    }
    o.push_str("</svg>\n");
    o
}
