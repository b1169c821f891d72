//! The stamp's font: a subset of Noto Sans Regular kept in the repository
//! (`server/fonts/NotoSans-Stamp.ttf`, made by `make-stamp-font.sh`, OFL),
//! compiled into the binary and read once at start-up.
//!
//! The Standard 14 fonts every PDF reader has cannot show Vietnamese
//! ("Nguyễn Văn Ưng"), so the font travels inside every stamped copy: a
//! Type 0 font over a TrueType CIDFont (`Identity-H`, CID = glyph id), with
//! the advance widths (`/W`) for correct spacing and a `ToUnicode` map, so
//! that `pdftotext`, search and copy give the reader's name back as text.
//! Everything here depends on the font alone: [`StampFont::new`] builds
//! the compressed font program and the maps once, and every copy of every
//! document shares them.

use std::collections::HashMap;
use std::io::Write;

use lopdf::{dictionary, Object, ObjectId, Stream, StringFormat};
use unicode_normalization::UnicodeNormalization;

use super::StampError;

/// The font file, as committed.
const FONT_FILE: &[u8] = include_bytes!("../../fonts/NotoSans-Stamp.ttf");

/// The name the font goes by inside a PDF (a subset carries a six-letter
/// tag before its name).
const BASE_FONT: &[u8] = b"PHSTMP+NotoSans-Regular";

/// The stamp's font, ready to be written into any number of copies.
#[derive(Debug)]
pub struct StampFont {
    /// Glyph id of each character the font has.
    glyph_of: HashMap<char, u16>,
    /// Advance width of each glyph, in thousandths of the font size.
    advance: Vec<f32>,
    /// The glyph drawn for a character the font lacks.
    replacement: u16,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    bounding_box: [f32; 4],
    /// The font program, Flate-compressed, and its length uncompressed.
    font_program: Vec<u8>,
    font_program_length: usize,
    /// The `ToUnicode` CMap, Flate-compressed.
    to_unicode: Vec<u8>,
}

/// Text in glyph ids, with its width at font size 1.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapedText {
    pub glyphs: Vec<u16>,
    /// Width in text space units at size 1.
    pub width: f32,
}

/// Object ids, in the copy being written, of the font's objects.
#[derive(Debug, Clone, Copy)]
pub struct FontObjectIds {
    pub type0: ObjectId,
    pub cid_font: ObjectId,
    pub descriptor: ObjectId,
    pub program: ObjectId,
    pub to_unicode: ObjectId,
}

impl StampFont {
    /// Reads the embedded font. Fails only if the committed font file is
    /// damaged (a build problem, caught by the unit tests).
    pub fn new() -> Result<StampFont, StampError> {
        let face = ttf_parser::Face::parse(FONT_FILE, 0)
            .map_err(|error| StampError::Font(error.to_string()))?;
        let units = f32::from(face.units_per_em());
        let scale = 1000.0 / units;
        let mut glyph_of = HashMap::new();
        if let Some(cmap) = face.tables().cmap {
            for subtable in cmap.subtables {
                if !subtable.is_unicode() {
                    continue;
                }
                subtable.codepoints(|code_point| {
                    if let (Some(character), Some(glyph)) =
                        (char::from_u32(code_point), subtable.glyph_index(code_point))
                    {
                        glyph_of.entry(character).or_insert(glyph.0);
                    }
                });
            }
        }
        let replacement = *glyph_of
            .get(&'?')
            .ok_or_else(|| StampError::Font("the font has no '?'".into()))?;
        let advance = (0..face.number_of_glyphs())
            .map(|glyph| {
                f32::from(
                    face.glyph_hor_advance(ttf_parser::GlyphId(glyph))
                        .unwrap_or(0),
                ) * scale
            })
            .collect();
        let bbox = face.global_bounding_box();
        let font_program = deflate(FONT_FILE)?;
        let to_unicode = deflate(to_unicode_cmap(&glyph_of).as_bytes())?;
        Ok(StampFont {
            glyph_of,
            advance,
            replacement,
            ascent: f32::from(face.ascender()) * scale,
            descent: f32::from(face.descender()) * scale,
            cap_height: f32::from(face.capital_height().unwrap_or(face.ascender())) * scale,
            bounding_box: [
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ],
            font_program,
            font_program_length: FONT_FILE.len(),
            to_unicode,
        })
    }

    /// `text` as glyphs: composed first (NFC: a name typed with combining
    /// accents becomes the precomposed letters the font has), control
    /// characters dropped, anything the font lacks drawn as `?`.
    pub fn shape(&self, text: &str) -> ShapedText {
        let glyphs: Vec<u16> = text
            .nfc()
            .filter(|c| !c.is_control())
            .map(|c| self.glyph_of.get(&c).copied().unwrap_or(self.replacement))
            .collect();
        let width = glyphs
            .iter()
            .map(|&g| self.advance.get(usize::from(g)).copied().unwrap_or(0.0))
            .sum::<f32>()
            / 1000.0;
        ShapedText { glyphs, width }
    }

    /// How far the font reaches below the baseline, at size 1 (positive).
    pub fn descent(&self) -> f32 {
        -self.descent / 1000.0
    }

