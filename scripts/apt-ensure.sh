# apt-ensure.sh - sourced by the setup scripts: apt_ensure TAG PACKAGE...
# installs the Debian packages that are not installed yet (and nothing when
# all are), non-interactively, with sudo when not root.
apt_ensure() {
    local tag=$1
    shift
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    echo "$tag: installing Debian packages with apt-get (usually 1-3 minutes): ${missing[*]}" >&2
    local sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -q >&2
    $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}
