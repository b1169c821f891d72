//! Deciding what an uploaded file is, from its bytes alone (never its name
//! or Content-Type), and refusing what must not reach LibreOffice: zip
//! bombs, path tricks, and Office files that would make LibreOffice read or
//! fetch anything but the upload itself.
//!
//! This is the second line of defence; the first is the sandbox the
//! conversion runs in ([`crate::convert`]), which can read nothing but the
//! one uploaded file. The filter parses, it does not match strings: every
//! part of a package is read with an XML parser ([`xml`]), with the rules
//! of its format ([`ooxml`], [`odf`]; both sets run on every package, in
//! case LibreOffice's type detection reads a package differently from
//! ours). Legacy OLE2 files are refused unless the operator allows them
//! ([`legacy`]). File names are checked in [`file_name`].
//!
//! Pure functions over bytes (the fuzz crate compiles this folder
//! unchanged); the conversion itself is in [`crate::convert`].

pub mod file_name;
pub mod legacy;
pub mod odf;
pub mod ooxml;
pub mod package;
pub mod xml;

pub use file_name::check_file_name;

/// What an accepted upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    Pdf,
    /// Word 97-2003 (an OLE2 compound file); only with `allow_legacy_office`.
    Doc,
    /// Excel 97-2003; only with `allow_legacy_office`.
    Xls,
    /// PowerPoint 97-2003; only with `allow_legacy_office`.
    Ppt,
    Docx,
    Xlsx,
    Pptx,
    /// OpenDocument text.
    Odt,
    /// OpenDocument spreadsheet.
    Ods,
    /// OpenDocument presentation.
    Odp,
}

