#!/usr/bin/env bash
# Builds the images: the shared runtime, the gateway, swarm mode's Prometheus, and one thin image per
# services/ocr-*/ folder.
# Python wheels come from deploy/wheelhouse (downloaded on the host). The base images are the public
# ones when they can be pulled, else the local Debian image from build-base-image.sh; BASE_IMAGE
# forces one base for both. Layers are cached: a rebuild with nothing changed takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
runtime_base="${BASE_IMAGE:-python:3.11-slim-bookworm}"
gateway_base="${BASE_IMAGE:-debian:bookworm-slim}"
if [ -z "${BASE_IMAGE:-}" ]; then
  for image in "$runtime_base" "$gateway_base"; do
    if ! docker image inspect "$image" >/dev/null 2>&1 && ! docker pull -q "$image" >/dev/null 2>&1; then
      echo "cannot pull $image: building the local base image instead"
      bash deploy/build-base-image.sh ocr-base:bookworm
      runtime_base=ocr-base:bookworm gateway_base=ocr-base:bookworm
      break
    fi
  done
fi
build() { docker build -q "$@" >/dev/null; }
build --build-arg BASE_IMAGE="$runtime_base" -f deploy/runtime.Dockerfile -t ocr-runtime:latest .
build --build-arg BASE_IMAGE="$gateway_base" -f deploy/gateway.Dockerfile -t ocr-gateway:latest .
# Swarm mode's Prometheus: Debian's package. Offline, its base is a local image that holds it.
prometheus_base="$gateway_base"
if [ "$prometheus_base" = ocr-base:bookworm ]; then
  bash deploy/build-base-image.sh ocr-prometheus-base:bookworm prometheus
  prometheus_base=ocr-prometheus-base:bookworm
fi
build --build-arg BASE_IMAGE="$prometheus_base" -f deploy/prometheus.Dockerfile -t ocr-prometheus:latest .
for folder in services/ocr-*/; do
  version="$(basename "$folder")"; version="${version#ocr-}"
  build --build-arg VERSION="$version" -f deploy/version.Dockerfile -t "ocr-service:$version" "$folder"
done
docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E '^ocr-(runtime|gateway|prometheus|service)'
