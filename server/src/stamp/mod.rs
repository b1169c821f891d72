//! Marking confidential (mật) copies for their reader.
//!
//! Every copy of a confidential document that leaves the server carries,
//! in the content of every page, who it was given to, when, and for which
//! meeting (`layout` draws it; `font` is the embedded Noto Sans subset
//! that can spell Vietnamese names). The marks are page content, not an
//! annotation or a viewer overlay: printing keeps them, `pdftotext` finds
//! them, and any PDF reader shows them.
//!
//! The work is split by what it depends on, so that 26 delegates opening
//! an 83-page document at once cost little:
//! - [`prepare`] (once per stored file, cached by `cache::StampCache`):
//!   parses the PDF, makes each page's content safe to draw after
//!   (`content`), compresses it, gives every page the stamp's font and
//!   transparency in its resources, and serializes every object that does
//!   not depend on the reader.
//! - [`PreparedPdf::stamp`] (once per copy): writes the reader's marks as
//!   the last part of each page's content stream and the cross-reference
//!   table. Each page's stream is its prepared, already compressed content
//!   (a zlib stream flushed to a byte boundary but not finished) followed
//!   by the stamp compressed on its own as the final block, and the
//!   Adler-32 of the whole carried on from the prepared part's: no page is
//!   compressed again for a reader.
//!
//! A copy is a whole new file, not an incremental update: with an update
//! appended to the original, cutting the file at the original's `%%EOF`
//! would give back the unmarked document. The original content streams
//! are left out of the copy.
//!
//! Pure: bytes in, bytes out; time and names are passed in.

pub mod cache;
mod content;
pub mod font;
pub mod layout;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use lopdf::{dictionary, Dictionary, Object, ObjectId};
use time::OffsetDateTime;

pub use font::StampFont;
pub use layout::{PageGeometry, StampText};

/// Why a document cannot be stamped.
#[derive(Debug, thiserror::Error)]
pub enum StampError {
    #[error("the stamp font cannot be read: {0}")]
    Font(String),
    #[error("the pdf cannot be read: {0}")]
    Unreadable(String),
    #[error("the pdf is encrypted")]
    Encrypted,
    #[error("the pdf has no pages")]
    NoPages,
    #[error("the content of page {page} cannot be decoded: {detail}")]
    Content { page: usize, detail: String },
    #[error("the pages' content is larger than {0} bytes once decompressed")]
    TooLarge(usize),
    #[error("i/o while stamping: {0}")]
    Io(#[from] std::io::Error),
}

/// The most decompressed page content one document may have (all pages
/// together): beyond it the file is refused rather than held in memory.
pub const MAX_CONTENT_BYTES: usize = 128 * 1024 * 1024;

/// A document ready to be stamped for any reader.
#[derive(Debug)]
pub struct PreparedPdf {
    /// The header and every object that does not depend on the reader.
    head: Vec<u8>,
    /// Where each of those objects starts in `head`.
    head_offsets: Vec<(ObjectId, usize)>,
    pages: Vec<PreparedPage>,
    /// The distinct page geometries (most documents have one).
    geometries: Vec<PageGeometry>,
    /// One more than the highest object number.
    size: u32,
    root: ObjectId,
    info: Option<ObjectId>,
    /// The first half of the original's `/ID`, kept (it names the
    /// document); the second half is per copy.
    original_id: Option<Vec<u8>>,
}

#[derive(Debug)]
struct PreparedPage {
    /// The object number of the page's new content stream.
    content_id: ObjectId,
    /// zlib header + the page's own (balanced) content, deflated and
    /// flushed to a byte boundary, not finished.
    compressed_start: Vec<u8>,
    /// Adler-32 of the uncompressed content in `compressed_start`.
    start_checksum: u32,
    geometry: usize,
}

impl PreparedPdf {
    /// The bytes this prepared document holds on to (for the cache's
    /// budget).
    pub fn memory_size(&self) -> usize {
        self.head.len()
            + self
                .pages
                .iter()
                .map(|page| page.compressed_start.len() + 64)
                .sum::<usize>()
            + self.head_offsets.len() * 16
    }

