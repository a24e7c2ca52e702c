#!/usr/bin/env bash
# Builds a local base image from Debian packages, for machines that can pull no image: debootstrap minbase
# bookworm -> docker import. Default (tag ocr-base:bookworm): what the runtime and gateway Dockerfiles need
# (python3 + venv for the version services, nginx + njs for the gateway), so their package steps find
# everything installed and skip apt. A second argument names other packages (comma-separated): the
# Prometheus image's base is `build-base-image.sh ocr-prometheus-base:bookworm prometheus`.
# Idempotent: does nothing when the image exists.
set -euo pipefail
tag="${1:-ocr-base:bookworm}"
packages="${2:-python3,python3-venv,nginx-light,libnginx-mod-http-js,ca-certificates}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
docker image inspect "$tag" >/dev/null 2>&1 && exit 0
root="$(mktemp -d /tmp/ocr-base.XXXXXX)"
trap 'rm -rf "$root"' EXIT
echo "debootstrap bookworm into $root ($mirror)"
debootstrap --variant=minbase --include="$packages" \
  bookworm "$root" "$mirror" >/dev/null
# Smaller image: no package lists, caches or docs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
  "$root"/usr/share/locale/*
tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$tag" >/dev/null
echo "built $tag: $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
