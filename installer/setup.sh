#!/usr/bin/env bash
# Set Trinity up on a Debian/Ubuntu machine, then run it or its tests.
#
#   bash installer/setup.sh --run    set up, then open the window (headless demo without a display)
#   bash installer/setup.sh --test   set up, then run ruff and the test suite
#   bash installer/setup.sh          set up only
#
# Set-up is idempotent: system libraries for Qt (installed when run as root, otherwise
# the one apt-get line is printed), a virtual environment in .venv, PyTorch (a CUDA
# build when an NVIDIA driver is present, otherwise the CPU build), then Trinity itself.
# TRINITY_TORCH=cpu|cuda overrides the choice of PyTorch build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-}"
case "$mode" in --run|--test|"") ;; *) echo "usage: bash installer/setup.sh [--run|--test]" >&2; exit 2 ;; esac

say() { printf '\033[1m[trinity setup]\033[0m %s\n' "$*"; }

# --- system libraries ------------------------------------------------------------
# Qt for Python needs these on a bare Debian; xvfb and friends give a real X server.
qt_libs=(libgl1 libegl1 libxkbcommon0 libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3
         fonts-dejavu-core libxrender1 xvfb xauth libxkbcommon-x11-0 libxcb-cursor0
         libxcb-icccm4 libxcb-keysyms1 libxcb-shape0)
if command -v dpkg-query >/dev/null 2>&1; then
    missing=()
    for pkg in "${qt_libs[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    if ((${#missing[@]})); then
        if [[ $(id -u) -eq 0 ]]; then
            say "installing system libraries: ${missing[*]}"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${missing[@]}" >/dev/null
        else
            say "missing system libraries; run this once, then rerun set-up:"
            echo "  sudo apt-get install -y ${missing[*]}"
            exit 1
        fi
    fi
fi

# --- Python environment ------------------------------------------------------------
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "Trinity needs Python 3.11 or newer; set PYTHON=/path/to/python3.11 and rerun."
    exit 1
fi
if [[ ! -x .venv/bin/python ]]; then
    say "creating the virtual environment .venv"
    "$python" -m venv .venv
fi
# pip's exit status is kept; only the noise of unreachable local indexes is filtered.
pip() {
    .venv/bin/python -m pip --disable-pip-version-check -q "$@" \
        2> >(grep -v "^WARNING: Location" >&2)
}
pip install --upgrade pip setuptools wheel

# --- PyTorch ------------------------------------------------------------------------
torch_kind="${TRINITY_TORCH:-}"
if [[ -z "$torch_kind" ]]; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        torch_kind=cuda
    else
        torch_kind=cpu
    fi
fi
if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
    if [[ "$torch_kind" == cuda ]]; then
        say "installing PyTorch with CUDA (PyPI build)"
        pip install "torch>=2.2"
    else
        # A CPU wheel of torch 2.13.0 in pip's find-links (as on our build machines) is
        # taken as is; elsewhere the CPU-only index avoids the 3 GB CUDA download.
        links="$(.venv/bin/python -m pip config get global.find-links 2>/dev/null || true)"
        if [[ -n "$links" ]] && ls "$links"/torch-2.13.0+cpu-*.whl >/dev/null 2>&1; then
            say "installing PyTorch 2.13.0 (CPU build, local wheel)"
            pip install "torch==2.13.0"
        else
            say "installing PyTorch (CPU build)"
            pip install "torch>=2.2" --index-url https://download.pytorch.org/whl/cpu
        fi
    fi
fi

# --- Trinity ------------------------------------------------------------------------
extras="ml,gui,scale,report,test"
[[ "$torch_kind" == cuda ]] && extras="gpu,gui,scale,report,test"
say "installing Trinity and its dependencies ([$extras])"
pip install -e ".[$extras]"

case "$mode" in
    --run)
        if [[ -z "${TRINITY_HEADLESS:-}" && -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
            say "starting the desktop window: trinity-gui"
            exec .venv/bin/trinity-gui
        fi
        say "no display (or TRINITY_HEADLESS set): running the headless pipeline, trinity demo"
        say "on a desktop this command opens the window; .venv/bin/trinity-gui starts it too"
        exec .venv/bin/trinity demo --out "${TRINITY_OUT:-out/demo}"
        ;;
    --test)
        export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
        say "ruff"
        .venv/bin/ruff check .
        say "tests"
        exec .venv/bin/python -m pytest
        ;;
esac
say "done; run .venv/bin/trinity --help"
