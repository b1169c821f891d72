//! The PDF side of a signature: an incremental update that adds a
//! signature field, its `/Sig` dictionary with a `/ByteRange` and a
//! `/Contents` hole, and a visible stamp on the last page; the digest over
//! the byte range; the CMS written into the hole. And the reverse:
//! finding every signature in a file and the bytes each one covers.
//!
//! Each signature is its own incremental update appended to the file as it
//! was, so the bytes an earlier signature covers never change and it stays
//! valid (ISO 32000-1, 12.8). Pure: bytes in, bytes out.
//!
//! The `/Contents` hole holds [`CONTENTS_CAPACITY`] (16 KB) of CMS; `/M` is
//! the signing time in the signer's local offset (for a meeting, its own);
//! the visible stamp (who, title, agency, time) is drawn in the stamp's
//! Vietnamese font (`crate::stamp`).

use std::io::Write;
use std::ops::Range;

use lopdf::{dictionary, Dictionary, Object, ObjectId};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::stamp::font::FontObjectIds;
use crate::stamp::StampFont;

/// Bytes kept for the CMS in `/Contents` (written as twice as many hex
/// digits): a signature with three certificates and a timestamp fits.
pub const CONTENTS_CAPACITY: usize = 16 * 1024;

/// Width of each number kept in `/ByteRange` before it is known.
const BYTE_RANGE_DIGITS: usize = 10;

/// Why a PDF cannot be signed, or its signatures read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfSignError {
    #[error("the pdf cannot be read: {0}")]
    Unreadable(String),
    #[error("the pdf is encrypted")]
    Encrypted,
    #[error("the pdf's last cross-reference section is a stream, which is not supported")]
    CrossReferenceStream,
    #[error("the signature field name {0:?} is already used")]
    FieldNameTaken(String),
    #[error("the signature ({0} bytes) does not fit the space kept for it")]
    SignatureTooLarge(usize),
}

/// Where on the last page the visible stamp goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StampPlace {
    /// Bottom left (the secretary's place in a biên bản).
    Left,
    /// Bottom right (the chair's).
    Right,
}

/// What the signature says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureFields {
    /// The form field's name, unique in the document.
    pub field_name: String,
    pub signer_name: String,
    pub reason: String,
    pub location: Option<String>,
    /// In the signer's local offset (written into `/M`).
    pub signing_time: OffsetDateTime,
    /// The lines of the visible stamp, and where it goes.
    pub stamp_lines: Vec<String>,
    pub stamp_place: StampPlace,
}

/// A PDF with a signature prepared: everything written but the CMS.
#[derive(Debug, Clone)]
pub struct PreparedPdf {
    bytes: Vec<u8>,
    /// The hex digits between `<` and `>` of `/Contents`.
    hole: Range<usize>,
}

impl PreparedPdf {
    /// The `/ByteRange`: everything but the `/Contents` string.
    pub fn byte_range(&self) -> [usize; 4] {
        let start = self.hole.start - 1;
        let end = self.hole.end + 1;
        [0, start, end, self.bytes.len() - end]
    }

    /// SHA-256 of the bytes the signature covers.
    pub fn digest(&self) -> [u8; 32] {
        let [_, first_length, second_start, _] = self.byte_range();
        let mut hasher = Sha256::new();
        hasher.update(&self.bytes[..first_length]);
        hasher.update(&self.bytes[second_start..]);
        hasher.finalize().into()
    }

    /// The signed file: `cms` written into the hole.
    pub fn embed(mut self, cms: &[u8]) -> Result<Vec<u8>, PdfSignError> {
        if cms.len() * 2 > self.hole.len() {
            return Err(PdfSignError::SignatureTooLarge(cms.len()));
        }
        let hex = hex::encode_upper(cms);
        self.bytes[self.hole.start..self.hole.start + hex.len()].copy_from_slice(hex.as_bytes());
        Ok(self.bytes)
    }
}

/// Appends to `pdf` an incremental update with a signature field named as
/// `fields` says, a visible stamp on the last page, and an empty
/// `/Contents` for the CMS.
pub fn prepare(
    pdf: &[u8],
    fields: &SignatureFields,
    font: &StampFont,
) -> Result<PreparedPdf, PdfSignError> {
    let owned = pdf.to_vec();
    let loaded = std::panic::catch_unwind(move || lopdf::Document::load_mem(&owned));
    let document = match loaded {
        Ok(Ok(document)) => document,
        Ok(Err(error)) => return Err(PdfSignError::Unreadable(error.to_string())),
        Err(_) => return Err(PdfSignError::Unreadable("the parser gave up".into())),
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        prepare_loaded(pdf, &document, fields, font)
    }))
    .unwrap_or_else(|_| {
        Err(PdfSignError::Unreadable(
            "the document's structure is broken".into(),
        ))
    })
}

