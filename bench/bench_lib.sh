# bench/bench_lib.sh - what the benchmark scripts (compare.sh, soak.sh)
# share: stopping a server, picking and waiting for a port.

# stop PID: SIGTERM, then SIGKILL after 3 s, so that cleanup never hangs.
stop() {
	kill "$1" 2>/dev/null || return 0
	for _ in $(seq 30); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

pick_port() {
	local p
	for _ in $(seq 200); do
		p=$((32000 + (RANDOM * 32768 + RANDOM) % 28000))
		port_in_use "$p" || { echo "$p"; return 0; }
	done
	return 1
}

wait_port() {
	for _ in $(seq 100); do
		port_in_use "$1" && return 0
		sleep 0.1
	done
	return 1
}
