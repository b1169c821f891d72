//! Checking that bytes are a PDF a delegate's tablet can open: parsed,
//! not encrypted, with at least one page.
//!
//! The parser runs on client bytes, so a panic inside it is caught and
//! reported as a broken file rather than taking a worker thread down.

/// What the server needs to know about an accepted PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdfInfo {
    pub page_count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("not a pdf (no %PDF- header)")]
    NotPdf,
    #[error("the pdf is encrypted or password-protected")]
    Encrypted,
    #[error("the pdf is damaged: {0}")]
    Broken(String),
    #[error("the pdf has no pages")]
    NoPages,
}

/// True when `bytes` start like a PDF (the magic bytes, not the name).
pub fn looks_like_pdf(bytes: &[u8]) -> bool {
    // The header may follow a little junk; readers accept it in the first KiB.
    bytes.windows(5).take(1024).any(|window| window == b"%PDF-")
}

/// Parses `bytes` and returns the page count, refusing encrypted, damaged
/// and empty documents.
pub fn inspect_pdf(bytes: &[u8]) -> Result<PdfInfo, PdfError> {
    let owned = bytes.to_vec();
    std::panic::catch_unwind(move || info_of(&load_document(&owned)?))
        .unwrap_or_else(|_| Err(PdfError::Broken("the parser could not read it".into())))
}

/// Parses `bytes` into a document, refusing encrypted and damaged ones.
/// lopdf may panic on crafted input: callers run it under `catch_unwind`.
pub fn load_document(bytes: &[u8]) -> Result<lopdf::Document, PdfError> {
    if !looks_like_pdf(bytes) {
        return Err(PdfError::NotPdf);
    }
    let document = match lopdf::Document::load_mem(bytes) {
        Ok(document) => document,
        Err(lopdf::Error::Decryption(_)) => return Err(PdfError::Encrypted),
        Err(error) => {
            let text = error.to_string();
            if text.to_ascii_lowercase().contains("encrypt") {
                return Err(PdfError::Encrypted);
            }
            return Err(PdfError::Broken(text));
        }
    };
    if document.is_encrypted() || document.trailer.get(b"Encrypt").is_ok() {
        return Err(PdfError::Encrypted);
    }
    Ok(document)
}

/// What the server records of a parsed document; refuses one without pages.
pub fn info_of(document: &lopdf::Document) -> Result<PdfInfo, PdfError> {
    let page_count = document.get_pages().len() as i64;
    if page_count == 0 {
        return Err(PdfError::NoPages);
    }
    Ok(PdfInfo { page_count })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_pdfs_have_their_known_page_counts() {
        for (bytes, pages) in crate::demo::DEMO_PDFS
            .iter()
            .map(|d| (d.bytes, d.page_count))
        {
            assert_eq!(inspect_pdf(bytes).unwrap().page_count, pages);
        }
    }

    #[test]
    fn encrypted_pdf_is_refused() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/encrypted.pdf");
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(inspect_pdf(&bytes), Err(PdfError::Encrypted));
    }

    #[test]
    fn text_is_not_a_pdf() {
        assert_eq!(inspect_pdf(b"hello"), Err(PdfError::NotPdf));
    }

    #[test]
    fn truncated_pdf_is_broken() {
        let bytes = crate::demo::DEMO_PDFS[0].bytes;
        let truncated = &bytes[..bytes.len() / 3];
        assert!(matches!(
            inspect_pdf(truncated),
            Err(PdfError::Broken(_)) | Err(PdfError::NoPages)
        ));
    }
}
