//! Issue #20: Office uploads that try to make LibreOffice read or fetch
//! something besides the upload. A corpus generated here (no binary blobs
//! in git) attacks the two layers separately:
//!
//! - **the filter**: every hostile file uploaded over HTTP is refused with
//!   a clear 422 and leaves nothing behind; a PDF with JavaScript, launch
//!   actions and an attachment is stored without them; hostile file names
//!   are refused and a decomposed Vietnamese name is stored composed (NFC);
//! - **the sandbox alone**: the same files, converted with `phonghop
//!   convert --sandbox-only` (the filter skipped), either fail or convert
//!   with nothing from outside the upload: no canary text (a file under
//!   the data directory, `/etc/passwd`, a stored blob's text) in
//!   `pdftotext`'s output, no image in `pdfimages`' list (none of the
//!   files embeds one), and no connection to a canary HTTP listener on
//!   loopback.
//!
//! Each runs as the current user (root in CI) and as an unprivileged user
//! (`nobody`, through `setpriv`; the server and the converter then run as
//! it, and could read the canaries if the sandbox let them). A third test
//! names a missing `bwrap` and sees Office uploads refused while PDF
//! uploads still work. Needs LibreOffice, bubblewrap and poppler-utils;
//! under `CI=true` a missing one is a failure.

use std::io::{Cursor, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use phonghop_e2e::{binary, logged_in, Server, ServerOptions};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

/// Who the server and the converter run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunAs {
    CurrentUser,
    Nobody,
}

fn tools_present() -> bool {
    let missing: Vec<&str> = ["soffice", "bwrap", "pdftotext", "pdfimages", "setpriv"]
        .into_iter()
        .filter(|tool| {
            !std::env::var_os("PATH").is_some_and(|path| {
                std::env::split_paths(&path).any(|dir| dir.join(tool).is_file())
            })
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    eprintln!(
        "!!! HOSTILE UPLOAD TESTS NOT RUN: missing {missing:?}. Install: apt-get install libreoffice-writer-nogui bubblewrap poppler-utils util-linux"
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true requires {missing:?} for the hostile upload tests"
    );
    false
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("Uid:"))
                .and_then(|line| line.split_whitespace().nth(1).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}

// ----- building files -----------------------------------------------------

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        // ODF wants its mimetype first and stored; the rest compressed.
        let method = if *name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="html" ContentType="text/html"/><Default Extension="png" ContentType="image/png"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
const IMAGE_TYPE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image";
const HYPERLINK_TYPE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink";

/// The text every generated document carries, so a conversion that
/// worked is told from one that produced an empty page.
const OWN_TEXT: &str = "Tai lieu thu nghiem";

fn document_xml(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"><w:body><w:p><w:r><w:t>{OWN_TEXT}</w:t></w:r></w:p>{body}</w:body></w:document>"#
    )
}

/// A DOCX with `body` in its document and `relationships` (the inside of
/// `<Relationships>`, or a whole part when it starts with `<?xml` or
/// `<Relationships`) as the document's relationships.
fn docx(body: &str, relationships: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let rels = if relationships.starts_with("<?xml") || relationships.starts_with("<Relationships")
    {
        relationships.to_owned()
    } else {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relationships}</Relationships>"#
        )
    };
    let document = document_xml(body);
    let mut entries: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", PACKAGE_RELS.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/_rels/document.xml.rels", rels.as_bytes()),
    ];
    entries.extend_from_slice(extra);
    zip_of(&entries)
}

/// A paragraph with a picture whose blob is relationship `id`, linked
/// (`r:link`) or embedded (`r:embed`).
fn picture(attribute: &str, id: &str) -> String {
    format!(
        r#"<w:p><w:r><w:drawing><wp:inline><wp:extent cx="1800000" cy="1800000"/><wp:docPr id="1" name="p"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="1" name="p"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip {attribute}="{id}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1800000" cy="1800000"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"#
    )
}

