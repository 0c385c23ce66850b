#!/usr/bin/env bash
# Run Consilium locally, from a fresh clone, in one command:
# services, web client, release build, migrations, demo data, then the server.
#
#   bash scripts/dev.sh
#
# Every setting below can be overridden from the caller's environment.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${repo}"

stage() { printf '\n==> %s\n' "$*"; }

# shellcheck source=scripts/prereqs.sh
source scripts/prereqs.sh
check_prerequisites

export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/consilium}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export BIND_ADDR=${BIND_ADDR:-127.0.0.1:8080}
# ALLOWED_ORIGINS is left unset unless the caller sets it: the server then
# allows the origins of the address it binds, whatever BIND_ADDR is.
export APP_ENV=${APP_ENV:-dev}
export LOG_FORMAT=${LOG_FORMAT:-pretty}

stage "services (PostgreSQL, Redis)"
bash scripts/services.sh

stage "web client"
if [[ -f web-client/package.json ]]; then
  (
    cd web-client
    # Browsers cannot be downloaded here; tools that try on install must not.
    export PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
    if [[ -f package-lock.json ]]; then npm ci; else npm install; fi
    npm run build
  )
else
  echo "web-client/package.json not found; skipping the web client build"
fi
# Serve the built client only if there is one (the API works without it).
if [[ -z ${STATIC_DIR:-} && -d web-client/dist ]]; then
  export STATIC_DIR="${repo}/web-client/dist"
fi

stage "database"
# Create the database named in DATABASE_URL, connecting to "postgres" on the
# same server to do it. psql's :'var' / :"var" quoting needs the SQL on stdin.
db_base=${DATABASE_URL%%\?*}
db_query=${DATABASE_URL#"${db_base}"}
db_name=${db_base##*/}
admin_url="${db_base%/*}/postgres${db_query}"
exists=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -v db="${db_name}" "${admin_url}" <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")
if [[ ${exists} == 1 ]]; then
  echo "database ${db_name} exists"
else
  psql -X -q -v ON_ERROR_STOP=1 -v db="${db_name}" "${admin_url}" <<<'CREATE DATABASE :"db";'
  echo "created database ${db_name}"
fi

stage "cargo build --release --bin consilium"
cargo build --release --bin consilium
bin="${CARGO_TARGET_DIR:-${repo}/target}/release/consilium"

stage "consilium migrate"
"${bin}" migrate

stage "consilium seed-demo"
"${bin}" seed-demo

# A wildcard bind address is reached through localhost.
port=${BIND_ADDR##*:}
host=${BIND_ADDR%:*}
case "${host}" in
  0.0.0.0 | "[::]" | "") host=localhost ;;
esac
stage "consilium serve"
cat <<EOF
Consilium:  http://${host}:${port}/
Demo logins (password consilium-demo for all):
  wangjianguo  王建国, chief expert of the cardiology team (a populated screen)
  sunli        孙丽, triage assistant of the cardiology team
  admin        the administrator (accounts, teams, audit; no patient content)
Web client: ${STATIC_DIR:-(not built; API only)}
Stop with Ctrl-C.
EOF
exec "${bin}" serve
