//! Where the stamp goes on a page, and its content-stream operators. Pure.
//!
//! Two marks, both in the page's content (so printing and `pdftotext`
//! keep them), drawn after everything else:
//! - across the page, on its diagonal, the reader's name in large light
//!   grey letters and their account and the time below it;
//! - along the bottom edge, in small dark letters, one line that says it
//!   all: confidential, whose copy, when, which meeting.
//!
//! Positions are worked out in the page as it is shown (its crop box,
//! turned by `/Rotate`), so the text reads upright in any viewer.

use std::fmt::Write;

use super::font::{ShapedText, StampFont};

/// The resource names the stamp's content uses. A page of the original
/// that happened to use them gets ours instead (the stamp wins).
pub const FONT_RESOURCE: &str = "PhonghopStampFont";
pub const LIGHT_STATE_RESOURCE: &str = "PhonghopStampLight";
pub const FOOTER_STATE_RESOURCE: &str = "PhonghopStampFooter";

/// How see-through the diagonal text is (fill alpha).
pub const LIGHT_ALPHA: f32 = 0.22;
/// The footer line, nearly opaque: small text must stay readable.
pub const FOOTER_ALPHA: f32 = 0.9;

/// A page's visible area as the reader sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageGeometry {
    /// Width and height of the page as displayed (after `/Rotate`).
    pub width: f32,
    pub height: f32,
    /// Maps display coordinates (origin bottom left of the shown page) to
    /// the page's user space: `[a b c d e f]` for `cm`.
    pub matrix: [f32; 6],
}

impl PageGeometry {
    /// The geometry of a page with visible box `[x0 y0 x1 y1]` (any corner
    /// order) and `/Rotate` value `rotate` (anything; only multiples of 90
    /// mean something, others count as 0).
    pub fn new(visible_box: [f32; 4], rotate: i64) -> PageGeometry {
        let [a, b, c, d] = visible_box;
        let (x0, x1) = (a.min(c), a.max(c));
        let (y0, y1) = (b.min(d), b.max(d));
        let (w, h) = (x1 - x0, y1 - y0);
        let quarter_turns = if rotate % 90 == 0 {
            rotate.rem_euclid(360) / 90
        } else {
            0
        };
        match quarter_turns {
            1 => PageGeometry {
                width: h,
                height: w,
                matrix: [0.0, 1.0, -1.0, 0.0, x1, y0],
            },
            2 => PageGeometry {
                width: w,
                height: h,
                matrix: [-1.0, 0.0, 0.0, -1.0, x1, y1],
            },
            3 => PageGeometry {
                width: h,
                height: w,
                matrix: [0.0, -1.0, 1.0, 0.0, x0, y1],
            },
            _ => PageGeometry {
                width: w,
                height: h,
                matrix: [1.0, 0.0, 0.0, 1.0, x0, y0],
            },
        }
    }
}

/// The reader-specific lines of a stamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampText {
    /// Large, on the diagonal: the reader's name.
    pub headline: String,
    /// Smaller, under it: account and time.
    pub detail: String,
    /// The footer line.
    pub footer: String,
}

/// The content-stream operators that draw `text` on a page of `geometry`.
/// Expects to run in the page's initial graphics state.
pub fn stamp_operators(font: &StampFont, geometry: PageGeometry, text: &StampText) -> Vec<u8> {
    let PageGeometry {
        width,
        height,
        matrix,
    } = geometry;
    let mut ops = String::with_capacity(1024);
    ops.push_str("q\n");
    push_numbers(&mut ops, &matrix);
    ops.push_str(" cm\n");

    // The diagonal: about 70% of its length at most, and no larger than a
    // twentieth of it (a short name is not drawn huge).
    let diagonal = (width * width + height * height).sqrt();
    if diagonal > 1.0 {
        let angle = height.atan2(width);
        let (sin, cos) = angle.sin_cos();
        let headline = font.shape(&text.headline);
        let detail = font.shape(&text.detail);
        let headline_size = fitting_size(&headline, diagonal * 0.7, diagonal / 20.0);
        let detail_size = fitting_size(&detail, diagonal * 0.7, headline_size * 0.5);
        let center = (width / 2.0, height / 2.0);
        let _ = write!(
            ops,
            "/{LIGHT_STATE_RESOURCE} gs 0.35 g\nBT\n0 Tr 0 Tc 0 Tw 100 Tz 0 Ts\n"
        );
        // The headline just above the diagonal, the detail just below.
        for (shaped, size, offset) in [
            (&headline, headline_size, headline_size * 0.1),
            (&detail, detail_size, -(headline_size * 0.25 + detail_size)),
        ] {
            let half = shaped.width * size / 2.0;
            let x = center.0 - cos * half - sin * offset;
            let y = center.1 - sin * half + cos * offset;
            let _ = write!(ops, "/{FONT_RESOURCE} ");
            push_numbers(&mut ops, &[size]);
            ops.push_str(" Tf ");
            push_numbers(&mut ops, &[cos, sin, -sin, cos, x, y]);
            ops.push_str(" Tm ");
            push_glyphs(&mut ops, shaped);
            ops.push_str(" Tj\n");
        }
        ops.push_str("ET\n");
    }

    // The footer: one line along the bottom, inside what printers print
    // (a baseline 16 pt up clears their usual 4-6 mm margin).
    let footer = font.shape(&text.footer);
    let margin = 12.0f32.min(width / 20.0);
    let footer_size = fitting_size(
        &footer,
        width - 2.0 * margin,
        (width / 75.0).clamp(6.0, 14.0),
    );
    if footer_size > 0.0 {
        let x = (width - footer.width * footer_size) / 2.0;
        let y = 16.0f32.min(height / 10.0).max(font.descent() * footer_size);
        let _ = write!(
            ops,
            "/{FOOTER_STATE_RESOURCE} gs 0.15 g\nBT\n0 Tr 0 Tc 0 Tw 100 Tz 0 Ts\n/{FONT_RESOURCE} "
        );
        push_numbers(&mut ops, &[footer_size]);
        ops.push_str(" Tf ");
        push_numbers(&mut ops, &[1.0, 0.0, 0.0, 1.0, x, y]);
        ops.push_str(" Tm ");
        push_glyphs(&mut ops, &footer);
        ops.push_str(" Tj\nET\n");
    }
    ops.push_str("Q\n");
    ops.into_bytes()
}

