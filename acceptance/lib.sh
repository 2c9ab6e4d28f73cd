# Acceptance-suite library: boot the real ISO in QEMU (TCG), talk to it over SSH as a user would,
# and fail with what was expected, what happened and the guest's console. Sourced by the scenarios.
set -eu

ACC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$ACC/.." && pwd)
. "$TOP/image-recipe/guest.sh"
ISO=${ISO:-$TOP/build/lightwhale-$(cat "$TOP/image-recipe/VERSION")-x86.iso}
SCENARIO=${SCENARIO:-$(basename "$0")}
WORK=$(mktemp -d "/tmp/lightwhale-acc.XXXXXX")
RESULTS=${RESULTS:-$WORK/results}
VM_PID=
VM_READER=
VM_BOOTS=0
VM_LOG_FROM=0
VM_TYPED=

cleanup() {
    vm_kill
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
            grep -E 'lightwhale:|lwctl:|Run /init|panic|BUG|WARNING|Oops|blocked for more than|rcu:.*stall|Call Trace|login:' |
            tail -n 40 | sed 's/^/  | /'
        echo "  ---"
        console | tail -n 25 | cut -d' ' -f2- | sed 's/^/  | /'
    fi
    exit 1
}
ok() { echo "ok   [$SCENARIO] $*"; }

expect_eq() { [ "$3" = "$2" ] && ok "$1" || fail "$1" "$2" "$3"; }
expect_match() { printf '%s' "$3" | grep -qE -- "$2" && ok "$1" || fail "$1" "output matching /$2/" "$3"; }
expect_no_match() { printf '%s' "$3" | grep -qE -- "$2" && fail "$1" "no output matching /$2/" "$3" || ok "$1"; }

# Disks and firmware, as qemu arguments.
media_virtio() { echo "-drive file=$ISO,format=raw,if=virtio,readonly=on"; }
media_cdrom_guide() { echo "-drive file=$ISO,index=2,format=raw,media=cdrom,readonly=on -boot d"; }
firmware_efi() {
    local code vars
    read -r code vars < <(ovmf_pair) ||
        fail "EFI firmware" "OVMF installed (image-recipe/host-tools installs it)" "none in /usr/share/OVMF"
    [ -f "$WORK/vars.fd" ] || cp "$vars" "$WORK/vars.fd"
    echo "-drive if=pflash,format=raw,readonly=on,file=$code -drive if=pflash,format=raw,file=$WORK/vars.fd"
}

# magic_disk PATH MB: the guide's persistence.img. Sparse: to the guest it reads as zeros all the
# same, and the suite does not write some 5 GB of zeros to the host's disk in a run.
magic_disk() {
    rm -f "$1"
    truncate -s "$2M" "$1"
    echo "lightwhale-please-format-me" | dd conv=notrunc of="$1" status=none
}

