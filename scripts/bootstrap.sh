#!/usr/bin/env bash
# Install everything the project needs, from the package registries only:
# system packages, Odoo 19 (Debian sid's package, unpacked into .odoo/), the venv,
# PostgreSQL with a role for the current user. Safe to run again: each step checks
# what is already there and does nothing when nothing changed.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SYSTEM_PACKAGES=(
    postgresql          # the database
    chromium            # headless browser for the POS tours
    wkhtmltopdf         # QWeb PDF reports (printable cards, summaries)
    swig libpcsclite-dev  # to build pyscard
    pcscd vsmartcard-vpcd # a real PC/SC stack with a virtual reader for the tests
    libmagic1           # python-magic
    iproute2            # ss, to name the process holding a port
    ca-certificates
)
# Odoo 19 from sid, and the packages its +dfsg symlinks point into.
SID_PACKAGES=(odoo-19 libjs-jquery libjs-jquery-form libjs-underscore
    fonts-montserrat fonts-roboto-unhinted fonts-ocr-b)
BOOKWORM_PACKAGES=(fonts-font-awesome fonts-inconsolata)

install_system_packages() {
    step "system packages" "apt-get could not reach the Debian registry or a package is missing from it; check /etc/apt/sources.list.d and the network"
    local wanted=("${SYSTEM_PACKAGES[@]}") missing=()
    command -v python3 >/dev/null || wanted+=(python3)
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null \
        || wanted+=(python3-venv)
    python3 -c 'import os, sysconfig; assert os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))' 2>/dev/null \
        || wanted+=(python3-dev)
    command -v gcc >/dev/null || wanted+=(gcc)
    local pkg
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "all present"
        return
    fi
    echo "installing: ${missing[*]}"
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_odoo() {
    step "odoo 19 (Debian sid package, unpacked into .odoo/)" "the Debian registry must carry sid's odoo-19 (the package this project unpacks)"
    local stamp="$PREFIX/.installed"
    if [ -f "$stamp" ] && [ -d "$PREFIX/usr/lib/python3/dist-packages/odoo" ]; then
        echo "present: $(cat "$stamp")"
        return
    fi
    local apt_dir="$CACHE/apt" debs="$CACHE/debs"
    rm -rf "$apt_dir" "$debs"
    mkdir -p "$apt_dir/lists/partial" "$apt_dir/parts" "$debs"
    # The registry host is whatever this machine already uses: never hard-code it.
    local uri
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
        || true)
    [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || die "no Debian registry URI found" "expected a URIs: line in /etc/apt/sources.list.d/debian.sources"
    for suite in sid bookworm; do
        printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "$uri" "$suite" >"$apt_dir/parts/$suite.sources"
    done
    local apt_opts=(-q -oDir::State::Lists="$apt_dir/lists" -oDir::Etc::SourceList=/dev/null
        -oDir::Etc::SourceParts="$apt_dir/parts" -oDebug::NoLocking=1)
    apt-get "${apt_opts[@]}" update
    local pkgs=() p
    for p in "${SID_PACKAGES[@]}"; do pkgs+=("$p/sid"); done
    for p in "${BOOKWORM_PACKAGES[@]}"; do pkgs+=("$p/bookworm"); done
    (cd "$debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}")
    local tmp="$PREFIX.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    for deb in "$debs"/*.deb; do dpkg -x "$deb" "$tmp"; done
    local broken
    broken=$(find "$tmp" -xtype l | head -n 5)
    [ -z "$broken" ] || die "dangling links after unpacking: $broken" "a companion package of odoo-19 changed; add it to SID_PACKAGES"
    # Keep the data dir and config of an earlier install (databases' filestores live there).
    if [ -d "$PREFIX/data" ]; then mv "$PREFIX/data" "$tmp/data"; fi
    rm -rf "$PREFIX"
    mv "$tmp" "$PREFIX"
    (cd "$debs" && ls *.deb) >"$stamp"
    echo "odoo version: $(grep odoo-19 "$stamp")"
}

# Debian's +dfsg package drops one library the back-office bundle lists
# (mail/static/lib/selfie_segmentation/selfie_segmentation.js, the camera background blur of
# Discuss calls): every back-office page then logs "Could not get content for ..." and any
# back-office tour fails on it. The npm registry carries the same library; take the version
# Odoo 19 ships, checked by the tarball's integrity and the file's checksum.
SELFIE_PKG="@mediapipe/selfie_segmentation@0.1.1632777926"
SELFIE_INTEGRITY="sha512-OSGhYaZsdOXKyY0JCueOflq3ICLNMrBekI2V8vShum8wuoH3xjfEM6NnIujwJ5SlTdZEXi7Up2koOILDgQbWyg=="
SELFIE_SHA256="5474a29ad024a32bf1ce893b016cee41a4f163323ea692cafb01737f7e16229a"

install_odoo_dropped_files() {
    step "odoo files the Debian package drops (selfie_segmentation.js, from npm)" "npm could not reach its registry, or the tarball's checksum changed"
    local target="$PREFIX/usr/lib/python3/dist-packages/odoo/addons/mail/static/lib/selfie_segmentation/selfie_segmentation.js"
    if [ -f "$target" ] && [ "$(sha256sum "$target" | cut -c1-64)" = "$SELFIE_SHA256" ]; then
        echo "present"
        return
    fi
    command -v npm >/dev/null || "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
    local dir="$CACHE/npm"
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$SELFIE_PKG" >/dev/null)
    local tarball
    tarball=$(ls "$dir"/*.tgz)
    [ "sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)" = "$SELFIE_INTEGRITY" ] \
        || die "$SELFIE_PKG: the tarball's integrity differs from the pinned one" "the npm registry served another file; check the version"
    mkdir -p "$(dirname "$target")"
    tar -xzf "$tarball" -O package/selfie_segmentation.js >"$target.tmp"
    [ "$(sha256sum "$target.tmp" | cut -c1-64)" = "$SELFIE_SHA256" ] \
        || die "selfie_segmentation.js checksum differs" "the npm package's content changed"
    mv "$target.tmp" "$target"
    echo "$target"
}

install_venv() {
    step "python venv (.venv from requirements.txt)" "pip could not reach PyPI, or a package failed to build (pyscard needs swig and libpcsclite-dev)"
    local want
    want=$(cat "$ROOT/requirements.txt" "$ROOT/requirements-odoo-addons.txt" \
        "$ROOT/iot_reader_box/pyproject.toml" | sha256sum | cut -c1-16)
    if [ -f "$VENV/.installed" ] && [ "$(cat "$VENV/.installed")" = "$want" ]; then
        echo "up to date"
        return
    fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip wheel
    # pip's notes on this machine's extra local indexes are noise: keep real errors.
    "$VENV/bin/pip" install -q -r "$ROOT/requirements.txt" 2> >(grep -v "^WARNING: Location" >&2)
    # Odoo addons wheels (odoo-addon-*): without their `odoo` requirement (see the file).
    "$VENV/bin/pip" install -q --no-deps -r "$ROOT/requirements-odoo-addons.txt" \
        2> >(grep -v "^WARNING: Location" >&2)
    # compat mode puts the daemon's folder on sys.path, so `import iot_reader_box` finds the
    # package even where the repository root (holding a folder of that name) is on the path.
    "$VENV/bin/pip" install -q --no-deps --config-settings editable_mode=compat -e "$ROOT/iot_reader_box"
    echo "$want" >"$VENV/.installed"
}

start_postgresql() {
    step "postgresql (cluster started, role for $(id -un))" "PostgreSQL would not start: see /var/log/postgresql/ or pg_lsclusters"
    if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
        local ver
        ver=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
        "${SUDO[@]}" pg_createcluster "$ver" main
    fi
    local ver name status
    read -r ver name _ status _ < <(pg_lsclusters -h | head -n 1)
    if [ "$status" != online ]; then
        "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start
    fi
    local me
    me=$(id -un)
    if [ "$(as_postgres psql -XtAc "SELECT 1 FROM pg_roles WHERE rolname = '$me'")" != 1 ]; then
        as_postgres psql -Xqc "CREATE ROLE \"$me\" SUPERUSER LOGIN"
    fi
    psql -XtAc 'SELECT 1' postgres >/dev/null
    echo "PostgreSQL $ver/$name online"
}

write_config() {
    step "odoo config (.odoo/odoo.conf) and odoo on the venv's path" ""
    # Make `import odoo` work in the venv (pytest-odoo, the shell, bench scripts). The
    # venv's own odoo/addons folder (odoo-addon-* wheels) goes on the addons path.
    local site
    site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$PREFIX/usr/lib/python3/dist-packages" >"$site/odoo19-prefix.pth"
    mkdir -p "$PREFIX/data" "$site/odoo/addons"
    cat >"$ODOO_CONF" <<CONF
[options]
addons_path = $PREFIX/usr/lib/python3/dist-packages/odoo/addons,$site/odoo/addons,$ROOT
data_dir = $PREFIX/data
admin_passwd = admin
db_user = $(id -un)
http_interface = 127.0.0.1
list_db = True
CONF
    echo "$ODOO_CONF"
}

main() {
    local started=$SECONDS
    install_system_packages
    install_odoo
    install_odoo_dropped_files
    install_venv
    start_postgresql
    write_config
    printf '\nsetup ready in %ss\n' "$((SECONDS - started))"
}

main "$@"
