#!/usr/bin/env bash
# check_layering.sh - the build's check of the module map docs/design.md
# draws (Layering): which directory may include which, the header
# audiences of core, liburing behind one header, BHS fields behind their
# accessors.  Includes are followed through other headers (gcc -MM), so a
# rule cannot be broken by a detour.  Prints every violation and exits 1
# when there is one; `make` runs it once per change of the sources.
#
# usage: check_layering.sh CC CFLAGS...

cc=${1:-cc}
shift
cflags=("$@")
cd "$(dirname "$0")/.." || exit 2
bad=0

violation() { printf 'layering: %s\n' "$*" >&2; bad=1; }

# deps FILE: the headers FILE reaches, as paths relative to src/.
deps() {
	"$cc" "${cflags[@]}" -MM -MG "$1" 2>/dev/null |
		tr ' \\' '\n\n' | sed -n 's|^src/||p' | grep '\.h$'
}

# forbid DIR PATTERN WHY [EXCEPT]: no file under src/DIR reaches a header
# matching PATTERN but not EXCEPT (extended regexes on the path below src/).
forbid() {
	local dir=$1 pattern=$2 why=$3 except=${4:-^$} f hit
	for f in $(find "src/$dir" -name '*.c' -o -name '*.h' | sort); do
		hit=$(deps "$f" | grep -E "$pattern" | grep -vE "$except" | head -1)
		[ -n "$hit" ] && violation "$f reaches $hit ($why)"
	done
}

forbid core '^(targets|handlers|mgmt|daemon|conf)/' 'core knows no transport, handler or management'
forbid handlers '^targets/' 'handlers and targets meet only through core'
forbid targets '^handlers/' 'handlers and targets meet only through core'
forbid handlers '^core/scst(_tgt)?\.h$' 'handlers use core/scst_dev.h'
forbid targets '^core/scst(_dev)?\.h$' 'target drivers use core/scst_tgt.h'
forbid util '^(core|handlers|targets|mgmt|daemon|conf|lib)/' 'util depends on nothing'
# Of core, conf reads only the value rules it shares with the daemon's
# stores (scstadmin links core/attr_rules.c and core/alua_names.c).
forbid conf '^(core|handlers|targets|mgmt|daemon)/' 'the scst.conf engine is shared with scstadmin' \
	'^core/attr_rules\.h$'

# liburing: only ioloop_uring.h, and the ublk driver's own control ring.
while IFS= read -r f; do
	case $f in
	src/util/ioloop_uring.h | src/targets/local/local_ublk.c) ;;
	*) violation "$f includes liburing.h (only util/ioloop_uring.h may)" ;;
	esac
done < <(grep -rl '#include <liburing.h>' src)

# iSCSI header fields by name only.
while IFS= read -r hit; do
	violation "raw BHS offset $hit (use targets/iscsi/iscsi_bhs.h)"
done < <(grep -rnoE '\bbhs\[[0-9]+\]' src --exclude=iscsi_bhs.h)

exit $bad
