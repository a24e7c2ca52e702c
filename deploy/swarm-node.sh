#!/usr/bin/env bash
# Swarm nodes on this machine, each a Docker engine in a network namespace of its own.
#
# Why a namespace: Swarm publishes a service's port on every interface of its node (a host IP cannot be
# given: moby/moby#32299), and this stack must answer on loopback only. Inside its own namespace a node's
# interfaces are a veth on a private bridge (ocr-swarm0, 10.231.0.0/24) that only this machine reaches;
# `forward` then carries 127.0.0.1:PORT into node 1 by NAT in the kernel (no process in between).
# Each engine has its own data root, exec root and socket; the host's own engine is left alone.
# No default route inside: nothing outside this machine is reachable, and Swarm's image pulls fail at once.
#
#   swarm-node.sh start N       start node N (10.231.0.N+1), socket /run/ocr-swarm/node-N.sock
#   swarm-node.sh stop N        stop its engine (its containers stop with it) and remove the namespace
#   swarm-node.sh join N        start node N, give it the images of node 1's stack, join it as a worker
#   swarm-node.sh leave N       node N leaves the swarm (the manager forgets it), then stop N
#   swarm-node.sh forward PORT  127.0.0.1:PORT on this machine -> node 1's PORT
#   swarm-node.sh unforward PORT
#   swarm-node.sh address N     print node N's address
set -euo pipefail
BRIDGE=ocr-swarm0
PREFIX=10.231.0
RUN=/run/ocr-swarm
DATA=/var/lib/ocr-swarm
LOGS="${OCR_SWARM_LOGS:-$(cd "$(dirname "$0")/.." && pwd)/.run/swarm}"

address() { echo "$PREFIX.$(($1 + 1))"; }
socket() { echo "$RUN/node-$1.sock"; }

ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$PREFIX.1/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  # Node to node across the bridge: with br_netfilter loaded (the host's engine loads it), bridged frames
  # pass iptables' FORWARD chain, whose policy the host's engine sets to DROP.
  iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null \
    || iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
}

engine_answers() { docker -H "unix://$(socket "$1")" info >/dev/null 2>&1; }

start() {
  local n="$1" ns="ocr-node-$1" veth="ocr-node$1"
  engine_answers "$n" && return
  ensure_bridge
  if ! ip netns list | grep -qw "$ns"; then
    ip netns add "$ns"
    ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master "$BRIDGE" up
    ip netns exec "$ns" ip addr add "$(address "$n")/24" dev eth0
    ip netns exec "$ns" ip link set eth0 up
    ip netns exec "$ns" ip link set lo up
  fi
  mkdir -p "$RUN" "$DATA/node-$n" "$LOGS"
  # nsenter switches the network namespace only (`ip netns exec` would remount /sys and hide the cgroups).
  nsenter --net="/run/netns/$ns" nohup dockerd --data-root "$DATA/node-$n" --exec-root "$RUN/node-$n" \
    --pidfile "$RUN/node-$n.pid" -H "unix://$(socket "$n")" >"$LOGS/node-$n.log" 2>&1 &
  for _ in $(seq 1 60); do
    engine_answers "$n" && return
    sleep 0.5
  done
  echo "node $n's engine did not start: see $LOGS/node-$n.log" >&2
  exit 1
}

stop() {
  local n="$1" pidfile="$RUN/node-$1.pid"
  if [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; then
    for _ in $(seq 1 60); do
      [ -f "$pidfile" ] || break
      sleep 0.5
    done
  fi
  ip link del "ocr-node$n" 2>/dev/null || true
  ip netns del "ocr-node-$n" 2>/dev/null || true
}

node() { local n="$1"; shift; docker -H "unix://$(socket "$n")" "$@"; }

join() {
  local n="$1" image
  [ "$n" != 1 ] || { echo "node 1 is the manager" >&2; exit 2; }
  start "$n"
  # Images first: --resolve-image never means a task placed on a node without its image fails there.
  # Node 1 holds every image its services run (the tool copied them in); only missing or older ones travel.
  for image in $(node 1 service ls --format '{{.Image}}' | sort -u); do
    [ "$(node "$n" image inspect -f '{{.Id}}' "$image" 2>/dev/null)" = "$(node 1 image inspect -f '{{.Id}}' "$image")" ] \
      || node 1 save "$image" | node "$n" load -q >/dev/null
  done
  [ "$(node "$n" info -f '{{.Swarm.LocalNodeState}}')" = active ] && return
  # On a busy machine `swarm join` may give up waiting after 20 s while the join goes on in the background.
  node "$n" swarm join --token "$(node 1 swarm join-token -q worker)" --advertise-addr "$(address "$n")" \
    --listen-addr "$(address "$n"):2377" "$(address 1):2377" >/dev/null 2>&1 || true
  for _ in $(seq 1 120); do
    [ "$(node "$n" info -f '{{.Swarm.LocalNodeState}}')" = active ] && return
    sleep 0.5
  done
  echo "node $n did not join: $(node "$n" info -f '{{.Swarm.LocalNodeState}} {{.Swarm.Error}}')" >&2
  exit 1
}

leave() {
  local n="$1" id addr
  node "$n" swarm leave --force >/dev/null 2>&1 || true  # (its engine may be stopped already)
  stop "$n"
  # A stopped engine could not leave: without its swarm state it will not try to rejoin as the old node.
  rm -rf "$DATA/node-$n/swarm"
  engine_answers 1 || return 0
  # The manager forgets it (known by address: every node here shares the machine's hostname).
  for id in $(node 1 node ls -q); do
    addr="$(node 1 node inspect -f '{{.Status.Addr}}' "$id")"
    [ "$addr" != "$(address "$n")" ] || node 1 node rm --force "$id" >/dev/null
  done
}

nat_rules() {  # the two rules that carry 127.0.0.1:$1 into node 1
  local node; node="$(address 1)"
  echo "OUTPUT -d 127.0.0.1/32 -p tcp --dport $1 -m comment --comment ocr-swarm -j DNAT --to-destination $node:$1"
  echo "POSTROUTING -s 127.0.0.1/32 -d $node/32 -p tcp --dport $1 -m comment --comment ocr-swarm -j SNAT --to-source $PREFIX.1"
}

forward() {
  ensure_bridge
  # Loopback-sourced packets may leave through the bridge only with route_localnet (then SNAT renames them).
  sysctl -qw "net.ipv4.conf.$BRIDGE.route_localnet=1" "net.ipv4.conf.lo.route_localnet=1"
  while read -r chain rule; do
    # shellcheck disable=SC2086
    iptables -t nat -C "$chain" $rule 2>/dev/null || iptables -t nat -A "$chain" $rule
  done < <(nat_rules "$1")
}

unforward() {
  while read -r chain rule; do
    # shellcheck disable=SC2086
    while iptables -t nat -D "$chain" $rule 2>/dev/null; do :; done
  done < <(nat_rules "$1")
}

case "${1:-}" in
  start) start "$2" ;;
  stop) stop "$2" ;;
  join) join "$2" ;;
  leave) leave "$2" ;;
  forward) forward "$2" ;;
  unforward) unforward "$2" ;;
  address) address "$2" ;;
  *) sed -n '2,18p' "$0"; exit 2 ;;
esac
