#!/usr/bin/env bash
# package_docs.sh - the man pages and the bash completion:
#  - each man page generated from docs/man/*.scd renders with man and with
#    groff without a single warning;
#  - every option a tool's --help lists is in its man page (the lists are
#    compared programmatically, so a new option without documentation
#    fails here);
#  - the completion scripts load in bash (with bash-completion), register
#    themselves, complete scstadmin's options (all those -help lists,
#    filtered by prefix) and file names after -config, and scstctl's
#    verbs and, asking a running daemon, tree paths (names with ':' too).
. "$(dirname "$0")/../lib.sh"
plan 28

require_daemon
BIN=$(dirname "$SCSTD")
DEST=$WORKDIR/dest
COMPLETION=/usr/share/bash-completion/bash_completion

if ! make_install "$DEST" PREFIX=/usr; then
	not_ok "make install DESTDIR=$DEST PREFIX=/usr"
	sed 's/^/#   /' "$WORKDIR/install.out" | tail -20
	finish
fi
MAN=$DEST/usr/share/man

# ---- man pages render ------------------------------------------------------
for page in "$MAN"/man8/*.8 "$MAN"/man5/*.5; do
	name=$(basename "$page")
	check "man -l $name renders without warnings" \
		bash -c "out=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$page' 2>&1 >/dev/null); echo \"\$out\"; [ -z \"\$out\" ] && [ \"\$(man -l '$page' 2>/dev/null | wc -l)\" -gt 20 ]"
	check "groff -man -ww $name: no warnings" \
		bash -c "out=\$(groff -man -ww -z '$page' 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
done
check "the five man pages are installed" \
	test -f "$MAN/man8/scstd.8" -a -f "$MAN/man8/scstadmin.8" -a -f "$MAN/man8/scstctl.8" \
	-a -f "$MAN/man8/scst-local-cmd.8" -a -f "$MAN/man5/scst.conf.5"

# ---- every option of --help is documented --------------------------------
# Plain text, no hyphenation, lines long enough not to break an option.
man_text() {
	groff -man -Tascii -rLL=300n -rHY=0 -P-cbou "$1" 2>/dev/null
}

# help_options TOOL: the options TOOL's --help lists, one per line:
# GNU long options, their one-letter forms, and scstadmin's -word options.
help_options() {
	local tool=$1 help
	help=$("$BIN/$tool" --help 2>&1)
	{
		grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help"
		grep -oE -- '(^|[ ,\[])-[a-zA-Z]([ ,]|$)' <<<"$help" | tr -d ' ,['
		[ "$tool" = scstadmin ] && grep -oE -- '(^|[ [|])-[a-z][a-z_]+' <<<"$help" | tr -d ' [|'
	} | sort -u
}

# undocumented TOOL PAGE: the options of TOOL's --help that PAGE does not
# mention as a word of its own; fails when there are any or none at all.
undocumented() {
	local tool=$1 page=$2 text opt n=0 missing=0
	text=$(man_text "$page")
	while read -r opt; do
		n=$((n + 1))
		if ! grep -Eq -- "(^|[^-a-zA-Z0-9_])${opt}([^-a-zA-Z0-9_]|\$)" <<<"$text"; then
			echo "$tool: $opt is not in $(basename "$page")"
			missing=$((missing + 1))
		fi
	done < <(help_options "$tool")
	echo "$tool: $n options in --help, $missing undocumented"
	[ "$n" -gt 0 ] && [ "$missing" -eq 0 ]
}
for tool in scstd scstadmin scstctl scst-local-cmd; do
	check_output "$tool(8) documents every option of $tool --help" "options in --help, 0 undocumented" \
		undocumented "$tool" "$MAN/man8/$tool.8"
done
check_output "scstd --help lists the options the man page is checked against" \
	"--listen" help_options scstd

# scst.conf(5): the grammar's keywords and the parser's limits.
check "scst.conf(5) names every structure keyword" bash -c "
	t=\$(groff -man -Tascii -rLL=300n -rHY=0 -P-cbou '$MAN/man5/scst.conf.5' 2>/dev/null)
	for k in HANDLER DEVICE TARGET_DRIVER TARGET LUN GROUP INITIATOR; do
		grep -qw -- \"\$k\" <<<\"\$t\" || { echo \"\$k missing\"; exit 1; }
	done"
# The example in scst.conf(5) is a configuration scstadmin accepts.
sed -n '/^EXAMPLES/,/^SEE ALSO/p' <(man_text "$MAN/man5/scst.conf.5") |
	sed -e '1d' -e '$d' -e 's/^       //' >"$WORKDIR/example.conf"
check "the example of scst.conf(5) passes scstadmin -check_config" \
	bash -c "grep -q TARGET_DRIVER '$WORKDIR/example.conf' && '$BIN/scstadmin' -check_config '$WORKDIR/example.conf'"

# ---- bash completion -------------------------------------------------------
COMPDIR=$DEST/usr/share/bash-completion/completions
if [ ! -f "$COMPLETION" ]; then
	not_ok "bash-completion is installed ($COMPLETION)"
	finish
fi

# complete LINE-WORDS...: runs the completion of the words' command as
# bash would with the cursor after the last word, prints COMPREPLY one
# per line.  The tools are the built ones (PATH).
complete_words() {
	env PATH="$BIN:$PATH" bash --norc --noprofile -c '
		source "$1" && source "$2/scstadmin" && source "$2/scstctl" || exit 1
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		# As typed: no blank around the ":" words bash split off.
		COMP_LINE=$1
		prev=$1
		for w in "${@:2}"; do
			if [ "$w" = : ] || [ "$prev" = : ]; then COMP_LINE+=$w; else COMP_LINE+=" $w"; fi
			prev=$w
		done
		COMP_POINT=${#COMP_LINE}
		fn=$(complete -p "$1" | sed -E "s/.*-F ([^ ]+) .*/\1/")
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$COMPDIR" "$@"
}

