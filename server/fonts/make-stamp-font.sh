#!/usr/bin/env bash
# Makes NotoSans-Stamp.ttf, the font the server embeds in the reader's
# stamp on every confidential copy (server/src/stamp/font.rs), from Debian's
# Noto Sans Regular. Run once by hand when the coverage below must change;
# the result is committed, so neither the build nor CI runs this.
#
# Reproducible: the same source font (checked by SHA-256) and the same
# fontTools version give the same bytes (pyftsubset keeps head.modified
# unless asked to recalculate it).
#
# Coverage: what a Vietnamese name, account, meeting title and date need:
# Basic Latin, Latin-1, Latin Extended-A and the Vietnamese letters of
# Latin Extended-B (Ơ ơ Ư ư), Latin Extended Additional (ạ ả ấ … ỹ), general
# punctuation, the dong sign. No hinting and no layout tables: the stamp
# maps one character to one glyph (after NFC) and positions by advance
# widths.
set -euo pipefail
cd "$(dirname "$0")"

SOURCE=${SOURCE:-/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf}
# fonts-noto-core 20201225-1 (Debian 12).
SOURCE_SHA256=89c3c497f618fdaa0b2d1e98fef93582f28c71debd2c4a8cdf41f190ced2909d
FONTTOOLS_VERSION=4.60.1

echo "$SOURCE_SHA256  $SOURCE" | sha256sum --check --quiet

venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet "fonttools==$FONTTOOLS_VERSION"

"$venv/bin/pyftsubset" "$SOURCE" \
  --unicodes='U+0020-007E,U+00A0-017F,U+01A0-01A1,U+01AF-01B0,U+1EA0-1EF9,U+2010-2027,U+2030-203A,U+20AB' \
  --layout-features='' \
  --no-hinting \
  --desubroutinize \
  --notdef-outline \
  --name-IDs='*' \
  --name-languages='*' \
  --output-file=NotoSans-Stamp.ttf

sha256sum NotoSans-Stamp.ttf
