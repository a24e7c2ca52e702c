#!/usr/bin/env bash
# Starts the Docker engine when it is installed but not running (machines without systemd, CI).
# Exit 0 when an engine answers afterwards, 1 otherwise (the caller then falls back to local mode).
set -uo pipefail
docker info >/dev/null 2>&1 && exit 0
command -v dockerd >/dev/null || { echo "dockerd is not installed (make deps installs docker.io)" >&2; exit 1; }
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo -n"
mkdir -p .run
$sudo_cmd nohup dockerd >.run/dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.5
done
echo "dockerd did not start: see .run/dockerd.log" >&2
exit 1
