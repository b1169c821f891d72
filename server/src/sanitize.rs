//! What a stored PDF may not carry. Every PDF the server keeps (uploaded,
//! or converted from an Office file) passes through [`sanitize_pdf`]
//! before it is stored, so no reader's PDF viewer is handed a script or
//! an action that leaves the document:
//!
//! - JavaScript anywhere: `/JS`, JavaScript actions, the `/JavaScript`
//!   name tree, XFA forms;
//! - automatic actions: `/AA` on any object, an `/OpenAction` that is an
//!   action rather than a destination;
//! - actions that open, import or send something outside the document:
//!   `Launch`, `GoToR`, `GoToE`, `ImportData`, `SubmitForm`, `Rendition`,
//!   `Movie`, `Sound`, `RichMediaExecute`, and `URI` actions whose address
//!   is not `http`, `https` or `mailto`;
//! - embedded files: the `/EmbeddedFiles` name tree, file specifications'
//!   `/EF`, embedded file streams, and file attachment, sound, movie,
//!   screen and rich media annotations.
//!
//! A PDF with none of these is stored byte for byte as it came; one with
//! any is rewritten without them (lopdf), and the stored SHA-256 is of
//! the rewritten file. Pure: bytes in, bytes out.

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::pdf::{PdfError, PdfInfo};

/// Actions that run code or leave the document.
const FORBIDDEN_ACTIONS: [&[u8]; 10] = [
    b"JavaScript",
    b"Launch",
    b"GoToR",
    b"GoToE",
    b"ImportData",
    b"SubmitForm",
    b"Rendition",
    b"Movie",
    b"Sound",
    b"RichMediaExecute",
];

/// Annotations that carry files or play media.
const FORBIDDEN_ANNOTATIONS: [&[u8]; 5] = [
    b"FileAttachment",
    b"Sound",
    b"Movie",
    b"Screen",
    b"RichMedia",
];

/// A checked PDF, ready to store.
#[derive(Debug)]
pub struct SanitizedPdf {
    /// The bytes to store: the upload itself when nothing was removed.
    pub bytes: Vec<u8>,
    pub info: PdfInfo,
    /// What was removed (one entry per kind, with a count), for the log
    /// and the audit entry; empty when the file is unchanged.
    pub removed: Vec<String>,
}

fn name_of(object: &Object) -> Option<&[u8]> {
    match object {
        Object::Name(name) => Some(name.as_slice()),
        _ => None,
    }
}

fn dictionary_of(object: &Object) -> Option<&Dictionary> {
    match object {
        Object::Dictionary(dictionary) => Some(dictionary),
        Object::Stream(stream) => Some(&stream.dict),
        _ => None,
    }
}

/// True for an action dictionary that runs code or leaves the document.
fn is_forbidden_action(action: &Dictionary) -> bool {
    if action.has(b"JS") {
        return true;
    }
    match action.get(b"S").ok().and_then(name_of) {
        Some(kind) if FORBIDDEN_ACTIONS.contains(&kind) => true,
        Some(b"URI") => {
            let address = match action.get(b"URI") {
                Ok(Object::String(bytes, _)) => String::from_utf8_lossy(bytes).to_lowercase(),
                _ => return true,
            };
            let address = address.trim_start();
            !(address.starts_with("http://")
                || address.starts_with("https://")
                || address.starts_with("mailto:"))
        }
        _ => false,
    }
}

fn is_forbidden_annotation(annotation: &Dictionary) -> bool {
    annotation
        .get(b"Subtype")
        .ok()
        .and_then(name_of)
        .is_some_and(|kind| FORBIDDEN_ANNOTATIONS.contains(&kind))
}

fn is_embedded_file(dictionary: &Dictionary) -> bool {
    dictionary.has_type(b"EmbeddedFile")
}

/// Objects to delete, decided before anything changes.
fn forbidden_objects(document: &Document) -> HashSet<ObjectId> {
    document
        .objects
        .iter()
        .filter(|(_, object)| {
            dictionary_of(object).is_some_and(|dictionary| {
                is_forbidden_action(dictionary)
                    || is_forbidden_annotation(dictionary)
                    || is_embedded_file(dictionary)
            })
        })
        .map(|(id, _)| *id)
        .collect()
}

