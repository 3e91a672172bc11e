//! Inline SVG charts: no script, no network, readable on paper (dark text,
//! mid-tone fills, every bar labelled with its number).

use std::fmt::Write;

use super::html::escape;

/// Fills of the series, in order (they stay distinct in grey print too).
pub const COLORS: &[&str] = &["#4a7fb5", "#e0a33b", "#c8553d", "#6a9f58", "#8b6bb0", "#7f7f7f"];

const WIDTH: u32 = 680;

/// Horizontal bars, one per `(label, value)`, the value written after the bar.
pub fn hbars(title: &str, rows: &[(String, u64)], color: &str) -> String {
    let row_h = 26;
    let label_w = 190;
    let bar_max = WIDTH - label_w - 70;
    let height = (rows.len().max(1) as u32) * row_h + 8;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let mut s = format!(
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    if rows.is_empty() {
        let _ = write!(s, r##"<text x="0" y="18" fill="#444" font-size="13">（該当なし）</text>"##);
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as u32 * row_h + 4;
        let w = ((*value as f64 / max as f64) * bar_max as f64).round().max(if *value > 0 { 2.0 } else { 0.0 }) as u32;
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" font-size="13" fill="#222">{label}</text><rect x="{label_w}" y="{y}" width="{w}" height="18" fill="{color}"/><text x="{vx}" y="{ty}" font-size="13" fill="#222">{value}</text>"##,
            lx = label_w - 8,
            ty = y + 14,
            label = escape(label),
            vx = label_w + w + 6,
        );
    }
    s.push_str("</svg>");
    s
}

/// Stacked columns per day: `series` names the stacks (with their colors
/// from [`COLORS`]), `days` gives a label and one value per series.
pub fn day_columns(title: &str, series: &[&str], days: &[(String, Vec<u64>)]) -> String {
    let (left, top, bottom, legend_h) = (40u32, 10u32, 46u32, 22u32);
    let plot_h = 170u32;
    let height = top + plot_h + bottom + legend_h;
    let plot_w = WIDTH - left - 10;
    let n = days.len().max(1) as u32;
    // A year of days still fits: at least one unit per day, columns never
    // wider than their slot (no unsigned underflow below).
    let slot = (plot_w / n).max(1);
    let col_w = (slot * 7 / 10).clamp(1, 60).min(slot);
    let max = days.iter().map(|(_, v)| v.iter().sum::<u64>()).max().unwrap_or(0).max(1);
    let mut s = format!(
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    // Axis and the maximum.
    let base = top + plot_h;
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{base}" x2="{x2}" y2="{base}" stroke="#444"/><text x="{lx}" y="{ty}" text-anchor="end" font-size="11" fill="#444">{max}</text><line x1="{left}" y1="{top}" x2="{x2}" y2="{top}" stroke="#ccc" stroke-dasharray="3 3"/>"##,
        x2 = WIDTH - 10,
        lx = left - 4,
        ty = top + 4,
    );
    // Label every k-th day so labels never overlap.
    let every = (n as usize).div_ceil(14).max(1);
    for (i, (label, values)) in days.iter().enumerate() {
        let x = left + i as u32 * slot + (slot - col_w) / 2;
        let mut y = base;
        for (j, v) in values.iter().enumerate() {
            let h = ((*v as f64 / max as f64) * plot_h as f64).round() as u32;
            if h == 0 {
                continue;
            }
            y -= h;
            let _ = write!(s, r#"<rect x="{x}" y="{y}" width="{col_w}" height="{h}" fill="{}"/>"#, COLORS[j % COLORS.len()]);
        }
        let total: u64 = values.iter().sum();
        if n <= 31 {
            let _ = write!(
                s,
                r##"<text x="{cx}" y="{ty}" text-anchor="middle" font-size="11" fill="#222">{total}</text>"##,
                cx = x + col_w / 2,
                ty = y.saturating_sub(3).max(10),
            );
        }
        if i % every == 0 {
            let _ = write!(
                s,
                r##"<text x="{cx}" y="{ty}" text-anchor="middle" font-size="11" fill="#222">{}</text>"##,
                escape(label),
                cx = x + col_w / 2,
                ty = base + 16,
            );
        }
    }
    // Legend.
    let mut lx = left;
    let ly = base + bottom - 8;
    for (j, name) in series.iter().enumerate() {
        let _ = write!(
            s,
            r##"<rect x="{lx}" y="{ry}" width="12" height="12" fill="{}"/><text x="{tx}" y="{ty}" font-size="12" fill="#222">{}</text>"##,
            COLORS[j % COLORS.len()],
            escape(name),
            ry = ly,
            tx = lx + 16,
            ty = ly + 11,
        );
        lx += 24 + 14 * name.chars().count() as u32;
    }
    s.push_str("</svg>");
    s
}
