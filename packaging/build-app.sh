#!/usr/bin/env bash
# Build Mnemo as a one-folder PyInstaller bundle (dist/mnemo/) and smoke-start it.
#
#   packaging/build-app.sh            build, then smoke-test the bundle; prints PASS/FAIL per check
#   packaging/build-app.sh --no-build smoke-test the bundle already in dist/mnemo/
#
# The build runs in its own venv (.venv-build, or MNEMO_BUILD_VENV) so PyInstaller never lands in
# the development venv. Mnemo is installed there as a regular (not editable) package: PyInstaller
# cannot follow setuptools' editable-install import hook, and a real install is what the bundle
# should contain anyway. The smoke tests use throwaway profiles (MNEMO_HOME in a temp folder), so
# the builder's own store is never touched. Not part of CI: a build takes several minutes.
set -euo pipefail

# All in one function, so bash has read the whole script before running any of it.
main() {
    cd "$(dirname "$0")/.."
    build=1
    if [ "${1:-}" = "--no-build" ]; then
        build=0
    fi

    venv="${MNEMO_BUILD_VENV:-.venv-build}"
    bundle="dist/mnemo/mnemo"

    if [ "$build" = 1 ]; then
        python="${PYTHON:-python3}"
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
            echo "build-app: Mnemo needs Python 3.11 or newer; $python is $("$python" -V 2>&1)." >&2
            exit 2
        fi
        if [ ! -x "$venv/bin/python" ]; then
            echo "build-app: creating $venv"
            "$python" -m venv "$venv"
        fi
        # Keep the build venv out of git, and so out of ruff's `check .`, which honours .gitignore.
        [ -f "$venv/.gitignore" ] || printf '# Created by packaging/build-app.sh\n*\n' >"$venv/.gitignore"
        "$venv/bin/python" -m pip install -q --upgrade pip
        echo "build-app: installing Mnemo and PyInstaller into $venv"
        # Same portable llama.cpp build as bootstrap.sh, so pip reuses its cached wheel.
        CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" "$venv/bin/python" -m pip install -q ".[packaging]"
        # The dependencies above are installed once; Mnemo itself is reinstalled on every build so the
        # bundle always holds the current source.
        "$venv/bin/python" -m pip install -q --no-deps --force-reinstall .
        echo "build-app: running PyInstaller (this takes a few minutes)"
        "$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
            --distpath dist --workpath build/pyinstaller packaging/mnemo.spec
    fi

    if [ ! -x "$bundle" ]; then
        echo "build-app: FAIL: $bundle does not exist" >&2
        exit 1
    fi

    scratch="$(mktemp -d "${TMPDIR:-/tmp}/mnemo-smoke-XXXXXX")"
    xvfb_pid=""
    cleanup() {
        if [ -n "$xvfb_pid" ]; then
            kill "$xvfb_pid" 2>/dev/null || true
        fi
        rm -rf "$scratch"
    }
    trap cleanup EXIT

    failed=0
    check() {
        # check NAME COMMAND...: run it with a time limit, print PASS or FAIL (with its output's tail).
        local name="$1"
        shift
        local log="$scratch/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log"
        if timeout 300 "$@" >"$log" 2>&1; then
            echo "PASS  $name"
        else
            echo "FAIL  $name (exit $?)"
            tail -n 25 "$log" | sed 's/^/      /'
            failed=1
        fi
    }

    export MNEMO_PASSPHRASE="smoke test passphrase"
    profile="$scratch/profile"
    sample="$scratch/chats.jsonl"
    cp resources/sample/chats.jsonl "$sample"

    check "mnemo --version" sh -c "\"$bundle\" --version | grep -qx 'mnemo 0.1.0'"
    check "mnemo tour (SQLCipher, sqlite-vec, FTS5, bundled sample data)" \
        env MNEMO_HOME="$scratch/tour" "$bundle" tour
    check "mnemo init (passphrase-wrapped key)" \
        env MNEMO_HOME="$profile" "$bundle" init --key-storage passphrase
    check "mnemo import chats + search" sh -c \
        "MNEMO_HOME='$profile' \"$bundle\" import chats '$sample' \
         && MNEMO_HOME='$profile' \"$bundle\" search dentist | grep -qi dentist"
    check "mnemo models tiny + status (llama.cpp libraries load, adapters switch)" sh -c \
        "MNEMO_HOME='$profile' \"$bundle\" models tiny \
         && MNEMO_HOME='$profile' \"$bundle\" models use-base tiny-base.gguf \
         && MNEMO_HOME='$profile' \"$bundle\" models status"
    check "mnemo capture status (capture modules import)" \
        env MNEMO_HOME="$profile" "$bundle" capture status

    # The desktop app: `--smoke SECONDS` opens the main window on the profile above and quits.
    # Capture is switched off for it: these runs test the bundle's Qt, not the screen.
    gui_profile="$scratch/gui"
    cp -r "$profile" "$gui_profile"
    mkdir -p "$gui_profile/config"
    printf '{"capture": {"enabled": false}, "models": {"base": ""}}\n' >"$gui_profile/config/settings.json"
    if "$bundle" --smoke 1 --version >/dev/null 2>&1; then
        check "desktop app starts and quits (Qt offscreen)" \
            env MNEMO_HOME="$gui_profile" QT_QPA_PLATFORM=offscreen "$bundle" --smoke 2
        if command -v Xvfb >/dev/null; then
            # -displayfd: Xvfb picks a free display itself and writes its number once it is ready,
            # so this never lands on another X server of the machine.
            Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp \
                3>"$scratch/display" >/dev/null 2>&1 &
            xvfb_pid=$!
            for _ in $(seq 50); do
                [ -s "$scratch/display" ] && break
                sleep 0.1
            done
            display=":$(cat "$scratch/display")"
            check "desktop app starts and quits (Qt xcb on Xvfb $display)" \
                env MNEMO_HOME="$gui_profile" DISPLAY="$display" QT_QPA_PLATFORM=xcb \
                "$bundle" --smoke 2
        else
            echo "SKIP  desktop app on X11: Xvfb is not installed"
        fi
    else
        echo "SKIP  desktop app: this mnemo has no --smoke flag yet"
    fi

    if [ "$failed" = 0 ]; then
        echo "build-app: PASS ($(du -sh dist/mnemo | cut -f1) in dist/mnemo/)"
    else
        echo "build-app: FAIL" >&2
        exit 1
    fi
}

main "$@"
