# Shared settings for the image recipe scripts; sourced, not run.

RECIPE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$RECIPE/.." && pwd)
VERSION=$(cat "$RECIPE/VERSION")
BUILD=${BUILD:-$TOP/build}
CACHE=${CACHE:-$TOP/cache}
ISO=${ISO:-$BUILD/lightwhale-$VERSION-x86.iso}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
# The persistence tool recognises the boot medium by this label prefix.
VOLID=LIGHTWHALE

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
