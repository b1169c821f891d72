# phonghop: the two commands are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO ?= cargo
NPM ?= npm
LISTEN ?= 127.0.0.1:8080
DATA_DIR ?= ./data

.PHONY: run test fuzz soak client-deps client-build server-release check-rust deny test-rust test-client test-browser sync-test-deps test-sync bench bench-deps clean guide-screenshots

## Build everything and start the server with the demo meeting.
run: client-build server-release
	./target/release/phonghop serve --demo --listen $(LISTEN) --data-dir $(DATA_DIR) --web-dir client-web/dist

## Every check and test: formatting, lints, Rust tests (SQLite, and
## PostgreSQL when PHONGHOP_TEST_DATABASE_URL is set), the client's type
## check and unit tests, the browser tests in headless Chromium, and the
## official automerge-repo JS client against /sync (tests/js), and
## cargo-deny (licences, bans, sources; advisories when the RustSec
## database can be fetched, else a loud notice).
test: check-rust deny test-rust test-client test-browser test-sync

client-deps: client-web/node_modules/.package-lock.json

client-web/node_modules/.package-lock.json: client-web/package-lock.json
	cd client-web && $(NPM) ci --no-audit --no-fund
	touch $@

client-build: client-deps
	cd client-web && $(NPM) run build

server-release:
	$(CARGO) build --release -p phonghop-server

check-rust:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Dependencies: licences, bans, sources and (when reachable) advisories.
deny:
	bash .ci/deny

test-rust:
	$(CARGO) build -p phonghop-server --bin phonghop
	$(CARGO) test --workspace

test-client: client-deps
	cd client-web && $(NPM) run format:check
	cd client-web && $(NPM) run typecheck
	cd client-web && $(NPM) test

sync-test-deps: tests/js/node_modules/.package-lock.json

# --omit=optional: cbor-x's native speed-up is not needed, and the lock
# pins only the pure JavaScript packages.
tests/js/node_modules/.package-lock.json: tests/js/package-lock.json
	cd tests/js && $(NPM) ci --omit=optional --no-audit --no-fund
	touch $@

## /sync with the official JS client: convergence, late joiners, access per
## kind and role, refusals, 20 SIGKILLs while clients write and documents
## compact, and an offline backlog over a slow link that keeps dropping.
test-sync: sync-test-deps
	$(CARGO) build -p phonghop-server --bin phonghop
	@# A test file whose process never exits (a leaked timer or socket) must
	@# fail here, loudly, not run into CI's own time limit.
	cd tests/js && PHONGHOP_BIN=../../target/debug/phonghop timeout --kill-after=10 900 $(NPM) test \
	  || { status=$$?; [ $$status -ne 124 ] || echo "!!! test-sync: the JS sync tests did not finish within 900 s (a test process that never exits?)"; exit $$status; }

test-browser: client-build
	$(CARGO) build -p phonghop-server --bin phonghop
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "!!! BROWSER TESTS NOT RUN: /usr/bin/chromium is missing. Install it with: apt-get install -y chromium fonts-noto-core"; \
	  if [ "$${CI:-}" = "true" ]; then exit 1; fi; \
	else \
	  cd client-web && PHONGHOP_BIN=../target/debug/phonghop timeout --kill-after=10 1800 $(NPM) run test:browser \
	    || { status=$$?; [ $$status -ne 124 ] || echo "!!! test-browser: the browser tests did not finish within 1800 s"; exit $$status; }; \
	fi

## Each fuzz target in fuzz/ (cargo-fuzz, libFuzzer) for FUZZ_SECONDS
## (default 300) each: the /live JSON, the /sync envelope, the checks on
## Automerge changes, uploads before conversion. A crash fails the run and
## leaves its input in fuzz/artifacts/.
FUZZ_SECONDS ?= 300
fuzz:
	bash .ci/fuzz $(FUZZ_SECONDS)

## The seeded fault simulation of a meeting (tests/tests/soak.rs) for
## SOAK_SEEDS seeds from the clock (default 30); `make test` runs its fixed
## seeds. A failing seed prints the command that replays it.
SOAK_SEEDS ?= 30
soak:
	$(CARGO) build -p phonghop-server --bin phonghop
	PHONGHOP_SOAK_SEEDS=$(SOAK_SEEDS) $(CARGO) test -p phonghop-e2e --test soak -- --nocapture

## Load scenarios against a fresh release server; prints the table that
## BENCHMARKS.md records (machine and date included). The side-by-side
## runs the official JS client and the reference JS sync server from the
## npm registry, at the versions bench/js/package-lock.json pins.
bench: client-build bench-deps
	bash bench/run.sh

bench-deps: bench/js/node_modules/.package-lock.json

# --omit=optional, as in tests/js: cbor-x's native speed-up is not pinned.
bench/js/node_modules/.package-lock.json: bench/js/package-lock.json
	cd bench/js && $(NPM) ci --omit=optional --no-audit --no-fund
	touch $@

clean:
	$(CARGO) clean
	rm -rf client-web/dist client-web/node_modules tests/js/node_modules bench/js/node_modules

## Copy the screenshots docs/huong-dan-su-dung.md shows from the last
## browser test run (client-web/test-results/) into docs/screenshots/.
GUIDE_SCREENSHOTS := secretary-meetings secretary-console secretary-record-export audit-log \
	live-chair-console chair-seats minutes-chair \
	live-delegate-meeting live-delegate-following live-vote-card live-vote-result \
	reader-landscape reader-portrait reader-search reader-vote \
	reader-confidential offline-meeting live-remote-point annotations-document calendar-week \
	accounts-list accounts-import-preview accounts-import-done
guide-screenshots:
	for shot in $(GUIDE_SCREENSHOTS); do cp client-web/test-results/$$shot.png docs/screenshots/$$shot.png; done