/// A complex field (begin, instruction runs, separate, result, end).
fn complex_field(instruction_runs: &[&str]) -> String {
    let mut runs = String::from(r#"<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>"#);
    for text in instruction_runs {
        runs.push_str(&format!(
            r#"<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>"#
        ));
    }
    runs.push_str(r#"<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>"#);
    runs
}

fn odt(body: &str) -> Vec<u8> {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:t="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:d="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:x="http://www.w3.org/1999/xlink" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2"><office:body><office:text><text:p>{OWN_TEXT}</text:p>{body}</office:text></office:body></office:document-content>"#
    );
    zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("META-INF/manifest.xml", manifest.as_bytes()),
        ("content.xml", content.as_bytes()),
    ])
}

fn odt_image(quote: char, href: &str) -> String {
    format!(
        r#"<text:p><d:frame svg:width="4cm" svg:height="4cm" text:anchor-type="as-char"><d:image x:href={quote}{href}{quote} x:type="simple" x:show="embed" x:actuate="onLoad"/></d:frame></text:p>"#
    )
}

/// A minimal valid PNG (one grey pixel), made here: zlib "stored" block,
/// CRC-32 and Adler-32 computed.
fn tiny_png() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }
    let raw = [0u8, 0x80]; // filter byte, one grey pixel
    let (mut a, mut b) = (1u32, 0u32);
    for byte in raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    let mut zlib = vec![0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF];
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut header = 1u32.to_be_bytes().to_vec();
    header.extend_from_slice(&1u32.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &header));
    png.extend(chunk(b"IDAT", &zlib));
    png.extend(chunk(b"IEND", &[]));
    png
}

/// A PDF with JavaScript on open, a launch action, an embedded file and a
/// file attachment annotation, and its own text.
fn hostile_pdf() -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut document = Document::with_version("1.7");
    let pages_id = document.new_object_id();
    let font = document.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let content = document.add_object(Stream::new(
        dictionary! {},
        format!("BT /F1 24 Tf 72 720 Td ({OWN_TEXT}) Tj ET").into_bytes(),
    ));
    let javascript = document.add_object(dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.launchURL('http://127.0.0.1:9/')") });
    let launch = document
        .add_object(dictionary! { "S" => "Launch", "F" => Object::string_literal("/bin/sh") });
    let embedded = document.add_object(Stream::new(
        dictionary! { "Type" => "EmbeddedFile" },
        b"EMBEDDED-PAYLOAD".to_vec(),
    ));
    let attachment = document.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "FileAttachment",
        "Rect" => vec![0.into(), 0.into(), 20.into(), 20.into()],
        "FS" => dictionary! { "Type" => "Filespec", "F" => Object::string_literal("payload.exe"), "EF" => dictionary! { "F" => embedded } },
    });
    let page = document.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        "Contents" => content,
        "Annots" => vec![attachment.into()],
        "AA" => dictionary! { "O" => launch },
    });
    document.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = document.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id, "OpenAction" => javascript,
        "Names" => dictionary! {
            "JavaScript" => dictionary! { "Names" => vec![Object::string_literal("x"), javascript.into()] },
            "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal("payload.exe"), embedded.into()] },
        },
    });
    document.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes).unwrap();
    bytes
}

// ----- canaries -------------------------------------------------------------

/// What must never show up in a converted document.
struct Canaries {
    png: PathBuf,
    text_file: PathBuf,
    svg: PathBuf,
    /// Text inside the canary files.
    secret_text: String,
    secret_svg_text: String,
    /// A stored blob (the data directory's own PDF) and text it contains.
    blob: PathBuf,
    blob_text: &'static str,
    /// `http://127.0.0.1:PORT/`, and how many connections it has seen.
    http_base: String,
    http_connections: Arc<AtomicUsize>,
}