/// Counts removals by kind.
#[derive(Default)]
struct Removals(Vec<(&'static str, usize)>);

impl Removals {
    fn note(&mut self, what: &'static str) {
        match self.0.iter_mut().find(|(kind, _)| *kind == what) {
            Some((_, count)) => *count += 1,
            None => self.0.push((what, 1)),
        }
    }

    fn into_lines(self) -> Vec<String> {
        self.0
            .into_iter()
            .map(|(kind, count)| format!("{kind} ({count})"))
            .collect()
    }
}

/// True when `value` is (or points to) something forbidden.
fn is_forbidden_value(value: &Object, forbidden: &HashSet<ObjectId>) -> bool {
    match value {
        Object::Reference(id) => forbidden.contains(id),
        Object::Dictionary(dictionary) => {
            is_forbidden_action(dictionary) || is_forbidden_annotation(dictionary)
        }
        _ => false,
    }
}

fn clean_dictionary(
    dictionary: &mut Dictionary,
    forbidden: &HashSet<ObjectId>,
    removals: &mut Removals,
) {
    for (key, what) in [
        (&b"AA"[..], "automatic actions (/AA)"),
        (b"JS", "JavaScript (/JS)"),
        (b"JavaScript", "the JavaScript name tree"),
        (b"EmbeddedFiles", "the embedded files name tree"),
        (b"EF", "embedded files (/EF)"),
        (b"XFA", "XFA forms"),
    ] {
        if dictionary.remove(key).is_some() {
            removals.note(what);
        }
    }
    for key in [&b"A"[..], b"OpenAction", b"PA", b"Next"] {
        let Ok(value) = dictionary.get(key) else {
            continue;
        };
        if is_forbidden_value(value, forbidden) {
            dictionary.remove(key);
            removals.note("actions that run code or leave the document");
        }
    }
    for key in [&b"Annots"[..], b"Next"] {
        if let Ok(Object::Array(items)) = dictionary.get_mut(key) {
            let before = items.len();
            items.retain(|item| !is_forbidden_value(item, forbidden));
            for _ in items.len()..before {
                removals.note(if key == b"Annots" {
                    "file, sound and movie annotations"
                } else {
                    "actions that run code or leave the document"
                });
            }
        }
    }
    for (_, value) in dictionary.iter_mut() {
        clean_object(value, forbidden, removals);
    }
}

fn clean_object(object: &mut Object, forbidden: &HashSet<ObjectId>, removals: &mut Removals) {
    match object {
        Object::Dictionary(dictionary) => clean_dictionary(dictionary, forbidden, removals),
        Object::Stream(stream) => clean_dictionary(&mut stream.dict, forbidden, removals),
        Object::Array(items) => {
            for item in items.iter_mut() {
                clean_object(item, forbidden, removals);
            }
        }
        _ => {}
    }
}

/// Validates a PDF (as [`crate::pdf::inspect_pdf`]) and removes what a
/// stored PDF may not carry.
pub fn sanitize_pdf(bytes: &[u8]) -> Result<SanitizedPdf, PdfError> {
    let owned = bytes.to_vec();
    let outcome = std::panic::catch_unwind(move || -> Result<SanitizedPdf, PdfError> {
        let mut document = crate::pdf::load_document(&owned)?;
        let info = crate::pdf::info_of(&document)?;
        let forbidden = forbidden_objects(&document);
        let mut removals = Removals::default();
        for id in &forbidden {
            document.objects.remove(id);
            removals.note("forbidden objects (actions, attachments, embedded files)");
        }
        for object in document.objects.values_mut() {
            clean_object(object, &forbidden, &mut removals);
        }
        clean_dictionary(&mut document.trailer, &forbidden, &mut removals);
        if removals.0.is_empty() {
            return Ok(SanitizedPdf {
                bytes: owned,
                info,
                removed: Vec::new(),
            });
        }
        // lopdf keeps the object streams it unpacked (and cross-reference
        // streams) as objects: written again, they would carry the old,
        // unsanitized objects inside. The rewrite lists every object on
        // its own.
        document.objects.retain(|_, object| {
            !matches!(object, Object::Stream(stream)
                if stream.dict.has_type(b"ObjStm") || stream.dict.has_type(b"XRef"))
        });
        let mut rewritten = Vec::with_capacity(owned.len());
        document
            .save_to(&mut rewritten)
            .map_err(|e| PdfError::Broken(format!("rewriting without scripts: {e}")))?;
        Ok(SanitizedPdf {
            bytes: rewritten,
            info,
            removed: removals.into_lines(),
        })
    });
    outcome.unwrap_or_else(|_| Err(PdfError::Broken("the parser could not read it".into())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    /// A one-page PDF with every kind of thing the sanitizer removes.
    fn hostile_pdf() -> Vec<u8> {
        let mut document = Document::with_version("1.7");
        let pages_id = document.new_object_id();
        let javascript = document.add_object(dictionary! {
            "S" => "JavaScript",
            "JS" => Object::string_literal("app.alert('x')"),
        });
        let launch = document.add_object(dictionary! {
            "S" => "Launch",
            "F" => Object::string_literal("cmd.exe"),
        });
        let embedded = document.add_object(Stream::new(
            dictionary! { "Type" => "EmbeddedFile" },
            b"MZ secret payload".to_vec(),
        ));
        let attachment = document.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "FileAttachment",
            "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
            "FS" => dictionary! { "Type" => "Filespec", "F" => Object::string_literal("x.exe"), "EF" => dictionary! { "F" => embedded } },
        });
        let link = document.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "Link",
            "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
            "A" => dictionary! { "S" => "URI", "URI" => Object::string_literal("https://thuvienphapluat.vn") },
        });
        let file_link = document.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "Link",
            "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
            "A" => dictionary! { "S" => "URI", "URI" => Object::string_literal("file:///etc/passwd") },
        });
        let content = document.add_object(Stream::new(dictionary! {}, b"BT ET".to_vec()));
        let page = document.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content,
            "Annots" => vec![attachment.into(), link.into(), file_link.into()],
            "AA" => dictionary! { "O" => launch },
        });
        document.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![page.into()],
                "Count" => 1,
            }),
        );
        let catalog = document.add_object(dictionary! {
            "Type" => "Catalog",
            "Pages" => pages_id,
            "OpenAction" => javascript,
            "Names" => dictionary! {
                "JavaScript" => dictionary! { "Names" => vec![Object::string_literal("x"), javascript.into()] },
                "EmbeddedFiles" => dictionary! { "Names" => vec![Object::string_literal("x.exe"), embedded.into()] },
            },
            "AcroForm" => dictionary! { "Fields" => Vec::<Object>::new(), "XFA" => Object::string_literal("<xdp/>") },
        });
        document.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        document.save_to(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn scripts_launch_actions_and_embedded_files_are_removed() {
        let hostile = hostile_pdf();
        let sanitized = sanitize_pdf(&hostile).unwrap();
        assert_eq!(sanitized.info.page_count, 1);
        assert!(!sanitized.removed.is_empty());
        let text = String::from_utf8_lossy(&sanitized.bytes);
        for gone in [
            "/JavaScript",
            "/JS",
            "/Launch",
            "/EmbeddedFile",
            "/FileAttachment",
            "/AA",
            "/XFA",
            "cmd.exe",
            "MZ secret",
            "file:///etc/passwd",
        ] {
            assert!(!text.contains(gone), "{gone} is still in the stored PDF");
        }
        assert!(
            text.contains("https://thuvienphapluat.vn"),
            "web links stay"
        );
        // And what comes out is a PDF that passes the same check again,
        // unchanged the second time.
        let again = sanitize_pdf(&sanitized.bytes).unwrap();
        assert!(again.removed.is_empty(), "{:?}", again.removed);
        assert_eq!(again.bytes, sanitized.bytes);
    }

    #[test]
    fn a_clean_pdf_is_stored_byte_for_byte() {
        for demo in crate::demo::DEMO_PDFS {
            let sanitized = sanitize_pdf(demo.bytes).unwrap();
            assert!(sanitized.removed.is_empty(), "{:?}", sanitized.removed);
            assert_eq!(sanitized.bytes, demo.bytes);
            assert_eq!(sanitized.info.page_count, demo.page_count);
        }
    }
}
