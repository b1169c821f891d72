//! One way to read the XML of a package part, shared by the OOXML and ODF
//! checks: a real parser (quick-xml) with namespaces resolved, so a check
//! sees an attribute whatever its quoting, order, whitespace or prefix.
//! What a parser could be talked into reading differently from
//! LibreOffice is refused here: a DOCTYPE (entities, external subsets),
//! any encoding but UTF-8, unknown prefixes, duplicate attributes,
//! unknown entities.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::UploadRejection;

/// An attribute with its namespace resolved (empty: no namespace).
#[derive(Debug)]
pub struct Attribute {
    pub namespace: String,
    pub local: String,
    pub value: String,
}

/// What the walk reports, in document order.
#[derive(Debug)]
pub enum Node<'a> {
    Start {
        namespace: &'a str,
        local: &'a str,
        attributes: &'a [Attribute],
    },
    Text(&'a str),
    End {
        namespace: &'a str,
        local: &'a str,
    },
}

fn unsafe_xml(part: &str, why: impl std::fmt::Display) -> UploadRejection {
    UploadRejection::UnsafeXml(format!("{part}: {why}"))
}

/// True when `bytes` look like an XML document (after a BOM and blanks).
pub fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|index| bytes[index] == b'<')
        || bytes.starts_with(b"\xFE\xFF")
        || bytes.starts_with(b"\xFF\xFE")
}

fn namespace_of(result: ResolveResult<'_>, part: &str) -> Result<String, UploadRejection> {
    match result {
        ResolveResult::Bound(namespace) => Ok(namespace.as_ref().to_owned()),
        ResolveResult::Unbound => Ok(String::new()),
        ResolveResult::Unknown(prefix) => Err(unsafe_xml(
            part,
            format_args!("unknown namespace prefix {prefix:?}"),
        )),
    }
}

/// Reads the part's XML and calls `visit` for each element start, text
/// and element end. Stops at the first refusal.
pub fn walk(
    part: &str,
    bytes: &[u8],
    mut visit: impl FnMut(Node<'_>) -> Result<(), UploadRejection>,
) -> Result<(), UploadRejection> {
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") || bytes.contains(&0) {
        return Err(unsafe_xml(part, "not UTF-8"));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| unsafe_xml(part, "not UTF-8"))?;
    let mut reader = NsReader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    let broken = |e: &dyn std::fmt::Display| UploadRejection::BrokenArchive(format!("{part}: {e}"));
    let mut attributes: Vec<Attribute> = Vec::new();
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| broken(&e))?;
        let namespace = namespace_of(resolved, part)?;
        match event {
            Event::Decl(declaration) => {
                if let Some(encoding) = declaration.encoding() {
                    let encoding = encoding.map_err(|e| broken(&e))?.to_ascii_lowercase();
                    if encoding != "utf-8" && encoding != "utf8" {
                        return Err(unsafe_xml(part, format_args!("encoding {encoding}")));
                    }
                }
            }
            Event::DocType(_) => return Err(unsafe_xml(part, "a DOCTYPE declaration")),
            Event::Start(element) => {
                attributes.clear();
                for attribute in element.attributes() {
                    let attribute = attribute.map_err(|e| broken(&e))?;
                    let key: &str = attribute.key.as_ref();
                    if key == "xmlns" || key.starts_with("xmlns:") {
                        continue;
                    }
                    let (resolved, local) = reader.resolver().resolve_attribute(attribute.key);
                    let attribute_namespace = namespace_of(resolved, part)?;
                    let local = local.as_ref().to_owned();
                    let value = attribute
                        .normalized_value(XmlVersion::Implicit1_0)
                        .map_err(|e| broken(&e))?
                        .into_owned();
                    attributes.push(Attribute {
                        namespace: attribute_namespace,
                        local,
                        value,
                    });
                }
                let local = element.local_name().as_ref().to_owned();
                visit(Node::Start {
                    namespace: &namespace,
                    local: &local,
                    attributes: &attributes,
                })?;
            }
            Event::End(element) => {
                let local = element.local_name().as_ref().to_owned();
                visit(Node::End {
                    namespace: &namespace,
                    local: &local,
                })?;
            }
            Event::Text(text) => visit(Node::Text(&text))?,
            Event::CData(text) => visit(Node::Text(&text))?,
            Event::GeneralRef(reference) => {
                let character = match reference.resolve_char_ref().map_err(|e| broken(&e))? {
                    Some(character) => character,
                    None => match &*reference {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => {
                            return Err(unsafe_xml(
                                part,
                                format_args!("an unknown entity &{other};"),
                            ))
                        }
                    },
                };
                let mut buffer = [0u8; 4];
                visit(Node::Text(character.encode_utf8(&mut buffer)))?;
            }
            Event::Eof => return Ok(()),
            Event::Comment(_) | Event::PI(_) | Event::Empty(_) => {}
        }
    }
}

