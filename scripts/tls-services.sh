#!/usr/bin/env bash
# A TLS-only PostgreSQL and a TLS-only Redis for the encrypted-connection
# tests, with certificates from a throwaway CA made by openssl:
#
#   tls_env=$(bash scripts/tls-services.sh) && eval "${tls_env}"
#
# prints (and writes to ${dir}/env) the variables the tests read:
#
#   TEST_TLS_DATABASE_URL   postgres://postgres@localhost:PORT/postgres (no sslmode: tests add it)
#   TEST_TLS_REDIS_URL      rediss://localhost:PORT
#   TEST_TLS_CA_CERT        the CA that signed both servers' certificate (PEM)
#   TEST_TLS_OTHER_CA_CERT  a second CA that signed nothing (for "wrong CA" tests)
#
# The certificate names DNS:localhost only, so connecting by 127.0.0.1 is a
# host-name mismatch (verify-full refuses it, verify-ca accepts it).
#
#   CONSILIUM_TLS_DIR   state directory (default ${TMPDIR:-/tmp}/consilium-tls)
#   TLS_PG_PORT         PostgreSQL's port (default 55432); accepts TLS only
#   TLS_REDIS_PORT      Redis's TLS port (default 56379); no plain-text port
#   SERVICES_TIMEOUT    seconds to wait for each service (default 30)
#
# Idempotent: certificates are reused while valid, and servers already
# answering with them are left running, so a second run takes well under a
# second. Missing Debian packages (openssl, postgresql, redis) are installed.
# Logs go to stderr; only the export lines go to stdout.

