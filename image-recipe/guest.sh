# Helpers for scripts that boot the ISO in QEMU and talk to it over SSH (the
# smoke test, the acceptance suite, bench/boot); sourced, not run.

# free_port: a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
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
# the socket every half second loses no time, and starts a fifth as many
# sleep processes, each of which took CPU from Docker's start (50 ms each
# under emulation).
# shellcheck disable=SC2034
DOCKER_WAIT='i=0; until [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; do i=$((i + 1)); [ $i -lt 360 ] || exit 1; sleep 0.5; done'

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
