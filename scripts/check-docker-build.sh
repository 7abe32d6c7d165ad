#!/usr/bin/env bash
# Local check of the Dockerfile, without a Docker engine and without pulling base images.
#
#   sudo scripts/check-docker-build.sh [CONTEXT_DIR]     # default: the repository root
#
# What it does:
#   1. Makes sure buildah and debootstrap are installed (apt-get, Debian/Ubuntu hosts).
#   2. Builds a stand-in for the Dockerfile's base image (debian:<suite>-slim) with
#      debootstrap --variant=minbase, trimmed the way the official slim image is,
#      and commits it to buildah's local store. This happens once: the step is
#      skipped if the image is already there (REBUILD_BASE=1 forces it).
#   3. Builds the project image with buildah (vfs storage, chroot isolation, --layers
#      cache). pip's CA bundle and, if set, its index URLs are taken from this
#      machine's pip configuration and passed in as a build secret / build args.
#   4. Runs `id -u` (must not be 0) and `python -m bot --help` inside the image,
#      checks that /data is writable, runs `python -m bot check-flows` if the
#      CLI has it, and makes a small PDF with the system's DejaVu Sans (the case
#      export's font). Then it prints the image size.
#
# Environment knobs (all optional):
#   IMAGE          tag for the built image       (default: localhost/herstelbot:check)
#   WORK_DIR       scratch space for the rootfs  (default: /var/tmp/herstelbot-docker-check)
#   DEBIAN_MIRROR  mirror URL for debootstrap    (default: debootstrap's own default)
#   REBUILD_BASE=1 recreate the stand-in base image
#   PIP_CERT, PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_TRUSTED_HOST
#                  override what is read from `pip config`
#
# Needs root: debootstrap needs it, and so does buildah's vfs/chroot mode as used here.
#
# Disk: vfs stores every layer as a full copy, so the store grows with each changed
# build. To free space (this also drops the layer cache and the stand-in base):
#   buildah --storage-driver vfs rmi --all
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONTEXT="$(cd "${1:-$REPO_ROOT}" && pwd)"
DOCKERFILE="$CONTEXT/Dockerfile"
[[ -f $DOCKERFILE ]] || DOCKERFILE="$REPO_ROOT/Dockerfile"
IMAGE="${IMAGE:-localhost/herstelbot:check}"
WORK_DIR="${WORK_DIR:-/var/tmp/herstelbot-docker-check}"

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Every buildah call goes to the same local store, with the settings that work
# without a container engine or user namespaces.
export BUILDAH_ISOLATION=chroot
bah() { buildah --storage-driver vfs "$@"; }

[[ $(id -u) -eq 0 ]] || die "run as root (debootstrap and buildah vfs/chroot need it)"

# --- 1. tools ------------------------------------------------------------------
ensure_tools() {
    local missing=()
    command -v buildah >/dev/null || missing+=(buildah)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
    buildah --version
}

# --- 2. stand-in base image ----------------------------------------------------
# The base image named in the Dockerfile's first FROM line, e.g. debian:bookworm-slim.
base_image_from_dockerfile() {
    awk 'toupper($1) == "FROM" { print $2; exit }' "$DOCKERFILE"
}

image_exists() { bah inspect --type image "$1" >/dev/null 2>&1; }

