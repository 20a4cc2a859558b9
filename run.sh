#!/usr/bin/env bash
# polyloss developer entry point: sets everything up on a fresh machine, then runs a job.
#   bash run.sh demo   set up, then run the main job
#   bash run.sh test   set up, then run the whole test suite
# Set-up: a virtual environment in .venv (created when missing) with polyloss and its test
# dependencies, torch pinned by constraints.txt (override: CONSTRAINTS=/dev/null), and a LaTeX
# engine (Debian's texlive-latex-base and texlive-latex-recommended, installed with apt when missing).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
CONSTRAINTS=${CONSTRAINTS:-constraints.txt}

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

setup_latex() {
  if command -v pdflatex >/dev/null 2>&1; then return; fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "run.sh: pdflatex is missing; install texlive-latex-base texlive-latex-recommended" >&2; return; fi
  fi
  if command -v apt-get >/dev/null 2>&1; then
    echo "run.sh: installing a LaTeX engine (texlive-latex-base, texlive-latex-recommended)..." >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
      texlive-latex-base texlive-latex-recommended >/dev/null
  else
    echo "run.sh: pdflatex is missing and apt-get is not available; install a TeX Live" >&2
  fi
}

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
