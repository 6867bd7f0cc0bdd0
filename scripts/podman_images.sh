#!/usr/bin/env bash
# Local stand-ins for the upstream images of docker-compose.yml, for machines where Podman runs
# but no registry can be pulled from (the development machines; tests/stack). Built from Debian's
# own packages; each image is skipped when it exists already (delete it with `podman rmi` to
# rebuild). README "Run the stack" says what differs from the upstream images.
#
#   localhost/ucj-debian:bookworm      debootstrap minbase + python3, with this host's CA certificates
#   localhost/ucj-python:3.11-bookworm the Dockerfile's base (BASE_IMAGE): python, pip
#   localhost/ucj-postgres:15-bookworm PostgreSQL 15 with the postgres image's entrypoint contract
#   localhost/ucj-redis:7-bookworm     redis-server
#
# Needs root, podman and debootstrap (apt-get install podman podman-compose debootstrap runc);
# /etc/containers/containers.conf as in docs/runbook.md "Run the stack with Podman".
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_IMAGE=localhost/ucj-debian:bookworm
PYTHON_IMAGE=localhost/ucj-python:3.11-bookworm
POSTGRES_IMAGE=localhost/ucj-postgres:15-bookworm
REDIS_IMAGE=localhost/ucj-redis:7-bookworm
# The Debian mirror apt uses on this host (deb822 or one-line sources), else deb.debian.org.
MIRROR="${UCJ_DEBIAN_MIRROR:-$(
  { { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}';
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } \
  | grep -v security | head -n1; } || true
)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

have() { podman image exists "$1"; }
say() { echo "podman_images: $*" >&2; }

if have "$DEBIAN_IMAGE"; then
  say "$DEBIAN_IMAGE exists"
else
  say "building $DEBIAN_IMAGE with debootstrap from $MIRROR (a few minutes)"
  rootfs="$(mktemp -d /var/tmp/ucj-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,tzdata \
    bookworm "$rootfs" "$MIRROR" >/dev/null
  # The proxy of these machines re-signs TLS: builds reach PyPI and apt only with its CA.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  fi
  chroot "$rootfs" update-ca-certificates >/dev/null
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
fi

build() {  # build IMAGE CONTAINERFILE_DIR
  if have "$1"; then
    say "$1 exists"
  else
    say "building $1"
    podman build --quiet --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -t "$1" "$2" >/dev/null
  fi
}
build "$PYTHON_IMAGE" deploy/podman/python
build "$POSTGRES_IMAGE" deploy/podman/postgres
build "$REDIS_IMAGE" deploy/podman/redis
say "ready: BASE_IMAGE=$PYTHON_IMAGE UCJ_POSTGRES_IMAGE=$POSTGRES_IMAGE UCJ_REDIS_IMAGE=$REDIS_IMAGE"
