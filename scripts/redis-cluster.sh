#!/usr/bin/env bash
# A real Redis Cluster for the cluster tests: three masters and three replicas
# of Debian's redis-server on loopback, made into one cluster by
# `redis-cli --cluster create --cluster-replicas 1`:
#
#   cluster_env=$(bash scripts/redis-cluster.sh) && eval "${cluster_env}"
#
# prints (and writes to ${dir}/env) what the tests read:
#
#   TEST_REDIS_CLUSTER_URL    redis+cluster://127.0.0.1:7101,…,127.0.0.1:7106
#   TEST_REDIS_CLUSTER_PORTS  7101,…,7106 (every node, masters and replicas)
#
#   CONSILIUM_REDIS_CLUSTER_DIR  state directory (default ${TMPDIR:-/tmp}/consilium-redis-cluster):
#                                one directory per port with its nodes.conf, pid and log
#   REDIS_CLUSTER_BASE_PORT      first port (default 7101); the nodes use six in a row
#   SERVICES_TIMEOUT             seconds to wait for the cluster (default 30)
#
# Idempotent: a healthy cluster of ours on those ports (six nodes, every slot
# served, cluster_state:ok everywhere) is left alone; anything else of ours
# there is stopped and the cluster made afresh. No persistence: the tests use
# per-test key prefixes and need nothing to survive.
# Logs go to stderr; only the export lines go to stdout.

_consilium_redis_cluster() (
  set -euo pipefail

  lib_tag=redis-cluster
  # shellcheck source=scripts/lib.sh
  source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

  dir=${CONSILIUM_REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/consilium-redis-cluster}
  base=${REDIS_CLUSTER_BASE_PORT:-7101}
  timeout=${SERVICES_TIMEOUT:-30}
  [[ ${base} =~ ^[0-9]+$ ]] || die "REDIS_CLUSTER_BASE_PORT=${base} is not a port number"
  ports=()
  for i in 0 1 2 3 4 5; do ports+=($((base + i))); done

  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    apt_install redis-server redis-tools
  fi
  mkdir -p "${dir}"

  cli() { timeout 5 redis-cli -h 127.0.0.1 -p "$1" "${@:2}" 2>/dev/null; }
  our_pid() {
    local pidfile=${dir}/$1/redis.pid pid
    [[ -s ${pidfile} ]] || return 1
    pid=$(<"${pidfile}")
    [[ ${pid} =~ ^[0-9]+$ ]] && kill -0 "${pid}" 2>/dev/null || return 1
    [[ $(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null) == *redis-server*:$1* ]] || return 1
    printf '%s\n' "${pid}"
  }
  # every node of ours answers, knows all six, and says the cluster is ok
  healthy() {
    local port info
    for port in "${ports[@]}"; do
      our_pid "${port}" >/dev/null || return 1
      info=$(cli "${port}" cluster info) || return 1
      [[ ${info} == *cluster_state:ok* && ${info} == *cluster_known_nodes:6* \
        && ${info} == *cluster_slots_ok:16384* && ${info} == *cluster_size:3* ]] || return 1
    done
  }

  if healthy; then
    log "Redis Cluster on 127.0.0.1:${ports[0]}-${ports[5]} is up"
  else
    for port in "${ports[@]}"; do
      if pid=$(our_pid "${port}"); then
        log "stopping our old redis-server on ${port}"
        kill "${pid}" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "${pid}" 2>/dev/null || break; sleep 0.1; done
        kill -9 "${pid}" 2>/dev/null || true
      fi
      if cli "${port}" ping >/dev/null; then
        die "something else listens on 127.0.0.1:${port}; set REDIS_CLUSTER_BASE_PORT to free ports"
      fi
    done
    for port in "${ports[@]}"; do
      rm -rf "${dir:?}/${port}"
      mkdir -p "${dir}/${port}"
      redis-server --port "${port}" --bind 127.0.0.1 --daemonize yes \
        --dir "${dir}/${port}" --pidfile "${dir}/${port}/redis.pid" --logfile "${dir}/${port}/redis.log" \
        --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
        --save "" --appendonly no >/dev/null ||
        die "redis-server on ${port} did not start (log: ${dir}/${port}/redis.log)"
    done
    deadline=$((SECONDS + timeout))
    for port in "${ports[@]}"; do
      until [[ $(cli "${port}" ping) == PONG ]]; do
        ((SECONDS < deadline)) || die "redis-server on ${port} did not answer within ${timeout}s (log: ${dir}/${port}/redis.log)"
        sleep 0.1
      done
    done
    log "creating the cluster (3 masters, 3 replicas)"
    nodes=()
    for port in "${ports[@]}"; do nodes+=("127.0.0.1:${port}"); done
    timeout "${timeout}" redis-cli --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >&2 ||
      die "redis-cli --cluster create failed"
    until healthy; do
      ((SECONDS < deadline)) || die "the cluster did not reach cluster_state:ok on every node within ${timeout}s"
      sleep 0.2
    done
    log "Redis Cluster on 127.0.0.1:${ports[0]}-${ports[5]} is up"
  fi

  url=redis+cluster://
  for port in "${ports[@]}"; do url+="127.0.0.1:${port},"; done
  cat >"${dir}/env" <<EOF
export TEST_REDIS_CLUSTER_URL=${url%,}
export TEST_REDIS_CLUSTER_PORTS=$(
    IFS=,
    echo "${ports[*]}"
  )
EOF
  cat "${dir}/env"
)

_consilium_redis_cluster "$@"