    /// Number of pages.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// A copy of the document marked with `text` on every page. `copy_id`
    /// distinguishes copies (it becomes the second half of the file's
    /// `/ID`).
    pub fn stamp(&self, font: &StampFont, text: &StampText, copy_id: [u8; 16]) -> Vec<u8> {
        // The stamp of each geometry, plain and as a finished raw deflate.
        let tails: Vec<(Vec<u8>, Vec<u8>)> = self
            .geometries
            .iter()
            .map(|&geometry| {
                let plain = layout::stamp_operators(font, geometry, text);
                let compressed = raw_deflate_finished(&plain);
                (plain, compressed)
            })
            .collect();
        let pages_size: usize = self
            .pages
            .iter()
            .map(|page| page.compressed_start.len() + tails[page.geometry].1.len() + 80)
            .sum();
        let mut out =
            Vec::with_capacity(self.head.len() + pages_size + self.size as usize * 20 + 512);
        out.extend_from_slice(&self.head);
        let mut offsets: BTreeMap<u32, (u16, usize)> = self
            .head_offsets
            .iter()
            .map(|&((number, generation), offset)| (number, (generation, offset)))
            .collect();
        for page in &self.pages {
            let (plain_tail, compressed_tail) = &tails[page.geometry];
            let mut checksum = adler2::Adler32::from_checksum(page.start_checksum);
            checksum.write_slice(plain_tail);
            let length = page.compressed_start.len() + compressed_tail.len() + 4;
            offsets.insert(page.content_id.0, (page.content_id.1, out.len()));
            let _ = write!(
                out,
                "{} {} obj\n<</Length {length}/Filter/FlateDecode>>stream\n",
                page.content_id.0, page.content_id.1
            );
            out.extend_from_slice(&page.compressed_start);
            out.extend_from_slice(compressed_tail);
            out.extend_from_slice(&checksum.checksum().to_be_bytes());
            out.extend_from_slice(b"\nendstream\nendobj\n");
        }
        let xref_at = out.len();
        let _ = write!(out, "xref\n0 {}\n", self.size);
        for number in 0..self.size {
            match offsets.get(&number) {
                Some(&(generation, offset)) => {
                    let _ = write!(out, "{offset:010} {generation:05} n\r\n");
                }
                None => out.extend_from_slice(b"0000000000 65535 f\r\n"),
            }
        }
        let first_id = self.original_id.clone().unwrap_or_else(|| copy_id.to_vec());
        let _ = write!(
            out,
            "trailer\n<</Size {}/Root {} {} R",
            self.size, self.root.0, self.root.1
        );
        if let Some(info) = self.info {
            let _ = write!(out, "/Info {} {} R", info.0, info.1);
        }
        let _ = write!(
            out,
            "/ID[<{}><{}>]>>\nstartxref\n{xref_at}\n%%EOF\n",
            hex::encode(first_id),
            hex::encode(copy_id)
        );
        out
    }
}

/// The lines of a reader's stamp: their name large on the diagonal, their
/// account and the time below, and the footer line that says it all.
/// `issued_at` is in the meeting's local time.
pub fn stamp_text(
    reader_name: &str,
    reader_account: &str,
    meeting_title: &str,
    issued_at: OffsetDateTime,
) -> StampText {
    let name = shorten(reader_name, 80);
    let account = shorten(reader_account, 60);
    let meeting = shorten(meeting_title, 120);
    let when = format!(
        "{:02}:{:02} ngày {:02}/{:02}/{}",
        issued_at.hour(),
        issued_at.minute(),
        issued_at.day(),
        u8::from(issued_at.month()),
        issued_at.year()
    );
    StampText {
        headline: name.clone(),
        detail: format!("{account} · {when}"),
        footer: format!(
            "TÀI LIỆU MẬT · Bản cấp cho {name} ({account}) lúc {when} · Cuộc họp: {meeting}"
        ),
    }
}

/// `millis` in the meeting's local time: the offset of its start time, or
/// Vietnam's (UTC+7) when that carries none.
pub fn meeting_local_time(millis: i64, meeting_starts_at: &str) -> OffsetDateTime {
    let offset = OffsetDateTime::parse(
        meeting_starts_at,
        &time::format_description::well_known::Rfc3339,
    )
    .map(|start| start.offset())
    .unwrap_or(time::macros::offset!(+7));
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

/// At most `limit` characters, with an ellipsis when cut.
fn shorten(text: &str, limit: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(limit - 1).collect();
    short.push('…');
    short
}

/// The page attributes a page inherits from the page tree.
struct Inherited {
    resources: Option<Dictionary>,
    media_box: Option<[f32; 4]>,
    crop_box: Option<[f32; 4]>,
    rotate: Option<i64>,
}

/// Parses `pdf` and does every part of stamping that does not depend on
/// the reader. Runs on uploaded bytes: it never panics (a panic inside the
/// parser is caught) and bounds the memory content may take.
pub fn prepare(pdf: &[u8], font: &StampFont) -> Result<PreparedPdf, StampError> {
    let owned = pdf.to_vec();
    let loaded = std::panic::catch_unwind(move || lopdf::Document::load_mem(&owned));
    let document = match loaded {
        Ok(Ok(document)) => document,
        Ok(Err(error)) => return Err(StampError::Unreadable(error.to_string())),
        Err(_) => return Err(StampError::Unreadable("the parser gave up".into())),
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        prepare_loaded(document, font)
    }))
    .unwrap_or_else(|_| {
        Err(StampError::Unreadable(
            "the document's structure is broken".into(),
        ))
    })
}

