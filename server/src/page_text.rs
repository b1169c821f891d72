//! What each page of a PDF says and where: the text lines of a page with
//! their positions, and a fingerprint per page that is equal only for pages
//! that show the same text in the same places. Versions of a document are
//! compared with them, so annotations follow a replaced document only onto
//! pages that did not change (`carry_over`). A page without text (a scan,
//! a drawing) is fingerprinted by its content and its images instead.
//! Fingerprints are computed at upload and stored with the version
//! (`document_versions.page_fingerprints`).
//!
//! Pure: bytes in, layouts out. The parser runs on uploaded bytes, so a
//! panic inside lopdf is caught and a page whose content cannot be read
//! gets no fingerprint (it never matches anything) rather than failing the
//! upload.

use lopdf::content::Content;
use lopdf::{Document, Encoding, Object, ObjectId};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// One line of text on a page.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    /// The line's text, normalized ([`normalize_text`]): NFKC, lowercase,
    /// no whitespace. Comparisons never depend on how a producer spaced
    /// or split the words.
    pub text: String,
    /// Where the line starts (its first run's origin on the baseline), in
    /// fractions of the page from the top-left corner of the unrotated
    /// page, as the web client stores annotation positions.
    pub x: f64,
    pub y: f64,
}

/// What one page shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageLayout {
    /// `None` when the page's content could not be read: such a page is
    /// never taken as unchanged.
    pub fingerprint: Option<String>,
    /// Top to bottom.
    pub lines: Vec<TextLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageTextError {
    #[error("the pdf cannot be read: {0}")]
    Unreadable(String),
}

/// The most decompressed content one page may have (a bomb stops here).
const MAX_PAGE_CONTENT_BYTES: usize = 64 * 1024 * 1024;
/// Positions are compared in steps of 1/200 of the page: a line that
/// moved by less is the same line in the same place.
const POSITION_STEPS: f64 = 200.0;

/// NFKC, lowercase, without whitespace: two extractions of the same words
/// compare equal however the producer split or spaced them.
pub fn normalize_text(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect()
}

/// The layout of every page of `bytes`, first page first.
pub fn page_layouts(bytes: &[u8]) -> Result<Vec<PageLayout>, PageTextError> {
    let owned = bytes.to_vec();
    let parsed = std::panic::catch_unwind(move || Document::load_mem(&owned))
        .map_err(|_| PageTextError::Unreadable("the parser could not read it".into()))?
        .map_err(|error| PageTextError::Unreadable(error.to_string()))?;
    let pages: Vec<ObjectId> = parsed.get_pages().into_values().collect();
    Ok(pages
        .into_iter()
        .map(|page_id| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                page_layout(&parsed, page_id)
            }))
            .unwrap_or_default()
        })
        .collect())
}

/// Just the fingerprints, as stored with a version.
pub fn fingerprints(layouts: &[PageLayout]) -> Vec<Option<String>> {
    layouts
        .iter()
        .map(|page| page.fingerprint.clone())
        .collect()
}

/// A text-showing operation's text and where it starts, in user space.
struct Run {
    text: String,
    x: f64,
    y: f64,
    font_size: f64,
}