fn start_canary_listener() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!(
        "http://127.0.0.1:{}/",
        listener.local_addr().unwrap().port()
    );
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut stream) = stream {
                let mut buffer = [0u8; 1024];
                let _ = stream.read(&mut buffer);
                let _ = stream.write_all(b"HTTP/1.0 404 Not Found\r\n\r\n");
            }
        }
    });
    (base, count)
}

fn write_canaries(data_dir: &Path, blob: PathBuf, marker: &str) -> Canaries {
    let folder = data_dir.join("canary");
    std::fs::create_dir_all(&folder).unwrap();
    let secret_text = format!("CANARYTEXT{marker}");
    let secret_svg_text = format!("CANARYSVG{marker}");
    let png = folder.join("secret.png");
    std::fs::write(&png, tiny_png()).unwrap();
    let text_file = folder.join("secret.txt");
    std::fs::write(&text_file, format!("{secret_text}\n")).unwrap();
    let svg = folder.join("secret.svg");
    std::fs::write(
        &svg,
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100"><text x="10" y="50" font-size="30">{secret_svg_text}</text></svg>"#),
    )
    .unwrap();
    let (http_base, http_connections) = start_canary_listener();
    Canaries {
        png,
        text_file,
        svg,
        secret_text,
        secret_svg_text,
        blob,
        blob_text: "Lạng Sơn",
        http_base,
        http_connections,
    }
}

