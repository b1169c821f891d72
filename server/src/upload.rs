//! Deciding what an uploaded file is, from its bytes alone (never its name
//! or Content-Type), and refusing what must not reach LibreOffice: zip
//! bombs, path tricks, and Office files that link external resources.
//!
//! Pure functions over bytes; the conversion itself is in [`crate::convert`].

use std::io::{Cursor, Read};

/// What an accepted upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Pdf,
    /// Word 97–2003 (an OLE2 compound file).
    Doc,
    Docx,
    Xlsx,
    Pptx,
    /// OpenDocument text, spreadsheet or presentation.
    OpenDocument,
}

impl UploadKind {
    /// The extension LibreOffice needs to pick its import filter.
    pub fn extension(self) -> &'static str {
        match self {
            UploadKind::Pdf => "pdf",
            UploadKind::Doc => "doc",
            UploadKind::Docx => "docx",
            UploadKind::Xlsx => "xlsx",
            UploadKind::Pptx => "pptx",
            UploadKind::OpenDocument => "odt",
        }
    }
}

/// Why an upload is refused. Each maps to a clear message for the
/// secretary in [`crate::http`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadRejection {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not a pdf or office document")]
    UnknownKind,
    #[error("the archive is damaged: {0}")]
    BrokenArchive(String),
    #[error("the archive unpacks to too much data (a zip bomb?)")]
    ZipBomb,
    #[error("the archive has an entry with an unsafe name: {0}")]
    UnsafeEntryName(String),
    #[error("the document links an external resource: {0}")]
    ExternalLink(String),
    #[error("the file name is not acceptable: {0:?}")]
    UnsafeFileName(String),
}

/// Limits on what an Office archive may unpack to.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    pub max_entries: usize,
    pub max_total_uncompressed: u64,
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_entries: 5_000,
            max_total_uncompressed: 300 * 1024 * 1024,
            max_ratio: 200,
        }
    }
}

const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Identifies an upload by content and checks Office archives for danger.
pub fn classify(bytes: &[u8], limits: ArchiveLimits) -> Result<UploadKind, UploadRejection> {
    if bytes.is_empty() {
        return Err(UploadRejection::Empty);
    }
    if crate::pdf::looks_like_pdf(bytes) {
        return Ok(UploadKind::Pdf);
    }
    if bytes.starts_with(OLE2_MAGIC) {
        return Ok(UploadKind::Doc);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return classify_archive(bytes, limits);
    }
    Err(UploadRejection::UnknownKind)
}

fn classify_archive(bytes: &[u8], limits: ArchiveLimits) -> Result<UploadKind, UploadRejection> {
    let broken = |e: zip::result::ZipError| UploadRejection::BrokenArchive(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    if archive.len() > limits.max_entries {
        return Err(UploadRejection::ZipBomb);
    }
    let mut names = Vec::with_capacity(archive.len());
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(broken)?;
        let name = entry.name().map_err(broken)?.into_owned();
        if entry.enclosed_name().is_none() || name.contains('\\') {
            return Err(UploadRejection::UnsafeEntryName(name));
        }
        total = total.saturating_add(entry.size());
        names.push(name);
    }
    let compressed = bytes.len() as u64;
    if total > limits.max_total_uncompressed || total / compressed.max(1) > limits.max_ratio {
        return Err(UploadRejection::ZipBomb);
    }
    let has = |wanted: &str| names.iter().any(|n| n == wanted);
    let kind = if has("word/document.xml") {
        UploadKind::Docx
    } else if has("xl/workbook.xml") {
        UploadKind::Xlsx
    } else if has("ppt/presentation.xml") {
        UploadKind::Pptx
    } else if has("mimetype") && has("content.xml") {
        let mimetype = read_entry(&mut archive, "mimetype", 200)?;
        if !mimetype.starts_with("application/vnd.oasis.opendocument.") {
            return Err(UploadRejection::UnknownKind);
        }
        UploadKind::OpenDocument
    } else {
        return Err(UploadRejection::UnknownKind);
    };
    // Relationships (OOXML) and content (ODF) are where external links live.
    for name in names.iter() {
        let inspect = name.ends_with(".rels")
            || (kind == UploadKind::OpenDocument
                && (name == "content.xml" || name == "styles.xml"));
        if !inspect {
            continue;
        }
        let text = read_entry(&mut archive, name, limits.max_total_uncompressed)?;
        if let Some(target) = dangerous_external_reference(&text) {
            return Err(UploadRejection::ExternalLink(target));
        }
    }
    Ok(kind)
}

fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    limit: u64,
) -> Result<String, UploadRejection> {
    let entry = archive
        .by_name(name)
        .map_err(|e| UploadRejection::BrokenArchive(e.to_string()))?;
    let mut text = String::new();
    // Read at most `limit` bytes, whatever the header claims.
    entry
        .take(limit)
        .read_to_string(&mut text)
        .map_err(|e| UploadRejection::BrokenArchive(e.to_string()))?;
    Ok(text)
}

/// The first external reference that a converter would try to fetch or
/// open: OOXML relationships with `TargetMode="External"` other than
/// hyperlinks (which are only shown, never fetched), and ODF links to
/// files or URLs from images, objects and linked sections.
pub fn dangerous_external_reference(xml: &str) -> Option<String> {
    // OOXML: <Relationship Type="…/image" Target="file:///etc/passwd" TargetMode="External"/>
    for relationship in xml.split("<Relationship ").skip(1) {
        let element = relationship.split('>').next().unwrap_or("");
        if !element.contains("TargetMode=\"External\"") {
            continue;
        }
        let kind = attribute(element, "Type").unwrap_or_default();
        if kind.ends_with("/hyperlink") {
            continue;
        }
        return Some(attribute(element, "Target").unwrap_or_else(|| "?".into()));
    }
    // ODF: draw:image / draw:object / text:section-source with an xlink:href
    // that leaves the package.
    for marker in [
        "<draw:image",
        "<draw:object",
        "<text:section-source",
        "<draw:plugin",
    ] {
        for element in xml.split(marker).skip(1) {
            let element = element.split('>').next().unwrap_or("");
            if let Some(href) = attribute(element, "xlink:href") {
                let lower = href.to_ascii_lowercase();
                let internal =
                    !lower.contains(':') && !lower.starts_with('/') && !lower.starts_with("..");
                if !internal {
                    return Some(href);
                }
            }
        }
    }
    None
}

fn attribute(element: &str, name: &str) -> Option<String> {
    let start = element.find(&format!("{name}=\""))? + name.len() + 2;
    let end = element[start..].find('"')? + start;
    Some(element[start..end].to_owned())
}

/// Checks the name a file was uploaded under. It is only ever shown,
/// never used as a path, but a name no browser would send (a path, control
/// or text-direction characters that disguise the extension) marks a
/// hostile client, and is refused.
pub fn check_file_name(raw: &str) -> Result<String, UploadRejection> {
    // Browsers escape `"`, CR and LF as %22, %0D, %0A; some clients
    // percent-encode every non-ASCII byte. Decode before checking.
    let decoded = percent_decode(raw);
    let raw = decoded.as_str();
    let refuse = || UploadRejection::UnsafeFileName(raw.chars().take(80).collect());
    let is_direction_control = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}');
    if raw.contains(['/', '\\'])
        || raw
            .chars()
            .any(|c| c.is_control() || is_direction_control(c))
        || raw.len() > 255
    {
        return Err(refuse());
    }
    let cleaned = raw.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        return Ok("tai-lieu".to_owned());
    }
    Ok(cleaned.to_owned())
}