fn prepare_loaded(
    pdf: &[u8],
    document: &lopdf::Document,
    fields: &SignatureFields,
    font: &StampFont,
) -> Result<PreparedPdf, PdfSignError> {
    if document.is_encrypted() || document.trailer.get(b"Encrypt").is_ok() {
        return Err(PdfSignError::Encrypted);
    }
    let previous_xref = last_startxref(pdf)?;
    if !pdf
        .get(previous_xref..)
        .is_some_and(|rest| rest.starts_with(b"xref"))
    {
        return Err(PdfSignError::CrossReferenceStream);
    }
    let unreadable = |what: &str| PdfSignError::Unreadable(what.to_owned());
    let root_id = document
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| unreadable("no catalog"))?;
    let (_, page_id) = document
        .get_pages()
        .into_iter()
        .next_back()
        .ok_or_else(|| unreadable("no pages"))?;
    let mut catalog = document
        .get_dictionary(root_id)
        .map_err(|_| unreadable("no catalog"))?
        .clone();
    let mut page = document
        .get_dictionary(page_id)
        .map_err(|_| unreadable("no last page"))?
        .clone();

    // The form: what it had, plus our field.
    let mut form = match catalog.get(b"AcroForm") {
        Ok(value) => resolve(document, value)
            .as_dict()
            .cloned()
            .unwrap_or_default(),
        Err(_) => Dictionary::new(),
    };
    let mut form_fields = match form.get(b"Fields") {
        Ok(value) => resolve(document, value)
            .as_array()
            .cloned()
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    for field in &form_fields {
        let name = resolve(document, field)
            .as_dict()
            .ok()
            .and_then(|field| field.get(b"T").ok())
            .and_then(|name| name.as_str().ok())
            .map(decode_text_string);
        if name.as_deref() == Some(fields.field_name.as_str()) {
            return Err(PdfSignError::FieldNameTaken(fields.field_name.clone()));
        }
    }

    let size = document
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .unwrap_or(0)
        .max(i64::from(document.max_id) + 1);
    let mut next = u32::try_from(size).map_err(|_| unreadable("object count"))?;
    let mut allocate = || {
        let id: ObjectId = (next, 0);
        next += 1;
        id
    };
    let signature_id = allocate();
    let widget_id = allocate();
    let appearance_id = allocate();
    let font_ids = FontObjectIds {
        type0: allocate(),
        cid_font: allocate(),
        descriptor: allocate(),
        program: allocate(),
        to_unicode: allocate(),
    };
    let size = next;

    let media_box = media_box(document, page_id);
    let (rect, appearance) = stamp_appearance(font, fields, media_box);

    form_fields.push(Object::Reference(widget_id));
    form.set("Fields", Object::Array(form_fields));
    // SignaturesExist | AppendOnly.
    form.set("SigFlags", 3);
    catalog.set("AcroForm", Object::Dictionary(form));

    let mut annotations = match page.get(b"Annots") {
        Ok(value) => resolve(document, value)
            .as_array()
            .cloned()
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    annotations.push(Object::Reference(widget_id));
    page.set("Annots", Object::Array(annotations));

    // The update.
    let mut out = pdf.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(ObjectId, usize)> = Vec::new();
    let write_lopdf = |out: &mut Vec<u8>,
                       offsets: &mut Vec<(ObjectId, usize)>,
                       id: ObjectId,
                       object: &Object|
     -> Result<(), PdfSignError> {
        offsets.push((id, out.len()));
        let _ = writeln!(out, "{} {} obj", id.0, id.1);
        lopdf::Writer::write_object(out, object)
            .map_err(|error| PdfSignError::Unreadable(error.to_string()))?;
        out.extend_from_slice(b"\nendobj\n");
        Ok(())
    };

    // The signature dictionary, written by hand: its byte range and hole
    // are patched at known offsets.
    offsets.push((signature_id, out.len()));
    let _ = write!(
        out,
        "{} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n/M {}\n/Name {}\n/Reason {}\n",
        signature_id.0,
        pdf_date(fields.signing_time),
        text_string(&fields.signer_name),
        text_string(&fields.reason),
    );
    if let Some(location) = &fields.location {
        let _ = writeln!(out, "/Location {}", text_string(location));
    }
    out.extend_from_slice(b"/ByteRange [");
    let byte_range_at = out.len();
    out.extend_from_slice(&[b' '; 4 * (BYTE_RANGE_DIGITS + 1)]);
    out.extend_from_slice(b"]\n/Contents <");
    let hole_start = out.len();
    out.extend(std::iter::repeat_n(b'0', CONTENTS_CAPACITY * 2));
    let hole = hole_start..out.len();
    out.extend_from_slice(b">\n>>\nendobj\n");

    let widget = dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::String(utf16_text(&fields.field_name), lopdf::StringFormat::Hexadecimal),
        "V" => Object::Reference(signature_id),
        "P" => Object::Reference(page_id),
        "Rect" => rect.iter().map(|&v| Object::Real(v)).collect::<Vec<_>>(),
        // Print | Locked.
        "F" => 132,
        "AP" => dictionary! { "N" => Object::Reference(appearance_id) },
    };
    write_lopdf(
        &mut out,
        &mut offsets,
        widget_id,
        &Object::Dictionary(widget),
    )?;
    let appearance_stream = lopdf::Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![Object::Integer(0), Object::Integer(0), Object::Real(rect[2] - rect[0]), Object::Real(rect[3] - rect[1])],
            "Resources" => dictionary! {
                "Font" => dictionary! { "F1" => Object::Reference(font_ids.type0) },
            },
            "Length" => appearance.len() as i64,
        },
        appearance,
    )
    .with_compression(false);
    write_lopdf(
        &mut out,
        &mut offsets,
        appearance_id,
        &Object::Stream(appearance_stream),
    )?;
    for (id, mut object) in font.objects(font_ids) {
        if let Object::Stream(stream) = &mut object {
            let length = stream.content.len() as i64;
            stream.dict.set("Length", length);
        }
        write_lopdf(&mut out, &mut offsets, id, &object)?;
    }
    write_lopdf(&mut out, &mut offsets, page_id, &Object::Dictionary(page))?;
    write_lopdf(
        &mut out,
        &mut offsets,
        root_id,
        &Object::Dictionary(catalog),
    )?;

    // Cross-reference section: one subsection per object.
    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    offsets.sort_unstable();
    for ((number, generation), offset) in &offsets {
        let _ = write!(out, "{number} 1\n{offset:010} {generation:05} n\r\n");
    }
    let mut trailer = dictionary! {
        "Size" => i64::from(size),
        "Root" => Object::Reference(root_id),
        "Prev" => previous_xref as i64,
    };
    for key in [&b"Info"[..], b"ID"] {
        if let Ok(value) = document.trailer.get(key) {
            trailer.set(key, value.clone());
        }
    }
    out.extend_from_slice(b"trailer\n");
    lopdf::Writer::write_object(&mut out, &Object::Dictionary(trailer))
        .map_err(|error| PdfSignError::Unreadable(error.to_string()))?;
    let _ = write!(out, "\nstartxref\n{xref_at}\n%%EOF\n");

    // Now the byte range is known.
    let end = hole.end + 1;
    let numbers = format!("0 {} {} {}", hole.start - 1, end, out.len() - end);
    out[byte_range_at..byte_range_at + numbers.len()].copy_from_slice(numbers.as_bytes());
    Ok(PreparedPdf { bytes: out, hole })
}

