# Lightwhale login banner: persistent or volatile, and a warning while the
# default password is in use. Facts come from /etc/init.d/S90motd at boot;
# the paths from /usr/lib/lightwhale/paths. Read with the shell's own read,
# in a subshell (no program is started: a login under emulation is slow
# enough, and the login shell is left without the banner's variables).
case $- in *i*) ;; *) return 0 ;; esac

(
    if [ -r /etc/lightwhale-release ]; then
        . /etc/lightwhale-release
        echo "Lightwhale $VERSION -- Ready, Boot, Docker!"
    fi
    . /usr/lib/lightwhale/paths
    mode=
    [ -r /run/lightwhale/mode ] && read -r mode < /run/lightwhale/mode
    case $mode in
        persistent)
            dirs=
            for d in $LW_OVERLAYS; do dirs="$dirs/$d, "; done
            echo "Persistence: ACTIVE -- ${dirs}and Docker's data are kept on $LW_DATA."
            ;;
        volatile)
            echo "Persistence: NONE (volatile) -- every change is lost at reboot; see: lwctl status"
            echo "  To keep changes on a spare disk (erasing it): sudo lwctl enable /dev/sdX, then sudo reboot"
            ;;
        degraded)
            echo "Persistence: DEGRADED -- the data disk is not used as is (damaged, or more than one);"
            echo "  changes are lost at reboot. Why, and what to do: lwctl status"
            ;;
        ?*) echo "Persistence: $mode -- see: lwctl status" ;;
    esac
    # /etc/shadow newer than the boot-time check means a password was changed since
    if [ -e /run/lightwhale/default-password ] && ! [ /etc/shadow -nt /run/lightwhale/default-password ]; then
        echo "WARNING: the password of 'op' is still the default one; change it with: passwd"
    fi
)
