#!/usr/bin/env bash
# Build the Linux one-folder bundle (dist/ocpp-studio/) and run its self-test offscreen.
# Exits non-zero when the build fails or the bundle misses anything the app needs.
#   packaging/build_linux.sh            build + self-test
#   packaging/build_linux.sh --no-test  build only
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
"$PYTHON" -c 'import PyInstaller' 2>/dev/null || {
    echo "PyInstaller is missing: run scripts/setup (installs .[test,package])" >&2; exit 1; }

echo "== packaging: PyInstaller one-folder build"
start=$(date +%s)
# -OO is not used: argparse help and docstrings are needed at runtime.
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/ocpp-studio.spec
echo "built dist/ocpp-studio in $(( $(date +%s) - start )) s, $(du -sh dist/ocpp-studio | cut -f1)"

[ "${1:-}" = "--no-test" ] && exit 0
echo "== packaging: self-test of the bundle"
# env -i: the bundle must not lean on the venv, PYTHONPATH or the checkout.
cd /tmp
env -i HOME="$HOME" PATH=/usr/bin:/bin LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
    timeout 120 "$OLDPWD/dist/ocpp-studio/ocpp-studio" --self-test
