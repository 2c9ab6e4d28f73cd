# The one QEMU harness: what the scripts that boot the ISO share (the smoke test, the acceptance
# suite through acceptance/lib.sh, bench/boot, run-qemu). Sourced, not run; it sets
# `set -euo pipefail` for its callers.
#
#   qemu_cmdline OPTION...   builds QEMU_CMD, the one qemu-system-x86_64 command line (below)
#   vm_boot OPTION...        boots in the background: console time-stamped into $VM_LOG, typable
#                            through vm_type, SSH/HTTP on free loopback ports $SSH_PORT/$HTTP_PORT
#   vm_wait_address SECONDS  waits for the guest's address; restarts a boot killed by QEMU's TCG
#                            fault, once
#   vm_reboot_restart LOGIN  `sudo reboot`, then QEMU afresh with the same disks
#   vm_restart               the one restart path both of those use
#   vm_use NAME              several VMs in one script: makes NAME the VM the vm_* functions act on
# Callers may define vm_note (prints a remark; default: to stdout) and set VM_DIR (where consoles,
# FIFOs and OVMF variables go), VM_NAME (the console file's prefix), VM_SMP, SSH_PORT_FIXED,
# VM_WRAP (an array: a command QEMU is started through, e.g. acceptance/tap-fd).
set -euo pipefail

