#!/usr/bin/env bash
# Consilium's whole test suite, as CI runs it (.ci/run):
#
#   bash scripts/test.sh
#
# Stages: services (PostgreSQL, Redis; their TLS-only twins; a local Redis
# Cluster; an S3-protocol server, moto; a TURN server, coturn), rustfmt, clippy, generated TypeScript types up to date,
# web client (install, build, unit tests), cargo build, Rust tests (nextest,
# else cargo test), schemathesis over the OpenAPI document, browser
# end-to-end tests.
# Stops at the first failure with a non-zero exit.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${repo}"

stage() { printf '\n==> %s\n' "$*"; }

# shellcheck source=scripts/prereqs.sh
source scripts/prereqs.sh
check_prerequisites --lint

# Tests find their throwaway databases and Redis here; callers may point them
# elsewhere.
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379}
# Browsers cannot be downloaded here; npm packages that try on install must not.
export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

target_dir=${CARGO_TARGET_DIR:-${repo}/target}
has_web_client=0
[[ -f web-client/package.json ]] && has_web_client=1

# Does web-client/package.json define this npm script?
has_npm_script() {
  (cd web-client && node -e 'process.exit((require("./package.json").scripts || {})[process.argv[1]] ? 0 : 1)' "$1")
}

lib_tag=test.sh
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

# ------------------------------------------------------------------------
# End-to-end browser tests (the spot for them).
#
# Run once, after the Rust tests, and only when web-client/package.json has
# an "e2e" script. The script owns its set-up (e.g. Playwright's webServer
# starting the server); it gets:
#   CONSILIUM_BIN   the debug `consilium` binary built above
#   CHROME_BIN      Debian's Chromium (browsers can't be downloaded here;
#                   point Playwright's executablePath / launch options at it)
#   TEST_DATABASE_URL, TEST_REDIS_URL (and the TEST_TLS_* and TEST_S3_* ones)
# ------------------------------------------------------------------------
run_browser_tests() {
  if [[ ${has_web_client} -eq 0 ]] || ! has_npm_script e2e; then
    echo "no \"e2e\" script in web-client/package.json; skipping browser tests"
    return 0
  fi
  # Chinese screenshots need a CJK font; without one every character is a box.
  if [[ ! -x /usr/bin/chromium ]] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
    echo "installing Debian's chromium and fonts for the browser tests"
    apt_install chromium fonts-liberation fonts-noto-cjk
  fi
  export CHROME_BIN=/usr/bin/chromium
  export CONSILIUM_BIN="${target_dir}/debug/consilium"
  # The video-call tests' servers hand out credentials for the test coturn.
  (cd web-client && TURN_URLS=${TEST_TURN_URLS} TURN_SECRET=${TEST_TURN_SECRET} npm run e2e)
}

stage "services (PostgreSQL, Redis)"
DATABASE_URL=${TEST_DATABASE_URL} REDIS_URL=${TEST_REDIS_URL} bash scripts/services.sh

stage "TLS services (PostgreSQL and Redis with a test CA)"
# Exports TEST_TLS_DATABASE_URL, TEST_TLS_REDIS_URL, TEST_TLS_CA_CERT and
# TEST_TLS_OTHER_CA_CERT for the encrypted-connection tests. Assigned first
# so that a failure stops the run (eval "$(…)" alone would hide it).
tls_env=$(bash scripts/tls-services.sh)
eval "${tls_env}"

stage "Redis Cluster (3 masters, 3 replicas)"
# Exports TEST_REDIS_CLUSTER_URL (redis+cluster://…) and TEST_REDIS_CLUSTER_PORTS
# for the cross-node tests on a Redis Cluster: six of Debian's redis-server on
# 127.0.0.1:7101-7106. The failover test starts a cluster of its own.
cluster_env=$(bash scripts/redis-cluster.sh)
eval "${cluster_env}"

stage "S3-protocol server (moto)"
# Exports TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY_ID, TEST_S3_SECRET_ACCESS_KEY
# and TEST_S3_REGION for the attachment storage tests (STORAGE_BACKEND=s3):
# moto's server mode from PyPI, in its own virtualenv, on 127.0.0.1:59000.
s3_env=$(bash scripts/s3-services.sh)
eval "${s3_env}"

stage "TURN server (coturn)"
# Exports TEST_TURN_URLS and TEST_TURN_SECRET for the video-call browser
# tests: Debian's coturn with use-auth-secret, on 127.0.0.1:3479.
turn_env=$(bash scripts/turn-services.sh)
eval "${turn_env}"

stage "cargo fmt --check"
cargo fmt --all -- --check

stage "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

stage "generated TypeScript types are up to date"
# ts-rs writes web-client/src/generated when the shared crate's tests run
# (TS_RS_EXPORT_DIR in .cargo/config.toml). It never deletes a file, so clear
# the old output first: a type removed in Rust then shows up as a deleted file.
generated=web-client/src/generated
find "${generated}" -maxdepth 1 -type f -name '*.ts' -delete 2>/dev/null || true
cargo test -p consilium-shared --quiet
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  stale=0
  git diff --exit-code -- "${generated}" || stale=1
  untracked=$(git status --porcelain --untracked-files=all -- "${generated}" | grep '^??' || true)
  if [[ -n ${untracked} ]]; then
    printf '%s\n' "${untracked}"
    stale=1
  fi
  if [[ ${stale} -ne 0 ]]; then
    echo "generated TypeScript types are stale: run cargo test -p consilium-shared and commit" >&2
    exit 1
  fi
else
  echo "WARNING: not a git checkout; cannot check ${generated} against the committed types"
fi

if [[ ${has_web_client} -eq 1 ]]; then
  stage "web client: npm ci"
  (cd web-client && npm ci)

  stage "web client: npm run build"
  (cd web-client && npm run build)

  stage "web client: npm test"
  if has_npm_script test; then
    # CI=true keeps test runners (vitest) from entering watch mode on a TTY.
    (cd web-client && CI="${CI:-true}" npm test)
  else
    echo "WARNING: no \"test\" script in web-client/package.json; no web client tests ran"
  fi
else
  stage "web client"
  echo "web-client/package.json not found; skipping the web client"
fi

# Integration tests start the real binary, which must exist before they run.
stage "cargo build --workspace --bins"
cargo build --workspace --bins

stage "Rust tests"
# The OpenAPI document is checked by a standard validator from PyPI.
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
  echo "installing openapi-spec-validator (PyPI) for the OpenAPI test"
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  python3 -m pip install --quiet openapi-spec-validator ||
    python3 -m pip install --quiet --break-system-packages openapi-spec-validator
fi
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "cargo-nextest not found; trying: cargo install cargo-nextest --locked"
  cargo install cargo-nextest --locked ||
    echo "could not install cargo-nextest; falling back to cargo test"
fi
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace
else
  cargo test --workspace
fi

stage "schemathesis: the OpenAPI document fuzzed against a live server (issue 16)"
# Zero 5xx over every operation, as the admin and as a team lead, then JSON
# nested 10,000 deep over HTTP and the websocket; about a minute. A fixed
# seed keeps runs comparable; ST_SEED= picks another.
CONSILIUM_BIN="${target_dir}/debug/consilium" ST_SEED=${ST_SEED:-20261206} bash scripts/schemathesis.sh

stage "browser end-to-end tests"
run_browser_tests

stage "all tests passed"
