#!/usr/bin/env bash
# A real TURN server for the video-call tests: Debian's coturn, configured
# the way production runs it (`use-auth-secret`: time-limited credentials
# that Consilium derives from TURN_SECRET, never stored):
#
#   turn_env=$(bash scripts/turn-services.sh) && eval "${turn_env}"
#
# prints (and writes to ${dir}/env) what the tests hand the server:
#
#   TEST_TURN_URLS     turn:127.0.0.1:PORT?transport=udp,turn:127.0.0.1:PORT?transport=tcp
#   TEST_TURN_SECRET   coturn's static-auth-secret
#
# Loopback only (listening, relay and peers on 127.0.0.1), so both browsers
# of a test reach each other through the relay on this machine.
#
#   CONSILIUM_TURN_DIR   state directory (default ${TMPDIR:-/tmp}/consilium-turn):
#                        turnserver-PORT.conf, .pid, .log, secret, env
#   TURN_TEST_PORT       the listening port (default 3479; 3478 is left for a real one)
#   SERVICES_TIMEOUT     seconds to wait for the server (default 30)
#
# Idempotent: a coturn of ours already running on the port is left alone.
# Logs go to stderr; only the export lines go to stdout.

_consilium_turn_services() (
  set -euo pipefail

  lib_tag=turn-services
  # shellcheck source=scripts/lib.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

  dir=${CONSILIUM_TURN_DIR:-${TMPDIR:-/tmp}/consilium-turn}
  port=${TURN_TEST_PORT:-3479}
  timeout=${SERVICES_TIMEOUT:-30}
  [[ ${port} =~ ^[0-9]+$ ]] || die "TURN_TEST_PORT=${port} is not a port number"
  mkdir -p "${dir}"
  conf=${dir}/turnserver-${port}.conf
  pidfile=${dir}/turnserver-${port}.pid
  logfile=${dir}/turnserver-${port}.log

  command -v turnserver >/dev/null 2>&1 || apt_install coturn

  # one secret per state directory, kept so a running server and later runs agree
  [[ -s ${dir}/secret ]] || od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"${dir}/secret"
  secret=$(<"${dir}/secret")

  our_pid() {
    [[ -s ${pidfile} ]] || return 1
    local pid
    pid=$(<"${pidfile}")
    [[ ${pid} =~ ^[0-9]+$ ]] && kill -0 "${pid}" 2>/dev/null || return 1
    [[ $(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null) == *turnserver* ]] || return 1
    printf '%s\n' "${pid}"
  }
  # coturn listens on TCP as well as UDP; bash's /dev/tcp needs no iproute2
  # shellcheck disable=SC2016 # $1 expands in the inner bash
  listening() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "${port}" 2>/dev/null; }

  if our_pid >/dev/null && listening; then
    log "coturn on 127.0.0.1:${port} is up"
  else
    if pid=$(our_pid); then kill "${pid}" 2>/dev/null || true; fi
    listening && die "something else listens on 127.0.0.1:${port}; set TURN_TEST_PORT to a free port"
    cat >"${conf}" <<EOF
listening-ip=127.0.0.1
relay-ip=127.0.0.1
listening-port=${port}
min-port=49160
max-port=49260
realm=consilium.test
use-auth-secret
static-auth-secret=${secret}
fingerprint
no-tls
no-dtls
no-cli
no-multicast-peers
allow-loopback-peers
no-stdout-log
log-file=${logfile}
simple-log
pidfile=${pidfile}.coturn
EOF
    log "starting coturn on 127.0.0.1:${port} (log: ${logfile})"
    setsid nohup turnserver -c "${conf}" </dev/null >/dev/null 2>&1 &
    echo $! >"${pidfile}"
    deadline=$((SECONDS + timeout))
    until listening; do
      ((SECONDS < deadline)) && our_pid >/dev/null || {
        tail -n 20 "${logfile}" >&2 2>/dev/null || true
        die "coturn did not listen on 127.0.0.1:${port} within ${timeout}s"
      }
      sleep 0.2
    done
    log "coturn on 127.0.0.1:${port} is up"
  fi

  cat >"${dir}/env" <<EOF
export TEST_TURN_URLS='turn:127.0.0.1:${port}?transport=udp,turn:127.0.0.1:${port}?transport=tcp'
export TEST_TURN_SECRET=${secret}
EOF
  cat "${dir}/env"
)

_consilium_turn_services "$@"
