#!/usr/bin/env bash
# make bench, conversion step: the 83-page DOCX fixture converted to PDF
# in the sandbox (`phonghop convert`: bubblewrap and prlimit around
# LibreOffice, exactly what an upload gets; its conversion_seconds line is
# the conversion alone, without the filter and the sanitizer) against
# plain LibreOffice with the same flags and a fresh profile, as the server
# ran it before issue #20. The plain run exists only here: the server has
# no way to convert outside the sandbox. Runs alternate, ROUNDS each
# (CONVERT_ROUNDS, default 5); prints one row of the bench table.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-./target/release/phonghop}
DOCX=tests/fixtures/bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.docx
ROUNDS=${CONVERT_ROUNDS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if ! command -v soffice >/dev/null || ! command -v bwrap >/dev/null; then
  echo "| conversion | NOT MEASURED: soffice or bwrap is missing (bash .ci/setup) |"
  exit 0
fi

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

sandboxed=()
plain=()
for round in $(seq 1 "$ROUNDS"); do
  line=$(PHONGHOP_LOG=warn "$BIN" convert --output "$WORK/sandboxed.pdf" "$DOCX" | grep '^conversion_seconds=')
  sandboxed+=("${line#conversion_seconds=}")
  started=$(date +%s.%N)
  soffice --headless --norestore --nolockcheck --nodefault --nofirststartwizard \
    "-env:UserInstallation=file://$WORK/profile-$round" \
    --convert-to pdf --outdir "$WORK/plain" "$DOCX" >/dev/null 2>&1
  ended=$(date +%s.%N)
  plain+=("$(awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }')")
done
test -s "$WORK/plain/bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.pdf"
pages=$(pdfinfo "$WORK/sandboxed.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}' || true)
s=$(printf '%s\n' "${sandboxed[@]}" | median)
p=$(printf '%s\n' "${plain[@]}" | median)
overhead=$(awk -v s="$s" -v p="$p" 'BEGIN { print (s - p) * 100 / p }')
printf '| conversion (83-page DOCX, %s pages out) | in the sandbox %.2f s, plain LibreOffice %.2f s (medians of %d alternating runs): %+.1f%% |\n' \
  "${pages:-?}" "$s" "$p" "$ROUNDS" "$overhead"
