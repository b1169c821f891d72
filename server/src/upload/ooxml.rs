//! Office Open XML (DOCX, XLSX, PPTX): what could make LibreOffice read
//! or fetch anything but the package itself.
//!
//! - Relationships (`*.rels` of every part): an external target of any
//!   type but a hyperlink is refused; an internal target must stay in the
//!   package; `altChunk` (imported HTML, RTF or MHT, which may link out in
//!   its own syntax) is refused.
//! - A hyperlink relationship may be used only by a hyperlink: an image
//!   (`r:embed`, `r:link`, `o:relid`…) naming a hyperlink's id is refused,
//!   since a reader may resolve the id without looking at its type.
//! - Fields, simple (`w:fldSimple`) and complex (`w:fldChar` begin,
//!   `w:instrText` runs, separate, end; nested): `INCLUDEPICTURE`,
//!   `INCLUDETEXT`, `INCLUDE`, `LINK`, `DDE`, `DDEAUTO`, `IMPORT`,
//!   `DATABASE`, and a field whose name is computed by a nested field.
//! - VML and other `src` attributes that point outside; spreadsheet DDE
//!   and OLE links, data connections and `WEBSERVICE` formulas; macros.

use std::collections::{HashMap, HashSet};

use super::package::Part;
use super::xml::{points_outside, resolve_internal_target, walk, Node};
use super::UploadRejection;

/// Relationship namespaces, transitional and strict.
const RELATIONSHIP_NAMESPACES: [&str; 2] = [
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
];

/// Elements that may name an external relationship: hyperlinks, and the
/// template a document was made from.
const HYPERLINK_ELEMENTS: [&str; 5] = [
    "hyperlink",
    "hlinkClick",
    "hlinkHover",
    "hlinkMouseOver",
    "attachedTemplate",
];

/// Field names that make a reader fetch or open something outside the
/// document (compared in upper case).
pub const LINKING_FIELDS: [&str; 8] = [
    "INCLUDEPICTURE",
    "INCLUDETEXT",
    "INCLUDE",
    "LINK",
    "DDE",
    "DDEAUTO",
    "IMPORT",
    "DATABASE",
];