_consilium_tls_services() (
  set -euo pipefail

  lib_tag=tls-services
  # shellcheck source=scripts/lib.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

  timeout=${SERVICES_TIMEOUT:-30}
  wait_for() {
    local what=$1 check=$2
    local deadline=$((SECONDS + timeout))
    until "${check}"; do
      ((SECONDS < deadline)) || return 1
      sleep 0.1
    done
    log "${what} is up"
  }

  dir=${CONSILIUM_TLS_DIR:-${TMPDIR:-/tmp}/consilium-tls}
  pg_port=${TLS_PG_PORT:-55432}
  redis_port=${TLS_REDIS_PORT:-56379}
  certs=${dir}/certs

  # ------------------------------------------------------------- packages
  missing=()
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
  if ((${#missing[@]} > 0)); then
    apt_install "${missing[@]}"
  fi
  pg_bin=/usr/lib/postgresql/$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)/bin
  [[ -x ${pg_bin}/initdb ]] || die "no initdb under /usr/lib/postgresql"

  # PostgreSQL refuses to run as root: as root, run its tools as postgres.
  pg_user=$(id -un)
  as_pg() { "$@"; }
  if [[ ${EUID} -eq 0 ]]; then
    pg_user=postgres
    id postgres >/dev/null 2>&1 || die "user postgres does not exist (the postgresql package creates it)"
    as_pg() { runuser -u postgres -- "$@"; }
  fi

  mkdir -p "${dir}" "${certs}"
  chmod 0755 "${dir}"

  # --------------------------------------------------------- certificates
  certs_ok() {
    local f
    for f in ca.crt ca.key server.crt server.key other-ca.crt; do
      [[ -s ${certs}/${f} ]] || return 1
    done
    openssl verify -CAfile "${certs}/ca.crt" "${certs}/server.crt" >/dev/null 2>&1 &&
      openssl x509 -checkend 604800 -noout -in "${certs}/server.crt" >/dev/null 2>&1
  }

  make_ca() { # name, subject
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj "/CN=$2" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "${certs}/$1.key" -out "${certs}/$1.crt" 2>/dev/null
  }

  renewed=0
  if ! certs_ok; then
    log "making a test CA and a server certificate for localhost in ${certs}"
    rm -f "${certs}"/*
    make_ca ca "Consilium test CA"
    make_ca other-ca "Consilium unrelated test CA"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=localhost" -keyout "${certs}/server.key" -out "${certs}/server.csr" 2>/dev/null
    printf '%s\n' \
      "subjectAltName=DNS:localhost" \
      "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" >"${certs}/server.ext"
    openssl x509 -req -in "${certs}/server.csr" -CA "${certs}/ca.crt" -CAkey "${certs}/ca.key" \
      -CAcreateserial -days 825 -extfile "${certs}/server.ext" -out "${certs}/server.crt" 2>/dev/null
    rm -f "${certs}/server.csr" "${certs}/ca.srl"
    chmod 0644 "${certs}"/*.crt
    chmod 0600 "${certs}"/*.key
    certs_ok || die "the certificates just made do not verify"
    renewed=1
  fi

  # ------------------------------------------------------------ PostgreSQL
  pg_data=${dir}/pg
  pg_run=${dir}/pg-run
  pg_log=${pg_run}/postgres.log # in a directory its user may write

  pg_ctl_() { as_pg "${pg_bin}/pg_ctl" -D "${pg_data}" "$@"; }

  # Answers over TLS, checked against our CA and name (psql is libpq).
  pg_tls_up() {
    PGCONNECT_TIMEOUT=2 psql -w -X -q -A -t \
      "host=localhost port=${pg_port} user=postgres dbname=postgres sslmode=verify-full sslrootcert=${certs}/ca.crt" \
      -c 'select 1' >/dev/null 2>&1
  }

  ensure_postgres() {
    if [[ ! -s ${pg_data}/PG_VERSION ]]; then
      log "creating a PostgreSQL cluster in ${pg_data} (port ${pg_port}, TLS only)"
      rm -rf "${pg_data}"
      install -d -m 0700 -o "${pg_user}" "${pg_data}"
      as_pg "${pg_bin}/initdb" -D "${pg_data}" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null ||
        die "initdb failed"
      cat >>"${pg_data}/postgresql.conf" <<EOF

# --- Consilium's scripts/tls-services.sh: a TLS-only server for tests
port = ${pg_port}
listen_addresses = 'localhost'
unix_socket_directories = '${pg_run}'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
max_connections = 200
# Throwaway test data: durability buys nothing here.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
      # Plain TCP has no line, so it is refused: a test that logs in proves TLS.
      cat >"${pg_data}/pg_hba.conf" <<'EOF'
local   all   all                  trust
hostssl all   all   127.0.0.1/32   trust
hostssl all   all   ::1/128        trust
EOF
      chown "${pg_user}" "${pg_data}/postgresql.conf" "${pg_data}/pg_hba.conf"
    fi
    install -d -m 0755 -o "${pg_user}" "${pg_run}"
    # The server reads its own copies: the key must belong to its user, mode 0600.
    local copied=0
    if ! cmp -s "${certs}/server.crt" "${pg_data}/server.crt" || ! cmp -s "${certs}/server.key" "${pg_data}/server.key"; then
      install -m 0644 -o "${pg_user}" "${certs}/server.crt" "${pg_data}/server.crt"
      install -m 0600 -o "${pg_user}" "${certs}/server.key" "${pg_data}/server.key"
      copied=1
    fi

    if pg_ctl_ status >/dev/null 2>&1; then
      if [[ ${copied} -eq 1 ]]; then
        log "reloading PostgreSQL for its new certificate"
        pg_ctl_ reload >/dev/null
      fi
      if wait_for "PostgreSQL (TLS) on localhost:${pg_port}" pg_tls_up; then
        return 0
      fi
      log "PostgreSQL in ${pg_data} runs but does not answer over TLS; restarting it"
      pg_ctl_ -m fast stop >/dev/null || true
    fi
    log "starting PostgreSQL (TLS) on localhost:${pg_port}"
    pg_ctl_ -l "${pg_log}" -w -t "${timeout}" start >/dev/null || {
      tail -n 20 "${pg_log}" >&2 || true
      die "PostgreSQL in ${pg_data} did not start (log: ${pg_log})"
    }
    wait_for "PostgreSQL (TLS) on localhost:${pg_port}" pg_tls_up || {
      tail -n 20 "${pg_log}" >&2 || true
      die "PostgreSQL on localhost:${pg_port} does not answer over TLS (log: ${pg_log})"
    }
  }

  # ----------------------------------------------------------------- Redis
  redis_dir=${dir}/redis
  redis_pidfile=${dir}/redis.pid
  redis_log=${dir}/redis.log

  redis_tls_up() {
    local reply
    reply=$(timeout 3 redis-cli --tls --cacert "${certs}/ca.crt" -h localhost -p "${redis_port}" ping 2>/dev/null) || return 1
    [[ ${reply} == PONG ]]
  }

  ensure_redis() {
    if [[ ${renewed} -eq 0 ]] && redis_tls_up; then
      log "Redis (TLS) on localhost:${redis_port} is up"
      return 0
    fi
    # Ours but answering with an old certificate, or stuck: start it afresh.
    if [[ -s ${redis_pidfile} ]]; then
      local pid
      pid=$(<"${redis_pidfile}")
      if kill -0 "${pid}" 2>/dev/null && [[ $(cat "/proc/${pid}/comm" 2>/dev/null) == redis-server* ]]; then
        log "stopping the old TLS Redis (pid ${pid})"
        kill "${pid}"
        local deadline=$((SECONDS + 10))
        while kill -0 "${pid}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
      fi
    fi
    mkdir -p "${redis_dir}"
    log "starting Redis (TLS only) on localhost:${redis_port}"
    # "-::1": also IPv6 loopback when the machine has it (optional bind).
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 0 --tls-port "${redis_port}" \
      --tls-cert-file "${certs}/server.crt" --tls-key-file "${certs}/server.key" \
      --tls-ca-cert-file "${certs}/ca.crt" --tls-auth-clients no \
      --save "" --appendonly no --dir "${redis_dir}" \
      --pidfile "${redis_pidfile}" --logfile "${redis_log}" ||
      die "redis-server failed to start (log: ${redis_log})"
    wait_for "Redis (TLS) on localhost:${redis_port}" redis_tls_up || {
      tail -n 20 "${redis_log}" >&2 || true
      die "Redis on localhost:${redis_port} does not answer over TLS (log: ${redis_log})"
    }
  }

  ensure_postgres
  ensure_redis

  env_file=${dir}/env
  cat >"${env_file}" <<EOF
export TEST_TLS_DATABASE_URL=postgres://postgres@localhost:${pg_port}/postgres
export TEST_TLS_REDIS_URL=rediss://localhost:${redis_port}
export TEST_TLS_CA_CERT=${certs}/ca.crt
export TEST_TLS_OTHER_CA_CERT=${certs}/other-ca.crt
EOF
  cat "${env_file}"
)

_consilium_tls_services "$@"