# Trim a debootstrap'ed tree roughly the way debuerreotype builds the official
# debian:*-slim images: no docs/man pages/locales, apt that cleans up after
# itself, deb822 sources with -updates and -security, no host-specific files.
slim_rootfs() {
    local root="$1" suite="$2" mirror
    [[ -d $root/etc/apt && $root != / ]] || die "not a debootstrap tree: '$root'"
    mirror="$(awk '$1 == "deb" { print $2; exit }' "$root/etc/apt/sources.list")"
    [[ -n $mirror ]] || die "no mirror found in $root/etc/apt/sources.list"

    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $mirror-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# slim image: keep documentation, man pages and translations out
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
    echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"

    # Remove what the excludes above would have kept out (copyright files stay).
    find "${root:?}/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "${root:?}/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "${root:?}"/usr/share/{groff,info,linda,locale,man}/* "${root:?}"/usr/share/lintian/overrides/*
    # Caches, logs and host-specific files (the runtime provides its own).
    rm -rf "${root:?}"/var/cache/apt/*.bin "${root:?}"/var/cache/apt/archives/*.deb \
        "${root:?}"/var/lib/apt/lists/* "${root:?}"/var/log/*.log "${root:?}"/var/log/apt/* \
        "${root:?}"/tmp/* "${root:?}"/var/tmp/* "${root:?}"/run/* "${root:?}"/dev/* "${root:?}"/proc/* "${root:?}"/sys/* \
        "${root:?}"/etc/resolv.conf "${root:?}"/etc/hostname "${root:?}"/etc/hosts
    : >"$root/etc/machine-id"
}

# debootstrap mounts /proc and /sys (sometimes /dev nodes too) inside the tree while
# it runs. An interrupted run can leave them behind: unmount those before any rm -rf.
unmount_leftovers() {
    local dir="$1" mnt
    while read -r mnt; do
        umount --lazy "$mnt" || die "cannot unmount $mnt (left over under $dir)"
    done < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
}

remove_tree() {
    unmount_leftovers "$1"
    rm -rf --one-file-system "$1"
}

create_base_image() {
    local base="$1" suite="$2" rootfs ctr mnt
    rootfs="$WORK_DIR/rootfs-$suite"
    log "creating stand-in base image $base (debootstrap --variant=minbase $suite)"
    mkdir -p "$WORK_DIR"
    remove_tree "$rootfs"
    # DEBIAN_MIRROR unset/empty: debootstrap's default mirror.
    debootstrap --variant=minbase "$suite" "$rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} \
        >"$WORK_DIR/debootstrap.log" 2>&1 \
        || { tail -n 20 "$WORK_DIR/debootstrap.log" >&2; die "debootstrap failed (log: $WORK_DIR/debootstrap.log)"; }
    unmount_leftovers "$rootfs"
    slim_rootfs "$rootfs" "$suite"

    ctr="$(bah from scratch)"
    mnt="$(bah mount "$ctr")"
    tar -C "$rootfs" --numeric-owner --xattrs -cf - . | tar -C "$mnt" --numeric-owner --xattrs -xpf -
    bah umount "$ctr" >/dev/null
    bah config \
        --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --cmd bash \
        --label "org.opencontainers.image.description=local stand-in for $base built by debootstrap" \
        "$ctr"
    bah commit --rm --quiet "$ctr" "$base" >/dev/null
    remove_tree "$rootfs"
}

ensure_base_image() {
    local base suite
    base="$(base_image_from_dockerfile)"
    [[ ${base##*/} =~ ^debian:([a-z]+)-slim$ ]] \
        || die "base image '$base' is not debian:<suite>-slim; the debootstrap stand-in can't replace it"
    suite="${BASH_REMATCH[1]}"
    if [[ ${REBUILD_BASE:-0} == 1 ]] && image_exists "$base"; then
        bah rmi --force "$base" >/dev/null
    fi
    if image_exists "$base"; then
        log "stand-in base image $base already in the local store, skipping debootstrap"
    else
        create_base_image "$base" "$suite"
    fi
}

# --- 3. build --------------------------------------------------------------------
# pip settings of this machine, passed into the build (never written into the Dockerfile).
pip_setting() {  # $1 = env var name, $2 = pip config key
    local value="${!1:-}"
    if [[ -z $value ]] && command -v pip3 >/dev/null; then
        value="$(pip3 config get "global.$2" 2>/dev/null || true)"
    fi
    printf '%s' "$value"
}