/// Decodes `%XX` escapes; returns the input unchanged when the result
/// would not be UTF-8.
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
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
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buffer = Cursor::new(Vec::new());
        {
            let mut writer = zip::ZipWriter::new(&mut buffer);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (name, data) in entries {
                writer.start_file(*name, options).unwrap();
                writer.write_all(data).unwrap();
            }
            writer.finish().unwrap();
        }
        buffer.into_inner()
    }

    #[test]
    fn kinds_are_recognized_by_content() {
        let limits = ArchiveLimits::default();
        assert_eq!(classify(b"%PDF-1.7\n", limits), Ok(UploadKind::Pdf));
        let mut doc = OLE2_MAGIC.to_vec();
        doc.extend_from_slice(&[0; 512]);
        assert_eq!(classify(&doc, limits), Ok(UploadKind::Doc));
        let docx = zip_with(&[
            ("[Content_Types].xml", b"<x/>"),
            ("word/document.xml", b"<w/>"),
        ]);
        assert_eq!(classify(&docx, limits), Ok(UploadKind::Docx));
        let xlsx = zip_with(&[("xl/workbook.xml", b"<w/>")]);
        assert_eq!(classify(&xlsx, limits), Ok(UploadKind::Xlsx));
        let odt = zip_with(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<office:document-content/>"),
        ]);
        assert_eq!(classify(&odt, limits), Ok(UploadKind::OpenDocument));
    }

    #[test]
    fn real_docx_fixture_is_a_docx() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/bao-cao-cai-cach-hanh-chinh-lang-son.docx");
        let bytes = std::fs::read(&path).expect("fixture in tests/fixtures");
        assert_eq!(
            classify(&bytes, ArchiveLimits::default()),
            Ok(UploadKind::Docx)
        );
    }

    #[test]
    fn other_content_is_refused_whatever_its_name() {
        let limits = ArchiveLimits::default();
        assert_eq!(classify(b"", limits), Err(UploadRejection::Empty));
        assert_eq!(
            classify(b"MZ\x90\x00 an exe", limits),
            Err(UploadRejection::UnknownKind)
        );
        let plain_zip = zip_with(&[("notes.txt", b"hello")]);
        assert_eq!(
            classify(&plain_zip, limits),
            Err(UploadRejection::UnknownKind)
        );
    }

    #[test]
    fn zip_bomb_is_refused_before_unpacking() {
        let zeros = vec![0u8; 20 * 1024 * 1024];
        let bomb = zip_with(&[
            ("[Content_Types].xml", b"<x/>"),
            ("word/document.xml", &zeros),
        ]);
        assert_eq!(
            classify(&bomb, ArchiveLimits::default()),
            Err(UploadRejection::ZipBomb)
        );
    }

    #[test]
    fn entry_names_that_climb_out_are_refused() {
        let evil = zip_with(&[("word/document.xml", b"<w/>"), ("../../etc/cron.d/x", b"x")]);
        assert!(matches!(
            classify(&evil, ArchiveLimits::default()),
            Err(UploadRejection::UnsafeEntryName(_))
        ));
    }

    #[test]
    fn external_image_link_is_refused_but_hyperlinks_are_fine() {
        let linked = br#"<Relationships><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="file:///etc/passwd" TargetMode="External"/></Relationships>"#;
        let docx = zip_with(&[
            ("word/document.xml", b"<w/>"),
            ("word/_rels/document.xml.rels", linked),
        ]);
        assert_eq!(
            classify(&docx, ArchiveLimits::default()),
            Err(UploadRejection::ExternalLink("file:///etc/passwd".into()))
        );
        let hyperlink = br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://thuvienphapluat.vn" TargetMode="External"/></Relationships>"#;
        let docx = zip_with(&[
            ("word/document.xml", b"<w/>"),
            ("word/_rels/document.xml.rels", hyperlink),
        ]);
        assert_eq!(
            classify(&docx, ArchiveLimits::default()),
            Ok(UploadKind::Docx)
        );
    }

    #[test]
    fn odf_image_from_outside_the_package_is_refused() {
        let content = br#"<office:document-content><draw:image xlink:href="http://10.0.0.1/secret.png"/></office:document-content>"#;
        let odt = zip_with(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content),
        ]);
        assert!(matches!(
            classify(&odt, ArchiveLimits::default()),
            Err(UploadRejection::ExternalLink(_))
        ));
        let inside = br#"<office:document-content><draw:image xlink:href="Pictures/1.png"/></office:document-content>"#;
        let odt = zip_with(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", inside),
        ]);
        assert_eq!(
            classify(&odt, ArchiveLimits::default()),
            Ok(UploadKind::OpenDocument)
        );
    }

    #[test]
    fn vietnamese_names_pass_and_hostile_names_are_refused() {
        assert_eq!(
            check_file_name("Báo cáo tổng kết 2026.docx").unwrap(),
            "Báo cáo tổng kết 2026.docx"
        );
        assert_eq!(check_file_name("").unwrap(), "tai-lieu");
        assert_eq!(
            check_file_name("T%E1%BB%9D%20tr%C3%ACnh.pdf").unwrap(),
            "Tờ trình.pdf"
        );
        assert!(check_file_name("bao-cao%E2%80%AEfdp.exe").is_err());
        assert!(check_file_name("..%2F..%2Fpasswd").is_err());
        assert_eq!(check_file_name("100%.pdf").unwrap(), "100%.pdf");
        assert_eq!(check_file_name("%é%").unwrap(), "%é%");
        assert_eq!(check_file_name("..").unwrap(), "tai-lieu");
        for hostile in [
            "../../etc/passwd",
            "C:\\x\\a.pdf",
            "a\u{0}b.pdf",
            "bao-cao\u{202E}fdp.exe",
            &"x".repeat(300),
        ] {
            assert!(check_file_name(hostile).is_err(), "{hostile:?}");
        }
    }
}
