#!/usr/bin/env bash
# polyloss developer entry point: sets everything up on a fresh machine, then runs a job.
#   bash run.sh demo   set up, then run the main job
#   bash run.sh test   set up, then run the whole test suite
#   bash run.sh setup  set up only
# Set-up: a virtual environment in .venv (created when missing) with polyloss and its test
# dependencies, torch pinned by constraints.txt (override: CONSTRAINTS=/dev/null), and a LaTeX
# engine (Debian's texlive-latex-base and texlive-latex-recommended, installed with apt when missing).
# polyloss runs without LaTeX: when the engine cannot be installed (no apt, no sudo, apt's lock still
# held after APT_LOCK_TIMEOUT seconds, no network), the set-up says so and goes on; the report then
# lists each document as "PDF not compiled: pdflatex not found", and the tests that compile LaTeX fail.
set -euo pipefail
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
CONSTRAINTS=${CONSTRAINTS:-constraints.txt}
APT_LOCK_TIMEOUT=${APT_LOCK_TIMEOUT:-120}  # seconds to wait for another apt/dpkg to release its lock
APT_LOCK_RETRY=${APT_LOCK_RETRY:-5}  # seconds between two tries while it is held

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.polyloss-installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$CONSTRAINTS" -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
    "$VENV/bin/python" -m pip install --quiet -c "$CONSTRAINTS" -e '.[dev]'
    touch "$stamp"
  fi
}

# apt-get with a bounded wait for the package-manager lock: DPkg::Lock::Timeout makes apt-get wait
# for the dpkg lock itself; a lock it does not wait for (e.g. the package lists' lock during
# `update`) is retried every APT_LOCK_RETRY seconds until APT_LOCK_TIMEOUT seconds have passed.
# Returns apt-get's status; on failure the end of its output goes to stderr.
apt_get_waiting() {
  local deadline=$((SECONDS + APT_LOCK_TIMEOUT)) status output
  while :; do
    status=0
    output=$(DEBIAN_FRONTEND=noninteractive $APT_SUDO apt-get -o "DPkg::Lock::Timeout=$APT_LOCK_TIMEOUT" "$@" 2>&1) \
      || status=$?
    if [ "$status" = 0 ]; then return 0; fi
    case "$output" in
      *"Could not get lock"*|*"Unable to acquire"*|*"is held by"*|*"Unable to lock"*)
        if [ "$SECONDS" -lt "$deadline" ]; then
          echo "run.sh: apt is locked by another process; waiting (up to ${APT_LOCK_TIMEOUT} s in all)..." >&2
          sleep "$APT_LOCK_RETRY"
          continue
        fi ;;
    esac
    printf '%s\n' "$output" | tail -n 5 >&2
    return "$status"
  done
}

# Install a LaTeX engine when pdflatex is missing. Never fatal: polyloss runs without LaTeX.
setup_latex() {
  if command -v pdflatex >/dev/null 2>&1; then return 0; fi
  local cannot="run.sh: continuing without pdflatex: the report's PDFs will not be compiled (the report says"
  cannot="$cannot \"PDF not compiled: pdflatex not found\"), and the tests that compile LaTeX will fail."
  cannot="$cannot Install texlive-latex-base and texlive-latex-recommended, then run this again."
  APT_SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then APT_SUDO="sudo"; else
      echo "run.sh: pdflatex is missing, and installing it needs root (no sudo here)." >&2
      echo "$cannot" >&2
      return 0
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "run.sh: pdflatex is missing and apt-get is not available; install a TeX Live." >&2
    echo "$cannot" >&2
    return 0
  fi
  echo "run.sh: installing a LaTeX engine (texlive-latex-base, texlive-latex-recommended)..." >&2
  if apt_get_waiting update -qq && apt_get_waiting install -y -qq texlive-latex-base texlive-latex-recommended \
      && command -v pdflatex >/dev/null 2>&1; then
    return 0
  fi
  echo "run.sh: could not install the LaTeX engine with apt-get (see above)." >&2
  echo "$cannot" >&2
  return 0
}

main() {
  cd "$(dirname "${BASH_SOURCE[0]}")"
  case "${1:-}" in
    demo)
      setup_python
      shift
      setup_latex
      "$VENV/bin/polyloss" reproduce "$@"
      ;;
    test)
      setup_python
      setup_latex
      shift
      "$VENV/bin/python" -m pytest -n 2 -q "$@"
      ;;
    setup)
      setup_python
      setup_latex
      ;;
    *)
      echo "usage: bash run.sh demo | test | setup" >&2
      exit 2
      ;;
  esac
}

# `source run.sh` (the tests of the set-up) defines the functions and runs nothing
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