fn prepare_loaded(
    mut document: lopdf::Document,
    font: &StampFont,
) -> Result<PreparedPdf, StampError> {
    if document.is_encrypted() || document.trailer.get(b"Encrypt").is_ok() {
        return Err(StampError::Encrypted);
    }
    let page_ids: Vec<ObjectId> = document.get_pages().into_values().collect();
    if page_ids.is_empty() {
        return Err(StampError::NoPages);
    }
    let root = document
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| StampError::Unreadable("no catalog".into()))?;
    let info = document
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .ok();
    let original_id = match document.trailer.get(b"ID") {
        Ok(Object::Array(parts)) => parts
            .first()
            .and_then(|part| part.as_str().ok())
            .map(<[u8]>::to_vec),
        _ => None,
    };

    // Each page's own content, decoded and balanced, and the streams it
    // came from.
    let mut page_contents: Vec<Vec<u8>> = Vec::with_capacity(page_ids.len());
    let mut content_streams: HashSet<ObjectId> = HashSet::new();
    let mut budget = MAX_CONTENT_BYTES;
    for (index, &page_id) in page_ids.iter().enumerate() {
        let mut content = Vec::new();
        for stream_id in document.get_page_contents(page_id) {
            content_streams.insert(stream_id);
            let Ok(stream) = document.get_object(stream_id).and_then(Object::as_stream) else {
                continue;
            };
            let decoded = stream
                .decompressed_content_with_limit(budget)
                .map_err(|error| match error {
                    lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                        ..
                    }) => StampError::TooLarge(MAX_CONTENT_BYTES),
                    other => StampError::Content {
                        page: index + 1,
                        detail: other.to_string(),
                    },
                })?;
            budget = budget
                .checked_sub(decoded.len() + 1)
                .ok_or(StampError::TooLarge(MAX_CONTENT_BYTES))?;
            content.extend_from_slice(&decoded);
            content.push(b'\n');
        }
        page_contents.push(content::balanced_content(&content));
    }

    // Content streams used by something else too (unusual, but a form or
    // an annotation could name one) stay; the others leave the copy.
    let mut used_elsewhere: HashSet<ObjectId> = HashSet::new();
    let pages: HashSet<ObjectId> = page_ids.iter().copied().collect();
    for (id, object) in &document.objects {
        if pages.contains(id) {
            if let Object::Dictionary(page) = object {
                for (key, value) in page.iter() {
                    if key.as_slice() != b"Contents" {
                        collect_references(value, &mut used_elsewhere);
                    }
                }
            }
        } else if !content_streams.contains(id) {
            collect_references(object, &mut used_elsewhere);
        }
    }
    let dropped: HashSet<ObjectId> = content_streams
        .into_iter()
        .filter(|id| !used_elsewhere.contains(id))
        .collect();

    // New objects: the font, two transparency states, one content stream
    // per page.
    let mut next = document.max_id + 1;
    let mut allocate = || {
        let id = (next, 0u16);
        next += 1;
        id
    };
    let font_ids = font::FontObjectIds {
        type0: allocate(),
        cid_font: allocate(),
        descriptor: allocate(),
        program: allocate(),
        to_unicode: allocate(),
    };
    let light_state = allocate();
    let footer_state = allocate();
    let content_ids: Vec<ObjectId> = page_ids.iter().map(|_| allocate()).collect();

    // Each page gets its own resources (what it inherited, plus ours) and
    // its new content stream; its geometry is noted.
    let mut geometries: Vec<PageGeometry> = Vec::new();
    let mut geometry_of_page = Vec::with_capacity(page_ids.len());
    for (index, &page_id) in page_ids.iter().enumerate() {
        let inherited = inherited_attributes(&document, page_id);
        let media_box = inherited.media_box.unwrap_or([0.0, 0.0, 612.0, 792.0]);
        let visible = inherited
            .crop_box
            .and_then(|crop| intersect(crop, media_box))
            .unwrap_or(media_box);
        let geometry = PageGeometry::new(visible, inherited.rotate.unwrap_or(0));
        let position = match geometries.iter().position(|known| *known == geometry) {
            Some(position) => position,
            None => {
                geometries.push(geometry);
                geometries.len() - 1
            }
        };
        geometry_of_page.push(position);

        let mut resources = inherited.resources.unwrap_or_default();
        let mut fonts = resolved_dictionary(&document, resources.get(b"Font").ok());
        fonts.set(layout::FONT_RESOURCE, Object::Reference(font_ids.type0));
        resources.set("Font", Object::Dictionary(fonts));
        let mut states = resolved_dictionary(&document, resources.get(b"ExtGState").ok());
        states.set(layout::LIGHT_STATE_RESOURCE, Object::Reference(light_state));
        states.set(
            layout::FOOTER_STATE_RESOURCE,
            Object::Reference(footer_state),
        );
        resources.set("ExtGState", Object::Dictionary(states));
        let page = document
            .get_object_mut(page_id)
            .and_then(Object::as_dict_mut)
            .map_err(|error| StampError::Unreadable(error.to_string()))?;
        page.set("Resources", Object::Dictionary(resources));
        page.set("Contents", Object::Reference(content_ids[index]));
    }

    // Serialize what does not depend on the reader.
    let version = pdf_version_at_least_1_4(&document.version);
    let mut head = Vec::with_capacity(document.objects.len() * 64);
    let _ = write!(head, "%PDF-{version}\n%\u{00e2}\u{00e3}\u{00cf}\u{00d3}\n");
    let mut head_offsets = Vec::with_capacity(document.objects.len() + 8);
    let mut write_object =
        |head: &mut Vec<u8>, id: ObjectId, object: &Object| -> Result<(), StampError> {
            head_offsets.push((id, head.len()));
            let _ = writeln!(head, "{} {} obj", id.0, id.1);
            lopdf::Writer::write_object(head, object)
                .map_err(|error| StampError::Unreadable(error.to_string()))?;
            head.extend_from_slice(b"\nendobj\n");
            Ok(())
        };
    for (id, object) in document.objects.iter_mut() {
        if dropped.contains(id) || is_structural(object) {
            continue;
        }
        if let Object::Stream(stream) = object {
            // The length as it is, whatever the original said (a reference
            // to another object, or a wrong number).
            let length = stream.content.len() as i64;
            stream.dict.set("Length", length);
        }
        write_object(&mut head, *id, object)?;
    }
    for (id, object) in font.objects(font_ids) {
        write_object(&mut head, id, &object)?;
    }
    for (id, alpha) in [
        (light_state, layout::LIGHT_ALPHA),
        (footer_state, layout::FOOTER_ALPHA),
    ] {
        let state = dictionary! {
            "Type" => "ExtGState",
            "ca" => Object::Real(alpha),
            "CA" => Object::Real(alpha),
        };
        write_object(&mut head, id, &Object::Dictionary(state))?;
    }

    let prepared_pages = page_contents
        .into_iter()
        .zip(content_ids)
        .zip(geometry_of_page)
        .map(|((content, content_id), geometry)| {
            let mut checksum = adler2::Adler32::new();
            checksum.write_slice(&content);
            PreparedPage {
                content_id,
                compressed_start: zlib_flushed_start(&content),
                start_checksum: checksum.checksum(),
                geometry,
            }
        })
        .collect();

    Ok(PreparedPdf {
        head,
        head_offsets,
        pages: prepared_pages,
        geometries,
        size: next,
        root,
        info,
        original_id,
    })
}