/// The offset the file's last `startxref` points at.
fn last_startxref(pdf: &[u8]) -> Result<usize, PdfSignError> {
    let tail_start = pdf.len().saturating_sub(2048);
    let tail = &pdf[tail_start..];
    let at = tail
        .windows(9)
        .rposition(|window| window == b"startxref")
        .ok_or_else(|| PdfSignError::Unreadable("no startxref".into()))?;
    let digits: String = tail[at + 9..]
        .iter()
        .skip_while(|byte| byte.is_ascii_whitespace())
        .take_while(|byte| byte.is_ascii_digit())
        .map(|&byte| char::from(byte))
        .collect();
    digits
        .parse()
        .map_err(|_| PdfSignError::Unreadable("unreadable startxref".into()))
}

fn resolve<'a>(document: &'a lopdf::Document, value: &'a Object) -> &'a Object {
    match value {
        Object::Reference(id) => document.get_object(*id).unwrap_or(value),
        other => other,
    }
}

/// The page's media box, looked up through its parents.
fn media_box(document: &lopdf::Document, page_id: ObjectId) -> [f32; 4] {
    let mut current = document.get_dictionary(page_id).ok();
    for _ in 0..32 {
        let Some(dictionary) = current else { break };
        if let Ok(value) = dictionary.get(b"MediaBox") {
            if let Ok(items) = resolve(document, value).as_array() {
                let numbers: Vec<f32> = items
                    .iter()
                    .filter_map(|item| resolve(document, item).as_float().ok())
                    .collect();
                if let [a, b, c, d] = numbers[..] {
                    return [a.min(c), b.min(d), a.max(c), b.max(d)];
                }
            }
        }
        current = dictionary
            .get(b"Parent")
            .and_then(Object::as_reference)
            .and_then(|parent| document.get_dictionary(parent))
            .ok();
    }
    // A4.
    [0.0, 0.0, 595.0, 842.0]
}

