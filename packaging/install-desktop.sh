#!/usr/bin/env bash
# Put Mnemo in the desktop's application menu, for the current user only.
#
#   packaging/install-desktop.sh            install (or refresh) the menu entry and the icons
#   packaging/install-desktop.sh --remove   take them out again
#
# The entry is packaging/mnemo.desktop with Exec and TryExec pointing at this checkout's
# .venv/bin/mnemo (or MNEMO_EXEC), installed as $XDG_DATA_HOME/applications/mnemo.desktop
# (~/.local/share when XDG_DATA_HOME is unset); the icons go into the hicolor theme there
# (<n>x<n>/apps/mnemo.png and scalable/apps/mnemo.svg). Running it again rewrites the same files,
# so it is safe to repeat. The menu caches are refreshed only with tools that are installed.
set -euo pipefail

# All in one function, so bash has read the whole script before running any of it.
main() {
    local root
    root="$(cd "$(dirname "$0")/.." && pwd)"
    local data="${XDG_DATA_HOME:-}"
    # The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    if [[ "$data" != /* ]]; then
        data="$HOME/.local/share"
    fi
    local apps="$data/applications"
    local icons="$data/icons/hicolor"
    local sizes=(16 32 48 64 128 256)

    if [ "${1:-}" = "--remove" ]; then
        rm -f "$apps/mnemo.desktop" "$icons/scalable/apps/mnemo.svg"
        for size in "${sizes[@]}"; do
            rm -f "$icons/${size}x${size}/apps/mnemo.png"
        done
        refresh_caches "$apps" "$icons"
        echo "install-desktop: removed Mnemo's menu entry and icons from $data"
        return 0
    fi

    local exec_path="${MNEMO_EXEC:-$root/.venv/bin/mnemo}"
    if [ ! -x "$exec_path" ]; then
        echo "install-desktop: $exec_path is not an executable; run packaging/bootstrap.sh" \
            "first, or set MNEMO_EXEC to the mnemo command to use" >&2
        return 2
    fi
    # The menu runs the command without a shell or PATH lookup: use its absolute path.
    exec_path="$(cd "$(dirname "$exec_path")" && pwd)/$(basename "$exec_path")"

    for size in "${sizes[@]}"; do
        install -D -m 644 "$root/resources/icons/mnemo-$size.png" \
            "$icons/${size}x${size}/apps/mnemo.png"
    done
    install -D -m 644 "$root/resources/icons/mnemo.svg" "$icons/scalable/apps/mnemo.svg"

    mkdir -p "$apps"
    local tmp
    tmp="$(mktemp "$apps/.mnemo.desktop.XXXXXX")"
    local exec_value tryexec_value
    exec_value="$(desktop_exec_arg "$exec_path")"
    tryexec_value="${exec_path//\\/\\\\}"
    local line
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
            Exec=mnemo | "Exec=mnemo "*) printf 'Exec=%s%s\n' "$exec_value" "${line#Exec=mnemo}" ;;
            TryExec=mnemo) printf 'TryExec=%s\n' "$tryexec_value" ;;
            *) printf '%s\n' "$line" ;;
        esac
    done <"$root/packaging/mnemo.desktop" >"$tmp"
    chmod 644 "$tmp"
    mv -f "$tmp" "$apps/mnemo.desktop" # a rename: the menu never sees half a file

    refresh_caches "$apps" "$icons"
    echo "install-desktop: Mnemo is in the application menu ($apps/mnemo.desktop -> $exec_path)"
}

# desktop_exec_arg ARG: ARG quoted for a desktop entry's Exec key (Desktop Entry spec, "The Exec
# key"): quotes when it holds a reserved character, backslash before " ` $ \ inside them, %% for %,
# and the string escape (\ -> \\) on top.
desktop_exec_arg() {
    local arg="$1"
    case "$arg" in
        *[[:space:]\"\'\\\<\>~\|\&\;\$\*\?\#\(\)\`]*)
            arg="${arg//\\/\\\\}"
            arg="${arg//\"/\\\"}"
            arg="${arg//\`/\\\`}"
            arg="${arg//\$/\\\$}"
            arg="\"$arg\""
            ;;
    esac
    arg="${arg//%/%%}"
    printf '%s' "${arg//\\/\\\\}"
}

# refresh_caches APPS ICONS: tell the menu about the change, with whatever tools are installed.
refresh_caches() {
    local apps="$1" icons="$2"
    if command -v update-desktop-database >/dev/null && [ -d "$apps" ]; then
        update-desktop-database -q "$apps" || true
    fi
    # An icon cache is refreshed only where one already exists: creating one in the user's theme
    # folder would hide icons that other programs add later without updating it. Without a cache,
    # desktops notice new icons from the folder's modification time.
    if command -v gtk-update-icon-cache >/dev/null && [ -f "$icons/icon-theme.cache" ]; then
        gtk-update-icon-cache -q -t -f "$icons" || true
    elif [ -d "$icons" ]; then
        touch "$icons"
    fi
}

main "$@"