# free_port: a TCP port on 127.0.0.1 that nothing listens on, below the kernel's ephemeral range
# when there is room (a client's connection holds its local port there without listening on it,
# and QEMU's forward then cannot bind that port).
free_port() {
    local p lo=32768 hi span
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || :
    span=$((lo - 10000))
    [ "$span" -ge 1000 ] || span=20000
    while :; do
        p=$((10000 + RANDOM % span))
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

# ovmf_pair: "CODE VARS", the first OVMF firmware pair installed; false if none.
ovmf_pair() {
    local v
    for v in "" _4M; do
        if [ -f "/usr/share/OVMF/OVMF_CODE$v.fd" ] && [ -f "/usr/share/OVMF/OVMF_VARS$v.fd" ]; then
            echo "/usr/share/OVMF/OVMF_CODE$v.fd /usr/share/OVMF/OVMF_VARS$v.fd"
            return 0
        fi
    done
    return 1
}

# qemu_cmdline OPTION... [-- QEMU-ARGS...]: sets the array QEMU_CMD to the qemu-system-x86_64
# command line, always `-accel tcg` (KVM guests hang on these hosts) and `-display none`.
# A later option wins over an earlier one (--drive adds up).
#   --firmware bios|efi   SeaBIOS (default), or OVMF: the first pair ovmf_pair finds; its
#                         variables are copied to the --vars file unless that exists already (so a
#                         restarted machine keeps them). Without OVMF: false, QEMU_CMD unset.
#   --vars FILE           the VM's own copy of OVMF_VARS (needed with --firmware efi)
#   --iso FILE            the Lightwhale ISO
#   --media virtio|cdrom|guide-cdrom|usb|none
#                         how the ISO is attached: a read-only raw virtio disk (default; the guide's
#                         first command), -cdrom, the guide's second command's CD (IDE index 2,
#                         -boot d), a USB stick (usb-storage on its own xHCI controller, first to
#                         boot; its QEMU id is bootstick, for device_del), or not at all
#   --drive SPEC          one more -drive SPEC (repeatable): persistence and other disks
#   --smp N --mem SIZE    vCPUs (default 2) and memory (default 2G)
#   --ssh PORT --http PORT  host ports forwarded to the guest's 22 and 80 (virtio NIC, user
#                         networking); without either: no NIC of ours, QEMU's default
#   --bind ADDR           the host address the forwards listen on (default 127.0.0.1; "" = all)
#   --mac MAC             that NIC's MAC address (default QEMU's, 52:54:00:12:34:56; a PXE
#                         server's per-machine file is named after it)
#   --tftp DIR --bootfile FILE
#                         a network boot: QEMU's own DHCP names FILE, its TFTP server serves DIR
#                         (make netboot's), the NIC's iPXE option ROM boots first (-boot n)
#   --restrict on|off     on (default): the guest reaches nothing beyond QEMU's own DHCP (no DNS,
#                         no host, no internet; the forwards still work), so that a test guest's
#                         default NTP pool, DNS or registry never leaves this machine. off: QEMU's
#                         user network as is (10.0.2.2 is the host's loopback, 10.0.2.3 its DNS)
#   --serial stdio|mon:stdio|pipe:PATH|file:PATH
#                         the serial console (default: none); mon:stdio also carries the monitor
#                         (Ctrl-A c, Ctrl-A x quits)
#   --monitor SOCKET      a QEMU monitor on a unix socket (default: no monitor)
#   --kernel F --initrd F --append TEXT   direct kernel boot (bench/boot's bare baseline)
#   --no-reboot           QEMU exits when the guest resets
#   --no-rng              no virtio-rng device (default: one, the guest's entropy)
qemu_cmdline() {
    local firmware=bios vars= iso= media=virtio smp=2 mem=2G ssh= http= bind=127.0.0.1 serial= restrict=on
    local monitor= kernel= initrd= append= noreboot= rng=1 tftp= bootfile= mac= code ovmf_vars fwd
    local drives=() extra=() d
    unset QEMU_CMD
    while [ $# -gt 0 ]; do
        case $1 in
            --no-reboot) noreboot=1; shift; continue ;;
            --no-rng) rng=; shift; continue ;;
            --) shift; extra=("$@"); break ;;
        esac
        [ $# -ge 2 ] || { echo "qemu_cmdline: $1 needs a value" >&2; return 2; }
        case $1 in
            --firmware) firmware=$2 ;;
            --vars) vars=$2 ;;
            --iso) iso=$2 ;;
            --media) media=$2 ;;
            --drive) drives+=("$2") ;;
            --smp) smp=$2 ;;
            --mem) mem=$2 ;;
            --ssh) ssh=$2 ;;
            --http) http=$2 ;;
            --bind) bind=$2 ;;
            --mac) mac=$2 ;;
            --tftp) tftp=$2 ;;
            --bootfile) bootfile=$2 ;;
            --restrict) restrict=$2 ;;
            --serial) serial=$2 ;;
            --monitor) monitor=$2 ;;
            --kernel) kernel=$2 ;;
            --initrd) initrd=$2 ;;
            --append) append=$2 ;;
            *) echo "qemu_cmdline: unknown option '$1'" >&2; return 2 ;;
        esac
        shift 2
    done
    local cmd=(qemu-system-x86_64 -accel tcg -m "$mem" -smp "$smp" -display none)
    case $firmware in
        bios) ;;
        efi)
            read -r code ovmf_vars < <(ovmf_pair) || return 1
            [ -n "$vars" ] || { echo "qemu_cmdline: --firmware efi needs --vars FILE" >&2; return 2; }
            [ -f "$vars" ] || cp "$ovmf_vars" "$vars"
            cmd+=(-drive "if=pflash,format=raw,readonly=on,file=$code" -drive "if=pflash,format=raw,file=$vars") ;;
        *) echo "qemu_cmdline: --firmware bios or efi, not '$firmware'" >&2; return 2 ;;
    esac
    case $media in
        none) ;;
        virtio|cdrom|guide-cdrom|usb) [ -n "$iso" ] || { echo "qemu_cmdline: --media $media needs --iso FILE" >&2; return 2; } ;;&
        virtio) cmd+=(-drive "file=$iso,format=raw,if=virtio,readonly=on") ;;
        cdrom) cmd+=(-cdrom "$iso") ;;
        guide-cdrom) cmd+=(-drive "file=$iso,index=2,format=raw,media=cdrom,readonly=on" -boot d) ;;
        usb) cmd+=(-device qemu-xhci,id=bootxhci -drive "file=$iso,if=none,id=bootstick,format=raw,readonly=on"
            -device usb-storage,bus=bootxhci.0,drive=bootstick,id=bootstick,bootindex=0) ;;
        *) echo "qemu_cmdline: --media virtio, cdrom, guide-cdrom, usb or none, not '$media'" >&2; return 2 ;;
    esac
    for d in ${drives[@]+"${drives[@]}"}; do cmd+=(-drive "$d"); done
    if [ -n "$kernel" ]; then
        cmd+=(-kernel "$kernel")
        [ -z "$initrd" ] || cmd+=(-initrd "$initrd")
        [ -z "$append" ] || cmd+=(-append "$append")
    fi
    [ -z "$noreboot" ] || cmd+=(-no-reboot)
    [ -z "$rng" ] || cmd+=(-device virtio-rng-pci)
    if [ -n "$ssh$http" ]; then
        case $restrict in
            on) fwd=user,restrict=on ;;
            off) fwd=user ;;
            *) echo "qemu_cmdline: --restrict on or off, not '$restrict'" >&2; return 2 ;;
        esac
        [ -z "$ssh" ] || fwd+=",hostfwd=tcp:$bind:$ssh-:22"
        [ -z "$http" ] || fwd+=",hostfwd=tcp:$bind:$http-:80"
        if [ -n "$tftp" ]; then
            [ -n "$bootfile" ] || { echo "qemu_cmdline: --tftp needs --bootfile FILE" >&2; return 2; }
            fwd+=",tftp=$tftp,bootfile=$bootfile"
            cmd+=(-boot n)
        fi
        cmd+=(-net "nic,model=virtio${mac:+,macaddr=$mac}" -net "$fwd")
    fi
    case $serial in
        "") cmd+=(-serial none) ;;
        stdio|mon:stdio|pipe:*|file:*) cmd+=(-serial "$serial") ;;
        *) echo "qemu_cmdline: --serial stdio, mon:stdio, pipe:PATH or file:PATH, not '$serial'" >&2; return 2 ;;
    esac
    if [ -n "$monitor" ]; then
        cmd+=(-monitor "unix:$monitor,server=on,wait=off")
    elif [ "$serial" != mon:stdio ]; then
        cmd+=(-monitor none)
    fi
    QEMU_CMD=("${cmd[@]}" ${extra[@]+"${extra[@]}"})
}