    /// The objects of the font for one copy, to be stored under `ids`.
    pub fn objects(&self, ids: FontObjectIds) -> Vec<(ObjectId, Object)> {
        let widths: Vec<Object> = self
            .advance
            .iter()
            .map(|&w| Object::Integer(w.round() as i64))
            .collect();
        let type0 = dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => Object::Name(BASE_FONT.to_vec()),
            "Encoding" => "Identity-H",
            "DescendantFonts" => vec![Object::Reference(ids.cid_font)],
            "ToUnicode" => ids.to_unicode,
        };
        let cid_font = dictionary! {
            "Type" => "Font",
            "Subtype" => "CIDFontType2",
            "BaseFont" => Object::Name(BASE_FONT.to_vec()),
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::String(b"Adobe".to_vec(), StringFormat::Literal),
                "Ordering" => Object::String(b"Identity".to_vec(), StringFormat::Literal),
                "Supplement" => 0,
            },
            "FontDescriptor" => ids.descriptor,
            "DW" => 0,
            "W" => vec![Object::Integer(0), Object::Array(widths)],
            "CIDToGIDMap" => "Identity",
        };
        let descriptor = dictionary! {
            "Type" => "FontDescriptor",
            "FontName" => Object::Name(BASE_FONT.to_vec()),
            // Nonsymbolic (the font uses the standard Latin character set).
            "Flags" => 32,
            "FontBBox" => self.bounding_box.iter().map(|&v| Object::Integer(v.round() as i64)).collect::<Vec<_>>(),
            "ItalicAngle" => 0,
            "Ascent" => self.ascent.round() as i64,
            "Descent" => self.descent.round() as i64,
            "CapHeight" => self.cap_height.round() as i64,
            "StemV" => 80,
            "FontFile2" => ids.program,
        };
        let program = Stream::new(
            dictionary! {
                "Filter" => "FlateDecode",
                "Length1" => self.font_program_length as i64,
            },
            self.font_program.clone(),
        )
        .with_compression(false);
        let to_unicode = Stream::new(
            dictionary! { "Filter" => "FlateDecode" },
            self.to_unicode.clone(),
        )
        .with_compression(false);
        vec![
            (ids.type0, Object::Dictionary(type0)),
            (ids.cid_font, Object::Dictionary(cid_font)),
            (ids.descriptor, Object::Dictionary(descriptor)),
            (ids.program, Object::Stream(program)),
            (ids.to_unicode, Object::Stream(to_unicode)),
        ]
    }
}

/// The CMap that turns glyph ids back into text (for search, copy and
/// `pdftotext`): every glyph the font maps a character to.
fn to_unicode_cmap(glyph_of: &HashMap<char, u16>) -> String {
    // One character per glyph: the smallest, so the map is deterministic.
    let mut char_of: HashMap<u16, char> = HashMap::new();
    for (&character, &glyph) in glyph_of {
        char_of
            .entry(glyph)
            .and_modify(|kept| *kept = (*kept).min(character))
            .or_insert(character);
    }
    let mut pairs: Vec<(u16, char)> = char_of.into_iter().collect();
    pairs.sort_unstable();
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in pairs.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for &(glyph, character) in chunk {
            let mut units = [0u16; 2];
            let utf16: String = character
                .encode_utf16(&mut units)
                .iter()
                .map(|unit| format!("{unit:04X}"))
                .collect();
            cmap.push_str(&format!("<{glyph:04X}> <{utf16}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap
}

/// zlib-compressed `bytes` (what `/FlateDecode` reads).
pub fn deflate(bytes: &[u8]) -> Result<Vec<u8>, StampError> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).map_err(StampError::Io)?;
    encoder.finish().map_err(StampError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_names_have_a_glyph_for_every_letter() {
        let font = StampFont::new().unwrap();
        for name in [
            "Nguyễn Văn Ưng",
            "Đặng Thị Hương Giang",
            "Trần Quốc Toản",
            "Lưu Hữu Phước",
            "Hoàng Thị Ngọc Yến",
            "ỸỹỶỷỴỵ ƠơƯư ĂăÂâĐđ",
        ] {
            let shaped = font.shape(name);
            assert_eq!(shaped.glyphs.len(), name.chars().count(), "{name}");
            assert!(
                !shaped.glyphs.contains(&font.replacement),
                "{name} has a letter the font lacks"
            );
            assert!(shaped.width > 1.0, "{name}");
        }
    }

    #[test]
    fn decomposed_accents_are_composed_before_lookup() {
        let font = StampFont::new().unwrap();
        // "Nguyễn" typed as e + circumflex + tilde (NFD).
        let decomposed = "Nguye\u{0302}\u{0303}n";
        assert_eq!(font.shape(decomposed), font.shape("Nguyễn"));
    }

    #[test]
    fn characters_the_font_lacks_become_question_marks_and_controls_vanish() {
        let font = StampFont::new().unwrap();
        let shaped = font.shape("A\u{4E2D}\u{0007}B");
        assert_eq!(shaped.glyphs.len(), 3);
        assert_eq!(shaped.glyphs[1], font.replacement);
    }

    #[test]
    fn the_to_unicode_map_covers_every_vietnamese_letter() {
        let font = StampFont::new().unwrap();
        let cmap = to_unicode_cmap(&font.glyph_of);
        for letter in ['ễ', 'Ư', 'đ', 'ặ'] {
            let glyph = font.glyph_of[&letter];
            let line = format!("<{glyph:04X}> <{:04X}>", letter as u32);
            assert!(cmap.contains(&line), "{letter}: {line}");
        }
    }
}