/// Size of the stamp's text, and its box.
const STAMP_FONT_SIZE: f32 = 8.5;
const STAMP_LINE: f32 = 11.0;
const STAMP_WIDTH: f32 = 220.0;
const STAMP_PADDING: f32 = 5.0;
const STAMP_MARGIN: f32 = 42.0;

/// The stamp's rectangle on the page and its appearance stream: a red
/// frame with the lines in red, as Vietnamese signed documents show them.
fn stamp_appearance(
    font: &StampFont,
    fields: &SignatureFields,
    media_box: [f32; 4],
) -> ([f32; 4], Vec<u8>) {
    let height = STAMP_PADDING * 2.0 + STAMP_LINE * fields.stamp_lines.len() as f32;
    let x = match fields.stamp_place {
        StampPlace::Left => media_box[0] + STAMP_MARGIN,
        StampPlace::Right => media_box[2] - STAMP_MARGIN - STAMP_WIDTH,
    };
    let y = media_box[1] + STAMP_MARGIN;
    let rect = [x, y, x + STAMP_WIDTH, y + height];
    let mut ops = String::new();
    ops.push_str("q 0.78 0.08 0.08 RG 0.8 w ");
    ops.push_str(&format!(
        "0.5 0.5 {:.2} {:.2} re S\nBT 0.78 0.08 0.08 rg\n",
        STAMP_WIDTH - 1.0,
        height - 1.0
    ));
    for (index, line) in fields.stamp_lines.iter().enumerate() {
        let shaped = font.shape(line);
        let available = STAMP_WIDTH - 2.0 * STAMP_PADDING;
        let size = if shaped.width * STAMP_FONT_SIZE > available && shaped.width > 0.0 {
            available / shaped.width
        } else {
            STAMP_FONT_SIZE
        };
        let baseline = height - STAMP_PADDING - STAMP_LINE * (index as f32 + 1.0) + 2.5;
        let glyphs: String = shaped
            .glyphs
            .iter()
            .map(|glyph| format!("{glyph:04X}"))
            .collect();
        ops.push_str(&format!(
            "/F1 {size:.2} Tf 1 0 0 1 {STAMP_PADDING:.2} {baseline:.2} Tm <{glyphs}> Tj\n"
        ));
    }
    ops.push_str("ET Q\n");
    (rect, ops.into_bytes())
}

/// A PDF date: `(D:20261207143005+07'00')`.
fn pdf_date(time: OffsetDateTime) -> String {
    let offset = time.offset();
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!(
        "(D:{:04}{:02}{:02}{:02}{:02}{:02}{sign}{:02}'{:02}')",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute(),
        time.second(),
        hours.unsigned_abs(),
        minutes.unsigned_abs()
    )
}

/// A text string as UTF-16BE with its byte order mark, the form that
/// carries Vietnamese.
fn utf16_text(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xfe, 0xff];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    bytes
}

/// A text string written as a hex string.
fn text_string(text: &str) -> String {
    format!("<{}>", hex::encode_upper(utf16_text(text)))
}

