//! A page's own content, made safe to draw the stamp after.
//!
//! The stamp is drawn last, over everything, so a full-page scan cannot
//! hide it. For that the page's content must leave the graphics state as it
//! found it, and must not swallow what follows: a content stream that
//! restores (`Q`) more often than it saves (`q`) would pop our state, one
//! that ends inside a text object, marked content (an optional-content
//! layer that can be switched off), an array, a dictionary, a string or an
//! inline image would take the stamp into it. An uploaded document is
//! hostile input, so [`balanced_content`] reads the content just enough to
//! know, and returns it wrapped so that whatever comes next starts from the
//! page's initial state. Pure; it never fails and never panics.

/// The page's content, wrapped: as many `q` as its `Q`s can pop, the
/// content (cut before a string, hex string or inline image it leaves
/// unfinished, which no reader could draw anyway), then whatever closes
/// what it left open, and the `Q`s back to the initial state.
pub fn balanced_content(content: &[u8]) -> Vec<u8> {
    let shape = ContentShape::of(content);
    let saves = 1 + shape.deepest_restore;
    let mut out = Vec::with_capacity(content.len() + 64);
    for _ in 0..saves {
        out.extend_from_slice(b"q\n");
    }
    out.extend_from_slice(&content[..shape.usable_length]);
    out.push(b'\n');
    for closer in shape.open_brackets.iter().rev() {
        out.extend_from_slice(match closer {
            Bracket::Array => b"]\n".as_slice(),
            Bracket::Dictionary => b">>\n",
            Bracket::Procedure => b"}\n",
        });
    }
    if shape.open_text {
        out.extend_from_slice(b"ET\n");
    }
    for _ in 0..shape.open_marked_content {
        out.extend_from_slice(b"EMC\n");
    }
    // Depth now: saves + final_depth, which is at least 1.
    let restores = saves as i64 + shape.final_depth;
    for _ in 0..restores.max(0) {
        out.extend_from_slice(b"Q\n");
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bracket {
    Array,
    Dictionary,
    Procedure,
}

/// What a content stream leaves open or undone at its end.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct ContentShape {
    /// The most `Q`s beyond its own `q`s the content performs at any point.
    deepest_restore: usize,
    /// `q`s minus `Q`s over the whole (usable) content.
    final_depth: i64,
    open_text: bool,
    open_marked_content: usize,
    open_brackets: Vec<Bracket>,
    /// Bytes worth keeping: all of them, or up to the start of an
    /// unfinished string or inline image.
    usable_length: usize,
}

fn is_whitespace(byte: u8) -> bool {
    matches!(byte, 0 | b'\t' | b'\n' | 0x0C | b'\r' | b' ')
}

fn is_delimiter(byte: u8) -> bool {
    matches!(
        byte,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(byte: u8) -> bool {
    !is_whitespace(byte) && !is_delimiter(byte)
}

impl ContentShape {
    fn of(content: &[u8]) -> ContentShape {
        let mut shape = ContentShape {
            usable_length: content.len(),
            ..ContentShape::default()
        };
        let mut depth: i64 = 0;
        let mut lowest: i64 = 0;
        let length = content.len();
        let mut at = 0;
        while at < length {
            let byte = content[at];
            if is_whitespace(byte) {
                at += 1;
                continue;
            }
            match byte {
                b'%' => {
                    while at < length && content[at] != b'\n' && content[at] != b'\r' {
                        at += 1;
                    }
                }
                b'(' => match end_of_literal_string(content, at) {
                    Some(end) => at = end,
                    None => {
                        shape.usable_length = at;
                        break;
                    }
                },
                b'<' if content.get(at + 1) == Some(&b'<') => {
                    shape.open_brackets.push(Bracket::Dictionary);
                    at += 2;
                }
                b'<' => match content[at..].iter().position(|&b| b == b'>') {
                    Some(offset) => at += offset + 1,
                    None => {
                        shape.usable_length = at;
                        break;
                    }
                },
                b'>' => {
                    if content.get(at + 1) == Some(&b'>') {
                        if shape.open_brackets.last() == Some(&Bracket::Dictionary) {
                            shape.open_brackets.pop();
                        }
                        at += 2;
                    } else {
                        at += 1;
                    }
                }
                b'[' | b'{' => {
                    shape.open_brackets.push(if byte == b'[' {
                        Bracket::Array
                    } else {
                        Bracket::Procedure
                    });
                    at += 1;
                }
                b']' | b'}' => {
                    let wanted = if byte == b']' {
                        Bracket::Array
                    } else {
                        Bracket::Procedure
                    };
                    if shape.open_brackets.last() == Some(&wanted) {
                        shape.open_brackets.pop();
                    }
                    at += 1;
                }
                b'/' => {
                    at += 1;
                    while at < length && is_regular(content[at]) {
                        at += 1;
                    }
                }
                b')' => at += 1,
                _ => {
                    let start = at;
                    while at < length && is_regular(content[at]) {
                        at += 1;
                    }
                    // Operators outside arrays and dictionaries only: inside
                    // them a word is an operand (or garbage).
                    if !shape.open_brackets.is_empty() {
                        continue;
                    }
                    match &content[start..at] {
                        b"q" => depth += 1,
                        b"Q" => {
                            depth -= 1;
                            lowest = lowest.min(depth);
                        }
                        b"BT" => shape.open_text = true,
                        b"ET" => shape.open_text = false,
                        b"BMC" | b"BDC" => shape.open_marked_content += 1,
                        b"EMC" => {
                            shape.open_marked_content = shape.open_marked_content.saturating_sub(1)
                        }
                        b"BI" => match end_of_inline_image(content, at) {
                            Some(end) => at = end,
                            None => {
                                shape.usable_length = start;
                                break;
                            }
                        },
                        _ => {}
                    }
                }
            }
        }
        shape.deepest_restore = usize::try_from(-lowest).unwrap_or(0);
        shape.final_depth = depth;
        shape
    }
}

/// The index just past the `)` that ends the literal string opening at
/// `open`, or `None` when the content ends first.
fn end_of_literal_string(content: &[u8], open: usize) -> Option<usize> {
    let mut nesting = 0usize;
    let mut at = open;
    while at < content.len() {
        match content[at] {
            b'\\' => at += 2,
            b'(' => {
                nesting += 1;
                at += 1;
            }
            b')' => {
                nesting -= 1;
                at += 1;
                if nesting == 0 {
                    return Some(at);
                }
            }
            _ => at += 1,
        }
    }
    None
}

/// The index just past the `EI` that ends the inline image whose `BI`
/// ends at `after_bi`: the parameters up to `ID`, one white-space byte,
/// the image data, then `EI` between white space (or the end) — the rule
/// readers use to find it. `None` when the content ends first.
fn end_of_inline_image(content: &[u8], after_bi: usize) -> Option<usize> {
    let length = content.len();
    let mut at = after_bi;
    // The parameters: names, numbers, arrays, strings, up to the word `ID`.
    loop {
        while at < length && is_whitespace(content[at]) {
            at += 1;
        }
        if at >= length {
            return None;
        }
        match content[at] {
            b'(' => at = end_of_literal_string(content, at)?,
            b'%' => {
                while at < length && content[at] != b'\n' && content[at] != b'\r' {
                    at += 1;
                }
            }
            byte if is_regular(byte) => {
                let start = at;
                while at < length && is_regular(content[at]) {
                    at += 1;
                }
                if &content[start..at] == b"ID" {
                    break;
                }
            }
            _ => at += 1,
        }
    }
    // One white-space byte after ID, then the data.
    let data_start = at + 1;
    let mut search = data_start;
    while search + 2 <= length {
        let found = content[search..].windows(2).position(|w| w == b"EI")?;
        let ei = search + found;
        let before_ok = ei > data_start.saturating_sub(1) && is_whitespace(content[ei - 1]);
        let after_ok = ei + 2 == length || !is_regular(content[ei + 2]);
        if before_ok && after_ok {
            return Some(ei + 2);
        }
        search = ei + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    /// Depth of `q`/`Q` nesting after running `content`, counting only
    /// operators (as the shape does), and the lowest it went.
    fn depth_after(content: &[u8]) -> (i64, i64) {
        let shape = ContentShape::of(content);
        (shape.final_depth, -(shape.deepest_restore as i64))
    }

    #[test]
    fn well_formed_content_is_wrapped_in_one_save_and_restore() {
        let wrapped = balanced_content(b"q 1 0 0 1 10 10 cm BT /F1 12 Tf (Hi) Tj ET Q");
        assert_eq!(
            text(&wrapped),
            "q\nq 1 0 0 1 10 10 cm BT /F1 12 Tf (Hi) Tj ET Q\nQ\n"
        );
    }

    #[test]
    fn extra_restores_are_matched_by_extra_saves_before_the_content() {
        let wrapped = balanced_content(b"Q Q 0 0 1 rg");
        assert_eq!(text(&wrapped), "q\nq\nq\nQ Q 0 0 1 rg\nQ\n");
        assert_eq!(depth_after(b"Q Q 0 0 1 rg"), (-2, -2));
    }

    #[test]
    fn saves_never_restored_are_restored_after_the_content() {
        let wrapped = balanced_content(b"q q 2 0 0 2 0 0 cm");
        assert_eq!(text(&wrapped), "q\nq q 2 0 0 2 0 0 cm\nQ\nQ\nQ\n");
    }

    #[test]
    fn an_open_text_object_and_marked_content_are_closed() {
        let content = b"/OC /Hidden BDC BT /F1 1 Tf (x) Tj";
        let wrapped = text(&balanced_content(content));
        assert!(wrapped.ends_with("(x) Tj\nET\nEMC\nQ\n"), "{wrapped}");
    }

    #[test]
    fn operators_inside_strings_comments_and_names_do_not_count() {
        let content = b"(Q Q \\) Q) Tj % Q Q Q\n/Q /BT <5151> Tj";
        assert_eq!(depth_after(content), (0, 0));
        assert!(!ContentShape::of(content).open_text);
    }

    #[test]
    fn nested_parentheses_and_escapes_stay_inside_a_string() {
        let content = b"(a (b) \\( c) Tj Q";
        assert_eq!(depth_after(content), (-1, -1));
    }

    #[test]
    fn an_unfinished_string_is_cut_off_rather_than_swallowing_the_stamp() {
        let content = b"BT (never closed Q Q";
        let wrapped = text(&balanced_content(content));
        assert_eq!(wrapped, "q\nBT \nET\nQ\n");
        let hex = text(&balanced_content(b"q <414243"));
        assert_eq!(hex, "q\nq \nQ\nQ\n");
    }

    #[test]
    fn open_arrays_and_dictionaries_are_closed() {
        let wrapped = text(&balanced_content(b"[(a) 120 (b) << /K ["));
        assert!(wrapped.ends_with("]\n>>\n]\nQ\n"), "{wrapped}");
    }

    #[test]
    fn operator_words_inside_an_array_are_operands() {
        assert_eq!(depth_after(b"[ Q Q ] TJ"), (0, 0));
    }

    #[test]
    fn inline_image_data_is_skipped_whole() {
        let mut content = b"q BI /W 2 /H 1 /BPC 8 /CS /G ID ".to_vec();
        content.extend_from_slice(b"QQ Q\xff");
        content.extend_from_slice(b" EI Q");
        assert_eq!(depth_after(&content), (0, 0));
        assert_eq!(ContentShape::of(&content).usable_length, content.len());
    }

    #[test]
    fn an_unfinished_inline_image_is_cut_off() {
        let content = b"q 1 g BI /W 9 /H 9 ID \x00\x01Q Q Q";
        let wrapped = text(&balanced_content(content));
        assert_eq!(wrapped, "q\nq 1 g \nQ\nQ\n");
    }

    #[test]
    fn any_bytes_give_a_balanced_wrapping_without_panicking() {
        // A small seeded generator over the bytes that matter to the lexer.
        let alphabet: &[&[u8]] = &[
            b"q", b"Q", b"BT", b"ET", b"BDC", b"EMC", b"BI", b"ID", b"EI", b"(", b")", b"<", b">",
            b"<<", b">>", b"[", b"]", b"{", b"}", b"%", b"\\", b"/", b" ", b"\n", b"1", b"\xff",
        ];
        let mut seed: u64 = 0x5eed_2026;
        for _ in 0..2000 {
            let mut content = Vec::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let pieces = (seed % 40) as usize;
            for _ in 0..pieces {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                content.extend_from_slice(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            let wrapped = balanced_content(&content);
            // Whatever the content, the wrapping's own operators after it
            // bring the depth back to zero: parse the wrapped stream again.
            let again = ContentShape::of(&wrapped);
            assert_eq!(again.final_depth, 0, "{:?}", text(&content));
            assert_eq!(again.deepest_restore, 0, "{:?}", text(&content));
            assert!(!again.open_text, "{:?}", text(&content));
            assert_eq!(again.open_marked_content, 0, "{:?}", text(&content));
            assert!(again.open_brackets.is_empty(), "{:?}", text(&content));
        }
    }
}
