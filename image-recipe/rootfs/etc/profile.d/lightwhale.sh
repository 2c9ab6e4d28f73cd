# Lightwhale login banner: persistent or volatile, and a warning while the
# default password is in use. Facts come from /etc/init.d/S90motd at boot.
case $- in *i*) ;; *) return 0 ;; esac

if [ -r /etc/lightwhale-release ]; then
    . /etc/lightwhale-release
    echo "Lightwhale $VERSION -- Ready, Boot, Docker!"
fi
case $(cat /run/lightwhale/mode 2>/dev/null) in
    persistent) echo "Persistence: ACTIVE -- /etc, /home, /var/www and Docker data are kept on /mnt/lightwhale-data." ;;
    volatile) echo "Persistence: NONE (volatile) -- every change is lost at reboot. See the guide to enable persistence." ;;
    ?*) echo "Persistence: $(cat /run/lightwhale/mode) -- see: sudo lwctl status" ;;
esac
# /etc/shadow newer than the boot-time check means a password was changed since
if [ -e /run/lightwhale/default-password ] && ! [ /etc/shadow -nt /run/lightwhale/default-password ]; then
    echo "WARNING: the password of 'op' is still the default one; change it with: passwd"
fi
