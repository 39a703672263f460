#!/usr/bin/env bash
# Put Trinity in this user's application menu (the bundle's install.sh).
#
#   ./install.sh               menu entry, icon, and `trinity` on the PATH (~/.local/bin)
#   ./install.sh --uninstall   remove them again (this folder is left as it is)
#
# Nothing needs root: the entry, the icon and the link go under ~/.local. The bundle runs
# from wherever this folder is; move the folder, then run ./install.sh again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
entry="$data/applications/trinity.desktop"
icon="$data/icons/hicolor/scalable/apps/trinity.svg"
link="$HOME/.local/bin/trinity"

if [[ "${1:-}" == --uninstall ]]; then
    rm -f "$entry" "$icon"
    [[ -L "$link" ]] && rm -f "$link"
    echo "Trinity's menu entry, icon and command link are removed; delete $here to remove Trinity."
    exit 0
fi
mkdir -p "$(dirname "$entry")" "$(dirname "$icon")" "$(dirname "$link")"
cp "$here/trinity.svg" "$icon"
cat > "$entry" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Trinity
GenericName=Polymer fire behaviour predictor
Comment=Predict cone calorimeter heat release of polymers from their structure
Exec=$here/trinity %F
Icon=trinity
Terminal=false
Categories=Science;Chemistry;Engineering;
MimeType=text/csv;
Keywords=polymer;fire;cone calorimeter;SMILES;
StartupWMClass=trinity
DESKTOP
ln -sfn "$here/trinity" "$link"
command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database -q "$(dirname "$entry")" || true
echo "Trinity is in your applications menu; from a terminal, run: trinity (the window) or trinity --help."
case ":$PATH:" in *":$HOME/.local/bin:"*) ;; *) echo "(add ~/.local/bin to your PATH for the trinity command)";; esac
