#!/usr/bin/env bash
# A real S3-protocol server for the attachment storage tests (STORAGE_BACKEND=s3):
# moto's server mode from PyPI, in a virtualenv of its own:
#
#   s3_env=$(bash scripts/s3-services.sh) && eval "${s3_env}"
#
# prints (and writes to ${dir}/env) the variables the tests read:
#
#   TEST_S3_ENDPOINT           http://127.0.0.1:PORT (plain http, path-style requests)
#   TEST_S3_ACCESS_KEY_ID      testing
#   TEST_S3_SECRET_ACCESS_KEY  testing
#   TEST_S3_REGION             us-east-1
#
# moto keeps everything in memory and checks no credentials: a test makes
# its own bucket with an unsigned `PUT ${TEST_S3_ENDPOINT}/<bucket>` and then
# signs its requests with the keys above, as any S3 client does. It speaks
# the parts of S3 that object_store uses: PUT/GET with Range, HEAD, DELETE,
# copy, multipart uploads (parts of 5 MiB at least but the last, as S3), and
# ListObjectsV2.
#
#   CONSILIUM_S3_DIR   state directory (default ${TMPDIR:-/tmp}/consilium-s3):
#                      venv/, moto-PORT.pid, moto-PORT.log, env
#   S3_TEST_PORT       the server's port on 127.0.0.1 (default 59000)
#   MOTO_VERSION       the moto release installed (default 5.2.6)
#   SERVICES_TIMEOUT   seconds to wait for the server to answer (default 30)
#
# Idempotent: a server already answering on the port is left running, so a
# second run takes about a second; the server is started detached and
# outlives this script. Missing pieces are installed: Debian's python3-venv
# when `python3 -m venv` is unavailable, and moto into ${dir}/venv (the
# system's Python is left alone). Logs go to stderr; only the export lines
# go to stdout.

_consilium_s3_services() (
  set -euo pipefail

  lib_tag=s3-services
  # shellcheck source=scripts/lib.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

  timeout=${SERVICES_TIMEOUT:-30}
  wait_for() {
    local what=$1 check=$2
    local deadline=$((SECONDS + timeout))
    until "${check}"; do
      ((SECONDS < deadline)) || return 1
      # Dead before it answered (port taken, bad install): no use waiting.
      server_alive || return 1
      sleep 0.2
    done
    log "${what} is up"
  }

  dir=${CONSILIUM_S3_DIR:-${TMPDIR:-/tmp}/consilium-s3}
  port=${S3_TEST_PORT:-59000}
  moto_version=${MOTO_VERSION:-5.2.6}
  [[ ${port} =~ ^[0-9]+$ ]] || die "S3_TEST_PORT=${port} is not a port number"
  venv=${dir}/venv
  pidfile=${dir}/moto-${port}.pid # one server per port
  logfile=${dir}/moto-${port}.log
  endpoint=http://127.0.0.1:${port}

  mkdir -p "${dir}"

  # An S3 server answers an unsigned ListBuckets (GET /) with its XML; moto
  # checks no signatures. Anything else on the port (or a server that wants
  # credentials for it) is not ours to use.
  s3_up() {
    local body
    body=$(curl -sS --max-time 2 "${endpoint}/" 2>/dev/null) || return 1
    [[ ${body} == *ListAllMyBucketsResult* ]]
  }

  port_taken() {
    # shellcheck disable=SC2016 # $1 expands in the inner bash
    timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "${port}" 2>/dev/null
  }

  # The pid in our pid file, when it is a live moto server.
  our_pid() {
    [[ -s ${pidfile} ]] || return 1
    local pid
    pid=$(<"${pidfile}")
    [[ ${pid} =~ ^[0-9]+$ ]] || return 1
    kill -0 "${pid}" 2>/dev/null || return 1
    local cmdline
    cmdline=$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null) || return 1
    [[ ${cmdline} == *moto.server* ]] || return 1
    printf '%s\n' "${pid}"
  }
  server_alive() { our_pid >/dev/null; }

  moto_installed() {
    [[ -x ${venv}/bin/python ]] &&
      "${venv}/bin/python" - "${moto_version}" <<'EOF' >/dev/null 2>&1
import sys
from importlib.metadata import version
import moto.server, flask, flask_cors  # noqa: F401 (the [server] extra)
sys.exit(0 if version("moto") == sys.argv[1] else 1)
EOF
  }

  install_moto() {
    if ! command -v python3 >/dev/null 2>&1; then
      apt_install python3 python3-venv
    fi
    if [[ ! -x ${venv}/bin/python ]] || ! "${venv}/bin/python" -m pip --version >/dev/null 2>&1; then
      rm -rf "${venv}"
      # Debian's python3 lacks ensurepip (and so venv) without python3-venv.
      if ! python3 -m venv "${venv}" >/dev/null 2>&1; then
        rm -rf "${venv}"
        apt_install python3-venv
        python3 -m venv "${venv}" || die "python3 -m venv ${venv} failed"
      fi
    fi
    log "installing moto[server]==${moto_version} (PyPI) into ${venv}"
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check \
      "moto[server]==${moto_version}" >&2 || die "pip install moto[server]==${moto_version} failed"
    moto_installed || die "moto ${moto_version} does not import from ${venv} after installing it"
  }

  stop_ours() {
    local pid
    pid=$(our_pid) || return 0
    log "stopping the old moto server (pid ${pid})"
    kill "${pid}" 2>/dev/null || true
    local deadline=$((SECONDS + 10))
    while kill -0 "${pid}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "${pid}" 2>/dev/null || true # stopped or hung: SIGTERM waits
    rm -f "${pidfile}"
  }

  ensure_s3() {
    command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
    if s3_up; then
      log "S3-protocol server on ${endpoint} is up"
      return 0
    fi
    # Ours but not answering (stuck): start it afresh.
    stop_ours
    port_taken && die "something on 127.0.0.1:${port} is not an S3 server answering GET / without credentials; set S3_TEST_PORT to a free port"
    moto_installed || install_moto
    log "starting moto (S3) on ${endpoint} (log: ${logfile})"
    # Detached (own session, no terminal, stdout not the caller's pipe) so it
    # outlives this script and `$(bash scripts/s3-services.sh)` returns.
    setsid nohup "${venv}/bin/python" -m moto.server -H 127.0.0.1 -p "${port}" \
      </dev/null >"${logfile}" 2>&1 &
    echo $! >"${pidfile}"
    wait_for "S3-protocol server (moto ${moto_version}) on ${endpoint}" s3_up || {
      tail -n 20 "${logfile}" >&2 || true
      die "moto on ${endpoint} did not answer within ${timeout}s (log: ${logfile})"
    }
  }

  ensure_s3

  env_file=${dir}/env
  cat >"${env_file}" <<EOF
export TEST_S3_ENDPOINT=${endpoint}
export TEST_S3_ACCESS_KEY_ID=testing
export TEST_S3_SECRET_ACCESS_KEY=testing
export TEST_S3_REGION=us-east-1
EOF
  cat "${env_file}"
)

_consilium_s3_services "$@"
