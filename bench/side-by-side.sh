#!/usr/bin/env bash
# Side by side (issue 9 scenario 8, issue 4, issue 11): the official JS
# automerge-repo client (bench/js/fanout.mjs: one writer, N readers,
# SYNC_DEBOUNCE_MS=0) against phonghop's /sync and against the reference JS
# sync server (bench/js/peer-server.mjs), in the same run, and the
# ratios of their p99 latency, CPU per delivered change and memory. Both
# come from the npm registry at the versions bench/js/package-lock.json
# pins (`npm ci` there, as `make bench` does).
#
# Usage: bench/side-by-side.sh PHONGHOP_URL PHONGHOP_PID [READERS...]
# (bench/run.sh calls it with the server it started; default readers 50 200).
set -euo pipefail
cd "$(dirname "$0")/.."
URL=$1
PID=$2
shift 2
READERS=("$@")
[ ${#READERS[@]} -gt 0 ] || READERS=(50 200)
STROKES=${SIDE_BY_SIDE_STROKES:-100}
RATE=${SIDE_BY_SIDE_RATE:-20}
BENCH_JS=bench/js
REFERENCE_PORT=${REFERENCE_PORT:-18091}
# How long fanout.mjs waits, from its first stroke, for every stroke to
# reach every reader. Its default, 60 s, is shorter than the client itself
# takes on a slow machine to apply 100 strokes for 200 readers: each
# delivery costs it 2.7-4.3 ms of CPU, on one thread.
TIMEOUT_MS=${SIDE_BY_SIDE_TIMEOUT_MS:-180000}

# The client and the reference server, as the lock file pins them (the
# install also patches the client's send throttle: bench/js/README.md).
# --omit=optional: cbor-x's native speed-up is not in the lock, as in
# tests/js.
if [ ! -f "$BENCH_JS/node_modules/.package-lock.json" ] ||
  [ "$BENCH_JS/package-lock.json" -nt "$BENCH_JS/node_modules/.package-lock.json" ]; then
  (cd "$BENCH_JS" && npm ci --omit=optional --no-audit --no-fund > /dev/null)
fi

WORK=$(mktemp -d)
REFERENCE=""
cleanup() {
  [ -n "$REFERENCE" ] && kill "$REFERENCE" 2> /dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# The chair may write the shared layers; each reader is another device of
# the chair (its own ticket, peer id and websocket).
curl -sf -c "$WORK/jar" -H 'content-type: application/json' \
  -d '{"username":"chutri","password":"demo"}' "$URL/api/v1/auth/login" > /dev/null
# Prints EXPR evaluated on the JSON read from stdin (parsed as `j`).
json() {
  node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);console.log($1)})"
}
MEETING=$(curl -sf -b "$WORK/jar" "$URL/api/v1/meetings" | json 'j.meetings[0].id')
# A fresh shared layer per run, as the reference server gets a fresh
# document from fanout.mjs: the secretary uploads a small agenda PDF and the
# chair writes its layer. (The demo meeting's first layer holds every
# stroke of the earlier scenarios; readers of a long history do more work
# per change, in the client and on the server.)
curl -sf -c "$WORK/secretary" -H 'content-type: application/json' \
  -d '{"username":"thuky","password":"demo"}' "$URL/api/v1/auth/login" > /dev/null
