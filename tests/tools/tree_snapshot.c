/* tree_snapshot.c - prints the configuration held in scstd's management
 * tree, one "path=value" line per readable attribute (see tree_walk.h),
 * so that scripts can compare the tree before and after an operation:
 *   tree_snapshot --socket PATH | --root DIR
 * Exit 0, or 1 with the reason on stderr. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tree_walk.h"

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *root = NULL;
	struct text snap = { 0 };
	struct tree *t;
	char err[512];
	int c, rc;

	while ((c = getopt_long(argc, argv, "s:r:", longopts, NULL)) != -1) {
		if (c == 's')
			sock = optarg;
		else if (c == 'r')
			root = optarg;
		else
			return 2;
	}
	if (!sock == !root || optind != argc) {
		fprintf(stderr, "usage: tree_snapshot --socket PATH | --root DIR\n");
		return 2;
	}
	t = sock ? tree_open_socket(sock, err, sizeof(err)) : tree_open_dir(root, err, sizeof(err));
	if (!t) {
		fprintf(stderr, "tree_snapshot: %s\n", err);
		return 1;
	}
	rc = tree_snapshot(t, &snap, err, sizeof(err));
	tree_close(t);
	if (rc < 0) {
		fprintf(stderr, "tree_snapshot: %s\n", err[0] ? err : strerror(-rc));
		text_free(&snap);
		return 1;
	}
	fwrite(snap.p, 1, snap.len, stdout);
	text_free(&snap);
	return 0;
}
