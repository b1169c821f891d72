//! The name a file was uploaded under. It is only ever shown (and sent
//! back in `Content-Disposition`), never used as a path; still, a name no
//! browser would send marks a hostile client, and characters that change
//! how the rest of the name looks (text-direction controls that turn
//! `fdp.exe` into `exe.pdf`, zero-width characters, line separators)
//! would mislead the delegates who read it. Names are decoded (clients
//! percent-encode), must be UTF-8, and are stored in Unicode NFC, so
//! "Tờ trình" typed on a Mac (decomposed) and on Windows (composed) is
//! one name.

use unicode_normalization::UnicodeNormalization;

use super::UploadRejection;

/// Characters that change how text around them is shown without being
/// seen: bidirectional controls, zero-width characters, line and
/// paragraph separators, the byte-order mark used as a joiner.
fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'   // zero-width space, joiners, LRM, RLM
        | '\u{202A}'..='\u{202E}' // embeddings and overrides
        | '\u{2028}' | '\u{2029}' // line and paragraph separators
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}' // isolates
        | '\u{061C}'              // Arabic letter mark
        | '\u{FEFF}'              // zero-width no-break space (BOM)
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
        | '\u{180E}'              // Mongolian vowel separator
    )
}

/// Decodes `%XX` escapes. `None` when the decoded bytes are not UTF-8;
/// text without a valid escape is returned as it is.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("");
            if let Ok(value) = u8::from_str_radix(hex, 16) {
                out.push(value);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8(out).ok()
}

/// Checks and cleans an uploaded file's name: decoded, NFC, trimmed, no
/// leading dots; refused when it holds a path, a control or invisible
/// character, invalid UTF-8, or more than 255 bytes. An empty name
/// becomes `tai-lieu`.
pub fn check_file_name(raw: &str) -> Result<String, UploadRejection> {
    let refuse = |why: &str| {
        UploadRejection::UnsafeFileName(format!(
            "{why}: {:?}",
            raw.chars().take(80).collect::<String>()
        ))
    };
    let decoded = percent_decode(raw).ok_or_else(|| refuse("not UTF-8 once decoded"))?;
    let name: String = decoded.nfc().collect();
    if name.contains(['/', '\\']) {
        return Err(refuse("a path"));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(refuse("a control character"));
    }
    if name.chars().any(is_invisible_control) {
        return Err(refuse("an invisible or text-direction character"));
    }
    if name.len() > 255 {
        return Err(refuse("longer than 255 bytes"));
    }
    let cleaned = name.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return Ok("tai-lieu".to_owned());
    }
    Ok(cleaned.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_names_pass_and_are_stored_composed() {
        assert_eq!(
            check_file_name("Báo cáo tổng kết 2026.docx").unwrap(),
            "Báo cáo tổng kết 2026.docx"
        );
        // "Tờ trình" decomposed (o + horn + grave), as macOS sends it.
        let decomposed = "To\u{31B}\u{300} tri\u{300}nh.pdf";
        assert_eq!(check_file_name(decomposed).unwrap(), "Tờ trình.pdf");
        assert_eq!(
            check_file_name("T%E1%BB%9D%20tr%C3%ACnh.pdf").unwrap(),
            "Tờ trình.pdf"
        );
        assert_eq!(check_file_name("").unwrap(), "tai-lieu");
        assert_eq!(check_file_name("100%.pdf").unwrap(), "100%.pdf");
        assert_eq!(check_file_name("%é%").unwrap(), "%é%");
        assert_eq!(check_file_name("..").unwrap(), "tai-lieu");
    }

    #[test]
    fn hostile_names_are_refused() {
        for hostile in [
            "../../etc/passwd",
            "..%2F..%2Fpasswd",
            "C:\\x\\a.pdf",
            "a\u{0}b.pdf",
            "a%00b.pdf",
            "bao-cao\u{202E}fdp.exe",
            "bao-cao%E2%80%AEfdp.exe",
            "bao\u{2066}cao.pdf",
            "bao\u{200B}cao.pdf",
            "bao\u{FEFF}cao.pdf",
            "dong 1\u{2028}dong 2.pdf",
            "dong 1\ndong 2.pdf",
            "bad%FF%FEutf8.pdf",
            &"x".repeat(300),
        ] {
            assert!(check_file_name(hostile).is_err(), "{hostile:?}");
        }
    }
}