/// A PDF text string's text (UTF-16BE with a byte order mark, or
/// PDFDocEncoding read as Latin-1).
pub fn decode_text_string(bytes: &[u8]) -> String {
    match bytes {
        [0xfe, 0xff, rest @ ..] => {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        other => other.iter().map(|&byte| char::from(byte)).collect(),
    }
}

/// A signature as found in a file, by its bytes alone (so that a damaged
/// file is still reported signature by signature).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSignature {
    pub byte_range: [usize; 4],
    /// The CMS, without the hole's zero padding.
    pub contents: Vec<u8>,
    /// `/M`, as written (`D:…`).
    pub signing_time: Option<String>,
    pub name: Option<String>,
    /// Whether the byte range is well formed: starts at 0, skips exactly
    /// the `/Contents` string, and stays inside the file.
    pub well_formed: bool,
    /// Whether it reaches the end of the file (nothing was added after).
    pub covers_whole_file: bool,
}

impl FoundSignature {
    /// SHA-256 of the bytes the range covers (of `pdf`, the file it was
    /// found in).
    pub fn digest(&self, pdf: &[u8]) -> Option<[u8; 32]> {
        if !self.well_formed {
            return None;
        }
        let [start, first_length, second_start, second_length] = self.byte_range;
        let mut hasher = Sha256::new();
        hasher.update(pdf.get(start..start + first_length)?);
        hasher.update(pdf.get(second_start..second_start + second_length)?);
        Some(hasher.finalize().into())
    }
}

/// Every `/ByteRange` in `pdf` with the signature it frames, in file
/// order. Reads bytes, not objects, and never panics.
pub fn find_signatures(pdf: &[u8]) -> Vec<FoundSignature> {
    let mut found = Vec::new();
    let needle = b"/ByteRange";
    let mut from = 0;
    while let Some(position) = find(&pdf[from..], needle) {
        let at = from + position;
        from = at + needle.len();
        let Some(byte_range) = read_byte_range(&pdf[from..]) else {
            continue;
        };
        let [start, first_length, second_start, second_length] = byte_range;
        let well_formed = start == 0
            && first_length < second_start
            && second_start
                .checked_add(second_length)
                .is_some_and(|end| end <= pdf.len())
            && pdf.get(first_length) == Some(&b'<')
            && pdf.get(second_start - 1) == Some(&b'>')
            && pdf[first_length + 1..second_start - 1]
                .iter()
                .all(|byte| byte.is_ascii_hexdigit());
        let contents = if well_formed {
            hex::decode(&pdf[first_length + 1..second_start - 1])
                .ok()
                .map(|bytes| {
                    let length = super::der::parse_one(&bytes)
                        .map(|value| value.raw.len())
                        .unwrap_or(bytes.len());
                    bytes[..length].to_vec()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        // The dictionary around it: from the object's start to its end.
        let dictionary_start = rfind(&pdf[..at], b" obj").unwrap_or(0);
        let dictionary_end = find(&pdf[at..], b"endobj")
            .map(|end| at + end)
            .unwrap_or(pdf.len());
        let dictionary = &pdf[dictionary_start..dictionary_end];
        found.push(FoundSignature {
            byte_range,
            contents,
            signing_time: literal_after(dictionary, b"/M ("),
            name: hex_text_after(dictionary, b"/Name <"),
            well_formed,
            covers_whole_file: well_formed && second_start + second_length == pdf.len(),
        });
    }
    found
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .rposition(|window| window == needle)
}

fn read_byte_range(after: &[u8]) -> Option<[usize; 4]> {
    let text = after.get(..80.min(after.len()))?;
    let open = text.iter().position(|&byte| byte == b'[')?;
    let close = text.iter().position(|&byte| byte == b']')?;
    let inner = std::str::from_utf8(text.get(open + 1..close)?).ok()?;
    let numbers: Vec<usize> = inner
        .split_ascii_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    numbers.try_into().ok()
}

fn literal_after(dictionary: &[u8], key: &[u8]) -> Option<String> {
    let start = find(dictionary, key)? + key.len();
    let end = start + dictionary[start..].iter().position(|&byte| byte == b')')?;
    Some(String::from_utf8_lossy(&dictionary[start..end]).into_owned())
}

fn hex_text_after(dictionary: &[u8], key: &[u8]) -> Option<String> {
    let start = find(dictionary, key)? + key.len();
    let end = start + dictionary[start..].iter().position(|&byte| byte == b'>')?;
    let bytes = hex::decode(&dictionary[start..end]).ok()?;
    Some(decode_text_string(&bytes))
}
