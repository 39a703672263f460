#!/usr/bin/env bash
# Build Trinity's one-folder desktop bundle and its archive, then check what a user gets.
#
#   bash installer/build_bundle.sh             build, archive, unpack the archive and self-test it
#   bash installer/build_bundle.sh --no-test   build and archive only
#
# Lands in dist/: dist/trinity/ (the folder: `trinity`, its libraries, install.sh) and
# dist/trinity-<version>-linux-<arch>.tar.gz (what users download). The check unpacks the
# archive into a temporary folder and runs `trinity --self-test` there (model, cone, data,
# training, window), with a throw-away home so nothing of this machine's user is touched;
# under a real X server (DISPLAY set, e.g. `xvfb-run -a bash installer/build_bundle.sh`)
# the window check opens the window on it.
#
# The environment is the project's .venv (installer/setup.sh makes it) with the CPU build
# of PyTorch: a CUDA build would put 3 GB of CUDA libraries into the bundle.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-}"
case "$mode" in --no-test|"") ;; *) echo "usage: bash installer/build_bundle.sh [--no-test]" >&2; exit 2 ;; esac
say() { printf '\033[1m[trinity bundle]\033[0m %s\n' "$*"; }

[[ -x .venv/bin/python ]] || TRINITY_TORCH=cpu bash installer/setup.sh
if .venv/bin/python -c 'import sys, torch; sys.exit(torch.version.cuda is None)' 2>/dev/null; then
    say ".venv holds a CUDA build of PyTorch; set up a CPU environment for the bundle:"
    echo "  rm -rf .venv && TRINITY_TORCH=cpu bash installer/setup.sh" >&2
    exit 1
fi
.venv/bin/python -m pip --disable-pip-version-check -q install -e ".[bundle]" \
    2> >(grep -v "^WARNING: Location" >&2)

version="$(.venv/bin/python -c 'import engine; print(engine.__version__)')"
arch="$(uname -m)"
archive="dist/trinity-${version}-linux-${arch}.tar.gz"
start=$(date +%s)
say "freezing with PyInstaller (a few minutes)"
rm -rf dist/trinity "$archive"
.venv/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist \
    --workpath build/bundle installer/trinity.spec
cp installer/bundle_install.sh dist/trinity/install.sh
cp resources/icons/trinity.svg dist/trinity/trinity.svg
chmod +x dist/trinity/install.sh dist/trinity/trinity
say "archiving to $archive"
tar -C dist -czf "$archive" trinity
built=$(( $(date +%s) - start ))
size_folder="$(du -sh dist/trinity | cut -f1)"
size_archive="$(du -sh "$archive" | cut -f1)"
say "built in ${built} s: dist/trinity/ ${size_folder}, $archive ${size_archive}"

[[ "$mode" == --no-test ]] && exit 0
check="$(mktemp -d)"
trap 'rm -rf "$check"' EXIT
say "self-test of the unpacked archive in $check"
tar -C "$check" -xzf "$archive"
mkdir -p "$check/home"
env -u QT_QPA_PLATFORM HOME="$check/home" XDG_CACHE_HOME="$check/home/.cache" \
    XDG_CONFIG_HOME="$check/home/.config" XDG_DATA_HOME="$check/home/.local/share" \
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$check/trinity/trinity" --self-test
say "installing the desktop entry into the throw-away home"
HOME="$check/home" XDG_DATA_HOME="$check/home/.local/share" "$check/trinity/install.sh"
grep -q "^Exec=$check/trinity/trinity %F$" "$check/home/.local/share/applications/trinity.desktop"
"$check/home/.local/bin/trinity" --version
bash installer/bundle_inputs.sh > installer/bundle.sha256
say "bundle ok; installer/bundle.sha256 records the inputs it was built from"