check_output "both completion scripts load and register" \
	"complete -F _scstadmin scstadmin.*complete -F _scstctl scstctl" \
	bash --norc --noprofile -c "source '$COMPLETION' && source '$COMPDIR/scstadmin' && source '$COMPDIR/scstctl' && complete -p scstadmin scstctl | tr '\n' ' '"

check "scstadmin - completes exactly the options of scstadmin -help" \
	diff <(help_options scstadmin | grep -E -- '^-[a-z_]{2,}$' | sort) <(complete_words scstadmin - | sort)
check "scstadmin -list completes the -list actions of -help" \
	diff <(help_options scstadmin | grep -- '^-list' | sort) <(complete_words scstadmin -list | sort)
mkdir -p "$WORKDIR/confs"
: >"$WORKDIR/confs/site-a.conf"
check_output "scstadmin -config completes file names" "^$WORKDIR/confs/site-a.conf\$" \
	complete_words scstadmin -config "$WORKDIR/confs/si"

check "scstctl completes its verbs" \
	diff <(printf '%s\n' read readlink) <(complete_words scstctl re)

if ! start_daemon; then
	not_ok "scstd starts for the scstctl completion"
	finish
fi
SOCK=$WORKDIR/ctl.$DAEMON_SEQ.sock
eventually 5 test -S "$SOCK"
check_output "scstctl list PATH completes a top-level directory from the daemon" "^targets/\$" \
	complete_words scstctl --socket "$SOCK" list targ
check "scstctl read DIR/ completes DIR's entries as the daemon lists them" \
	diff <(daemon_ctl list targets/iscsi | sed 's|^|targets/iscsi/|' | sort) \
	<(complete_words scstctl --socket "$SOCK" read targets/iscsi/ | sort)
# bash splits words at ':': the completion is what follows the colon.
check_output "scstctl completes inside a target name with ':'" "^default/enabled\$" \
	complete_words scstctl --socket "$SOCK" read "targets/iscsi/$(cut -d: -f1 <<<"$DEFAULT_IQN")" : default/en
check "scstctl completes no path without a daemon socket" \
	bash -c "[ -z \"\$(complete_words scstctl --socket '$WORKDIR/none.sock' list targ)\" ]"
check_stop

finish
