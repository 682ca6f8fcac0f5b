# in_namespace.sh - sourced by the VM scripts (run.sh, passthru.sh): the
# part that runs outside their network namespace.  Builds or reuses the
# cached guest, creates namespace PREFIX-PID, runs the calling script again
# inside it (SCSTD_VM_NS and GUEST set) and removes the namespace with every
# process left in it, whatever happens.  A guest that cannot be built or a
# namespace that cannot be made is a failed check, never a skip.
#
#   vm_run_in_namespace PREFIX SCRIPT: does not return (exits with SCRIPT's
#   status inside the namespace).
vm_run_in_namespace() {
	local t0=$SECONDS
	NS=$1-$$
	echo "# building or reusing the guest"
	if ! GUEST=$(bash "$HERE/build_guest.sh" 2>"/tmp/$NS.build.err"); then
		echo "not ok - the guest is built from Debian packages: $(tail -5 "/tmp/$NS.build.err" | tr '\n' ' ')"
		rm -f "/tmp/$NS.build.err"
		exit 1
	fi
	rm -f "/tmp/$NS.build.err"
	echo "# guest ready in $((SECONDS - t0)) s: $GUEST"
	trap vm_remove_namespace EXIT
	trap 'exit 130' INT TERM
	if ! ip netns add "$NS"; then
		echo "not ok - network namespace $NS created (needs root)"
		exit 1
	fi
	SCSTD_VM_NS=$NS GUEST=$GUEST ip netns exec "$NS" bash "$2"
	exit $?
}

vm_remove_namespace() {
	local p
	for p in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
}