fn replace_all(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut index = 0;
    while index < haystack.len() {
        if haystack[index..].starts_with(from) {
            out.extend_from_slice(to);
            index += from.len();
        } else {
            out.push(haystack[index]);
            index += 1;
        }
    }
    out
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The hostile corpus: (name, file name, bytes). None is acceptable to
/// the filter.
fn hostile_corpus(canaries: &Canaries) -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let png = file_url(&canaries.png);
    let txt = file_url(&canaries.text_file);
    let svg = file_url(&canaries.svg);
    let blob = file_url(&canaries.blob);
    let http = format!("{}canary.png", canaries.http_base);
    let external_image = |quote: char, spacing: &str, target: &str| {
        format!(
            "<Relationship{spacing}Id={quote}rId9{quote}{spacing}Type{spacing}={spacing}{quote}{IMAGE_TYPE}{quote}{spacing}Target{spacing}={spacing}{quote}{target}{quote}{spacing}TargetMode={quote}External{quote}/>"
        )
    };
    let linked_picture = picture("r:link", "rId9");
    let duplicate_rels = {
        let clean = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>"#;
        let hostile = format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>"#,
            external_image('"', " ", &png)
        );
        let document = document_xml(&linked_picture);
        // The zip crate will not write one name twice: write a second
        // name of the same length, then rename it in the local header and
        // the central directory (names are outside the CRC).
        let zip = zip_of(&[
            ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
            ("_rels/.rels", PACKAGE_RELS.as_bytes()),
            ("word/document.xml", document.as_bytes()),
            ("word/_rels/document.xml.rels", clean.as_bytes()),
            ("word/_rels/document.xml.relX", hostile.as_bytes()),
        ]);
        replace_all(&zip, b"document.xml.relX", b"document.xml.rels")
    };
    let alt_chunk_html = format!(
        r#"<html><body><p>chunk</p><img src="{png}"><img src="{http}"><iframe src="{txt}"></iframe></body></html>"#
    );
    vec![
        (
            "docx: external image relationship in single quotes",
            "mot-nhay.docx",
            docx(&linked_picture, &external_image('\'', " ", &png), &[]),
        ),
        (
            "docx: spaces around = in the relationship",
            "dau-cach.docx",
            docx(&linked_picture, &external_image('"', "  ", &svg), &[]),
        ),
        (
            "docx: a newline after <Relationship",
            "xuong-dong.docx",
            docx(&linked_picture, &external_image('"', "\n", &blob), &[]),
        ),
        (
            "docx: external image over http to the canary listener",
            "http.docx",
            docx(&linked_picture, &external_image('"', " ", &http), &[]),
        ),
        (
            "docx: INCLUDEPICTURE as a simple field",
            "includepicture.docx",
            docx(
                &format!(
                    r#"<w:p><w:fldSimple w:instr=' INCLUDEPICTURE "{png}" \d '><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>"#
                ),
                "",
                &[],
            ),
        ),
        (
            "docx: INCLUDEPICTURE split over runs of a complex field",
            "includepicture-runs.docx",
            docx(
                &complex_field(&[" INCLUDEPIC", &format!("TURE \"{http}\" \\d ")]),
                "",
                &[],
            ),
        ),
        (
            "docx: INCLUDETEXT of a file under the data directory",
            "includetext.docx",
            docx(
                &complex_field(&[&format!(" INCLUDETEXT \"{txt}\" ")]),
                "",
                &[],
            ),
        ),
        (
            "docx: INCLUDETEXT of /etc/passwd",
            "passwd.docx",
            docx(&complex_field(&[" INCLUDETEXT \"/etc/passwd\" "]), "", &[]),
        ),
        (
            "docx: LINK and DDEAUTO fields",
            "link.docx",
            docx(
                &format!(
                    "{}{}",
                    complex_field(&[&format!(" LINK Word.Document.12 \"{txt}\" \"\" \\t ")]),
                    complex_field(&[" DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/c calc\" "])
                ),
                "",
                &[],
            ),
        ),
        (
            "docx: a hyperlink relationship used as an image",
            "hyperlink-image.docx",
            docx(
                &picture("r:embed", "rIdH"),
                &format!(
                    r#"<Relationship Id="rIdH" Type="{HYPERLINK_TYPE}" Target="{png}" TargetMode="External"/>"#
                ),
                &[],
            ),
        ),
        (
            "docx: a VML image with a src outside",
            "vml.docx",
            docx(
                &format!(
                    r#"<w:p><w:r><w:pict><v:shape style="width:100pt;height:100pt"><v:imagedata src="{png}" o:title=""/></v:shape></w:pict></w:r></w:p>"#
                ),
                "",
                &[],
            ),
        ),
        (
            "docx: an altChunk importing HTML that links outside",
            "altchunk.docx",
            docx(
                r#"<w:altChunk r:id="rIdA"/>"#,
                r#"<Relationship Id="rIdA" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk" Target="chunk.html"/>"#,
                &[("word/chunk.html", alt_chunk_html.as_bytes())],
            ),
        ),
        (
            "docx: an internal target climbing out of the package",
            "leo-ra.docx",
            docx(
                &picture("r:embed", "rId9"),
                &format!(
                    r#"<Relationship Id="rId9" Type="{IMAGE_TYPE}" Target="../../../../../../../..{}"/>"#,
                    canaries.png.display()
                ),
                &[],
            ),
        ),
        (
            "docx: two entries with the relationships' name",
            "trung-ten.docx",
            duplicate_rels,
        ),
        ("docx: a DOCTYPE with an external entity", "xxe.docx", {
            let document = format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE w:document [<!ENTITY secret SYSTEM "{txt}">]><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>{OWN_TEXT} &secret;</w:t></w:r></w:p></w:body></w:document>"#
            );
            zip_of(&[
                ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
                ("_rels/.rels", PACKAGE_RELS.as_bytes()),
                ("word/document.xml", document.as_bytes()),
            ])
        }),
        (
            "odt: an image in single quotes under another prefix",
            "anh.odt",
            odt(&odt_image('\'', &png)),
        ),
        (
            "odt: a linked section under another prefix",
            "section.odt",
            odt(&format!(
                r#"<t:section t:name="S1"><t:section-source x:href="{txt}" t:filter-name="Text - txt - csv (StarCalc)"/></t:section><t:section t:name="S2"><t:section-source x:href="/etc/passwd"/></t:section>"#
            )),
        ),
        (
            "odt: an image of a stored blob",
            "blob.odt",
            odt(&odt_image('"', &blob)),
        ),
        (
            "odt: an image over http to the canary listener",
            "http.odt",
            odt(&odt_image('"', &http)),
        ),
        (
            "odt: xml:base moving a relative link out of the package",
            "xml-base.odt",
            odt(&format!(
                r#"<text:p xml:base="file://{}/"><d:frame svg:width="4cm" svg:height="4cm" text:anchor-type="as-char"><d:image x:href="secret.svg"/></d:frame></text:p>"#,
                canaries.svg.parent().unwrap().display()
            )),
        ),
    ]
}