# ADDRESS_RE: the console line that says DHCP gave the guest an address. No
# login is tried before it: until then QEMU's user network holds a connection
# to the guest open without an answer, and connections given up on reach sshd
# later, unauthenticated; sshd's PerSourcePenalties (OpenSSH 9.8+) count them
# against the host's one source address and start refusing it.
# shellcheck disable=SC2034
ADDRESS_RE='lightwhale: [[:alnum:]]+ has [0-9]'

# DOCKER_WAIT: the remote half of "docker info ready" (up to 180 s): one
# session waits for Docker's socket, then asks `docker info`, so the time
# measured is Docker's and neither that of more logins nor of starting the
# docker client over and over. Docker makes its socket seconds before it
# answers, and a `docker info` started then waits for the answer: polling for
# the socket every half second loses no time. The half seconds are bash's
# read timing out on a FIFO nobody writes to, not sleep: each sleep process
# took CPU from Docker's start (50 ms each under emulation), and the
# measurement must not slow what it measures.
# shellcheck disable=SC2034
DOCKER_WAIT='f=$(mktemp -u) && mkfifo -m 0600 "$f" && exec 9<>"$f" && rm -f "$f" || exit 1; i=0; until [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; do i=$((i + 1)); [ $i -lt 360 ] || exit 1; read -r -t 0.5 -u 9 _ || :; done'

# tcg_oops_early [FILE]: the console (FILE or stdin) shows the one failure that
# is QEMU's, not Lightwhale's, before anything of Lightwhale's ran. Under TCG
# with two vCPUs the kernel's patching of its own code (static keys: an int3
# written, then replaced, with the other CPUs serialised in between) now and
# then leaves a vCPU running the stale int3: "Oops: int3", then a panic, a few
# seconds into the kernel's start (once in about 30 boots here, 2026-11-27;
# real hardware and KVM serialise). Such a boot died before /init and touched
# no disk, so the harness starts QEMU again, once, and says so.
TCG_OOPS='Oops: int3'
tcg_oops_early() {
    awk -v oops="$TCG_OOPS" '/Run \/init as init process/ { exit } index($0, oops) { f = 1; exit } END { exit !f }' "${1:--}"
}

