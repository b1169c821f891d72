//! Where a document's annotations go when it gets a new version: the pure
//! decision, page by page and note by note.
//!
//! - A page whose fingerprint (`page_text`) is found again in the new
//!   version carries its ink and notes unchanged to that page (the same
//!   page, or the page it moved to).
//! - A text note on a page that changed follows its anchor: the text line
//!   nearest to where it was pinned, when that line is long enough to be
//!   told apart and appears exactly once in each version. It keeps its
//!   offset from the line.
//! - Everything else stays on the old version (ink on a changed page, a
//!   note whose line is gone or ambiguous, anything on a removed page),
//!   where it is still shown; nothing is ever drawn over different text.
//!
//! The web client carries a tablet's own records with the same rules:
//! `client-web/src/annotations/carryOver.ts` mirrors this module rule for
//! rule and constant for constant (`MIN_ANCHOR_CHARS`,
//! `MAX_ANCHOR_DISTANCE`); change both together. The tablet carries its
//! own records (its notebook and the shared layers it may write); no route
//! calls this module, which states the rules and tests them.

use std::collections::HashMap;

use crate::page_text::{PageLayout, TextLine};

/// What is carried: ink keeps its coordinates and at most changes page; a
/// note may also move on the page, with its anchor line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Annotation {
    /// On 1-based `page`.
    Stroke { page: u32 },
    /// Pinned at (`x`, `y`), page fractions from the top-left corner.
    Note { page: u32, x: f64, y: f64 },
}

/// The decision for one annotation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// Its page is unchanged in the new version, as this 1-based page:
    /// carried there with the same coordinates.
    SamePlace { page: u32 },
    /// A note whose page changed, moved with its anchor line to this page
    /// and pin.
    Moved { page: u32, x: f64, y: f64 },
    /// Stays on the old version.
    Stays,
}

/// A note's anchor line must be at least this long (normalized
/// characters): a short line ("1.", a date) says too little about where
/// it is. Equal to the web client's `minAnchorChars`.
pub const MIN_ANCHOR_CHARS: usize = 8;
/// How far (a fraction of the page height) a note may be from the line it
/// is anchored to: about two lines of body text. Equal to the web
/// client's `maxAnchorDistance`.
pub const MAX_ANCHOR_DISTANCE: f64 = 0.04;

/// For each page of the old version (0-based), the page of the new
/// version with the same fingerprint. Equal fingerprints are paired in
/// order (the second old copy of a page to the second new copy), so no two
/// old pages land on one new page.
pub fn page_map(old: &[Option<String>], new: &[Option<String>]) -> Vec<Option<usize>> {
    let mut new_pages: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, fingerprint) in new.iter().enumerate() {
        if let Some(fingerprint) = fingerprint {
            new_pages.entry(fingerprint).or_default().push(index);
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    old.iter()
        .map(|fingerprint| {
            let fingerprint = fingerprint.as_deref()?;
            let occurrence = seen.entry(fingerprint).or_insert(0);
            let found = new_pages.get(fingerprint)?.get(*occurrence).copied();
            *occurrence += 1;
            found
        })
        .collect()
}

/// The line a note pinned at (`x`, `y`) on `page` is about: the nearest by
/// height, if near enough and long enough.
fn anchor_line(page: &PageLayout, y: f64) -> Option<&TextLine> {
    page.lines
        .iter()
        .filter(|line| (line.y - y).abs() <= MAX_ANCHOR_DISTANCE)
        .min_by(|a, b| (a.y - y).abs().total_cmp(&(b.y - y).abs()))
        .filter(|line| line.text.chars().count() >= MIN_ANCHOR_CHARS)
}

/// Every (page index, line) of a version whose text is `text`.
fn lines_with_text<'a>(layouts: &'a [PageLayout], text: &str) -> Vec<(usize, &'a TextLine)> {
    layouts
        .iter()
        .enumerate()
        .flat_map(|(index, page)| {
            page.lines
                .iter()
                .filter(move |line| line.text == text)
                .map(move |line| (index, line))
        })
        .collect()
}