/// The font size at which `shaped` spans at most `room`, and at most
/// `largest`.
fn fitting_size(shaped: &ShapedText, room: f32, largest: f32) -> f32 {
    if shaped.width <= 0.0 || room <= 0.0 {
        return largest.max(0.0);
    }
    (room / shaped.width).min(largest).max(0.0)
}

fn push_numbers(ops: &mut String, numbers: &[f32]) {
    for (index, number) in numbers.iter().enumerate() {
        if index > 0 {
            ops.push(' ');
        }
        let number = if number.is_finite() { *number } else { 0.0 };
        let text = format!("{number:.3}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        ops.push_str(if text == "-0" || text.is_empty() {
            "0"
        } else {
            text
        });
    }
}

fn push_glyphs(ops: &mut String, shaped: &ShapedText) {
    ops.push('<');
    for glyph in &shaped.glyphs {
        let _ = write!(ops, "{glyph:04X}");
    }
    ops.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(matrix: [f32; 6], (u, v): (f32, f32)) -> (f32, f32) {
        let [a, b, c, d, e, f] = matrix;
        (a * u + c * v + e, b * u + d * v + f)
    }

    #[test]
    fn each_rotation_maps_the_shown_page_onto_the_crop_box() {
        let crop = [10.0, 20.0, 610.0, 820.0];
        for rotate in [0, 90, 180, 270, -90, 450] {
            let geometry = PageGeometry::new(crop, rotate);
            let corners = [
                (0.0, 0.0),
                (geometry.width, 0.0),
                (0.0, geometry.height),
                (geometry.width, geometry.height),
            ];
            let mut mapped: Vec<(i32, i32)> = corners
                .iter()
                .map(|&corner| {
                    let (x, y) = apply(geometry.matrix, corner);
                    (x.round() as i32, y.round() as i32)
                })
                .collect();
            mapped.sort();
            assert_eq!(
                mapped,
                vec![(10, 20), (10, 820), (610, 20), (610, 820)],
                "rotate {rotate}"
            );
        }
        // Shown landscape when turned a quarter.
        assert_eq!(PageGeometry::new(crop, 90).width, 800.0);
        assert_eq!(PageGeometry::new(crop, 45), PageGeometry::new(crop, 0));
    }

    #[test]
    fn a_quarter_turn_shows_the_stamp_upright() {
        // Rotate 90 turns the page clockwise for display: what is drawn
        // along display x must run along user-space y, upwards.
        let geometry = PageGeometry::new([0.0, 0.0, 600.0, 800.0], 90);
        let (x0, y0) = apply(geometry.matrix, (0.0, 0.0));
        let (x1, y1) = apply(geometry.matrix, (100.0, 0.0));
        assert_eq!((x1 - x0, y1 - y0), (0.0, 100.0));
    }

    #[test]
    fn the_stamp_draws_every_line_with_the_stamp_font_and_restores_the_state() {
        let font = StampFont::new().unwrap();
        let text = StampText {
            headline: "Nguyễn Văn Ưng".into(),
            detail: "nguyenvanung · 14:05 07/12/2026".into(),
            footer: "TÀI LIỆU MẬT · Bản của Nguyễn Văn Ưng".into(),
        };
        let ops = String::from_utf8(stamp_operators(
            &font,
            PageGeometry::new([0.0, 0.0, 595.0, 842.0], 0),
            &text,
        ))
        .unwrap();
        assert!(ops.starts_with("q\n1 0 0 1 0 0 cm\n"), "{ops}");
        assert!(ops.ends_with("Q\n"));
        assert_eq!(ops.matches(" Tj").count(), 3);
        assert_eq!(ops.matches("BT").count(), ops.matches("ET").count());
        let headline = font.shape(&text.headline);
        let hex: String = headline.glyphs.iter().map(|g| format!("{g:04X}")).collect();
        assert!(ops.contains(&format!("<{hex}> Tj")));
    }

    #[test]
    fn long_lines_shrink_to_fit_the_page() {
        let font = StampFont::new().unwrap();
        let long = "Hội nghị ".repeat(40);
        let shaped = font.shape(&long);
        let size = fitting_size(&shaped, 571.0, 8.0);
        assert!(shaped.width * size <= 571.01);
        assert!(size < 8.0);
        let short = font.shape("An");
        assert_eq!(fitting_size(&short, 571.0, 8.0), 8.0);
    }

    #[test]
    fn numbers_are_written_as_pdf_reals() {
        let mut text = String::new();
        push_numbers(&mut text, &[1.0, -0.0001, 12.5, 0.123456, f32::NAN]);
        assert_eq!(text, "1 0 12.5 0.123 0");
    }
}