# ---- VMs in the background ---------------------------------------------------------------------
# State: VM_PID, VM_READER (the console's time stamper), VM_LOG (this boot's console: each line
# behind the $EPOCHREALTIME it was read at), VM_LOG_FROM (where in it this boot's part starts),
# VM_T0 (QEMU's start), VM_BOOTS (QEMU processes started), VM_ARGS (vm_boot's options, for a
# restart), VM_TYPED (what vm_type typed at the boot: prompt), VM_FD (the console input kept
# open), SSH_PORT, HTTP_PORT.
VM_DIR=${VM_DIR:-}
VM_STATE=(VM_PID VM_READER VM_BOOTS VM_LOG VM_LOG_FROM VM_T0 VM_ARGS VM_TYPED VM_OOPS)
VM_STATE+=(VM_IN VM_FD VM_NAME VM_WRAP SSH_PORT HTTP_PORT)
vm_state_reset() {
    VM_PID= VM_READER= VM_BOOTS=0 VM_LOG= VM_LOG_FROM=0 VM_T0= VM_TYPED= VM_OOPS= VM_IN= VM_FD=
    SSH_PORT= HTTP_PORT=
    VM_ARGS=()
}
vm_state_reset
declare -A VM_SAVED=()
VM_CURRENT=

# vm_use NAME: the vm_* functions act on the VM called NAME from now on (its console file is
# NAME.N.log); the one they acted on keeps its state for a later vm_use. A new NAME starts with no
# QEMU and VM_WRAP unset.
vm_use() {
    [ "$1" != "$VM_CURRENT" ] || return 0
    # (a VM started before the first vm_use is kept as ".", for vm_kill_all)
    VM_SAVED[${VM_CURRENT:-.}]=$({ declare -p "${VM_STATE[@]}" 2>/dev/null || :; } | sed -E 's/^declare -(-|[a-zA-Z]+) /declare -g\1 /; s/^declare -g- /declare -g /')
    VM_CURRENT=$1
    unset VM_WRAP
    if [ -n "${VM_SAVED[$1]:-}" ]; then
        eval "${VM_SAVED[$1]}"
    else
        vm_state_reset
        VM_NAME=$1
    fi
}

# vm_kill_all: every VM vm_use knows, and the current one, killed.
vm_kill_all() {
    local name
    vm_kill
    for name in "${!VM_SAVED[@]}"; do
        vm_use "$name"
        vm_kill
    done
}

declare -F vm_note >/dev/null || vm_note() { echo "$*"; }

