#!/usr/bin/env bash
# Build OCPP Studio for macOS: dist/OCPP Studio.app, its self-test, and
# dist/ocpp-studio-<version>-macos-<arch>.dmg; sign and notarise when configured.
#
#   packaging/macos/build.sh
#
# Environment (each signing step is skipped, with a message, when its variable is unset):
#   CODESIGN_IDENTITY  "Developer ID Application: Name (TEAMID)" (see `security find-identity -v -p codesigning`)
#   NOTARY_PROFILE     a notarytool keychain profile, made once with
#                      xcrun notarytool store-credentials PROFILE --apple-id ... --team-id ... --password <app-specific>
#   PYTHON             the Python with OCPP Studio installed (default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(uname -s)" = Darwin ] || { echo "build.sh builds on macOS only" >&2; exit 1; }

PYTHON=${PYTHON:-.venv/bin/python}
if [ ! -x "$PYTHON" ]; then
    python3.12 -m venv .venv
    PYTHON=.venv/bin/python
fi
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e '.[package]'
VERSION=$("$PYTHON" -c "from importlib.metadata import version; print(version('ocpp-studio'))")
APP="dist/OCPP Studio.app"
DMG="dist/ocpp-studio-$VERSION-macos-$(uname -m).dmg"
echo "== OCPP Studio $VERSION"

echo "== PyInstaller"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/ocpp-studio.spec

echo "== self-test of the app bundle"
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/ocpp-studio" --self-test

echo "== code signing"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    # PyInstaller already signed every binary inside out, then the app, with this identity,
    # the hardened runtime and a secure timestamp (the spec reads CODESIGN_IDENTITY); Apple
    # advises against signing with `codesign --deep`, so here the signature is only checked.
    codesign --verify --deep --strict --verbose=2 "$APP"
    codesign --display --entitlements - "$APP" >/dev/null
else
    echo "CODESIGN_IDENTITY not set: the app keeps PyInstaller's ad-hoc signature (runs on this"
    echo "Mac; on other Macs Gatekeeper blocks it). Notarisation is skipped too."
fi

echo "== disk image"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
ditto "$APP" "$staging/OCPP Studio.app"  # ditto keeps symlinks, signatures and attributes
ln -s /Applications "$staging/Applications"
rm -f "$DMG"
hdiutil create -volname "OCPP Studio $VERSION" -srcfolder "$staging" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 "$DMG"
[ -z "${CODESIGN_IDENTITY:-}" ] || codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$DMG"

echo "== notarisation"
if [ -n "${CODESIGN_IDENTITY:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
    xcrun stapler validate "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
elif [ -n "${CODESIGN_IDENTITY:-}" ]; then
    echo "NOTARY_PROFILE not set: signed but not notarised (Gatekeeper warns on other Macs)."
else
    echo "skipped (needs CODESIGN_IDENTITY and NOTARY_PROFILE)"
fi
echo "== done: $APP and $DMG"
