# Sourced by dev.sh and test.sh: stop early, with a clear message, when a
# prerequisite the README names is missing or too old, instead of failing
# minutes later inside a build.
#
#   check_prerequisites            # Rust and Node.js
#   check_prerequisites --lint     # also rustfmt and clippy (test.sh)

# Is version $1 at least $2? (dotted numbers)
version_at_least() {
  [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]
}

check_prerequisites() {
  local missing=0
  if ! command -v cargo >/dev/null 2>&1; then
    echo "error: Rust is not installed. Install Rust 1.88 or newer with rustup: https://rustup.rs" >&2
    missing=1
  else
    local rust
    rust=$(rustc --version 2>/dev/null | awk '{print $2}')
    if ! version_at_least "${rust:-0}" 1.88.0; then
      echo "error: Rust ${rust:-unknown} is too old; Consilium needs 1.88 or newer (rustup update stable)" >&2
      missing=1
    fi
    if [[ ${1:-} == --lint ]]; then
      for tool in rustfmt cargo-clippy; do
        if ! command -v "${tool}" >/dev/null 2>&1; then
          echo "error: ${tool} is missing (rustup component add rustfmt clippy)" >&2
          missing=1
        fi
      done
    fi
  fi
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "error: Node.js with npm is not installed; Consilium's web client needs Node.js 20.19+ or 22.12+" >&2
    missing=1
  else
    local node_version
    node_version=$(node --version | tr -d v)
    if ! { version_at_least "${node_version}" 20.19.0 && ! version_at_least "${node_version}" 21.0.0; } &&
      ! version_at_least "${node_version}" 22.12.0; then
      echo "error: Node.js ${node_version} is too old; the web client needs 20.19+ or 22.12+" >&2
      missing=1
    fi
  fi
  if [[ ${missing} -ne 0 ]]; then
    echo "See README.md, section \"Before you start\"." >&2
    exit 1
  fi
}