/// Object streams, cross-reference streams and the linearization
/// dictionary describe the original file's layout, which the copy does not
/// share (their objects are written out one by one).
fn is_structural(object: &Object) -> bool {
    match object {
        Object::Stream(stream) => stream.dict.has_type(b"ObjStm") || stream.dict.has_type(b"XRef"),
        Object::Dictionary(dictionary) => dictionary.has(b"Linearized"),
        _ => false,
    }
}

fn collect_references(object: &Object, into: &mut HashSet<ObjectId>) {
    match object {
        Object::Reference(id) => {
            into.insert(*id);
        }
        Object::Array(items) => items.iter().for_each(|item| collect_references(item, into)),
        Object::Dictionary(dictionary) => dictionary
            .iter()
            .for_each(|(_, value)| collect_references(value, into)),
        Object::Stream(stream) => stream
            .dict
            .iter()
            .for_each(|(_, value)| collect_references(value, into)),
        _ => {}
    }
}

/// Walks up the page tree from `page_id` for the attributes a page
/// inherits; the nearest wins. Stops at a cycle or 64 levels.
fn inherited_attributes(document: &lopdf::Document, page_id: ObjectId) -> Inherited {
    let mut inherited = Inherited {
        resources: None,
        media_box: None,
        crop_box: None,
        rotate: None,
    };
    let mut seen = HashSet::new();
    let mut node_id = page_id;
    for _ in 0..64 {
        if !seen.insert(node_id) {
            break;
        }
        let Ok(node) = document.get_dictionary(node_id) else {
            break;
        };
        if inherited.resources.is_none() {
            if let Ok(value) = node.get(b"Resources") {
                inherited.resources = Some(resolved_dictionary(document, Some(value)));
            }
        }
        if inherited.media_box.is_none() {
            inherited.media_box = node
                .get(b"MediaBox")
                .ok()
                .and_then(|value| rectangle(document, value));
        }
        if inherited.crop_box.is_none() {
            inherited.crop_box = node
                .get(b"CropBox")
                .ok()
                .and_then(|value| rectangle(document, value));
        }
        if inherited.rotate.is_none() {
            inherited.rotate = node
                .get(b"Rotate")
                .ok()
                .and_then(|value| document.dereference(value).ok())
                .and_then(|(_, value)| value.as_i64().ok());
        }
        match node.get(b"Parent").and_then(Object::as_reference) {
            Ok(parent) => node_id = parent,
            Err(_) => break,
        }
    }
    inherited
}

