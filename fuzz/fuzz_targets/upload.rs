//! Uploads before conversion: classifying the bytes (PDF, OLE2, Office and
//! ODF archives, with the zip-bomb and external-link checks), validating a
//! PDF, and the file name. None may panic or run away.
#![no_main]

use libfuzzer_sys::fuzz_target;
use phonghop_fuzz::{pdf, upload};

fuzz_target!(|data: &[u8]| {
    let _ = upload::classify(data, upload::ArchiveLimits::default());
    if pdf::looks_like_pdf(data) {
        let _ = pdf::inspect_pdf(data);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = upload::check_file_name(text);
        let _ = upload::dangerous_external_reference(text);
    }
});
