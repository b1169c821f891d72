#!/usr/bin/env bash
# make bench, conversion step: the 83-page DOCX fixture converted to PDF
# in the sandbox (`phonghop convert`: bubblewrap and prlimit around
# LibreOffice, exactly what an upload gets; its conversion_seconds line is
# the conversion alone, without the filter and the sanitizer) against
# plain LibreOffice with the same flags and a fresh profile. The plain run
# exists only here: the server has no way to convert outside the sandbox.
# Runs alternate, ROUNDS each (CONVERT_ROUNDS, default 5); every run's
# wall-clock time is printed beside the medians, since a busy machine moves
# them. (CPU time is not compared: the sandbox's PID namespace reaps
# LibreOffice, so its CPU never reaches our rusage.) Prints one row of the
# bench table.
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

sandboxed_wall=()
plain_wall=()
for round in $(seq 1 "$ROUNDS"); do
  output=$(PHONGHOP_LOG=warn "$BIN" convert --output "$WORK/sandboxed.pdf" "$DOCX")
  wall=$(grep '^conversion_seconds=' <<<"$output")
  sandboxed_wall+=("${wall#*=}")
  TIMEFORMAT='%R'
  times=$( { time soffice --headless --norestore --nolockcheck --nodefault --nofirststartwizard \
    "-env:UserInstallation=file://$WORK/profile-$round" \
    --convert-to pdf --outdir "$WORK/plain" "$DOCX" >/dev/null 2>&1; } 2>&1 )
  plain_wall+=("$times")
done
test -s "$WORK/plain/bao-cao-hien-dai-hoa-hanh-chinh-tan-lac.pdf"
pages=$(pdfinfo "$WORK/sandboxed.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}' || true)
sw=$(printf '%s\n' "${sandboxed_wall[@]}" | median)
pw=$(printf '%s\n' "${plain_wall[@]}" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }'; }
printf '| conversion (83-page DOCX, %s pages out; medians of %d alternating runs) | in the sandbox %.2f s, plain LibreOffice %.2f s (%s). Each run, s: sandbox %s; plain %s |\n' \
  "${pages:-?}" "$ROUNDS" "$sw" "$pw" "$(ratio "$sw" "$pw")" "${sandboxed_wall[*]}" "${plain_wall[*]}"