/// The folder of a part (`word/document.xml` -> `word`).
fn folder_of(part: &str) -> &str {
    part.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// The part a relationships part describes
/// (`word/_rels/document.xml.rels` -> `word/document.xml`).
fn source_of_relationships(rels: &str) -> Option<String> {
    let (folder, file) = rels.rsplit_once('/').unwrap_or(("", rels));
    let folder = folder.strip_suffix("_rels")?.trim_end_matches('/');
    let file = file.strip_suffix(".rels")?;
    Some(if folder.is_empty() {
        file.to_owned()
    } else {
        format!("{folder}/{file}")
    })
}

/// Checks every part of an OOXML package.
pub fn inspect(parts: &[Part]) -> Result<(), UploadRejection> {
    // Relationship ids of external hyperlinks, per source part.
    let mut hyperlink_ids: HashMap<String, HashSet<String>> = HashMap::new();
    for part in parts {
        let lower = part.name.to_lowercase();
        if !lower.ends_with(".rels") {
            continue;
        }
        let source = source_of_relationships(&part.name).unwrap_or_default();
        let ids = inspect_relationships(part, &source)?;
        hyperlink_ids.entry(source).or_default().extend(ids);
    }
    let no_ids = HashSet::new();
    for part in parts {
        let lower = part.name.to_lowercase();
        if lower.ends_with("vbaproject.bin") || lower.ends_with("vbadata.xml") {
            return Err(UploadRejection::Macros);
        }
        if lower.ends_with(".rels") {
            continue;
        }
        if super::xml::looks_like_xml(&part.bytes) {
            let ids = hyperlink_ids.get(&part.name).unwrap_or(&no_ids);
            inspect_part(part, ids)?;
        }
    }
    Ok(())
}

/// Checks one relationships part; returns the ids of its external
/// hyperlinks.
fn inspect_relationships(part: &Part, source: &str) -> Result<Vec<String>, UploadRejection> {
    let mut hyperlinks = Vec::new();
    let mut failure = None;
    walk(&part.name, &part.bytes, |node| {
        let Node::Start {
            local: "Relationship",
            attributes,
            ..
        } = node
        else {
            return Ok(());
        };
        let get = |name: &str| {
            attributes
                .iter()
                .find(|a| a.local == name)
                .map(|a| a.value.trim().to_owned())
        };
        let id = get("Id").unwrap_or_default();
        let kind = get("Type").unwrap_or_default();
        let target = get("Target").unwrap_or_default();
        // Anything but an explicit "Internal" (or no mode) is external.
        let external = get("TargetMode").is_some_and(|mode| mode != "Internal");
        let kind_name = kind.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
        // Hyperlinks are shown, never fetched. Word names the template a
        // document was made from (often `file:///C:/…/Normal.dotm`);
        // LibreOffice's import only records it.
        if kind_name == "hyperlink" || kind_name == "attachedtemplate" {
            if external {
                hyperlinks.push(id);
            }
            return Ok(());
        }
        if external {
            failure = Some(UploadRejection::ExternalLink(target));
        } else if kind_name == "afchunk" || kind_name == "altchunk" {
            failure = Some(UploadRejection::ImportedContent(target));
        } else if resolve_internal_target(folder_of(source), &target).is_none() {
            failure = Some(UploadRejection::ExternalLink(target));
        }
        match failure.take() {
            Some(rejection) => Err(rejection),
            None => Ok(()),
        }
    })?;
    Ok(hyperlinks)
}

/// A field being read: its instruction text so far, and whether its name
/// came from a nested field.
#[derive(Debug, Default)]
struct OpenField {
    instruction: String,
    computed_name: bool,
    checked: bool,
}

/// Refuses a field instruction that links outside the document.
pub fn check_field_instruction(instruction: &str) -> Result<(), UploadRejection> {
    let name = instruction
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| c == '"' || c == '\'' || c == '\\')
        .to_uppercase();
    if LINKING_FIELDS.contains(&name.as_str()) {
        return Err(UploadRejection::LinkingField(name));
    }
    Ok(())
}

fn check_open_field(field: &mut OpenField) -> Result<(), UploadRejection> {
    if field.checked {
        return Ok(());
    }
    field.checked = true;
    if field.computed_name {
        return Err(UploadRejection::LinkingField(
            "a field whose name is made by another field".into(),
        ));
    }
    check_field_instruction(&field.instruction)
}

