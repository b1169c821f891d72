//! Uploads before and after conversion: classifying the bytes (PDF, OLE2,
//! OOXML and ODF packages read part by part with the XML parser, the
//! zip-bomb, external-link and field checks, embedded packages), the PDF
//! sanitizer, and the file name. None may panic or run away.
//!
//! The input is also wrapped as the main part of a DOCX and the content of
//! an ODT, so the fuzzer reaches the XML checks without having to invent a
//! valid zip first.
#![no_main]

use std::io::{Cursor, Write};

use libfuzzer_sys::fuzz_target;
use phonghop_fuzz::{pdf, sanitize, upload};

fn package(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        writer.start_file(*name, options).expect("in memory");
        writer.write_all(data).expect("in memory");
    }
    writer.finish().expect("in memory").into_inner()
}

fuzz_target!(|data: &[u8]| {
    let policy = upload::UploadPolicy::default();
    let legacy = upload::UploadPolicy {
        allow_legacy_office: true,
        ..upload::UploadPolicy::default()
    };
    let _ = upload::classify(data, &policy);
    let _ = upload::classify(data, &legacy);
    let docx = package(&[
        ("word/document.xml", data),
        ("word/_rels/document.xml.rels", data),
    ]);
    let _ = upload::classify(&docx, &policy);
    let odt = package(&[
        ("mimetype", b"application/vnd.oasis.opendocument.text"),
        ("content.xml", data),
    ]);
    let _ = upload::classify(&odt, &policy);
    let _ = upload::legacy::linking_field_in(data);
    if pdf::looks_like_pdf(data) {
        let _ = pdf::inspect_pdf(data);
        let _ = sanitize::sanitize_pdf(data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = upload::check_file_name(text);
        let _ = upload::xml::points_outside(text);
    }
});
