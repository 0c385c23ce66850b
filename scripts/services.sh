#!/usr/bin/env bash
# Ensure the PostgreSQL and Redis that Consilium's dev server and tests need
# are reachable, installing (Debian packages) and starting them when they
# are not.
#
#   PostgreSQL: PGHOST / PGPORT, else host and port of DATABASE_URL,
#               else 127.0.0.1:5432
#   Redis:      REDIS_URL (default redis://127.0.0.1:6379)
#   SERVICES_TIMEOUT: seconds to wait for each service to answer (default 30)
#
# When both already answer this is a no-op that takes a few milliseconds. It
# never changes the auth of a PostgreSQL cluster it did not set up itself.
#
# Run it (`bash scripts/services.sh`) or source it: the body runs in a
# subshell, so it exports nothing and leaves the caller's shell options alone.

_consilium_services() (
  set -euo pipefail

  lib_tag=services
  # shellcheck source=scripts/lib.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

  is_local_host() {
    case "$1" in
      127.0.0.1 | localhost | ::1 | /*) return 0 ;; # /* = Unix socket directory
      *) return 1 ;;
    esac
  }

  # Poll a check function until it succeeds or SERVICES_TIMEOUT runs out.
  wait_for() {
    local what=$1 check=$2
    local deadline=$((SECONDS + timeout))
    until "${check}"; do
      if ((SECONDS >= deadline)); then
        return 1
      fi
      sleep 0.2
    done
    log "${what} is up"
  }

  timeout=${SERVICES_TIMEOUT:-30}

  # ---------------------------------------------------------------- PostgreSQL
  # PGHOST/PGPORT win; else the host and port of DATABASE_URL; else defaults.
  pg_host=127.0.0.1
  pg_port=5432
  if [[ ${DATABASE_URL:-} == postgres*://* ]]; then
    pg_url_rest=${DATABASE_URL#*://}
    pg_url_rest=${pg_url_rest%%/*}  # drop /dbname
    pg_url_rest=${pg_url_rest%%\?*} # drop ?options
    pg_url_rest=${pg_url_rest##*@}  # drop user:password@
    if [[ ${pg_url_rest} == \[* ]]; then
      pg_host=${pg_url_rest%%]*}
      pg_host=${pg_host#[}
      pg_url_rest=${pg_url_rest#*]}
      [[ ${pg_url_rest} == :?* ]] && pg_port=${pg_url_rest#:}
    elif [[ -n ${pg_url_rest} ]]; then
      pg_host=${pg_url_rest%%:*}
      [[ ${pg_url_rest} == *:?* ]] && pg_port=${pg_url_rest##*:}
    fi
  fi
  pg_host=${PGHOST:-${pg_host}}
  pg_port=${PGPORT:-${pg_port}}

  pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
      pg_isready -q -h "${pg_host}" -p "${pg_port}" -t 2
    else
      # No client tools yet (fresh machine): an open TCP port is a fair sign.
      # shellcheck disable=SC2016 # $1/$2 expand in the inner bash
      [[ ${pg_host} != /* ]] &&
        timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "${pg_host}" "${pg_port}" 2>/dev/null
    fi
  }

  # Can user postgres log in without a password prompt? (-w: never prompt)
  pg_login_ok() {
    command -v psql >/dev/null 2>&1 || return 0
    psql -w -X -q -A -t -h "${pg_host}" -p "${pg_port}" -U postgres -d postgres \
      -c 'SELECT 1' >/dev/null 2>&1
  }

  # Only for clusters this script set up: local connections need no password.
  pg_trust() {
    local ver=$1 name=$2
    local hba="/etc/postgresql/${ver}/${name}/pg_hba.conf"
    log "setting trust auth for local connections in ${hba} (cluster set up by this script)"
    # tee keeps the file's owner and mode (postgres, 0640).
    as_root tee "${hba}" >/dev/null <<'EOF'
# Written by Consilium's scripts/services.sh for local development and tests
# only: every local connection is trusted, no password asked.
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
host    replication     all             ::1/128                 trust
EOF
  }

  # "version name status" of the cluster configured for our port, if any.
  pg_cluster_on_port() {
    pg_lsclusters -h 2>/dev/null | awk -v p="${pg_port}" '$3 == p { print $1, $2, $4; exit }'
  }

  pg_log_tail() {
    local logfile
    logfile=$(pg_lsclusters -h 2>/dev/null | awk -v p="${pg_port}" '$3 == p { print $7; exit }')
    if [[ -n ${logfile} && -r ${logfile} ]]; then
      printf '%s\n' "--- last lines of ${logfile}:" >&2
      tail -n 20 "${logfile}" >&2
    fi
  }

  ensure_postgres() {
    if pg_up; then
      # Already running: leave its configuration alone, but say if our URLs
      # (user postgres, no password) will not work against it.
      pg_login_ok || log "WARNING: PostgreSQL at ${pg_host}:${pg_port} is up, but user postgres cannot log in without a password; set PGPASSWORD or a DATABASE_URL with credentials"
      return 0
    fi
    is_local_host "${pg_host}" ||
      die "PostgreSQL at ${pg_host}:${pg_port} is not reachable, and it is not local, so it cannot be started here"

    log "PostgreSQL not reachable at ${pg_host}:${pg_port}; starting one"
    local set_up_here=0
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
      apt_install postgresql
      # Debian's package creates cluster "main" itself; it is ours to configure.
      set_up_here=1
      # The package may have started it already (where services start on install).
      if pg_up && pg_login_ok; then
        log "PostgreSQL is up"
        return 0
      fi
    fi

    local ver name status
    read -r ver name status <<<"$(pg_cluster_on_port)" || true
    if [[ -z ${ver:-} ]]; then
      # No cluster on this port: create one with the newest installed server.
      ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
      [[ -n ${ver} ]] || die "no PostgreSQL server version found under /usr/lib/postgresql"
      name=main
      [[ -e /etc/postgresql/${ver}/main ]] && name="port${pg_port}"
      log "creating cluster ${ver}/${name} on port ${pg_port}"
      as_root pg_createcluster --port "${pg_port}" --start-conf auto "${ver}" "${name}" \
        -- --auth-local=trust --auth-host=trust >/dev/null
      status=down
      set_up_here=1
    fi

    if [[ ${set_up_here} -eq 1 ]]; then
      pg_trust "${ver}" "${name}"
    fi

    # Socket directory lives in /run, which is empty after a reboot.
    as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    if [[ ${status} == online ]]; then
      # Running but not answering where we look (e.g. freshly installed and
      # re-configured above): reload picks up pg_hba.conf changes.
      as_root pg_ctlcluster --skip-systemctl-redirect "${ver}" "${name}" reload ||
        as_root pg_ctlcluster --skip-systemctl-redirect "${ver}" "${name}" restart
    else
      log "starting cluster ${ver}/${name}"
      as_root pg_ctlcluster --skip-systemctl-redirect "${ver}" "${name}" start ||
        {
          pg_log_tail
          die "could not start PostgreSQL cluster ${ver}/${name}"
        }
    fi

    if ! wait_for "PostgreSQL at ${pg_host}:${pg_port}" pg_up; then
      pg_log_tail
      die "PostgreSQL at ${pg_host}:${pg_port} did not answer within ${timeout}s (cluster ${ver}/${name}; check listen_addresses and port)"
    fi
    if ! pg_login_ok; then
      if [[ ${set_up_here} -eq 1 ]]; then
        die "PostgreSQL is up but user postgres cannot log in over ${pg_host}:${pg_port}"
      fi
      log "WARNING: cluster ${ver}/${name} (not set up by this script) asks user postgres for a password; its pg_hba.conf was left as it is"
    fi
  }

  # --------------------------------------------------------------------- Redis
  redis_url=${REDIS_URL:-redis://127.0.0.1:6379}
  redis_host=127.0.0.1
  redis_port=6379
  parse_redis_url() {
    local rest=${redis_url#*://}
    rest=${rest%%/*}  # drop /db
    rest=${rest%%\?*} # drop ?options
    rest=${rest##*@}  # drop user:password@
    if [[ ${rest} == \[* ]]; then
      redis_host=${rest%%]*}
      redis_host=${redis_host#[}
      rest=${rest#*]}
      [[ ${rest} == :?* ]] && redis_port=${rest#:}
    else
      redis_host=${rest%%:*}
      [[ ${rest} == *:?* ]] && redis_port=${rest##*:}
    fi
    [[ -n ${redis_host} ]] || redis_host=127.0.0.1
  }

  redis_up() {
    local reply
    if command -v redis-cli >/dev/null 2>&1; then
      reply=$(timeout 3 redis-cli -h "${redis_host}" -p "${redis_port}" ping 2>/dev/null) || return 1
    else
      # No redis-cli yet: speak the protocol over bash's /dev/tcp.
      # shellcheck disable=SC2016 # $1/$2/$l expand in the inner bash
      reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "PING\r\n" >&3 && IFS= read -r l <&3 && printf "%s" "$l"' \
        _ "${redis_host}" "${redis_port}" 2>/dev/null) || return 1
    fi
    # A password-protected server answers NOAUTH: it is up all the same.
    [[ ${reply} == *PONG* || ${reply} == *NOAUTH* ]]
  }

  ensure_redis() {
    case "${redis_url}" in
      redis://* | rediss://*) ;;
      *)
        log "REDIS_URL=${redis_url} is not a redis:// URL; not checking Redis"
        return 0
        ;;
    esac
    parse_redis_url
    redis_up && return 0
    is_local_host "${redis_host}" ||
      die "Redis at ${redis_host}:${redis_port} is not reachable, and it is not local, so it cannot be started here"

    log "Redis not reachable at ${redis_host}:${redis_port}; starting one"
    if ! command -v redis-server >/dev/null 2>&1; then
      apt_install redis-server
      # The package may have started its own service on 6379.
      if redis_up; then
        log "Redis is up"
        return 0
      fi
    fi

    # No persistence: this Redis only carries fan-out and presence for dev/tests.
    local dir logfile
    if [[ ${EUID} -eq 0 ]]; then
      dir=/var/lib/redis
      logfile=/var/log/redis/ci.log
      [[ ${redis_port} == 6379 ]] || logfile=/var/log/redis/ci-${redis_port}.log
      mkdir -p "${dir}" /var/log/redis
    else
      dir=${TMPDIR:-/tmp}/consilium-redis-${redis_port}
      logfile=${dir}/redis.log
      mkdir -p "${dir}"
    fi
    # "-::1": bind IPv6 loopback too when the machine has it (optional bind).
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "${redis_port}" \
      --save "" --appendonly no --dir "${dir}" --logfile "${logfile}" ||
      die "redis-server failed to start (see ${logfile})"

    if ! wait_for "Redis at ${redis_host}:${redis_port}" redis_up; then
      tail -n 20 "${logfile}" >&2 2>/dev/null || true
      die "Redis at ${redis_host}:${redis_port} did not answer within ${timeout}s (log: ${logfile})"
    fi
  }

  ensure_postgres
  ensure_redis
)

_consilium_services "$@"