# vm_boot QEMU_CMDLINE-OPTION...: boots in the background, with --iso $ISO, --smp $VM_SMP
# (default 2), --ssh/--http on free loopback ports, the OVMF variables in $VM_DIR/[NAME.]vars.fd and
# --serial to a FIFO whose lines are time-stamped into $VM_LOG; the caller's options come after
# those and win (all but --serial: the console is the FIFO's). False if qemu_cmdline is (1: no
# OVMF; 2: a bad option).
vm_boot() {
    : "${VM_DIR:?vm_boot: VM_DIR is not set}"
    VM_ARGS=("$@")
    VM_BOOTS=$((VM_BOOTS + 1))
    VM_LOG=$VM_DIR/${VM_NAME:-console}.$VM_BOOTS.log
    VM_LOG_FROM=0
    VM_TYPED=
    local pipe=$VM_DIR/${VM_NAME:+$VM_NAME.}serial.$VM_BOOTS try
    for try in 1 2 3; do
        SSH_PORT=${SSH_PORT_FIXED:-$(vm_new_port)}
        HTTP_PORT=$(vm_new_port)
        VM_PORTS_TAKEN+=" $SSH_PORT $HTTP_PORT"
        qemu_cmdline --iso "${ISO:-}" --smp "${VM_SMP:-2}" --ssh "$SSH_PORT" --http "$HTTP_PORT" \
            --vars "$VM_DIR/${VM_NAME:+$VM_NAME.}vars.fd" --serial "pipe:$pipe" "$@" || return
        rm -f "$pipe.in" "$pipe.out"
        mkfifo "$pipe.in" "$pipe.out"
        VM_IN=$pipe.in
        VM_T0=$EPOCHREALTIME
        ${VM_WRAP[@]+"${VM_WRAP[@]}"} "${QEMU_CMD[@]}" </dev/null >"$(vm_qemu_out)" 2>&1 &
        VM_PID=$!
        exec {VM_FD}<>"$pipe.in"  # keep the input open so the console never sees EOF
        (while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"; done <"$pipe.out" >"$VM_LOG") &
        VM_READER=$!
        vm_forward_taken || return 0
        vm_note "QEMU could not bind port $SSH_PORT or $HTTP_PORT (taken since it was chosen): started again on others"
        vm_kill
    done
}

# vm_forward_taken: true when this boot's QEMU exited at its start because a port it forwards
# was taken: free_port's look and QEMU's bind are apart, and a scenario beside this one may take
# the port between them. QEMU listens on its forwards before the guest runs.
vm_forward_taken() {
    local i ssh http sockets
    ssh=$(printf ':%04X 00000000:0000 0A' "$SSH_PORT")
    http=$(printf ':%04X 00000000:0000 0A' "$HTTP_PORT")
    for ((i = 0; i < 100; i++)); do
        if ! vm_alive; then
            grep -q "Could not set up host forwarding rule" "$(vm_qemu_out)"
            return
        fi
        sockets=$(</proc/net/tcp)
        [[ $sockets == *"$ssh"* && $sockets == *"$http"* ]] && return 1
        sleep 0.1
    done
    return 1
}

# vm_new_port: a free_port no VM of this script was given (a QEMU started a moment ago may not
# listen yet).
VM_PORTS_TAKEN=
vm_new_port() {
    local p
    p=$(free_port)
    while [[ " $VM_PORTS_TAKEN " == *" $p "* ]]; do p=$(free_port); done
    echo "$p"
}

# vm_qemu_out: where this boot's QEMU writes its own messages.
vm_qemu_out() { echo "$VM_DIR/${VM_NAME:+$VM_NAME.}qemu.$VM_BOOTS.out"; }

vm_alive() { [ -n "$VM_PID" ] && kill -0 "$VM_PID" 2>/dev/null; }

vm_kill() {
    if [ -n "$VM_PID" ]; then
        kill -9 "$VM_PID" 2>/dev/null || true
        wait "$VM_PID" 2>/dev/null || true
    fi
    if [ -n "$VM_READER" ]; then
        kill "$VM_READER" 2>/dev/null || true
        wait "$VM_READER" 2>/dev/null || true
    fi
    [ -z "$VM_FD" ] || exec {VM_FD}>&- 2>/dev/null || true
    VM_PID= VM_READER= VM_FD=
}

# vm_wait_exit SECONDS: until QEMU has exited (and the console's last lines are in $VM_LOG: the
# time stamper ends when QEMU closes the FIFO); false if QEMU still runs. VM_WAITED: seconds waited.
vm_wait_exit() {
    VM_WAITED=0
    while vm_alive && [ "$VM_WAITED" -lt "$1" ]; do sleep 1; VM_WAITED=$((VM_WAITED + 1)); done
    vm_alive && return 1
    local i=0
    while [ -n "$VM_READER" ] && kill -0 "$VM_READER" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    return 0
}

# vm_type TEXT: types a line at the guest's serial console (the ISOLINUX boot: prompt).
# One character at a time: the emulated UART's FIFO holds 16 bytes.
vm_type() {
    local text="$1"$'\r' i
    VM_TYPED=$1
    for ((i = 0; i < ${#text}; i++)); do
        printf '%s' "${text:i:1}" >&"$VM_FD"
        sleep 0.02
    done
}

# console: this boot's console, each line behind its time stamp.
console() { tail -c +"$((VM_LOG_FROM + 1))" "$VM_LOG" 2>/dev/null || true; }
# console_grep GREP-ARGS...: grep's answer about the console. Not `console | grep`: under pipefail
# tail killed by SIGPIPE when grep -q/-m1 stops reading would make a match fail.
console_grep() { grep "$@" < <(console); }

# wait_console REGEX SECONDS: until this boot's console shows REGEX; prints that line's time stamp.
wait_console() {
    local end=$((SECONDS + $2)) line
    while [ $SECONDS -lt $end ]; do
        line=$(console_grep -m1 -E -- "$1" || true)
        [ -n "$line" ] && { echo "${line%% *}"; return 0; }
        vm_alive || return 1
        sleep 0.05
    done
    return 1
}

# wait_until SECONDS COMMAND...: retries COMMAND every $POLL seconds (default 1) while QEMU runs.
wait_until() {
    local end=$((SECONDS + $1)); shift
    while [ $SECONDS -lt $end ]; do
        "$@" >/dev/null 2>&1 && return 0
        vm_alive || return 1
        sleep "${POLL:-1}"
    done
    return 1
}

SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5)
# vm_ssh COMMAND...: ssh as op with the password ($OP_PASSWORD, default opsecret), as the guide's
# first login does.
vm_ssh() {
    sshpass -p "${OP_PASSWORD:-opsecret}" ssh -p "$SSH_PORT" "${SSH_OPTS[@]}" \
        -o PreferredAuthentications=password -o PubkeyAuthentication=no op@127.0.0.1 "$@"
}

# vm_has_address: this boot's console shows ADDRESS_RE (see there why no login comes first).
vm_has_address() { console_grep -qE "$ADDRESS_RE"; }
# vm_address_or_tcg_oops: the guest has an address, or died of QEMU's fault (tcg_oops_early).
vm_address_or_tcg_oops() { vm_has_address || tcg_oops_early <(console); }

# vm_restart: the one restart path. QEMU is started afresh with vm_boot's options, so with the same
# disks (and OVMF variables); what was typed at the boot: prompt (VM_TYPED) is typed again.
vm_restart() {
    local typed=$VM_TYPED
    vm_kill
    vm_boot "${VM_ARGS[@]}" || return
    if [ -n "$typed" ] && wait_console 'ISOLINUX' 120 >/dev/null; then
        sleep 0.5
        vm_type "$typed"
    fi
    return 0
}

# vm_wait_address SECONDS: until this boot's console shows its DHCP address (up to SECONDS per QEMU
# started). A boot that died of QEMU's TCG fault before /init (tcg_oops_early) is restarted once,
# with a vm_note; a second such fault is not waited out. 0: an address; 1: none within SECONDS
# (or QEMU exited); 2: the fault again (VM_OOPS holds its line).
vm_wait_address() {
    local restarted=
    VM_OOPS=
    while :; do
        POLL=0.2 wait_until "$1" vm_address_or_tcg_oops || return 1
        vm_has_address && return 0
        VM_OOPS=$(console_grep -m1 -F "$TCG_OOPS" | cut -d' ' -f2- || true)
        [ -z "$restarted" ] || return 2
        vm_note "QEMU's TCG fault before /init ($VM_OOPS); not Lightwhale's: starting QEMU again"
        vm_restart || return 1
        restarted=1
    done
}

# vm_reboot_restart LOGIN: the guide's `sudo reboot` (through LOGIN, e.g. vm_ssh), followed on the
# console until the kernel says `reboot: Restarting system`; false if it does not within 180 s.
# Lightwhale's part of a reboot is done by then (Docker stopped, file systems synced and
# unmounted); the reset is the firmware's. QEMU is then started afresh with the same disks
# (vm_restart, nothing typed) rather than reset inside the same process: after a warm reset under
# TCG the next boot's copy of the root into RAM took 25-39 s instead of 3-6 s (three soaks side by
# side, 1 vCPU each; only that step was slower, presumably TCG invalidating the old boot's
# translated code page by page as the copy overwrites it).
vm_reboot_restart() {
    VM_LOG_FROM=$(stat -c %s "$VM_LOG")
    "$1" 'sudo reboot' >/dev/null 2>&1 || true
    wait_console 'reboot: Restarting system' 180 >/dev/null || return 1
    VM_TYPED=
    vm_restart
}
