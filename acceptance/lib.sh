# Acceptance-suite library: boot the real ISO in QEMU (TCG), talk to it over SSH as a user would,
# and fail with what was expected, what happened and the guest's console. Sourced by the scenarios
# (and bench/boot); sets `set -euo pipefail` for them. The QEMU part is image-recipe/guest.sh's:
# vm_start takes qemu_cmdline's options (--media, --drive, --firmware ...).
set -euo pipefail

ACC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$ACC/.." && pwd)
. "$TOP/image-recipe/guest.sh"
ISO=${ISO:-$TOP/build/lightwhale-$(cat "$TOP/image-recipe/VERSION")-x86.iso}
SCENARIO=${SCENARIO:-$(basename "$0")}
WORK=$(mktemp -d "/tmp/lightwhale-acc.XXXXXX")
RESULTS=${RESULTS:-$WORK/results}
VM_DIR=$WORK

UDP_PIDS=
cleanup() {
    vm_kill_all
    [ -z "$UDP_PIDS" ] || kill $UDP_PIDS 2>/dev/null || true
    if [ "${KEEP_WORK:-}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="${2:-$EPOCHREALTIME}" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "[$SCENARIO] $*"; }

# fail WHAT EXPECTED GOT: the readable failure the suite promises, then the scenario ends.
# The console part is short on purpose (CI shows only part of a long log): this boot's own
# messages (Lightwhale's, lwctl's, the kernel's warnings), then its last lines.
fail() {
    echo "FAIL [$SCENARIO] $1"
    echo "  expected: $2"
    echo "  got:      $3"
    if [ -n "${VM_LOG:-}" ] && [ -f "$VM_LOG" ]; then
        echo "  --- guest console of boot $VM_BOOTS ($VM_LOG): its messages, then its last 25 lines ---"
        console | cut -d' ' -f2- |
            { grep -E 'lightwhale:|lwctl:|Run /init|panic|BUG|WARNING|Oops|blocked for more than|rcu:.*stall|Call Trace|login:' || true; } |
            tail -n 40 | sed 's/^/  | /'
        echo "  ---"
        console | tail -n 25 | cut -d' ' -f2- | sed 's/^/  | /'
    fi
    exit 1
}
ok() { echo "ok   [$SCENARIO] $*"; }

expect_eq() { [ "$3" = "$2" ] && ok "$1" || fail "$1" "$2" "$3"; }
# (grep -q reads a here-string, not `printf | grep -q`: under pipefail printf killed by SIGPIPE
# when grep stops at the first match would turn a match into a miss)
expect_match() { grep -qE -- "$2" <<<"$3" && ok "$1" || fail "$1" "output matching /$2/" "$3"; }
expect_no_match() { grep -qE -- "$2" <<<"$3" && fail "$1" "no output matching /$2/" "$3" || ok "$1"; }

# magic_disk PATH MB: the guide's persistence.img. Sparse: to the guest it reads as zeros all the
# same, and the suite does not write some 5 GB of zeros to the host's disk in a run.
magic_disk() {
    rm -f "$1"
    truncate -s "$2M" "$1"
    echo "lightwhale-please-format-me" | dd conv=notrunc of="$1" status=none
}

# vm_start QEMU_CMDLINE-OPTION...: guest.sh's vm_boot (the ISO, the console in $VM_LOG and typable
# through vm_type, SSH on $SSH_PORT, HTTP on $HTTP_PORT), failing the scenario if it cannot start.
vm_start() {
    local rc=0
    vm_boot "$@" || rc=$?
    case $rc in
        0) ;;
        1) fail "EFI firmware" "OVMF installed (image-recipe/host-tools installs it)" "none in /usr/share/OVMF" ;;
        *) fail "QEMU command line" "options qemu_cmdline knows" "$*" ;;
    esac
}
vm_note() { say "boot $VM_BOOTS: $*"; }