ITEM=$(curl -sf -b "$WORK/secretary" "$URL/api/v1/meetings/$MEETING" | json 'j.agenda[0].id')
LAYER_PDF=${SIDE_BY_SIDE_PDF:-$(ls tests/fixtures/*.pdf | head -n 1)}
fresh_layer() {
  local uploaded
  uploaded=$(curl -sf -b "$WORK/secretary" -F "file=@$LAYER_PDF;type=application/pdf;filename=side-by-side-$1.pdf" \
    "$URL/api/v1/meetings/$MEETING/agenda/$ITEM/documents" | json 'j.id')
  curl -sf -b "$WORK/jar" "$URL/api/v1/meetings/$MEETING" |
    UPLOADED=$uploaded json 'j.sync_documents.find(d=>d.kind==="shared_layer"&&d.document_id===process.env.UPLOADED&&d.access==="write").url'
}
WS_URL=${URL/http:/ws:}
cat > "$WORK/ticket-url.sh" << EOF
#!/usr/bin/env bash
# One fresh ticket per connection, printed as "URL PEER_ID".
curl -sf -b "$WORK/jar" -H 'content-type: application/json' \\
  -d "{\"device_id\":\"bench-\$RANDOM\$RANDOM\"}" -X POST "$URL/api/v1/auth/ws-ticket" |
  sed -E 's/.*"ticket":"([^"]*)".*"peer_id":"([^"]*)".*/$(printf '%s' "$WS_URL" | sed 's/[\/&]/\\&/g')\/sync?ticket=\1 \2/'
EOF
chmod +x "$WORK/ticket-url.sh"
# fanout.mjs runs --url-cmd synchronously (execSync) for every connection,
# which blocks its event loop meanwhile. At 15-20 ms per curl, 200 readers
# blocked it for 3-4 s; the JS adapter gives a peer 1 s before it counts
# as ready without it, so early readers found no peer and their documents
# "unavailable" (about one 200-reader run in three failed that way). So
# the tickets (valid 60 s) are fetched just before the run, and the
# command fanout.mjs runs only prints the next one: one /bin/sh, builtins
# only.
prefetch_tickets() {
  : > "$WORK/tickets"
  echo 0 > "$WORK/next"
  for _ in $(seq 1 "$1"); do
    printf '%s\n' "$("$WORK/ticket-url.sh")" >> "$WORK/tickets"
  done
}
cat > "$WORK/next-ticket.sh" << NEXT
#!/bin/sh
read -r taken < "$WORK/next"
echo \$((taken + 1)) > "$WORK/next"
line=0
while IFS= read -r ticket; do
  line=\$((line + 1))
  if [ "\$line" -gt "\$taken" ]; then
    echo "\$ticket"
    exit 0
  fi
done < "$WORK/tickets"
echo "no pre-fetched ticket left" >&2
exit 1
NEXT
chmod +x "$WORK/next-ticket.sh"

SYNC_DEBOUNCE_MS=0 node "$BENCH_JS/peer-server.mjs" "$REFERENCE_PORT" "$WORK/reference-data" > "$WORK/reference.log" 2>&1 &
REFERENCE=$!
for _ in $(seq 1 100); do
  grep -qi "listening" "$WORK/reference.log" 2> /dev/null && break
  sleep 0.1
done

# One JSON line (fanout.mjs exits 1 when a stroke did not reach every
# reader; its figures still say how far it got), with the client's own
# wall-clock and CPU time added (client_wall_s, client_cpu_s: the Node
# process and the /bin/sh it runs per connection, joins included), which
# say whether the client or the server bounds the latency.
fanout() {
  local out times TIMEFORMAT='%3R %3U %3S'
  { time SYNC_DEBOUNCE_MS=0 node "$BENCH_JS/fanout.mjs" --readers "$1" --strokes "$STROKES" \
    --rate "$RATE" --timeout "$TIMEOUT_MS" "${@:2}" > "$WORK/fanout.out" 2> "$WORK/fanout.err" || true; } 2> "$WORK/fanout.time"
  out=$(grep '^{' "$WORK/fanout.out" | tail -n 1 || true)
  if [ -z "$out" ]; then
    tail -n 25 "$WORK/fanout.err" >&2
    out='{}'
  fi
  times=$(tail -n 1 "$WORK/fanout.time")
  printf '%s\n' "$out" | TIMES=$times json \
    'JSON.stringify({...j, ...(([w, u, s]) => ({client_wall_s: w, client_cpu_s: u + s}))(process.env.TIMES.split(" ").map(Number))})'
}

# fanout.mjs against phonghop: READERS on a fresh layer named after NAME.
fanout_ours() {
  local layer
  layer=$(fresh_layer "$2")
  # The writer and every reader, and a few to spare.
  prefetch_tickets $(($1 + 5))
  fanout "$1" --url-cmd "$WORK/next-ticket.sh" --doc "$layer" --pid "$PID"
}

# Whether the last run gave no figures because the client declared the
# document unavailable while it joined: its event loop, busy creating every
# reader's Repo (and, against phonghop, running --url-cmd), held a peer's
# handshake past the adapter's 1 s (BENCHMARKS.md, 'Flow control and the
# per-message costs'). Seen against both servers; neither logged a refusal.
client_gave_up_joining() {
  ! grep -q '^{' "$WORK/fanout.out" && grep -q "is unavailable" "$WORK/fanout.err"
}

for readers in "${READERS[@]}"; do
  reference=$(fanout "$readers" --url "ws://127.0.0.1:$REFERENCE_PORT" --pid "$REFERENCE")
  if client_gave_up_joining; then
    echo "<!-- reference, $readers readers: the client declared the document unavailable while it joined; second attempt -->"
    reference=$(fanout "$readers" --url "ws://127.0.0.1:$REFERENCE_PORT" --pid "$REFERENCE")
  fi
  ours=$(fanout_ours "$readers" "$readers")
  if client_gave_up_joining; then
    echo "<!-- phonghop, $readers readers: the client declared the document unavailable while it joined; second attempt -->"
    ours=$(fanout_ours "$readers" "$readers-again")
  fi
  STROKES=$STROKES RATE=$RATE node -e '
    const [readers, reference, ours] = [process.argv[1], JSON.parse(process.argv[2] || "{}"), JSON.parse(process.argv[3] || "{}")];
    const pick = (r, ...keys) => keys.map((k) => r[k]).find((v) => v !== undefined);
    const fmt = (v, unit) => (v === undefined ? "?" : `${Math.round(v).toLocaleString("en")}${unit}`);
    const line = (name, r) => `${name}: p50 ${fmt(r.p50_ms, " ms")}, p99 ${fmt(r.p99_ms, " ms")}, CPU ${fmt(r.server_cpu_us_per_delivery, " µs")}/delivery, RSS ${fmt(r.server_rss_mb_after, " MB")}`;
    const ratio = (k) => { const a = pick(ours, ...k), b = pick(reference, ...k); return a === undefined || !b ? "?" : (a / b).toFixed(3); };
    const delivered = (r) => `${r.delivered ?? "?"}/${r.expected ?? "?"}`;
    // What the run added: in make bench our RSS also holds every earlier
    // scenario, the reference server only this script'"'"'s runs.
    const growth = (r) => (r.server_rss_mb_after === undefined || r.server_rss_mb_before === undefined ? undefined : r.server_rss_mb_after - r.server_rss_mb_before);
    // An allocator that returns memory to the system (ours does) can end
    // a run smaller than it began: that is no growth, not a negative one.
    const mb = (v) => (v === undefined ? "?" : v < 0 ? `none (RSS fell ${(-v).toFixed(1)} MB)` : `${v.toFixed(1)} MB`);
    const growthRatio = () => { const a = growth(ours), b = growth(reference); return a === undefined || !(b > 0) ? "?" : (Math.max(a, 0) / b).toFixed(3); };
    // The client is one Node process for the writer and every reader: a
    // stroke reaches its last reader only after the process has applied it
    // once per reader, whatever the server does.
    const clientCpuPerDelivery = (r) => (r.client_cpu_s === undefined || !r.delivered ? undefined : (r.client_cpu_s * 1e6) / r.delivered);
    const client = (name, r) => { const c = clientCpuPerDelivery(r); return `${name} ${fmt(c, " µs")}/delivery, ${r.client_wall_s ? Math.round((100 * r.client_cpu_s) / r.client_wall_s) : "?"}% of one core, one stroke to all readers ≥ ${c === undefined ? "?" : fmt((c * readers) / 1000, " ms")}`; };
    console.log(`| side by side: fanout.mjs, ${readers} readers, ${process.env.STROKES} strokes at ${process.env.RATE}/s | ${line("phonghop", ours)}; ${line("reference", reference)}; delivered ${delivered(ours)} vs ${delivered(reference)}; ratio p99 ${ratio(["p99_ms"])}, CPU ${ratio(["server_cpu_us_per_delivery"])}, memory ${ratio(["server_rss_mb_after"])}; memory added by the run ${mb(growth(ours))} vs ${mb(growth(reference))}, ratio ${growthRatio()}; client CPU (whole run, joins included): ${client("against phonghop", ours)}; ${client("against the reference", reference)} |`);
  ' "$readers" "$reference" "$ours"
  echo "<!-- raw: reference $reference; phonghop $ours -->"
done