# vm_start QEMU-ARGS...: boots, with the serial console time-stamped into $VM_LOG and
# writable through $VM_IN (the boot: prompt listens on it).
vm_start() {
    VM_ARGS=("$@")
    VM_BOOTS=$((VM_BOOTS + 1))
    VM_LOG=$WORK/console.$VM_BOOTS.log
    VM_LOG_FROM=0
    VM_TYPED=
    SSH_PORT=${SSH_PORT_FIXED:-$(free_port)}
    HTTP_PORT=$(free_port)
    local pipe=$WORK/serial.$VM_BOOTS
    mkfifo "$pipe.in" "$pipe.out"
    VM_IN=$pipe.in
    VM_T0=$(now)
    # shellcheck disable=SC2068
    qemu-system-x86_64 -accel tcg -m 2G -smp "${VM_SMP:-2}" -display none -monitor none \
        -chardev "pipe,id=s0,path=$pipe" -serial chardev:s0 \
        -device virtio-rng-pci -net nic,model=virtio \
        -net "user,hostfwd=tcp:127.0.0.1:$SSH_PORT-:22,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:80" \
        $@ >"$WORK/qemu.$VM_BOOTS.out" 2>&1 &
    VM_PID=$!
    exec 7<>"$pipe.in"  # keep the input open so the console never sees EOF
    (while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"; done <"$pipe.out" >"$VM_LOG") &
    VM_READER=$!
}

vm_alive() { [ -n "$VM_PID" ] && kill -0 "$VM_PID" 2>/dev/null; }

vm_kill() {
    if [ -n "$VM_PID" ]; then
        kill -9 "$VM_PID" 2>/dev/null || true
        wait "$VM_PID" 2>/dev/null || true
    fi
    [ -n "$VM_READER" ] && { kill "$VM_READER" 2>/dev/null || true; wait "$VM_READER" 2>/dev/null || true; }
    exec 7>&- 2>/dev/null || true
    VM_PID= VM_READER=
}

# Type a line at the guest's serial console (the ISOLINUX boot: prompt).
# One character at a time: the emulated UART's FIFO holds 16 bytes.
vm_type() {
    local text="$1"$'\r' i
    VM_TYPED=$1
    for ((i = 0; i < ${#text}; i++)); do
        printf '%s' "${text:i:1}" >&7
        sleep 0.02
    done
}

# The console of the current boot, each line behind its time stamp.
console() { tail -c +"$((VM_LOG_FROM + 1))" "$VM_LOG" 2>/dev/null; }

# wait_console REGEX SECONDS: until this boot's console shows REGEX; prints that line's time stamp.
wait_console() {
    local end=$((SECONDS + $2)) line
    while [ $SECONDS -lt $end ]; do
        line=$(console | grep -m1 -E -- "$1" || true)
        [ -n "$line" ] && { echo "${line%% *}"; return 0; }
        vm_alive || return 1
        sleep 0.05
    done
    return 1
}

SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5)
# ssh as op with the password, as the guide's first login does.
vm_ssh() {
    sshpass -p "${OP_PASSWORD:-opsecret}" ssh -p "$SSH_PORT" "${SSH_OPTS[@]}" \
        -o PreferredAuthentications=password -o PubkeyAuthentication=no op@127.0.0.1 "$@"
}
# ssh as op with the host's key only, never a password.
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
    ssh-keyscan -p "$SSH_PORT" -t ed25519 127.0.0.1 2>/dev/null | awk '{ print $3 }'
}
make_user_key() {
    [ -f "$WORK/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "acceptance@$(hostname)" -f "$WORK/id_ed25519"
}

# wait_until SECONDS COMMAND...: retries COMMAND every $POLL seconds (default 1).
wait_until() {
    local end=$((SECONDS + $1)); shift
    while [ $SECONDS -lt $end ]; do
        "$@" >/dev/null 2>&1 && return 0
        vm_alive || return 1
        sleep "${POLL:-1}"
    done
    return 1
}

# guest_has_address: this boot's console shows ADDRESS_RE (guest.sh says why no login comes first).
guest_has_address() { console | grep -qE "$ADDRESS_RE"; }

# address_or_tcg_oops: the guest has an address, or died of QEMU's fault (guest.sh).
address_or_tcg_oops() { guest_has_address || console | tcg_oops_early; }

# vm_ready [LOGIN]: waits for SSH and Docker, records the boot's timings.
vm_ready() {
    local login=${1:-vm_ssh}
    POLL=0.2 wait_until 240 address_or_tcg_oops ||
        fail "SSH login (boot $VM_BOOTS)" "the console shows a DHCP address within 240 s" \
            "none ($(vm_alive && echo "QEMU still running" || echo "QEMU exited: $(tail -3 "$WORK/qemu.$VM_BOOTS.out" 2>/dev/null)"))"
    if ! guest_has_address; then
        local oops typed=$VM_TYPED
        oops=$(console | grep -m1 -F "$TCG_OOPS" | cut -d' ' -f2-)
        [ -z "${VM_RESTARTED:-}" ] || fail "SSH login (boot $VM_BOOTS)" "a boot without QEMU's TCG fault" "the fault again: $oops"
        say "boot $VM_BOOTS: QEMU's TCG fault before /init ($oops); not Lightwhale's: starting QEMU again"
        vm_kill
        vm_start "${VM_ARGS[@]}"
        if [ -n "$typed" ]; then
            wait_console 'ISOLINUX' 120 >/dev/null && sleep 0.5 && vm_type "$typed"
        fi
        VM_RESTARTED=1 vm_ready "$login"
        return
    fi
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
    kernel=$(console | grep -m1 -E 'Linux version' | cut -d' ' -f1)
    init=$(console | grep -m1 -E 'Run /init as init process|lightwhale: ' | cut -d' ' -f1)
    mem=$("$3" "awk '/^MemTotal/ { t = \$2 } /^MemAvailable/ { a = \$2 } END { printf \"%d\", (t - a) / 1024 }' /proc/meminfo" 2>/dev/null || echo "?")
    printf '%s boot=%s kernel=%s init=%s ssh=%s docker=%s mem_mib=%s\n' "$SCENARIO" "$VM_BOOTS" \
        "${kernel:+$(elapsed "$VM_T0" "$kernel")}" "${init:+$(elapsed "$VM_T0" "$init")}" "$1" "$2" "$mem" >>"$RESULTS"
    say "boot $VM_BOOTS: ssh ${1}s, docker ${2}s, ${mem} MiB in use"
}

# vm_reboot [LOGIN-BEFORE [LOGIN-AFTER]]: the guide's `sudo reboot`; waits for the kernel to say
# it restarts, then for the machine to come back (after a volatile reboot the key is gone, so the
# second login may differ). The console, not a failed login, tells that the old system is gone:
# under load a login can fail while the old system is still shutting down.
# Once the kernel says it restarts, Lightwhale's part is done (Docker stopped, file systems
# synced and unmounted); the reset is the firmware's. The machine is then started afresh, with the
# same disks, rather than reset inside the same QEMU: after a warm reset under TCG the next boot's
# copy of the root into RAM took 25-39 s instead of 3-6 s (three soaks side by side, 1 vCPU each;
# only that step was slower, presumably TCG invalidating the old boot's translated code page by
# page as the copy overwrites it).
vm_reboot() {
    local before=${1:-vm_ssh} login=${2:-${1:-vm_ssh}}
    VM_LOG_FROM=$(stat -c %s "$VM_LOG")
    "$before" 'sudo reboot' >/dev/null 2>&1 || true
    wait_console 'reboot: Restarting system' 180 >/dev/null ||
        fail "reboot" "the console shows 'reboot: Restarting system' after sudo reboot" "not within 180 s"
    vm_kill
    vm_start "${VM_ARGS[@]}"
    vm_ready "$login"
}

# vm_poweroff: clean shutdown; checks the guest said its file systems were unmounted cleanly.
vm_poweroff() {
    vm_ssh_any 'sudo poweroff' >/dev/null 2>&1 || true
    local i=0
    while vm_alive && [ $i -lt 120 ]; do sleep 1; i=$((i + 1)); done
    vm_alive && fail "poweroff" "QEMU exits within 120 s of sudo poweroff" "still running"
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

need_iso() {
    [ -f "$ISO" ] || make -C "$TOP" image
    "$TOP/image-recipe/host-tools"
}
