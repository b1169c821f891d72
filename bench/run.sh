#!/usr/bin/env bash
# make bench: a release server with a fresh data directory and the demo
# meeting (with enough delegates for the voting scenario), every scenario
# of phonghop-bench against it, and the table BENCHMARKS.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
DELEGATES=${BENCH_DELEGATES:-2000}
PORT=${BENCH_PORT:-18090}
DATA=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT

cargo build --release -p phonghop-server -p phonghop-bench
PHONGHOP_LOG=warn ./target/release/phonghop serve --demo --demo-delegates "$DELEGATES" \
  --listen "127.0.0.1:$PORT" --data-dir "$DATA" --web-dir client-web/dist > "$DATA/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do
  grep -q "phonghop listening on" "$DATA/server.log" 2>/dev/null && break
  sleep 0.1
done
grep -q "phonghop listening on" "$DATA/server.log" || { cat "$DATA/server.log"; exit 1; }

echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
echo
echo "| scenario | figures |"
echo "|---|---|"
./target/release/phonghop-bench --url "http://127.0.0.1:$PORT" --pid "$SERVER" --delegates "$DELEGATES" "$@"
# The 83-page DOCX converted in the sandbox against plain LibreOffice.
bench/convert.sh ./target/release/phonghop
# The reader on a cheap tablet: Chromium at 4× CPU slowdown (issue 25); it
# starts its own release server and uploads the 83-page report.
(cd client-web && PHONGHOP_BIN=../target/release/phonghop node bench/reader.mjs)
# Scenario 8: the official JS client against this server and the reference
# server, same run (SIDE_BY_SIDE=0 skips it; SIDE_BY_SIDE_READERS="50 200").
if [ "${SIDE_BY_SIDE:-1}" != "0" ]; then
  # shellcheck disable=SC2086
  bench/side-by-side.sh "http://127.0.0.1:$PORT" "$SERVER" ${SIDE_BY_SIDE_READERS:-50 200}
fi
