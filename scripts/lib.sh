# Sourced by the scripts that start or install what the tests need, so that
# logging, running as root and installing Debian packages are defined once.
# Set `lib_tag` (the prefix of log lines) first, and `lib_die_status` when
# `die` should exit with something other than 1:
#
#   lib_tag=services
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log() { printf '%s: %s\n' "${lib_tag}" "$*" >&2; }
die() {
  printf '%s: ERROR: %s\n' "${lib_tag}" "$*" >&2
  exit "${lib_die_status:-1}"
}

# Root runs commands directly; anyone else needs sudo for apt and pg_*.
as_root() {
  if [[ ${EUID} -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root or sudo to run: $*"
  fi
}

# Installs Debian packages without their recommends (printing and desktop
# bits a test run never uses). A fresh machine has no package lists: they
# are updated once per run.
lib_apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* yourself"
  if [[ ${lib_apt_updated} -eq 0 ]]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    lib_apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}
