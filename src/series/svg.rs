//! The overlaid trajectories: one indicator, one line per session, and each
//! simulated baseline's mean as a thick dashed line. Inline SVG, no script.

use super::IndicatorRow;
use crate::export::text::html;

/// Session line colours, in turn (a session's colour is its index modulo the list).
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
    "#7f7f7f", "#bcbd22",
];

/// The stroke of a baseline's mean line: colour and dash pattern.
pub fn baseline_stroke(policy: &str) -> (&'static str, &'static str) {
    match policy {
        "random" => ("#1d232b", "7 4"),
        _ => ("#5b6573", "2 3"),
    }
}

pub fn chart(ind: &IndicatorRow, labels: &[String]) -> String {
    const W: f64 = 560.0;
    const H: f64 = 250.0;
    const ML: f64 = 46.0;
    const MR: f64 = 14.0;
    const MT: f64 = 28.0;
    const MB: f64 = 40.0;
    let (pw, ph) = (W - ML - MR, H - MT - MB);
    let last_turn = ind
        .by_session
        .iter()
        .map(|l| l.len())
        .chain(ind.baseline.values().map(Vec::len))
        .max()
        .unwrap_or(1)
        .saturating_sub(1)
        .max(1);
    let x = |t: usize| ML + t as f64 / last_turn as f64 * pw;
    let (min, max) = (ind.min as f64, ind.max as f64);
    let y = |v: f64| {
        if max <= min {
            MT + ph / 2.0
        } else {
            MT + ph - (v.clamp(min, max) - min) / (max - min) * ph
        }
    };
    let id = html(&ind.id);
    let name = html(&ind.name);
    let mut o = String::with_capacity(4096 + ind.by_session.len() * 400);
    o.push_str(&format!(
        "<svg class=\"series-chart\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-labelledby=\"series-{id}\">\n<title id=\"series-{id}\">{name}: each session's value at the end of each turn, with the simulated means dashed</title>\n"
    ));
    // Value grid: the range's ends and middle.
    for v in [ind.min as f64, (min + max) / 2.0, ind.max as f64] {
        let yy = y(v);
        o.push_str(&format!(
            "<line x1=\"{ML}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#e3e7ec\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"end\">{}</text>\n",
            ML + pw,
            ML - 6.0,
            yy + 4.0,
            (v * 10.0).round() / 10.0
        ));
    }
    // The start value as a faint line: where every game began.
    let ys = y(ind.start as f64);
    o.push_str(&format!(
        "<line x1=\"{ML}\" y1=\"{ys:.1}\" x2=\"{:.1}\" y2=\"{ys:.1}\" stroke=\"#c8ced6\" stroke-dasharray=\"1 3\"/>\n",
        ML + pw
    ));
    // Turn axis.
    let step = (last_turn / 12).max(1);
    for t in (0..=last_turn).step_by(step) {
        o.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"middle\">{t}</text>\n",
            x(t),
            MT + ph + 16.0
        ));
    }
    o.push_str(&format!(
        "<line x1=\"{ML}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#5b6573\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#5b6573\" text-anchor=\"middle\">Turn (0: start)</text>\n",
        MT + ph,
        ML + pw,
        MT + ph,
        ML + pw / 2.0,
        H - 6.0
    ));
    for (i, (line, label)) in ind.by_session.iter().zip(labels).enumerate() {
        let pts: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(t, v)| format!("{:.1},{:.1}", x(t), y(*v as f64)))
            .collect();
        let colour = PALETTE[i % PALETTE.len()];
        let last = line.last().copied().unwrap_or(ind.start);
        if pts.len() == 1 {
            o.push_str(&format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{colour}\"><title>{}: {last}</title></circle>\n",
                x(0),
                y(last as f64),
                html(label)
            ));
            continue;
        }
        o.push_str(&format!(
            "<polyline class=\"session\" points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\" stroke-opacity=\"0.85\" stroke-linejoin=\"round\"><title>{}: {last} at the end</title></polyline>\n",
            pts.join(" "),
            html(label)
        ));
    }
    for (policy, line) in &ind.baseline {
        let (colour, dash) = baseline_stroke(policy);
        let pts: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(t, v)| format!("{:.1},{:.1}", x(t), y(*v)))
            .collect();
        o.push_str(&format!(
            "<polyline class=\"baseline\" points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.6\" stroke-dasharray=\"{dash}\"><title>Simulated ({}): mean</title></polyline>\n",
            pts.join(" "),
            html(policy)
        ));
    }
    o.push_str("</svg>\n");
    o
}