/// Decodes `%XX` escapes once; bytes that are not valid escapes stay.
fn percent_decode_once(text: &str) -> String {
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
    String::from_utf8_lossy(&out).into_owned()
}

/// A reference as a resolver would read it: escapes decoded until stable
/// (at most three times), ASCII blanks and controls removed (URL parsers
/// drop tabs and newlines inside a URL).
fn normalized_reference(reference: &str) -> String {
    let mut text = reference.to_owned();
    for _ in 0..3 {
        let decoded = percent_decode_once(&text);
        if decoded == text {
            break;
        }
        text = decoded;
    }
    text.chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect()
}

/// True when the text before the first `:` is a URL scheme (`file`,
/// `http`, `vnd.sun.star.expand`, a Windows drive letter…) that comes
/// before any `/`.
fn has_scheme(reference: &str) -> bool {
    let Some((scheme, _)) = reference.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// True when a reference from inside a package leads outside it: a URL
/// with a scheme, an absolute or UNC path, a backslash, or a `..`
/// segment. Empty references and `#bookmarks` stay inside.
pub fn points_outside(reference: &str) -> bool {
    let reference = normalized_reference(reference).to_lowercase();
    if reference.is_empty() || reference.starts_with('#') {
        return false;
    }
    reference.contains('\\')
        || reference.starts_with('/')
        || has_scheme(&reference)
        || reference.split('/').any(|segment| segment == "..")
}

/// Resolves an internal OPC target against its source part's folder;
/// `None` when it climbs above the package root or is not a plain path.
pub fn resolve_internal_target(source_folder: &str, target: &str) -> Option<String> {
    let normalized = normalized_reference(target);
    if normalized.contains('\\') || has_scheme(&normalized) || normalized.starts_with("//") {
        return None;
    }
    let mut segments: Vec<&str> = if normalized.starts_with('/') {
        Vec::new()
    } else {
        source_folder.split('/').filter(|s| !s.is_empty()).collect()
    };
    for segment in normalized.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            other => segments.push(other),
        }
    }
    Some(segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_that_leave_the_package_are_recognized_however_written() {
        for outside in [
            "file:///etc/passwd",
            "FILE:///etc/passwd",
            " file:///etc/passwd",
            "fi\tle:///x",
            "http://127.0.0.1/x.png",
            "//server/share/x.png",
            "\\\\server\\share\\x.png",
            "/etc/passwd",
            "../secret.png",
            "Pictures/../../secret.png",
            "%2e%2e/secret.png",
            "%252e%252e/secret.png",
            "%66ile:///etc/passwd",
            "C:/Windows/x.png",
            "vnd.sun.star.expand:$HOME/x",
        ] {
            assert!(points_outside(outside), "{outside:?}");
        }
        for inside in [
            "",
            "Pictures/1000000.png",
            "./Object 1",
            "#bookmark",
            "media/image1.png",
        ] {
            assert!(!points_outside(inside), "{inside:?}");
        }
    }

    #[test]
    fn internal_targets_resolve_against_their_folder_and_may_not_climb_out() {
        assert_eq!(
            resolve_internal_target("word", "../customXml/item1.xml").as_deref(),
            Some("customXml/item1.xml")
        );
        assert_eq!(
            resolve_internal_target("word", "/word/styles.xml").as_deref(),
            Some("word/styles.xml")
        );
        assert_eq!(resolve_internal_target("word", "../../x.xml"), None);
        assert_eq!(resolve_internal_target("word", "file:///etc/passwd"), None);
    }

    #[test]
    fn a_doctype_another_encoding_or_an_unknown_prefix_is_refused() {
        let walk_all = |xml: &[u8]| walk("part.xml", xml, |_| Ok(()));
        assert!(walk_all(b"<?xml version=\"1.0\"?><a/>").is_ok());
        for refused in [
            &b"<!DOCTYPE a [<!ENTITY e \"INCLUDEPICTURE\">]><a>&e;</a>"[..],
            b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>",
            b"\xFF\xFE<\0a\0/\0>\0",
            b"<x:a/>",
            b"<a b='1' b='2'/>",
        ] {
            assert!(
                walk_all(refused).is_err(),
                "{}",
                String::from_utf8_lossy(refused)
            );
        }
    }
}