type Matrix = [f64; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a × b` for PDF's row-vector matrices.
fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn number(object: &Object) -> Option<f64> {
    match object {
        Object::Integer(value) => Some(*value as f64),
        Object::Real(value) => Some(f64::from(*value)),
        _ => None,
    }
}

fn numbers<const N: usize>(operands: &[Object]) -> Option<[f64; N]> {
    let mut out = [0.0; N];
    if operands.len() < N {
        return None;
    }
    for (slot, operand) in out.iter_mut().zip(operands) {
        *slot = number(operand)?;
    }
    out.iter().all(|v| v.is_finite()).then_some(out)
}

/// The visible box of a page (`CropBox`, else `MediaBox`, inherited),
/// as `[x0, y0, x1, y1]`; A4 when the file names none.
fn page_box(document: &Document, page_id: ObjectId) -> [f64; 4] {
    let mut node = document.get_dictionary(page_id).ok();
    for _ in 0..32 {
        let Some(dictionary) = node else { break };
        for key in [b"CropBox".as_slice(), b"MediaBox".as_slice()] {
            let value = dictionary
                .get(key)
                .ok()
                .and_then(|object| document.dereference(object).ok())
                .map(|(_, object)| object);
            if let Some(Object::Array(values)) = value {
                if let Some([x0, y0, x1, y1]) = numbers::<4>(values) {
                    if (x1 - x0).abs() > 1.0 && (y1 - y0).abs() > 1.0 {
                        return [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
                    }
                }
            }
        }
        node = dictionary
            .get(b"Parent")
            .ok()
            .and_then(|parent| parent.as_reference().ok())
            .and_then(|id| document.get_dictionary(id).ok());
    }
    [0.0, 0.0, 595.0, 842.0]
}

fn decode_strings(encoding: Option<&Encoding>, operand: &Object, out: &mut String) {
    match operand {
        Object::String(bytes, _) => {
            if let Some(encoding) = encoding {
                let _ = encoding.write_to_string(bytes, out);
            }
        }
        Object::Array(items) => {
            for item in items {
                decode_strings(encoding, item, out);
            }
        }
        _ => {}
    }
}

fn page_layout(document: &Document, page_id: ObjectId) -> PageLayout {
    let Ok(content) = document.get_page_content_with_limit(page_id, MAX_PAGE_CONTENT_BYTES) else {
        return PageLayout::default();
    };
    let Ok(operations) = Content::decode(&content) else {
        return PageLayout::default();
    };
    let fonts = document.get_page_fonts(page_id).unwrap_or_default();
    let encodings: BTreeMap<Vec<u8>, Encoding> = fonts
        .into_iter()
        .filter_map(|(name, font)| {
            font.get_font_encoding_with_limit(document, MAX_PAGE_CONTENT_BYTES)
                .ok()
                .map(|encoding| (name, encoding))
        })
        .collect();

    let mut runs = Vec::new();
    let mut graphics: Vec<Matrix> = Vec::new();
    let mut ctm = IDENTITY;
    let mut text_matrix = IDENTITY;
    let mut line_matrix = IDENTITY;
    let mut leading = 0.0;
    let mut font_size = 0.0;
    let mut encoding: Option<&Encoding> = None;
    for operation in &operations.operations {
        let operands = &operation.operands;
        match operation.operator.as_str() {
            // Nesting deeper than 64 is not kept (a hostile file's depth).
            "q" if graphics.len() < 64 => graphics.push(ctm),
            "Q" => ctm = graphics.pop().unwrap_or(IDENTITY),
            "cm" => {
                if let Some(m) = numbers::<6>(operands) {
                    ctm = multiply(&m, &ctm);
                }
            }
            "BT" => {
                text_matrix = IDENTITY;
                line_matrix = IDENTITY;
            }
            "Tf" => {
                encoding = operands
                    .first()
                    .and_then(|name| name.as_name().ok())
                    .and_then(|name| encodings.get(name));
                font_size = operands.get(1).and_then(number).unwrap_or(0.0);
            }
            "TL" => leading = operands.first().and_then(number).unwrap_or(leading),
            "Td" | "TD" => {
                if let Some([tx, ty]) = numbers::<2>(operands) {
                    if operation.operator == "TD" {
                        leading = -ty;
                    }
                    line_matrix = multiply(&[1.0, 0.0, 0.0, 1.0, tx, ty], &line_matrix);
                    text_matrix = line_matrix;
                }
            }
            "Tm" => {
                if let Some(m) = numbers::<6>(operands) {
                    line_matrix = m;
                    text_matrix = m;
                }
            }
            "T*" | "'" | "\"" | "Tj" | "TJ" => {
                if matches!(operation.operator.as_str(), "T*" | "'" | "\"") {
                    line_matrix = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &line_matrix);
                    text_matrix = line_matrix;
                }
                if operation.operator == "T*" {
                    continue;
                }
                let shown = if operation.operator == "\"" {
                    operands.get(2)
                } else {
                    operands.first()
                };
                let mut text = String::new();
                if let Some(shown) = shown {
                    decode_strings(encoding, shown, &mut text);
                }
                let text = normalize_text(&text);
                if text.is_empty() {
                    continue;
                }
                let origin = multiply(&text_matrix, &ctm);
                let scale = (origin[2] * origin[2] + origin[3] * origin[3]).sqrt();
                runs.push(Run {
                    text,
                    x: origin[4],
                    y: origin[5],
                    font_size: (font_size * scale).abs(),
                });
            }
            _ => {}
        }
    }
    let lines = group_lines(runs, page_box(document, page_id));
    let fingerprint = if lines.is_empty() {
        Some(picture_fingerprint(document, page_id, &content))
    } else {
        Some(text_fingerprint(&lines))
    };
    PageLayout { fingerprint, lines }
}

/// Runs on one baseline (within a third of their font size) make a line;
/// lines top to bottom, runs left to right (content order where they
/// start at the same place).
fn group_lines(mut runs: Vec<Run>, [x0, y0, x1, y1]: [f64; 4]) -> Vec<TextLine> {
    runs.retain(|run| run.x.is_finite() && run.y.is_finite());
    // Stable: runs at one origin keep the order they were drawn in.
    runs.sort_by(|a, b| b.y.total_cmp(&a.y));
    let mut lines: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        let tolerance = (run.font_size / 3.0).max(1.0);
        match lines.last_mut() {
            Some(line) if (line[0].y - run.y).abs() <= tolerance => line.push(run),
            _ => lines.push(vec![run]),
        }
    }
    let width = x1 - x0;
    let height = y1 - y0;
    lines
        .into_iter()
        .map(|mut line| {
            line.sort_by(|a, b| a.x.total_cmp(&b.x));
            let first = &line[0];
            TextLine {
                x: ((first.x - x0) / width).clamp(0.0, 1.0),
                y: ((y1 - first.y) / height).clamp(0.0, 1.0),
                text: line.iter().map(|run| run.text.as_str()).collect(),
            }
        })
        .collect()
}

fn hex_prefix(digest: &[u8]) -> String {
    hex::encode(&digest[..16])
}

/// The text of each line and its place (in 1/200 steps of the page).
fn text_fingerprint(lines: &[TextLine]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"text\0");
    for line in lines {
        let x = (line.x * POSITION_STEPS).round() as i64;
        let y = (line.y * POSITION_STEPS).round() as i64;
        hasher.update(format!("{x},{y}\0").as_bytes());
        hasher.update(line.text.as_bytes());
        hasher.update(b"\n");
    }
    hex_prefix(&hasher.finalize())
}

/// A page without text (a scan, a drawing): its content stream and the
/// bytes of every image it uses. Equal only for the same picture.
fn picture_fingerprint(document: &Document, page_id: ObjectId, content: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"picture\0");
    hasher.update(content);
    for image in document.get_page_images(page_id).unwrap_or_default() {
        hasher.update(b"\0image\0");
        hasher.update(image.content);
    }
    hex_prefix(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name);
        std::fs::read(path).unwrap()
    }

    #[test]
    fn normalizing_ignores_spacing_case_and_composition() {
        // "Hà Nội" precomposed and decomposed, spaced differently.
        assert_eq!(
            normalize_text("Hà  Nội\n"),
            normalize_text("ha\u{300}No\u{323}\u{302}i")
        );
        assert_eq!(normalize_text(" A b\tC "), "abc");
    }

    #[test]
    fn every_page_of_a_converted_report_has_lines_and_a_fingerprint() {
        let layouts =
            page_layouts(&fixture("bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.pdf")).unwrap();
        assert_eq!(layouts.len(), 83);
        let with_text = layouts.iter().filter(|page| !page.lines.is_empty()).count();
        assert!(with_text > 80, "{with_text} of 83 pages have text");
        for page in &layouts {
            assert!(page.fingerprint.is_some());
            for line in &page.lines {
                assert!((0.0..=1.0).contains(&line.x) && (0.0..=1.0).contains(&line.y));
            }
            assert!(
                page.lines.windows(2).all(|pair| pair[0].y <= pair[1].y),
                "lines run top to bottom"
            );
        }
        // Different pages of a report read differently.
        let distinct: std::collections::HashSet<_> = layouts
            .iter()
            .map(|page| page.fingerprint.clone())
            .collect();
        assert!(distinct.len() > 80);
        // The same bytes give the same layouts.
        let again = page_layouts(&fixture("bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.pdf")).unwrap();
        assert_eq!(fingerprints(&layouts), fingerprints(&again));
    }

    #[test]
    fn the_words_of_a_page_are_found_in_its_lines() {
        let layouts =
            page_layouts(&fixture("bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.pdf")).unwrap();
        let all: String = layouts
            .iter()
            .flat_map(|page| page.lines.iter().map(|line| line.text.as_str()))
            .collect();
        assert!(
            all.contains(&normalize_text("Tân Lạc")),
            "Vietnamese text is decoded"
        );
    }

    #[test]
    fn bytes_that_are_not_a_pdf_are_an_error_not_a_panic() {
        assert!(page_layouts(b"not a pdf").is_err());
        assert!(page_layouts(b"%PDF-1.4\n%garbage").is_err());
    }
}
