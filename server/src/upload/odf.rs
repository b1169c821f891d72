//! OpenDocument (ODT, ODS, ODP): what could make LibreOffice read or
//! fetch anything but the package itself. Checked in every XML part
//! (content, styles, embedded objects' parts), by namespace URI, never by
//! prefix:
//!
//! - any `xlink:href` (on any element but a hyperlink, `text:a` or
//!   `draw:a`) that leaves the package: images, objects, plug-ins,
//!   linked sections (`text:section-source`), linked sheets
//!   (`table:table-source`), fill and background images, fonts, event
//!   listeners;
//! - other attributes that name a resource (`href`, `src`,
//!   `image-data` in any namespace) on elements that are not hyperlinks;
//! - `xml:base`, which would move where relative links point;
//! - DDE links and connections; macros (`Basic/`, `Scripts/`).

use super::package::Part;
use super::xml::{points_outside, walk, Node};
use super::UploadRejection;

const XLINK: &str = "http://www.w3.org/1999/xlink";
const XML: &str = "http://www.w3.org/XML/1998/namespace";
const TEXT: &str = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
const DRAW: &str = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0";
const META: &str = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0";

/// ODF element names of DDE links and connections.
const DDE_ELEMENTS: [&str; 5] = [
    "dde-source",
    "dde-connection-decl",
    "dde-connection-decls",
    "dde-link",
    "dde-connection",
];

/// Checks every part of an ODF package.
pub fn inspect(parts: &[Part]) -> Result<(), UploadRejection> {
    for part in parts {
        let lower = part.name.to_lowercase();
        if lower.starts_with("basic/") || lower.starts_with("scripts/") {
            return Err(UploadRejection::Macros);
        }
        if lower == "mimetype" {
            continue;
        }
        if super::xml::looks_like_xml(&part.bytes) {
            inspect_part(part)?;
        }
    }
    Ok(())
}

fn inspect_part(part: &Part) -> Result<(), UploadRejection> {
    walk(&part.name, &part.bytes, |node| {
        let Node::Start {
            namespace,
            local,
            attributes,
        } = node
        else {
            return Ok(());
        };
        if DDE_ELEMENTS.contains(&local) {
            return Err(UploadRejection::LinkingField("DDE".into()));
        }
        // `meta:template` names the template a document was made from
        // (often a path on the author's Windows machine); it is only shown
        // and, in the sandbox, leads nowhere.
        let hyperlink = (local == "a" && (namespace == TEXT || namespace == DRAW))
            || (local == "template" && namespace == META);
        for attribute in attributes {
            if attribute.namespace == XML && attribute.local == "base" {
                return Err(UploadRejection::UnsafeXml(format!(
                    "{}: xml:base={:?}",
                    part.name, attribute.value
                )));
            }
            let names_resource = (attribute.namespace == XLINK && attribute.local == "href")
                || matches!(attribute.local.as_str(), "href" | "src" | "image-data");
            if names_resource && !hyperlink && points_outside(&attribute.value) {
                return Err(UploadRejection::ExternalLink(attribute.value.clone()));
            }
        }
        Ok(())
    })
}