impl UploadKind {
    /// The extension LibreOffice needs to pick its import filter.
    pub fn extension(self) -> &'static str {
        match self {
            UploadKind::Pdf => "pdf",
            UploadKind::Doc => "doc",
            UploadKind::Xls => "xls",
            UploadKind::Ppt => "ppt",
            UploadKind::Docx => "docx",
            UploadKind::Xlsx => "xlsx",
            UploadKind::Pptx => "pptx",
            UploadKind::Odt => "odt",
            UploadKind::Ods => "ods",
            UploadKind::Odp => "odp",
        }
    }

    /// The modern format a secretary should save a legacy file as.
    pub fn modern_equivalent(self) -> &'static str {
        match self {
            UploadKind::Doc => "DOCX",
            UploadKind::Xls => "XLSX",
            UploadKind::Ppt => "PPTX",
            _ => "PDF",
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
    #[error("the archive has two entries named {0}")]
    DuplicateEntry(String),
    #[error("the package is both an office open xml and an opendocument file")]
    AmbiguousPackage,
    #[error("the document links an external resource: {0}")]
    ExternalLink(String),
    #[error("the document has a linking field: {0}")]
    LinkingField(String),
    #[error("the document imports other content (altChunk): {0}")]
    ImportedContent(String),
    #[error("the workbook has connections to outside data")]
    DataConnection,
    #[error("the document contains macros")]
    Macros,
    #[error("the document's xml is not acceptable: {0}")]
    UnsafeXml(String),
    #[error("the document is encrypted or password-protected")]
    Encrypted,
    #[error("documents nest more than one level deep")]
    NestedTooDeep,
    #[error("legacy office format ({0:?}) is not accepted")]
    LegacyFormat(UploadKind),
    #[error("the file name is not acceptable: {0}")]
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

/// What the operator allows.
#[derive(Debug, Clone, Copy, Default)]
pub struct UploadPolicy {
    pub limits: ArchiveLimits,
    /// Accept Word, Excel and PowerPoint 97-2003 files (OLE2), searched
    /// for linking fields and converted in the sandbox like the rest.
    pub allow_legacy_office: bool,
}

const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Identifies an upload by content and checks Office files for danger.
pub fn classify(bytes: &[u8], policy: &UploadPolicy) -> Result<UploadKind, UploadRejection> {
    if bytes.is_empty() {
        return Err(UploadRejection::Empty);
    }
    if crate::pdf::looks_like_pdf(bytes) {
        return Ok(UploadKind::Pdf);
    }
    if bytes.starts_with(OLE2_MAGIC) {
        return legacy::classify(bytes, policy.allow_legacy_office);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return classify_package(bytes, policy, 0);
    }
    Err(UploadRejection::UnknownKind)
}

/// The OOXML kind a package's content types declare, if any.
fn ooxml_kind(parts: &[package::Part]) -> Option<UploadKind> {
    let has = |wanted: &str| parts.iter().any(|p| p.name.eq_ignore_ascii_case(wanted));
    let content_types = parts
        .iter()
        .find(|p| p.name == "[Content_Types].xml")
        .map(|p| String::from_utf8_lossy(&p.bytes).to_ascii_lowercase())
        .unwrap_or_default();
    let declares = |kind: &str| content_types.contains(kind);
    if has("word/document.xml") || declares("wordprocessingml.document") {
        Some(UploadKind::Docx)
    } else if has("xl/workbook.xml") || declares("spreadsheetml.sheet") {
        Some(UploadKind::Xlsx)
    } else if has("ppt/presentation.xml") || declares("presentationml.presentation") {
        Some(UploadKind::Pptx)
    } else {
        None
    }
}

/// The ODF kind of a package's `mimetype` entry, if any.
fn odf_kind(parts: &[package::Part]) -> Result<Option<UploadKind>, UploadRejection> {
    let Some(mimetype) = parts.iter().find(|p| p.name == "mimetype") else {
        return Ok(None);
    };
    let mimetype = String::from_utf8_lossy(&mimetype.bytes);
    match mimetype.trim() {
        "application/vnd.oasis.opendocument.text" => Ok(Some(UploadKind::Odt)),
        "application/vnd.oasis.opendocument.spreadsheet" => Ok(Some(UploadKind::Ods)),
        "application/vnd.oasis.opendocument.presentation" => Ok(Some(UploadKind::Odp)),
        _ => Err(UploadRejection::UnknownKind),
    }
}

fn classify_package(
    bytes: &[u8],
    policy: &UploadPolicy,
    depth: u8,
) -> Result<UploadKind, UploadRejection> {
    let parts = package::read_package(bytes, policy.limits)?;
    let kind = match (ooxml_kind(&parts), odf_kind(&parts)?) {
        (Some(_), Some(_)) => return Err(UploadRejection::AmbiguousPackage),
        (Some(kind), None) | (None, Some(kind)) => kind,
        (None, None) => return Err(UploadRejection::UnknownKind),
    };
    // Both rule sets on every package: LibreOffice's type detection may
    // read a crafted package as the other kind.
    ooxml::inspect(&parts)?;
    odf::inspect(&parts)?;
    for part in parts.iter().filter(|p| !xml::looks_like_xml(&p.bytes)) {
        inspect_embedded(&part.bytes, policy, depth)?;
    }
    Ok(kind)
}

/// Checks a non-XML part of a package: an embedded Office package is
/// inspected like an upload (one level down), an embedded OLE2 object is
/// searched for linking fields; images and other binaries pass.
fn inspect_embedded(bytes: &[u8], policy: &UploadPolicy, depth: u8) -> Result<(), UploadRejection> {
    if bytes.starts_with(OLE2_MAGIC) {
        return legacy::scan_fields(bytes);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        if depth >= 1 {
            return Err(UploadRejection::NestedTooDeep);
        }
        return match classify_package(bytes, policy, depth + 1) {
            Ok(_) | Err(UploadRejection::UnknownKind) => Ok(()),
            Err(rejection) => Err(rejection),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

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

    const ODT_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.text";

    fn odt_with_content(content: &str) -> Vec<u8> {
        zip_with(&[
            ("mimetype", ODT_MIMETYPE),
            ("content.xml", content.as_bytes()),
        ])
    }

    fn docx_with(rels: &str, document: &str) -> Vec<u8> {
        zip_with(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", document.as_bytes()),
            ("word/_rels/document.xml.rels", rels.as_bytes()),
        ])
    }

    const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

    fn legacy_file(stream: &str, content: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream(stream)
            .unwrap()
            .write_all(content)
            .unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn kinds_are_recognized_by_content() {
        let limits = &UploadPolicy::default();
        assert_eq!(classify(b"%PDF-1.7\n", limits), Ok(UploadKind::Pdf));
        let docx = zip_with(&[
            ("[Content_Types].xml", b"<x/>"),
            ("word/document.xml", b"<w/>"),
        ]);
        assert_eq!(classify(&docx, limits), Ok(UploadKind::Docx));
        let xlsx = zip_with(&[("xl/workbook.xml", b"<w/>")]);
        assert_eq!(classify(&xlsx, limits), Ok(UploadKind::Xlsx));
        let odt = odt_with_content(
            r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>"#,
        );
        assert_eq!(classify(&odt, limits), Ok(UploadKind::Odt));
        let ods = zip_with(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", b"<a/>"),
        ]);
        assert_eq!(classify(&ods, limits), Ok(UploadKind::Ods));
        let master = zip_with(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.text-master",
            ),
            ("content.xml", b"<a/>"),
        ]);
        assert_eq!(classify(&master, limits), Err(UploadRejection::UnknownKind));
    }

    #[test]
    fn legacy_office_is_refused_unless_allowed_and_then_searched_for_fields() {
        let doc = legacy_file("/WordDocument", b"plain text \x13 PAGE \x14 1\x15");
        assert_eq!(
            classify(&doc, &UploadPolicy::default()),
            Err(UploadRejection::LegacyFormat(UploadKind::Doc))
        );
        let allowed = UploadPolicy {
            allow_legacy_office: true,
            ..UploadPolicy::default()
        };
        assert_eq!(classify(&doc, &allowed), Ok(UploadKind::Doc));
        let linked = legacy_file(
            "/WordDocument",
            b"\x13 INCLUDEPICTURE \"file:///etc/x.png\" \x14\x15",
        );
        assert_eq!(
            classify(&linked, &allowed),
            Err(UploadRejection::LinkingField("INCLUDEPICTURE".into()))
        );
        let xls = legacy_file("/Workbook", b"cells");
        assert_eq!(classify(&xls, &allowed), Ok(UploadKind::Xls));
        let mut junk = OLE2_MAGIC.to_vec();
        junk.extend_from_slice(&[0; 512]);
        assert!(matches!(
            classify(&junk, &allowed),
            Err(UploadRejection::BrokenArchive(_))
        ));
    }

    #[test]
    fn every_bypass_of_the_string_matching_filter_is_refused() {
        let policy = &UploadPolicy::default();
        let image = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";
        let plain_document = format!("<w:document {W}><w:body/></w:document>");
        for rels in [
            format!(r#"<Relationships><Relationship Id='rId9' Type='{image}' Target='file:///etc/passwd' TargetMode='External'/></Relationships>"#),
            format!(r#"<Relationships><Relationship Id = "rId9" Type = "{image}" Target = "file:///etc/passwd" TargetMode = "External" /></Relationships>"#),
            format!("<Relationships><Relationship\nId=\"rId9\"\nTargetMode=\"External\"\nType=\"{image}\"\nTarget=\"http://127.0.0.1:9/x.png\"/></Relationships>"),
            format!(r#"<Relationships><Relationship Id="rId9" Type="{image}" Target="file:///etc/passwd" TargetMode="external"/></Relationships>"#),
            format!(r#"<Relationships><Relationship Id="rId9" Type="{image}" Target="../../../etc/passwd"/></Relationships>"#),
            format!(r#"<Relationships><Relationship Id="rId9" Type="{image}" Target="&#102;ile:///etc/passwd" TargetMode="&#69;xternal"/></Relationships>"#),
            r#"<Relationships><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" Target="chunk.html"/></Relationships>"#.to_owned(),
        ] {
            let docx = docx_with(&rels, &plain_document);
            assert!(classify(&docx, policy).is_err(), "{rels}");
        }
        let hyperlink = r#"<Relationships><Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="file:///etc/passwd" TargetMode="External"/></Relationships>"#;
        let linked_hyperlink = docx_with(
            hyperlink,
            &format!(
                r#"<w:document {W} xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><w:body><a:blip r:embed="rIdH"/></w:body></w:document>"#
            ),
        );
        assert!(matches!(
            classify(&linked_hyperlink, policy),
            Err(UploadRejection::ExternalLink(_))
        ));
        let real_hyperlink = docx_with(
            hyperlink,
            &format!(
                r#"<w:document {W}><w:body><w:p><w:hyperlink r:id="rIdH"><w:r><w:t>x</w:t></w:r></w:hyperlink></w:p></w:body></w:document>"#
            ),
        );
        assert_eq!(classify(&real_hyperlink, policy), Ok(UploadKind::Docx));
        for field in [
            r#"<w:fldSimple w:instr=" INCLUDEPICTURE &quot;file:///etc/x.png&quot; \d "/>"#,
            r#"<w:fldSimple w:instr='includetext "file:///etc/passwd"'/>"#,
            r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>"#,
            r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>LINK Excel.Sheet.8 "file:///x.xls" ""</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>"#,
            r#"<v:imagedata xmlns:v="urn:schemas-microsoft-com:vml" src="file:///etc/x.png"/>"#,
        ] {
            let document =
                format!("<w:document {W}><w:body><w:p>{field}</w:p></w:body></w:document>");
            let docx = docx_with("<Relationships/>", &document);
            assert!(classify(&docx, policy).is_err(), "{field}");
        }
        for content in [
            r#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:d="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:l="http://www.w3.org/1999/xlink"><d:image l:href='file:///etc/x.png'/></office:document-content>"#,
            r#"<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:t="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:x="http://www.w3.org/1999/xlink"><t:section-source x:href = "file:///etc/passwd"/></o:document-content>"#,
            r#"<a xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:x="http://www.w3.org/1999/xlink"><t:table-source x:href="http://127.0.0.1:9/x.ods"/></a>"#,
            r#"<a xmlns:s="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:x="http://www.w3.org/1999/xlink"><s:background-image x:href="../../secret.png"/></a>"#,
            r#"<a xmlns:d="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:x="http://www.w3.org/1999/xlink" xml:base="file:///var/lib/"><d:image x:href="secret.png"/></a>"#,
            r#"<a xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0"><o:dde-source/></a>"#,
            r#"<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#,
        ] {
            assert!(
                classify(&odt_with_content(content), policy).is_err(),
                "{content}"
            );
        }
        let hyperlink_in_text = r#"<a xmlns:t="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:x="http://www.w3.org/1999/xlink"><t:a x:href="https://thuvienphapluat.vn">x</t:a></a>"#;
        assert_eq!(
            classify(&odt_with_content(hyperlink_in_text), policy),
            Ok(UploadKind::Odt)
        );
        let twice = zip_with(&[
            ("word/document.xml", plain_document.as_bytes()),
            ("word/_rels/document.xml.rels", b"<Relationships/>"),
            ("word/_rels/Document.xml.rels", b"<Relationships/>"),
        ]);
        assert!(matches!(
            classify(&twice, policy),
            Err(UploadRejection::DuplicateEntry(_))
        ));
        let both = zip_with(&[
            ("word/document.xml", plain_document.as_bytes()),
            ("mimetype", ODT_MIMETYPE),
        ]);
        assert_eq!(
            classify(&both, policy),
            Err(UploadRejection::AmbiguousPackage)
        );
        let macros = zip_with(&[
            ("word/document.xml", plain_document.as_bytes()),
            ("word/vbaProject.bin", b"\0\0"),
        ]);
        assert_eq!(classify(&macros, policy), Err(UploadRejection::Macros));
    }

    #[test]
    fn an_embedded_package_is_inspected_one_level_down() {
        let policy = &UploadPolicy::default();
        let inner = docx_with(
            r#"<Relationships><Relationship Id="r" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="file:///etc/x.png" TargetMode="External"/></Relationships>"#,
            "<w/>",
        );
        let outer = zip_with(&[
            ("word/document.xml", b"<w/>"),
            ("word/embeddings/Microsoft_Word_Document.docx", &inner),
        ]);
        assert!(matches!(
            classify(&outer, policy),
            Err(UploadRejection::ExternalLink(_))
        ));
        let deeper = zip_with(&[
            ("word/document.xml", b"<w/>"),
            ("word/embeddings/x.docx", &outer),
        ]);
        assert_eq!(
            classify(&deeper, policy),
            Err(UploadRejection::NestedTooDeep)
        );
    }

    #[test]
    fn every_real_docx_fixture_passes_the_filter() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        let mut seen = 0;
        for entry in std::fs::read_dir(&fixtures).expect("tests/fixtures") {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "docx") {
                let bytes = std::fs::read(&path).unwrap();
                assert_eq!(
                    classify(&bytes, &UploadPolicy::default()),
                    Ok(UploadKind::Docx),
                    "{}",
                    path.display()
                );
                seen += 1;
            }
        }
        assert_eq!(seen, 4, "the four agenda documents");
    }

    #[test]
    fn spreadsheet_and_presentation_links_are_refused() {
        let policy = &UploadPolicy::default();
        let dde = zip_with(&[
            ("xl/workbook.xml", b"<workbook/>"),
            (
                "xl/externalLinks/externalLink1.xml",
                br#"<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><ddeLink ddeService="cmd" ddeTopic="/c calc"/></externalLink>"#,
            ),
        ]);
        assert_eq!(
            classify(&dde, policy),
            Err(UploadRejection::LinkingField("DDELINK".into()))
        );
        let linked_book = zip_with(&[
            ("xl/workbook.xml", b"<workbook/>"),
            (
                "xl/externalLinks/_rels/externalLink1.xml.rels",
                br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="file:///srv/so-lieu.xlsx" TargetMode="External"/></Relationships>"#,
            ),
        ]);
        assert!(matches!(
            classify(&linked_book, policy),
            Err(UploadRejection::ExternalLink(_))
        ));
        let web_formula = zip_with(&[
            ("xl/workbook.xml", b"<workbook/>"),
            (
                "xl/worksheets/sheet1.xml",
                br#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c r="A1"><f>WEBSERVICE("http://127.0.0.1:9/")</f></c></row></sheetData></worksheet>"#,
            ),
        ]);
        assert!(classify(&web_formula, policy).is_err());
        let video = zip_with(&[
            ("ppt/presentation.xml", b"<presentation/>"),
            (
                "ppt/slides/_rels/slide1.xml.rels",
                br#"<Relationships><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/video" Target="http://127.0.0.1:9/v.mp4" TargetMode="External"/></Relationships>"#,
            ),
        ]);
        assert!(matches!(
            classify(&video, policy),
            Err(UploadRejection::ExternalLink(_))
        ));
    }

    #[test]
    fn other_content_is_refused_whatever_its_name() {
        let limits = &UploadPolicy::default();
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
            classify(&bomb, &UploadPolicy::default()),
            Err(UploadRejection::ZipBomb)
        );
    }

    #[test]
    fn entry_names_that_climb_out_are_refused() {
        let evil = zip_with(&[("word/document.xml", b"<w/>"), ("../../etc/cron.d/x", b"x")]);
        assert!(matches!(
            classify(&evil, &UploadPolicy::default()),
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
            classify(&docx, &UploadPolicy::default()),
            Err(UploadRejection::ExternalLink("file:///etc/passwd".into()))
        );
        let hyperlink = br#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://thuvienphapluat.vn" TargetMode="External"/></Relationships>"#;
        let docx = zip_with(&[
            ("word/document.xml", b"<w/>"),
            ("word/_rels/document.xml.rels", hyperlink),
        ]);
        assert_eq!(
            classify(&docx, &UploadPolicy::default()),
            Ok(UploadKind::Docx)
        );
    }

    #[test]
    fn odf_image_from_outside_the_package_is_refused() {
        let content = br#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"><draw:image xlink:href="http://127.0.0.1:9/secret.png"/></office:document-content>"#;
        let odt = zip_with(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", content),
        ]);
        assert!(matches!(
            classify(&odt, &UploadPolicy::default()),
            Err(UploadRejection::ExternalLink(_))
        ));
        let inside = br#"<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"><draw:image xlink:href="Pictures/1.png"/></office:document-content>"#;
        let odt = zip_with(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", inside),
        ]);
        assert_eq!(
            classify(&odt, &UploadPolicy::default()),
            Ok(UploadKind::Odt)
        );
    }
}
