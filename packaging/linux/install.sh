#!/usr/bin/env bash
# Install the one-folder build for the current user (or system-wide with --system, as root):
#   bash packaging/linux/install.sh [--system] [DIST_DIR]    (DIST_DIR defaults to dist/photocompare)
#   bash photocompare/_internal/linux/install.sh [--system]   (the copy inside a bundle)
# Copies the bundle to ~/.local/opt/photocompare (or /opt/photocompare), links the executable
# into ~/.local/bin (or /usr/local/bin), installs the desktop entry and the hicolor icons.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
system=0
if [ "${1:-}" = "--system" ]; then system=1; shift; fi
# Run from a checkout (packaging/linux/) or from inside a bundle (_internal/linux/).
if [ -d "$here/../../_internal" ]; then default="$here/../.."; else default="$here/../../dist/photocompare"; fi
dist="$(cd "${1:-$default}" 2>/dev/null && pwd || echo "${1:-$default}")"
[ -x "$dist/photocompare" ] || { echo "install.sh: no build at $dist (run python packaging/build.py)" >&2; exit 2; }
if [ $system = 1 ]; then
  opt=/opt/photocompare; bin=/usr/local/bin; share=/usr/local/share
else
  opt="$HOME/.local/opt/photocompare"; bin="$HOME/.local/bin"; share="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
rm -rf "$opt.new"; mkdir -p "$(dirname "$opt")" "$bin" "$share/applications"
cp -a "$dist" "$opt.new" && rm -rf "$opt" && mv "$opt.new" "$opt"
ln -sf "$opt/photocompare" "$bin/photocompare"
icons="$opt/_internal/resources/icons"
for size in 16 24 32 48 64 128 256 512; do
  install -Dm644 "$icons/photocompare-$size.png" "$share/icons/hicolor/${size}x${size}/apps/photocompare.png"
done
install -Dm644 "$icons/photocompare.svg" "$share/icons/hicolor/scalable/apps/photocompare.svg"
sed "s|^Exec=.*|Exec=$bin/photocompare|; s|^TryExec=.*|TryExec=$bin/photocompare|" \
  "$here/photocompare.desktop" > "$share/applications/photocompare.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$share/icons/hicolor" 2>/dev/null || true
echo "installed $opt; run: photocompare --self-test"
