# parse_cu.awk - turns iscsi-test-cu's verbose CUnit output into verdicts.
#
# CUnit prints "Suite: S", then per test "  Test: T ..." followed, on the
# same line or after the test's own chatter, by "passed" or "FAILED".
# libiscsi reports a test it could not run as "[SKIPPED] ..." and CUnit
# still calls it passed, so a passed test that printed [SKIPPED] counts as
# skipped.  A test with no verdict (the run crashed or hung) is a failure.
#
# Output: one line per test "PASS|FAIL|SKIP Suite.Test" (a SKIP line
# carries libiscsi's first [SKIPPED] message after a tab), then
# "SUMMARY passed P failed F skipped S" and, when CUnit's own "Run
# Summary" tests row was seen, "CUNIT ran R passed P failed F".

function verdict(v) {
	if (v == "PASS" && skipped)
		v = "SKIP"
	if (v == "SKIP")
		print v, cur "\t" why
	else
		print v, cur
	count[v]++
	cur = ""
}

# The text after "..." or a whole chatter line: does it carry the verdict?
function scan(text) {
	if (cur == "")
		return
	if (text ~ /\[SKIPPED\]/)
		skip_seen(text)
	if (text ~ /^passed/)
		verdict("PASS")
	else if (text ~ /^FAILED/)
		verdict("FAIL")
}

function skip_seen(text) {
	if (!skipped) {
		why = text
		sub(/^.*\[SKIPPED\] */, "", why)
		gsub(/\t/, " ", why)
	}
	skipped = 1
}

BEGIN { cur = ""; count["PASS"] = 0; count["FAIL"] = 0; count["SKIP"] = 0 }

/^Suite: / {
	if (cur != "")
		verdict("FAIL")
	suite = substr($0, 8)
	next
}

/^  Test: / {
	if (cur != "")
		verdict("FAIL")
	line = substr($0, 9)
	i = index(line, " ...")
	cur = suite "." substr(line, 1, i - 1)
	skipped = 0
	rest = substr(line, i + 4)
	sub(/^ +/, "", rest)
	scan(rest)
	next
}

/^Run Summary:/ { in_summary = 1 }

in_summary && $1 == "tests" {
	cunit = sprintf("CUNIT total %s ran %s passed %s failed %s", $2, $3, $4, $5)
	next
}

{
	line = $0
	# Chatter is indented; a verdict starts in column 0.
	if (line ~ /^(passed|FAILED)/)
		scan(line)
	else if (line ~ /\[SKIPPED\]/ && cur != "")
		skip_seen(line)
}

END {
	if (cur != "")
		verdict("FAIL")
	printf "SUMMARY passed %d failed %d skipped %d\n", count["PASS"], count["FAIL"], count["SKIP"]
	if (cunit != "")
		print cunit
}