# file:// indexes and wheel directories of the host can't be reached from inside the build.
drop_local_urls() {
    local url out=()
    for url in $1; do [[ $url == file://* || $url == /* ]] || out+=("$url"); done
    printf '%s' "${out[*]:-}"
}

hide_password() { sed -E 's#://[^/@ ]+@#://***@#g' <<<"$1"; }

build_image() {
    local args=(--layers --pull=never --isolation chroot --format docker -f "$DOCKERFILE" -t "$IMAGE")
    local cert index extra trusted
    cert="$(pip_setting PIP_CERT cert)"
    index="$(drop_local_urls "$(pip_setting PIP_INDEX_URL index-url)")"
    extra="$(drop_local_urls "$(pip_setting PIP_EXTRA_INDEX_URL extra-index-url)")"
    trusted="$(pip_setting PIP_TRUSTED_HOST trusted-host)"
    if [[ -n $cert ]]; then
        [[ -r $cert ]] || die "PIP_CERT=$cert is not readable"
        args+=(--secret "id=pip_cert,src=$cert")
        echo "pip CA bundle:        $cert (build secret pip_cert)" >&2
    fi
    [[ -z $index ]] || { args+=(--build-arg "PIP_INDEX_URL=$index"); echo "pip index:            $(hide_password "$index")" >&2; }
    [[ -z $extra ]] || { args+=(--build-arg "PIP_EXTRA_INDEX_URL=$extra"); echo "pip extra index:      $(hide_password "$extra")" >&2; }
    [[ -z $trusted ]] || args+=(--build-arg "PIP_TRUSTED_HOST=$trusted")

    log "building $IMAGE from $CONTEXT"
    bah bud "${args[@]}" "$CONTEXT"
}

# --- 4. checks -------------------------------------------------------------------
check_image() {
    local ctr uid help
    ctr="$(bah from --pull=never "$IMAGE")"
    # shellcheck disable=SC2064  # expand $ctr now
    trap "buildah --storage-driver vfs rm '$ctr' >/dev/null 2>&1 || true" EXIT

    log "checks inside $IMAGE"
    uid="$(bah run "$ctr" -- id -u)"
    echo "id -u: $uid"
    [[ $uid =~ ^[0-9]+$ && $uid -ne 0 ]] || die "container runs as root (id -u = $uid)"
    bah run "$ctr" -- sh -c 'touch /data/.write-test && rm /data/.write-test' \
        || die "/data is not writable for uid $uid"
    echo "/data writable by uid $uid"
    echo "config: user=$(bah inspect --format '{{.OCIv1.Config.User}}' "$ctr")" \
        "workdir=$(bah inspect --format '{{.OCIv1.Config.WorkingDir}}' "$ctr")" \
        "cmd=$(bah inspect --format '{{.OCIv1.Config.Cmd}}' "$ctr")"
    echo "\$ python -m bot --help"
    help="$(bah run "$ctr" -- python -m bot --help)" || { echo "$help"; die "python -m bot --help failed"; }
    echo "$help"
    # If the CLI can validate the flows, check that it finds them in /app/dialogs.
    if grep -q 'check-flows' <<<"$help"; then
        echo "\$ python -m bot check-flows"
        bah run "$ctr" -- python -m bot check-flows
    fi
    # The case export's PDF: DejaVu Sans is found, and a name in another script renders.
    if bah run "$ctr" -- test -f /app/bot/pdf_document.py; then
        echo "\$ python -c '...PdfDocument(...).output()'"
        bah run "$ctr" -- python -c 'from bot.pdf_document import PdfDocument, find_fonts
fonts = find_fonts()
assert fonts is not None, "DejaVu Sans not found (fonts-dejavu-core)"
pdf = PdfDocument(title="Олександр", language="nl", fonts=fonts, footer=lambda p, n: "").output()
print(fonts.regular, len(pdf), "bytes")' || die "the PDF font is missing or a PDF cannot be made"
    fi
}

report_size() {
    log "image size"
    bah images "$IMAGE"
}

step() {  # run one step and say how long it took
    local start=$SECONDS
    "$@"
    printf '    (%s: %ss)\n' "$1" "$((SECONDS - start))" >&2
}

main() {
    step ensure_tools
    step ensure_base_image
    step build_image
    step check_image
    report_size
    printf '\nOK: %s builds, runs as non-root, python -m bot works (%ss total)\n' "$IMAGE" "$SECONDS"
}

main "$@"