# vm_ssh (guest.sh): ssh as op with the password, as the guide's first login does.
# vm_ssh_key: ssh as op with the host's key only, never a password.
vm_ssh_key() {
    ssh -p "$SSH_PORT" "${SSH_OPTS[@]}" -o BatchMode=yes -o PreferredAuthentications=publickey \
        -i "$WORK/id_ed25519" op@127.0.0.1 "$@"
}
# vm_copy_id: the guide's ssh-copy-id, with the password. It keeps temporary files in ~/.ssh:
# it gets a home of its own, so the host's is neither needed nor touched.
vm_copy_id() {
    mkdir -p "$WORK/home/.ssh"
    HOME=$WORK/home sshpass -p "${OP_PASSWORD:-opsecret}" ssh-copy-id -p "$SSH_PORT" \
        -i "$WORK/id_ed25519.pub" "${SSH_OPTS[@]}" op@127.0.0.1
}
host_key() {
    { ssh-keyscan -p "$SSH_PORT" -t ed25519 127.0.0.1 2>/dev/null || true; } | awk '{ print $3 }'
}
make_user_key() {
    [ -f "$WORK/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "acceptance@$(hostname)" -f "$WORK/id_ed25519"
}

# vm_ready [LOGIN]: waits for SSH and Docker, records the boot's timings. A boot killed by QEMU's
# TCG fault before /init is restarted once (guest.sh's vm_wait_address).
vm_ready() {
    local login=${1:-vm_ssh} rc=0
    vm_wait_address 240 || rc=$?
    case $rc in
        0) ;;
        2) fail "SSH login (boot $VM_BOOTS)" "a boot without QEMU's TCG fault" "the fault again: $VM_OOPS" ;;
        *) fail "SSH login (boot $VM_BOOTS)" "the console shows a DHCP address within 240 s" \
            "none ($(vm_alive && echo "QEMU still running" || echo "QEMU exited: $(tail -3 "$(vm_qemu_out)" 2>/dev/null)"))" ;;
    esac
    POLL=0.2 wait_until 60 "$login" true ||
        fail "SSH login (boot $VM_BOOTS)" "a login within 60 s of the DHCP address" "$("$login" true 2>&1 | tail -3)"
    local t_ssh t_docker
    t_ssh=$(elapsed "$VM_T0")
    "$login" "$DOCKER_WAIT" || fail "docker info (boot $VM_BOOTS)" "docker info works within 180 s of SSH" "$("$login" docker info 2>&1 | tail -3)"
    t_docker=$(elapsed "$VM_T0")
    record_timings "$t_ssh" "$t_docker" "$login"
}

# One line per boot in $RESULTS: seconds from QEMU start to kernel, init, SSH, docker; memory.
record_timings() {
    local kernel init mem
    kernel=$(console_grep -m1 -E 'Linux version' | cut -d' ' -f1 || true)
    init=$(console_grep -m1 -E 'Run /init as init process|lightwhale: ' | cut -d' ' -f1 || true)
    mem=$("$3" "awk '/^MemTotal/ { t = \$2 } /^MemAvailable/ { a = \$2 } END { printf \"%d\", (t - a) / 1024 }' /proc/meminfo" 2>/dev/null || echo "?")
    printf '%s boot=%s kernel=%s init=%s ssh=%s docker=%s mem_mib=%s\n' "$SCENARIO" "$VM_BOOTS" \
        "${kernel:+$(elapsed "$VM_T0" "$kernel")}" "${init:+$(elapsed "$VM_T0" "$init")}" "$1" "$2" "$mem" >>"$RESULTS"
    say "boot $VM_BOOTS: ssh ${1}s, docker ${2}s, ${mem} MiB in use"
}