/// A copy of the dictionary `value` is or refers to (empty otherwise).
fn resolved_dictionary(document: &lopdf::Document, value: Option<&Object>) -> Dictionary {
    value
        .and_then(|value| document.dereference(value).ok())
        .and_then(|(_, value)| value.as_dict().ok())
        .cloned()
        .unwrap_or_default()
}

fn rectangle(document: &lopdf::Document, value: &Object) -> Option<[f32; 4]> {
    let (_, value) = document.dereference(value).ok()?;
    let items = value.as_array().ok()?;
    if items.len() != 4 {
        return None;
    }
    let mut numbers = [0f32; 4];
    for (slot, item) in numbers.iter_mut().zip(items) {
        let (_, item) = document.dereference(item).ok()?;
        *slot = item.as_float().ok()?;
        if !slot.is_finite() {
            return None;
        }
    }
    let (width, height) = (
        (numbers[2] - numbers[0]).abs(),
        (numbers[3] - numbers[1]).abs(),
    );
    (width >= 1.0 && height >= 1.0).then_some(numbers)
}

fn intersect(a: [f32; 4], b: [f32; 4]) -> Option<[f32; 4]> {
    let x0 = a[0].min(a[2]).max(b[0].min(b[2]));
    let y0 = a[1].min(a[3]).max(b[1].min(b[3]));
    let x1 = a[0].max(a[2]).min(b[0].max(b[2]));
    let y1 = a[1].max(a[3]).min(b[1].max(b[3]));
    (x1 - x0 >= 1.0 && y1 - y0 >= 1.0).then_some([x0, y0, x1, y1])
}