/// Checks one XML part (a document, header, footer, drawing, sheet…).
fn inspect_part(part: &Part, hyperlink_ids: &HashSet<String>) -> Result<(), UploadRejection> {
    let mut fields: Vec<OpenField> = Vec::new();
    let mut in_instruction = false;
    let mut formula: Option<String> = None;
    walk(&part.name, &part.bytes, |node| {
        match node {
            Node::Start {
                local, attributes, ..
            } => {
                for attribute in attributes {
                    let names_relationship = RELATIONSHIP_NAMESPACES
                        .contains(&attribute.namespace.as_str())
                        || attribute.local == "relid";
                    if names_relationship
                        && hyperlink_ids.contains(attribute.value.trim())
                        && !HYPERLINK_ELEMENTS.contains(&local)
                    {
                        return Err(UploadRejection::ExternalLink(format!(
                            "a hyperlink ({}) used as <{local}>",
                            attribute.value
                        )));
                    }
                    let is_resource = matches!(attribute.local.as_str(), "src" | "althref")
                        || (attribute.local == "href"
                            && matches!(local, "imagedata" | "fill" | "stroke" | "image"));
                    if is_resource && points_outside(&attribute.value) {
                        return Err(UploadRejection::ExternalLink(attribute.value.clone()));
                    }
                }
                match local {
                    "fldSimple" => {
                        if let Some(instruction) = attributes.iter().find(|a| a.local == "instr") {
                            check_field_instruction(&instruction.value)?;
                        }
                    }
                    "fldChar" => {
                        let kind = attributes
                            .iter()
                            .find(|a| a.local == "fldCharType")
                            .map(|a| a.value.as_str())
                            .unwrap_or("");
                        match kind {
                            "begin" => {
                                if let Some(parent) = fields.last_mut() {
                                    if !parent.checked && parent.instruction.trim().is_empty() {
                                        parent.computed_name = true;
                                    }
                                }
                                fields.push(OpenField::default());
                            }
                            "separate" => {
                                if let Some(field) = fields.last_mut() {
                                    check_open_field(field)?;
                                }
                            }
                            "end" => {
                                if let Some(mut field) = fields.pop() {
                                    check_open_field(&mut field)?;
                                }
                            }
                            _ => {}
                        }
                    }
                    "instrText" | "delInstrText" => in_instruction = true,
                    "ddeLink" | "oleLink" => {
                        return Err(UploadRejection::LinkingField(local.to_uppercase()))
                    }
                    "webPr" | "textPr" | "dbPr" | "olapPr" => {
                        return Err(UploadRejection::DataConnection)
                    }
                    "f" => formula = Some(String::new()),
                    _ => {}
                }
            }
            Node::Text(text) => {
                if in_instruction {
                    match fields.last_mut() {
                        Some(field) if !field.checked => field.instruction.push_str(text),
                        // Instruction text outside any field: read it as one.
                        None => check_field_instruction(text)?,
                        Some(_) => {}
                    }
                }
                if let Some(formula) = formula.as_mut() {
                    formula.push_str(text);
                }
            }
            Node::End { local, .. } => match local {
                "instrText" | "delInstrText" => in_instruction = false,
                "f" => {
                    let text = formula.take().unwrap_or_default().to_uppercase();
                    if text.contains("WEBSERVICE") {
                        return Err(UploadRejection::LinkingField("WEBSERVICE".into()));
                    }
                }
                _ => {}
            },
        }
        Ok(())
    })?;
    // Fields never closed are checked too.
    for field in fields.iter_mut() {
        check_open_field(field)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, xml: &str) -> Part {
        Part {
            name: name.into(),
            bytes: xml.as_bytes().to_vec(),
        }
    }

    #[test]
    fn relationship_parts_belong_to_their_source() {
        assert_eq!(
            source_of_relationships("word/_rels/document.xml.rels").as_deref(),
            Some("word/document.xml")
        );
        assert_eq!(source_of_relationships("_rels/.rels").as_deref(), Some(""));
    }

    #[test]
    fn complex_fields_are_read_across_runs_and_nesting() {
        let document = |body: &str| {
            part(
                "word/document.xml",
                &format!(
                    r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>{body}</w:p></w:body></w:document>"#
                ),
            )
        };
        let begin = r#"<w:r><w:fldChar w:fldCharType="begin"/></w:r>"#;
        let separate = r#"<w:r><w:fldChar w:fldCharType="separate"/></w:r>"#;
        let end = r#"<w:r><w:fldChar w:fldCharType="end"/></w:r>"#;
        let instr = |text: &str| {
            format!(r#"<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>"#)
        };
        let ids = HashSet::new();
        let split = format!(
            "{begin}{}{}{separate}{end}",
            instr(" INCLUDEPIC"),
            instr("TURE \"file:///etc/x.png\"")
        );
        assert!(matches!(
            inspect_part(&document(&split), &ids),
            Err(UploadRejection::LinkingField(name)) if name == "INCLUDEPICTURE"
        ));
        let computed = format!(
            "{begin}{begin}{}{separate}{end}{}{separate}{end}",
            instr("QUOTE INCLUDETEXT"),
            instr(" \"file:///x\"")
        );
        assert!(inspect_part(&document(&computed), &ids).is_err());
        let page = format!("{begin}{}{separate}{end}", instr(" PAGE \\* MERGEFORMAT "));
        assert!(inspect_part(&document(&page), &ids).is_ok());
        let entity = format!("{begin}{}{separate}{end}", instr("&#x20;&#73;NCLUDETEXT x"));
        assert!(inspect_part(&document(&entity), &ids).is_err());
    }
}