# vm_reboot [LOGIN-BEFORE [LOGIN-AFTER]]: the guide's `sudo reboot`; waits for the kernel to say
# it restarts, then for the machine to come back (after a volatile reboot the key is gone, so the
# second login may differ). The console, not a failed login, tells that the old system is gone:
# under load a login can fail while the old system is still shutting down. QEMU is then started
# afresh with the same disks (guest.sh's vm_reboot_restart says why).
vm_reboot() {
    local before=${1:-vm_ssh} login=${2:-${1:-vm_ssh}}
    vm_reboot_restart "$before" ||
        fail "reboot" "the console shows 'reboot: Restarting system' after sudo reboot" "not within 180 s"
    vm_ready "$login"
}

# vm_poweroff: clean shutdown; checks the guest said its file systems were unmounted cleanly.
vm_poweroff() {
    vm_ssh_any 'sudo poweroff' >/dev/null 2>&1 || true
    vm_wait_exit 120 || fail "poweroff" "QEMU exits within 120 s of sudo poweroff" "still running"
    vm_kill
}
vm_ssh_any() { vm_ssh_key "$@" 2>/dev/null || vm_ssh "$@"; }

# The HTTP server image the guide's web server stands for (Docker Hub is out of reach here):
# busybox httpd serving /public, built from local files into a `docker load` archive.
http_image() {
    [ -f "$WORK/httpd.tar" ] || python3 "$ACC/make-httpd-image" "$WORK/httpd.tar"
    echo "$WORK/httpd.tar"
}

# Copy a file into the guest's home.
vm_put() { sshpass -p "${OP_PASSWORD:-opsecret}" scp -P "$SSH_PORT" "${SSH_OPTS[@]}" -o PreferredAuthentications=password -o PubkeyAuthentication=no "$1" "op@127.0.0.1:$2" 2>/dev/null ||
    scp -P "$SSH_PORT" "${SSH_OPTS[@]}" -o BatchMode=yes -i "$WORK/id_ed25519" "$1" "op@127.0.0.1:$2"; }

# udp_server PROTO LOG [OPTION...]: the scenario's own server on the host's loopback (lwtest-udpd:
# ntp on 127.0.0.1:123, dns on 127.0.0.1:53; a guest whose network is not restricted reaches it as
# 10.0.2.2), its lines in LOG, stopped with the scenario.
udp_server() {
    local proto=$1 log=$2 scratch=${SWIFT_SCRATCH:-$TOP/.build} bin pid
    shift 2
    "$TOP/scripts/swift-deps"
    swift build --package-path "$TOP" --scratch-path "$scratch" --product lwtest-udpd >"$WORK/udpd-build.log" 2>&1 ||
        fail "lwtest-udpd" "swift build --product lwtest-udpd succeeds" "$(tail -5 "$WORK/udpd-build.log")"
    bin=$(swift build --package-path "$TOP" --scratch-path "$scratch" --show-bin-path)/lwtest-udpd
    "$bin" "$proto" "$@" >"$log" 2>&1 &
    pid=$!
    UDP_PIDS+=" $pid"
    # (not wait_until: it gives up while no VM runs)
    for _ in $(seq 50); do
        grep -q 'answering on' "$log" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    fail "the test's $proto server" "lwtest-udpd $proto answering on the host's loopback" "$(cat "$log")"
}

need_iso() {
    [ -f "$ISO" ] || make -C "$TOP" image
    "$TOP/image-recipe/host-tools"
}

# vm_monitor COMMAND: one command to the QEMU monitor of a VM started with --monitor $WORK/monitor
# (device_add, device_del: a disk plugged in or pulled); prints the monitor's answer.
vm_monitor() {
    python3 - "$WORK/monitor" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
def answer():
    # what came until the next prompt; a device_del's prompt can be late, and the check that
    # matters is the guest's, so a timeout ends the answer instead of the scenario
    buf = b""
    try:
        while not buf.endswith(b"(qemu) "):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        pass
    return buf.decode(errors="replace")
answer()
s.sendall(sys.argv[2].encode() + b"\n")
print("\n".join(l for l in answer().replace("\r", "").splitlines()[1:] if not l.startswith("(qemu)")))
PY
}