// ----- running as a user ----------------------------------------------------

/// A place the run's user can write, and the binary it may run.
struct Workspace {
    root: tempfile::TempDir,
    binary: PathBuf,
    prefix: Vec<String>,
}

fn workspace(run_as: RunAs) -> Workspace {
    let root = tempfile::tempdir().unwrap();
    match run_as {
        RunAs::CurrentUser => Workspace {
            binary: binary(),
            prefix: Vec::new(),
            root,
        },
        RunAs::Nobody => {
            // nobody may not enter the build tree: run a copy.
            let copy = root.path().join("phonghop");
            std::fs::copy(binary(), &copy).unwrap();
            let chmod = |path: &Path, mode: u32| {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
            };
            chmod(root.path(), 0o755);
            chmod(&copy, 0o755);
            Workspace {
                binary: copy,
                prefix: [
                    "setpriv",
                    "--reuid=nobody",
                    "--regid=nogroup",
                    "--clear-groups",
                ]
                .map(String::from)
                .to_vec(),
                root,
            }
        }
    }
}

/// Makes `path` (and all below it) belong to nobody, when running as it.
fn hand_over(path: &Path, run_as: RunAs) {
    if run_as == RunAs::Nobody {
        let status = Command::new("chown")
            .args(["-R", "nobody:nogroup"])
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

fn pdftotext(pdf: &Path) -> String {
    let output = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn image_count(pdf: &Path) -> usize {
    let output = Command::new("pdfimages")
        .arg("-list")
        .arg(pdf)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "pdfimages failed on {}",
        pdf.display()
    );
    // Two header lines, then one line per image.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .skip(2)
        .filter(|line| !line.trim().is_empty())
        .count()
}

/// Asserts that a converted PDF holds nothing from outside its upload.
fn assert_nothing_leaked(case: &str, pdf: &Path, canaries: &Canaries) {
    let text = pdftotext(pdf);
    if !case.contains("DOCTYPE") {
        assert!(
            text.contains(OWN_TEXT),
            "{case}: the document's own text is missing:\n{text}"
        );
    }
    for secret in [
        canaries.secret_text.as_str(),
        canaries.secret_svg_text.as_str(),
        canaries.blob_text,
        "root:x:0:0",
        "nologin",
    ] {
        assert!(
            !text.contains(secret),
            "{case}: {secret:?} from outside the upload is in the PDF:\n{text}"
        );
    }
    assert_eq!(
        image_count(pdf),
        0,
        "{case}: the PDF shows an image, and the upload embeds none"
    );
}

/// `phonghop convert --sandbox-only` on every file of the corpus: the
/// sandbox alone. Two at a time (two cores).
fn convert_in_sandbox_alone(
    run_as: RunAs,
    space: &Workspace,
    corpus: &[(&'static str, &'static str, Vec<u8>)],
    canaries: &Canaries,
) {
    let folder = space.root.path().join("sandbox-only");
    std::fs::create_dir_all(&folder).unwrap();
    for (index, (_, file_name, bytes)) in corpus.iter().enumerate() {
        std::fs::write(folder.join(format!("{index}-{file_name}")), bytes).unwrap();
    }
    hand_over(&folder, run_as);
    let mut converted = 0;
    for pair in corpus.iter().enumerate().collect::<Vec<_>>().chunks(2) {
        let children: Vec<_> = pair
            .iter()
            .map(|(index, (_, file_name, _))| {
                let input = folder.join(format!("{index}-{file_name}"));
                let output = folder.join(format!("{index}.pdf"));
                let mut command = match space.prefix.split_first() {
                    Some((wrapper, arguments)) => {
                        let mut command = Command::new(wrapper);
                        command.args(arguments).arg(&space.binary);
                        command
                    }
                    None => Command::new(&space.binary),
                };
                command
                    .args([
                        "convert",
                        "--sandbox-only",
                        "--timeout-secs",
                        "120",
                        "--output",
                    ])
                    .arg(&output)
                    .arg(&input)
                    .env("PHONGHOP_LOG", "warn")
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                (output, command.spawn().unwrap())
            })
            .collect();
        for ((_, (case, _, _)), (output, child)) in pair.iter().zip(children) {
            let result = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&result.stderr);
            assert!(
                !stderr.contains("office conversion is off"),
                "{case}: the sandbox must be available here ({run_as:?}): {stderr}"
            );
            if result.status.success() {
                converted += 1;
                assert_nothing_leaked(case, &output, canaries);
            } else {
                assert!(
                    stderr.contains("conversion failed") || stderr.contains("the pdf is refused"),
                    "{case}: failed for another reason: {stderr}"
                );
            }
        }
    }
    // The checks can see a leak: the canary image, embedded in the upload
    // itself, comes out as one image through the same pipeline.
    let control = folder.join("control.docx");
    std::fs::write(
        &control,
        docx(
            &picture("r:embed", "rId5"),
            &format!(r#"<Relationship Id="rId5" Type="{IMAGE_TYPE}" Target="media/image1.png"/>"#),
            &[("word/media/image1.png", &tiny_png()[..])],
        ),
    )
    .unwrap();
    hand_over(&control, run_as);
    let control_pdf = folder.join("control.pdf");
    let mut command = match space.prefix.split_first() {
        Some((wrapper, arguments)) => {
            let mut command = Command::new(wrapper);
            command.args(arguments).arg(&space.binary);
            command
        }
        None => Command::new(&space.binary),
    };
    let result = command
        .args(["convert", "--sandbox-only", "--output"])
        .arg(&control_pdf)
        .arg(&control)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "control: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert_eq!(image_count(&control_pdf), 1, "an embedded image is counted");
    assert!(pdftotext(&control_pdf).contains(OWN_TEXT));
    // Most of the corpus is well-formed: LibreOffice converts it (without
    // what it links), which is what makes the checks above mean something.
    assert!(
        converted >= corpus.len() / 2,
        "only {converted} of {} hostile files converted at all",
        corpus.len()
    );
}

fn upload_form(file_name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str("application/octet-stream")
            .unwrap(),
    )
}

async fn new_meeting_item(server: &Server, secretary: &reqwest::Client) -> String {
    let meeting: Value = secretary
        .post(server.url("/api/v1/meetings"))
        .json(&json!({ "title": "Họp thử tệp độc hại", "starts_at": "2026-12-01T08:00:00+07:00", "place": "Phòng họp số 2" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let meeting_id = meeting["id"].as_str().expect("a meeting").to_owned();
    let item: Value = secretary
        .post(server.url(&format!("/api/v1/meetings/{meeting_id}/agenda")))
        .json(&json!({ "title": "Tài liệu" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    format!(
        "/api/v1/meetings/{meeting_id}/agenda/{}/documents",
        item["id"].as_str().expect("an agenda item")
    )
}

fn files_under(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| {
                    let path = entry.path();
                    if path.is_dir() {
                        files_under(&path)
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

async fn run_corpus(run_as: RunAs) {
    if !tools_present() {
        return;
    }
    if run_as == RunAs::Nobody && !is_root() {
        eprintln!(
            "!!! the unprivileged run needs root to switch to nobody; this user is not root, so the run as the current user already is the unprivileged one"
        );
        return;
    }
    let space = workspace(run_as);
    let data_dir = space.root.path().join("data");
    std::fs::create_dir_all(&data_dir).unwrap();
    hand_over(&data_dir, run_as);
    let server = Server::start(
        &data_dir,
        ServerOptions {
            demo: true,
            command_prefix: space.prefix.clone(),
            binary: Some(space.binary.clone()),
            ..ServerOptions::default()
        },
    );
    if run_as == RunAs::Nobody {
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
        let uid = status
            .lines()
            .find(|line| line.starts_with("Uid:"))
            .unwrap();
        assert_eq!(
            uid.split_whitespace().nth(1),
            Some("65534"),
            "the server runs as nobody: {uid}"
        );
    }
    assert!(
        server
            .log_text()
            .contains("office conversion enabled, in a sandbox"),
        "the sandbox must work as {run_as:?}; log:\n{}",
        server.log_text()
    );
    let ready: Value = reqwest::get(server.url("/readyz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ok", "{ready}");
    let secretary = logged_in(&server, "thuky", "demo").await;
    let upload_path = new_meeting_item(&server, &secretary).await;

    // A stored document another meeting might hold: its blob is a canary.
    let stored: Value = secretary
        .post(server.url(&upload_path))
        .multipart(upload_form(
            "mat.pdf",
            std::fs::read(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/bao-cao-cai-cach-hanh-chinh-lang-son.pdf"),
            )
            .unwrap(),
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sha256 = stored["sha256"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| {
            panic!("the fixture PDF is stored: {stored}");
        });
    let blob = data_dir.join("blobs").join(&sha256[..2]).join(&sha256);
    assert!(blob.is_file(), "the stored blob is at {}", blob.display());
    let canaries = write_canaries(&data_dir, blob, &format!("{run_as:?}").to_uppercase());
    hand_over(&data_dir.join("canary"), run_as);
    let corpus = hostile_corpus(&canaries);

    // 1. The filter: every hostile file refused over HTTP, nothing kept.
    let blobs_before = files_under(&data_dir.join("blobs"));
    for (case, file_name, bytes) in &corpus {
        let response = secretary
            .post(server.url(&upload_path))
            .multipart(upload_form(file_name, bytes.clone()))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 422, "{case} ({run_as:?}) was not refused: {body}");
        assert_eq!(body["code"], "unsupported_document", "{case}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.len() > 20),
            "{case}: a message that says what to do: {body}"
        );
    }
    assert_eq!(
        files_under(&data_dir.join("blobs")),
        blobs_before,
        "a refused upload left a blob"
    );

    // A legacy .doc is refused with a message to save it as DOCX.
    let legacy = {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream("/WordDocument")
            .unwrap()
            .write_all(b"\x13 INCLUDEPICTURE \"file:///etc/passwd\" \x14\x15")
            .unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    };
    let response = secretary
        .post(server.url(&upload_path))
        .multipart(upload_form("cu.doc", legacy))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("DOCX"), "{body}");

    // 2. A clean DOCX still converts, in the sandbox, as this user.
    let clean = docx(
        r#"<w:p><w:r><w:t>Kết luận cuộc họp</w:t></w:r></w:p>"#,
        "",
        &[],
    );
    let converted: Value = secretary
        .post(server.url(&upload_path))
        .multipart(upload_form("sach.docx", clean))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        converted["page_count"],
        1,
        "{converted}; log:\n{}",
        server.log_text()
    );

    // 3. A PDF with scripts, a launch action and an attachment is stored
    // without them; its SHA-256 is the stored file's.
    let response = secretary
        .post(server.url(&upload_path))
        .multipart(upload_form("co-script.pdf", hostile_pdf()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let document: Value = response.json().await.unwrap();
    let stored = secretary
        .get(server.url(&format!(
            "/api/v1/documents/{}/file",
            document["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let stored_text = String::from_utf8_lossy(&stored);
    for gone in [
        "/JavaScript",
        "/JS",
        "/Launch",
        "/EmbeddedFile",
        "/FileAttachment",
        "/AA",
        "EMBEDDED-PAYLOAD",
    ] {
        assert!(!stored_text.contains(gone), "{gone} is in the stored PDF");
    }
    {
        use sha2::Digest;
        assert_eq!(
            hex_of(&sha2::Sha256::digest(&stored)),
            document["sha256"].as_str().unwrap(),
            "the recorded SHA-256 is the stored file's"
        );
    }

    // 4. File names: hostile ones refused, a decomposed one stored NFC.
    let pdf = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/bao-cao-cai-cach-hanh-chinh-lang-son.pdf"),
    )
    .unwrap();
    for hostile in [
        "bao-cao\u{202E}fdp.exe",
        "bao\u{200B}cao.pdf",
        "dong\u{2028}hai.pdf",
        "bao\u{2067}cao.pdf",
        "hong%FF%FE.pdf",
    ] {
        let response = secretary
            .post(server.url(&upload_path))
            .multipart(upload_form(hostile, pdf.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{hostile:?}");
    }
    let decomposed: Value = secretary
        .post(server.url(&upload_path))
        .multipart(upload_form("To\u{31B}\u{300} tri\u{300}nh.pdf", pdf))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(decomposed["file_name"], "Tờ trình.pdf");

    // 5. The sandbox alone, with the filter skipped.
    convert_in_sandbox_alone(run_as, &space, &corpus, &canaries);
    assert_eq!(
        canaries.http_connections.load(Ordering::SeqCst),
        0,
        "LibreOffice reached the canary listener on loopback"
    );
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn hostile_uploads_leak_nothing_as_the_current_user() {
    run_corpus(RunAs::CurrentUser).await;
}

#[tokio::test]
async fn hostile_uploads_leak_nothing_as_an_unprivileged_user() {
    run_corpus(RunAs::Nobody).await;
}

#[tokio::test]
async fn without_a_sandbox_office_uploads_are_refused_and_pdfs_still_work() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        ServerOptions {
            demo: true,
            extra_args: vec!["--bwrap".into(), "/nonexistent/bwrap".into()],
            ..ServerOptions::default()
        },
    );
    let log = server.log_text();
    if log.contains("LibreOffice is not installed") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true requires LibreOffice"
        );
        eprintln!("!!! LibreOffice is missing: the refusal is tool_missing, not checked here");
        return;
    }
    assert!(
        log.contains("office conversion is OFF") && log.contains("/nonexistent/bwrap"),
        "the start-up log says why: {log}"
    );
    let ready = reqwest::get(server.url("/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200, "meetings still work: ready");
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "degraded");
    assert!(
        ready["reason"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/bwrap"),
        "{ready}"
    );

    let secretary = logged_in(&server, "thuky", "demo").await;
    let upload_path = new_meeting_item(&server, &secretary).await;
    let docx = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/bao-cao-cai-cach-hanh-chinh-lang-son.docx"),
    )
    .unwrap();
    for language in ["vi", "en"] {
        let response = secretary
            .post(server.url(&upload_path))
            .header("Accept-Language", language)
            .multipart(upload_form("bao-cao.docx", docx.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "conversion_unavailable", "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains("PDF") && message.len() > 40,
            "{language}: says to upload a PDF: {message}"
        );
    }
    let pdf = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/bao-cao-cai-cach-hanh-chinh-lang-son.pdf"),
    )
    .unwrap();
    let response = secretary
        .post(server.url(&upload_path))
        .multipart(upload_form("bao-cao.pdf", pdf))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "PDF uploads still work");
}
