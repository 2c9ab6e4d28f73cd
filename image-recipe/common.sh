# Shared settings for the image recipe scripts; sourced, not run.

RECIPE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$RECIPE/.." && pwd)
# LW_VERSION: another version for the same recipe (the update tests build a second image).
VERSION=${LW_VERSION:-$(cat "$RECIPE/VERSION")}
BUILD=${BUILD:-$TOP/build}
CACHE=${CACHE:-$TOP/cache}
ISO=${ISO:-$BUILD/lightwhale-$VERSION-x86.iso}
SUITE=trixie
# The image's paths and labels, defined once (the image's own scripts read the same file).
. "$RECIPE/rootfs/usr/lib/lightwhale/paths"
# dm-verity's hash for the root and cold images (verity). SHA-256: the initrd carries its
# crypto alias's module (sha256-ssse3: the CPU's SHA extensions or AVX2 where it has them, else
# the kernel's own code). BLAKE2b was 1.5x as fast under emulation (125 against 81 MB/s: the
# emulated CPU has neither), slower where a real CPU has SHA extensions, and its 64-byte digests
# double the hash trees (ISO +1.2 MB).
VERITY_HASH=sha256
# The persistence tool recognises the boot medium by this label prefix.
VOLID=$LW_MEDIUM_LABEL

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# debian_mirror: the Debian archive this machine's apt uses: the URI of the
# apt source (one-line .list or deb822 .sources alike) whose Release file says
# Origin "Debian" and Label "Debian" (so not Debian-Security, and no other
# vendor's repository). The same archive serves $SUITE. apt knows a source's
# Origin only once it has fetched its Release file: if none is known yet,
# apt-get update runs first (as root).
debian_mirror() {
    local uris=() u attempt
    for attempt in 1 2; do
        mapfile -t uris < <(apt-get indextargets --format '$(REPO_URI)' \
            'Origin: Debian' 'Label: Debian' 'Target-Of: deb' 2>/dev/null | awk '!seen[$0]++')
        [ "${#uris[@]}" -eq 0 ] || break
        [ "$attempt" = 1 ] && [ "$(id -u)" = 0 ] || break
        echo "no Debian archive among apt's fetched sources yet: apt-get update" >&2
        apt-get update -qq >&2 || break
    done
    [ "${#uris[@]}" -gt 0 ] ||
        die "no Debian archive in apt's sources (an entry whose Release says Origin: Debian, Label: Debian); add one to /etc/apt/sources.list.d/ and run apt-get update, or set MIRROR=URI"
    u=${uris[0]}
    echo "${u%/}"
}

# need_mirror: sets and exports MIRROR (the build's Debian archive) unless it is set already.
need_mirror() {
    if [ -z "${MIRROR:-}" ]; then
        MIRROR=$(debian_mirror)
        log "Debian archive (from apt's sources; MIRROR= overrides): $MIRROR"
    fi
    export MIRROR
}