/// Where each annotation of the old version goes in the new one.
pub fn carry_over(
    old: &[PageLayout],
    new: &[PageLayout],
    annotations: &[Annotation],
) -> Vec<Placement> {
    let map = page_map(
        &old.iter()
            .map(|p| p.fingerprint.clone())
            .collect::<Vec<_>>(),
        &new.iter()
            .map(|p| p.fingerprint.clone())
            .collect::<Vec<_>>(),
    );
    let unchanged_page = |page: u32| -> Option<u32> {
        let index = (page as usize).checked_sub(1)?;
        map.get(index).copied().flatten().map(|new| new as u32 + 1)
    };
    annotations
        .iter()
        .map(|annotation| match *annotation {
            Annotation::Stroke { page } => match unchanged_page(page) {
                Some(page) => Placement::SamePlace { page },
                None => Placement::Stays,
            },
            Annotation::Note { page, x, y } => match unchanged_page(page) {
                Some(page) => Placement::SamePlace { page },
                None => follow_anchor(old, new, page, x, y).unwrap_or(Placement::Stays),
            },
        })
        .collect()
}

/// A note on a changed page, moved with the one line it is anchored to.
fn follow_anchor(
    old: &[PageLayout],
    new: &[PageLayout],
    page: u32,
    x: f64,
    y: f64,
) -> Option<Placement> {
    let old_page = old.get((page as usize).checked_sub(1)?)?;
    let anchor = anchor_line(old_page, y)?;
    if lines_with_text(old, &anchor.text).len() != 1 {
        return None;
    }
    let [(new_index, new_line)] = lines_with_text(new, &anchor.text)[..] else {
        return None;
    };
    Some(Placement::Moved {
        page: new_index as u32 + 1,
        x: (x + new_line.x - anchor.x).clamp(0.0, 1.0),
        y: (y + new_line.y - anchor.y).clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, y: f64) -> TextLine {
        TextLine {
            text: crate::page_text::normalize_text(text),
            x: 0.1,
            y,
        }
    }

    fn page(fingerprint: &str, lines: Vec<TextLine>) -> PageLayout {
        PageLayout {
            fingerprint: Some(fingerprint.into()),
            lines,
        }
    }

    /// Three pages: a title page, the budget, the conclusions.
    fn version_one() -> Vec<PageLayout> {
        vec![
            page("title", vec![line("Báo cáo tổng kết năm 2025", 0.1)]),
            page(
                "budget",
                vec![
                    line("Dự toán ngân sách xã", 0.2),
                    line("Chi thường xuyên 12 tỷ đồng", 0.3),
                ],
            ),
            page(
                "conclusions",
                vec![line("Kết luận của chủ tịch", 0.5), line("1.", 0.6)],
            ),
        ]
    }

    #[test]
    fn ink_on_an_unchanged_page_is_carried_to_the_same_page() {
        let old = version_one();
        let mut new = version_one();
        new[1] = page("budget v2", vec![line("Dự toán ngân sách huyện", 0.2)]);
        let placements = carry_over(
            &old,
            &new,
            &[
                Annotation::Stroke { page: 1 },
                Annotation::Stroke { page: 3 },
            ],
        );
        assert_eq!(
            placements,
            [
                Placement::SamePlace { page: 1 },
                Placement::SamePlace { page: 3 }
            ]
        );
    }

    #[test]
    fn ink_on_a_page_that_moved_follows_it() {
        let old = version_one();
        // A new page 2 pushes the budget to page 3 and the conclusions to 4.
        let mut new = version_one();
        new.insert(1, page("inserted", vec![line("Phụ lục mới", 0.1)]));
        let placements = carry_over(
            &old,
            &new,
            &[
                Annotation::Stroke { page: 2 },
                Annotation::Note {
                    page: 3,
                    x: 0.7,
                    y: 0.5,
                },
            ],
        );
        assert_eq!(
            placements,
            [
                Placement::SamePlace { page: 3 },
                Placement::SamePlace { page: 4 }
            ]
        );
    }

    #[test]
    fn ink_on_a_changed_page_stays_on_the_old_version() {
        let old = version_one();
        let mut new = version_one();
        new[1] = page(
            "budget v2",
            vec![
                line("Dự toán ngân sách xã", 0.2),
                line("Chi thường xuyên 14 tỷ đồng", 0.3),
            ],
        );
        assert_eq!(
            carry_over(&old, &new, &[Annotation::Stroke { page: 2 }]),
            [Placement::Stays]
        );
    }

    #[test]
    fn anything_on_a_removed_page_stays_on_the_old_version() {
        let old = version_one();
        let mut new = version_one();
        new.remove(2);
        assert_eq!(
            carry_over(
                &old,
                &new,
                &[
                    Annotation::Stroke { page: 3 },
                    Annotation::Note {
                        page: 3,
                        x: 0.5,
                        y: 0.5
                    },
                    // A page the old version never had.
                    Annotation::Stroke { page: 9 },
                ]
            ),
            [Placement::Stays, Placement::Stays, Placement::Stays]
        );
    }

    #[test]
    fn a_note_on_a_changed_page_follows_its_line_to_where_it_moved() {
        let old = version_one();
        let mut new = version_one();
        // The budget page changed: a line was added above, and the note's
        // line moved down and onto the next page's top.
        new[1] = page(
            "budget v2",
            vec![line("Dự toán ngân sách xã (sửa đổi)", 0.2)],
        );
        new[2] = page(
            "conclusions v2",
            vec![
                TextLine {
                    x: 0.15,
                    ..line("Chi thường xuyên 12 tỷ đồng", 0.1)
                },
                line("Kết luận của chủ tịch", 0.5),
            ],
        );
        let placements = carry_over(
            &old,
            &new,
            &[Annotation::Note {
                page: 2,
                x: 0.8,
                y: 0.31,
            }],
        );
        let Placement::Moved { page, x, y } = placements[0] else {
            panic!("the note should follow its line: {placements:?}");
        };
        assert_eq!(page, 3);
        assert!(
            (x - 0.85).abs() < 1e-9 && (y - 0.11).abs() < 1e-9,
            "{x}, {y}"
        );
    }

    #[test]
    fn a_note_whose_line_is_gone_short_or_ambiguous_stays() {
        let old = version_one();
        let mut new = version_one();
        new[1] = page("budget v2", vec![line("Chi thường xuyên 14 tỷ đồng", 0.3)]);
        new[2] = page("conclusions v2", vec![line("1.", 0.6)]);
        let note = |page, y| Annotation::Note { page, x: 0.5, y };
        // Gone (the amount changed), too short ("1."), too far from any line.
        assert_eq!(
            carry_over(&old, &new, &[note(2, 0.3), note(3, 0.6), note(2, 0.9)]),
            [Placement::Stays, Placement::Stays, Placement::Stays]
        );
        // Twice in the new version: which one is meant cannot be known.
        let mut twice = version_one();
        twice[1] = page(
            "budget v3",
            vec![
                line("Chi thường xuyên 12 tỷ đồng", 0.3),
                line("Chi thường xuyên 12 tỷ đồng", 0.7),
            ],
        );
        assert_eq!(
            carry_over(&old, &twice, &[note(2, 0.3)]),
            [Placement::Stays]
        );
    }

    #[test]
    fn identical_pages_are_paired_in_order() {
        let fp = |s: &str| Some(s.to_owned());
        // Two blank pages before; one blank page and then a new one after.
        assert_eq!(
            page_map(
                &[fp("blank"), fp("a"), fp("blank")],
                &[fp("a"), fp("blank"), fp("new")]
            ),
            [Some(1), Some(0), None]
        );
        // A page that could not be read matches nothing, not even itself.
        assert_eq!(page_map(&[None], &[None]), [None]);
    }

    #[test]
    fn a_real_report_carries_everything_onto_an_identical_copy_and_nothing_onto_another() {
        let read = |name: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tests/fixtures")
                .join(name);
            crate::page_text::page_layouts(&std::fs::read(path).unwrap()).unwrap()
        };
        let report = read("bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.pdf");
        let other = read("tham-luan-trung-tam-hanh-chinh-cong.pdf");
        let strokes: Vec<_> = (1..=83).map(|page| Annotation::Stroke { page }).collect();
        let same = carry_over(&report, &report, &strokes);
        assert!(same.iter().enumerate().all(|(index, p)| *p
            == Placement::SamePlace {
                page: index as u32 + 1
            }));
        assert!(carry_over(&report, &other, &strokes)
            .iter()
            .all(|p| *p == Placement::Stays));
    }
}