/// The header version: the original's, or 1.4 (transparency) if older.
fn pdf_version_at_least_1_4(version: &str) -> String {
    let parsed: Option<(u32, u32)> = version
        .split_once('.')
        .and_then(|(major, minor)| Some((major.trim().parse().ok()?, minor.trim().parse().ok()?)));
    match parsed {
        Some((major, minor)) if (major, minor) >= (1, 4) && major < 10 && minor < 10 => {
            format!("{major}.{minor}")
        }
        _ => "1.4".to_owned(),
    }
}

/// A zlib header and `content` deflated, flushed to a byte boundary with
/// the stream left open, so that a separately compressed final block can
/// follow.
fn zlib_flushed_start(content: &[u8]) -> Vec<u8> {
    let mut compressor = flate2::Compress::new(flate2::Compression::fast(), true);
    let mut out = Vec::with_capacity(content.len() / 3 + 128);
    loop {
        let consumed = compressor.total_in() as usize;
        let status =
            compressor.compress_vec(&content[consumed..], &mut out, flate2::FlushCompress::Sync);
        let done = compressor.total_in() as usize == content.len() && out.len() < out.capacity();
        if status.is_err() || done {
            break;
        }
        out.reserve(out.capacity().max(1024));
    }
    out
}

/// `content` as a finished raw deflate stream (no header, no checksum).
fn raw_deflate_finished(content: &[u8]) -> Vec<u8> {
    let mut compressor = flate2::Compress::new(flate2::Compression::default(), false);
    let mut out = Vec::with_capacity(content.len() / 2 + 128);
    loop {
        let consumed = compressor.total_in() as usize;
        match compressor.compress_vec(
            &content[consumed..],
            &mut out,
            flate2::FlushCompress::Finish,
        ) {
            Ok(flate2::Status::StreamEnd) | Err(_) => break,
            Ok(_) => out.reserve(out.capacity().max(1024)),
        }
    }
    out
}

/// A random id for a copy.
pub fn new_copy_id() -> [u8; 16] {
    let mut id = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(name);
        std::fs::read(path).unwrap()
    }

    fn reader_text() -> StampText {
        stamp_text(
            "Nguyễn Văn Ưng",
            "nguyenvanung",
            "Họp giao ban UBND huyện",
            time::macros::datetime!(2026-12-07 14:05 +7),
        )
    }

    #[test]
    fn a_stamped_copy_loads_with_every_page_and_the_stamp_in_each_page_content() {
        let font = StampFont::new().unwrap();
        let original = fixture("bao-cao-cai-cach-hanh-chinh-lang-son.pdf");
        let prepared = prepare(&original, &font).unwrap();
        let copy = prepared.stamp(&font, &reader_text(), [7; 16]);
        let loaded = lopdf::Document::load_mem(&copy).unwrap();
        let pages = loaded.get_pages();
        assert_eq!(pages.len(), 5);
        let headline = font.shape("Nguyễn Văn Ưng");
        let hex: String = headline.glyphs.iter().map(|g| format!("{g:04X}")).collect();
        for (number, page_id) in pages {
            // get_page_content inflates the stream: the checksum and the
            // spliced deflate blocks must be right for that to work.
            let contents = loaded.get_page_contents(page_id);
            assert_eq!(contents.len(), 1);
            let stream = loaded.get_object(contents[0]).unwrap().as_stream().unwrap();
            let mut inflated = Vec::new();
            flate2::read::ZlibDecoder::new(stream.content.as_slice())
                .read_to_end(&mut inflated)
                .expect("a valid zlib stream with a right checksum");
            let text = String::from_utf8_lossy(&inflated);
            assert!(text.contains(&format!("<{hex}> Tj")), "page {number}");
            assert!(text.trim_end().ends_with('Q'), "page {number}");
            let fonts = loaded.get_page_fonts(page_id).unwrap();
            assert!(
                fonts.contains_key(layout::FONT_RESOURCE.as_bytes()),
                "page {number}"
            );
        }
    }

    #[test]
    fn the_original_content_streams_are_not_in_the_copy() {
        let font = StampFont::new().unwrap();
        let original = fixture("bao-cao-cai-cach-hanh-chinh-lang-son.pdf");
        let source = lopdf::Document::load_mem(&original).unwrap();
        let original_streams: Vec<Vec<u8>> = source
            .get_pages()
            .values()
            .flat_map(|&page| source.get_page_contents(page))
            .map(|id| {
                source
                    .get_object(id)
                    .unwrap()
                    .as_stream()
                    .unwrap()
                    .content
                    .clone()
            })
            .collect();
        let copy = prepare(&original, &font)
            .unwrap()
            .stamp(&font, &reader_text(), [1; 16]);
        for stream in original_streams {
            assert!(
                !copy
                    .windows(stream.len().min(64))
                    .any(|w| w == &stream[..stream.len().min(64)]),
                "an original content stream is still in the copy"
            );
        }
    }

    #[test]
    fn copies_for_two_readers_differ_only_in_their_stamps() {
        let font = StampFont::new().unwrap();
        let prepared = prepare(&fixture("tham-luan-trung-tam-hanh-chinh-cong.pdf"), &font).unwrap();
        let at = time::macros::datetime!(2026-12-07 14:05 +7);
        let first = prepared.stamp(
            &font,
            &stamp_text("Đặng Thị Hương", "dangthihuong", "Họp", at),
            [1; 16],
        );
        let second = prepared.stamp(
            &font,
            &stamp_text("Lê Văn Bình", "levanbinh", "Họp", at),
            [2; 16],
        );
        assert_ne!(first, second);
        assert_eq!(
            &first[..prepared.head.len()],
            &second[..prepared.head.len()]
        );
        assert_eq!(
            lopdf::Document::load_mem(&second)
                .unwrap()
                .get_pages()
                .len(),
            9
        );
    }

    #[test]
    fn the_stamp_text_names_reader_account_time_and_meeting() {
        let text = reader_text();
        assert_eq!(text.headline, "Nguyễn Văn Ưng");
        assert_eq!(text.detail, "nguyenvanung · 14:05 ngày 07/12/2026");
        assert!(text.footer.contains("TÀI LIỆU MẬT"));
        assert!(text.footer.contains("Nguyễn Văn Ưng (nguyenvanung)"));
        assert!(text.footer.contains("Cuộc họp: Họp giao ban UBND huyện"));
        let long = stamp_text(
            &"A".repeat(500),
            "a",
            "m",
            time::macros::datetime!(2026-01-01 0:00 UTC),
        );
        assert_eq!(long.headline.chars().count(), 80);
        assert!(long.headline.ends_with('…'));
    }

    #[test]
    fn what_is_not_a_readable_pdf_is_refused_without_panicking() {
        let font = StampFont::new().unwrap();
        assert!(matches!(
            prepare(b"%PDF-1.4 garbage", &font),
            Err(StampError::Unreadable(_))
        ));
        assert!(matches!(
            prepare(b"", &font),
            Err(StampError::Unreadable(_))
        ));
        assert!(prepare(&fixture("encrypted.pdf"), &font).is_err());
    }

    #[test]
    fn the_version_is_raised_to_1_4_for_transparency() {
        assert_eq!(pdf_version_at_least_1_4("1.3"), "1.4");
        assert_eq!(pdf_version_at_least_1_4("1.7"), "1.7");
        assert_eq!(pdf_version_at_least_1_4("2.0"), "2.0");
        assert_eq!(pdf_version_at_least_1_4("x"), "1.4");
    }

    #[test]
    fn a_spliced_zlib_stream_inflates_to_both_parts() {
        let start = b"q\nBT /F1 12 Tf (hello) Tj ET\nQ\n".repeat(50);
        let tail = b"q 0.5 g BT (stamp) Tj ET Q\n".to_vec();
        let mut checksum = adler2::Adler32::new();
        checksum.write_slice(&start);
        let mut carried = adler2::Adler32::from_checksum(checksum.checksum());
        carried.write_slice(&tail);
        let mut stream = zlib_flushed_start(&start);
        stream.extend_from_slice(&raw_deflate_finished(&tail));
        stream.extend_from_slice(&carried.checksum().to_be_bytes());
        let mut inflated = Vec::new();
        flate2::read::ZlibDecoder::new(stream.as_slice())
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated, [start, tail].concat());
    }
}
