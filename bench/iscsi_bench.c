/* iscsi_bench.c - owns the iscsi-bench command line: options, the forking
 * of --jobs load processes, the common start, the server's CPU time from
 * /proc/PID/stat around the measured window, and the summary (IOPS, MB/s,
 * latency quantiles, server CPU per I/O).  The last output line is
 * machine-readable:  RESULT key=value ...  (bench/compare.sh parses it). */
#include "bench_job.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iscsi-bench [options] iscsi://HOST[:PORT]/IQN/LUN\n"
		"  -s, --sessions N     sessions per job (1)\n"
		"  -q, --qd N           queue depth per session (32)\n"
		"  -b, --bs BYTES       bytes per I/O, K/M suffixes (4K)\n"
		"  -w, --rw PATTERN     read|write|randread|randwrite|mix (randread)\n"
		"  -m, --read-pct N     reads in percent for mix (70)\n"
		"  -t, --time SECS      measured seconds (10)\n"
		"  -W, --warmup SECS    unmeasured I/O before (1)\n"
		"  -S, --span BYTES     address only the first BYTES of the LUN (all)\n"
		"  -j, --jobs N         load processes, results summed (1)\n"
		"  -p, --server-pid PID report the server's CPU time per I/O\n");
}

static uint64_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	switch (*end) {
	case 'k': case 'K': v *= 1024; break;
	case 'm': case 'M': v *= 1024 * 1024; break;
	case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
	case '\0': break;
	default: return 0;
	}
	return (uint64_t)v;
}

static int parse_pattern(const char *s, enum bench_pattern *p)
{
	static const char *names[] = { "read", "write", "randread", "randwrite", "mix" };
	for (int i = 0; i < 5; i++)
		if (strcmp(s, names[i]) == 0) {
			*p = (enum bench_pattern)i;
			return 0;
		}
	return -1;
}

struct opts {
	struct bench_cfg cfg;
	const char *pattern_name;
	pid_t server_pid;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "sessions", 1, 0, 's' }, { "qd", 1, 0, 'q' }, { "bs", 1, 0, 'b' },
		{ "rw", 1, 0, 'w' }, { "read-pct", 1, 0, 'm' }, { "time", 1, 0, 't' },
		{ "warmup", 1, 0, 'W' }, { "span", 1, 0, 'S' }, { "jobs", 1, 0, 'j' },
		{ "server-pid", 1, 0, 'p' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
	};
	struct bench_cfg *c = &o->cfg;
	int ch;

	*c = (struct bench_cfg){ .sessions = 1, .qd = 32, .bs = 4096, .pattern = PAT_RANDREAD,
				 .read_pct = 70, .secs = 10, .warmup = 1, .jobs = 1 };
	o->pattern_name = "randread";
	while ((ch = getopt_long(argc, argv, "s:q:b:w:m:t:W:S:j:p:h", lo, NULL)) != -1) {
		switch (ch) {
		case 's': c->sessions = atoi(optarg); break;
		case 'q': c->qd = atoi(optarg); break;
		case 'b': c->bs = (uint32_t)parse_size(optarg); break;
		case 'w':
			if (parse_pattern(optarg, &c->pattern) < 0)
				return -1;
			o->pattern_name = optarg;
			break;
		case 'm': c->read_pct = atoi(optarg); break;
		case 't': c->secs = atof(optarg); break;
		case 'W': c->warmup = atof(optarg); break;
		case 'S': c->span = parse_size(optarg); break;
		case 'j': c->jobs = atoi(optarg); break;
		case 'p': o->server_pid = (pid_t)atoi(optarg); break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	c->url = argv[optind];
	if (c->sessions < 1 || c->qd < 1 || c->bs == 0 || c->secs <= 0 || c->warmup < 0 ||
	    c->jobs < 1 || c->read_pct < 0 || c->read_pct > 100)
		return -1;
	return 0;
}

/* utime + stime of all the server's threads, in seconds; < 0 if unknown. */
static double server_cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long ut, st;
	FILE *f;
	char *p;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* The command name may hold spaces: fields count from its ')'. */
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void sleep_until(uint64_t t_ns)
{
	for (;;) {
		uint64_t now = bench_now_ns();
		if (now >= t_ns)
			return;
		uint64_t d = t_ns - now;
		struct timespec ts = { (time_t)(d / 1000000000ull), (long)(d % 1000000000ull) };
		nanosleep(&ts, NULL);
	}
}

static int fork_jobs(const struct bench_cfg *c, struct bench_shared *sh, int go_rd, int go_wr,
		     pid_t *pids)
{
	for (int i = 0; i < c->jobs; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0) {
			close(go_wr);
			_exit(bench_job_run(c, i, sh, go_rd) == 0 ? 0 : 1);
		}
	}
	return 0;
}

static int wait_ready(const struct bench_cfg *c, struct bench_shared *sh)
{
	uint64_t limit = bench_now_ns() + 60ull * 1000000000ull;
	for (;;) {
		int ready = 0;
		for (int i = 0; i < c->jobs; i++) {
			if (sh->res[i].failed)
				return -1;
			ready += __atomic_load_n(&sh->res[i].ready, __ATOMIC_ACQUIRE);
		}
		if (ready == c->jobs)
			return 0;
		if (bench_now_ns() > limit)
			return -1;
		usleep(10000);
	}
}

struct summary {
	struct job_result all;
	double cpu_s;		/* server, inside the window; < 0 unknown */
	double client_cpu_s;
	int failed;
};

static void report(const struct opts *o, const struct summary *s)
{
	const struct bench_cfg *c = &o->cfg;
	const struct job_result *a = &s->all;
	double iops = (double)a->ios / c->secs;
	double mbps = (double)a->bytes / c->secs / 1e6;
	double mean = hist_mean(&a->hist) / 1e3;
	double p50 = (double)hist_quantile(&a->hist, 0.50) / 1e3;
	double p99 = (double)hist_quantile(&a->hist, 0.99) / 1e3;
	double p999 = (double)hist_quantile(&a->hist, 0.999) / 1e3;
	double cpu_io = s->cpu_s >= 0 && a->ios ? s->cpu_s * 1e6 / (double)a->ios : -1;
	double cpu_pct = s->cpu_s >= 0 ? s->cpu_s * 100 / c->secs : -1;

	printf("iscsi-bench: %s bs=%u qd=%d sessions=%dx%d jobs %.1fs (+%.1fs warm-up) %s\n",
	       o->pattern_name, c->bs, c->qd, c->sessions, c->jobs, c->secs, c->warmup, c->url);
	printf("  IOPS %.0f  MB/s %.1f  (reads %llu, writes %llu, errors %llu)\n", iops, mbps,
	       (unsigned long long)a->reads, (unsigned long long)a->writes,
	       (unsigned long long)a->errors);
	printf("  latency us: mean %.1f  p50 %.1f  p99 %.1f  p99.9 %.1f\n", mean, p50, p99, p999);
	if (cpu_io >= 0)
		printf("  server CPU %.2f s (%.0f%% of one core), %.2f us per I/O\n", s->cpu_s, cpu_pct,
		       cpu_io);
	printf("  client CPU %.2f s over the whole run\n", s->client_cpu_s);
	printf("RESULT iops=%.0f mbps=%.1f mean_us=%.1f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
	       "server_cpu_us_per_io=%.2f server_cpu_pct=%.0f errors=%llu ios=%llu\n",
	       iops, mbps, mean, p50, p99, p999, cpu_io, cpu_pct, (unsigned long long)a->errors,
	       (unsigned long long)a->ios);
}

static void collect(const struct bench_cfg *c, struct bench_shared *sh, pid_t *pids,
		    struct summary *s)
{
	for (int i = 0; i < c->jobs; i++) {
		int st;
		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
		struct job_result *r = &sh->res[i];
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || r->failed) {
			fprintf(stderr, "iscsi-bench: job %d failed: %s\n", i,
				r->err[0] ? r->err : "abnormal exit");
			s->failed = 1;
		}
		s->all.ios += r->ios;
		s->all.reads += r->reads;
		s->all.writes += r->writes;
		s->all.bytes += r->bytes;
		s->all.errors += r->errors;
		hist_add(&s->all.hist, &r->hist);
	}
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	s->client_cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
			  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	static struct summary s;
	int go[2];

	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return 2;
	}
	const struct bench_cfg *c = &o.cfg;
	size_t shsz = sizeof(struct bench_shared) + (size_t)c->jobs * sizeof(struct job_result);
	struct bench_shared *sh = mmap(NULL, shsz, PROT_READ | PROT_WRITE,
				       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t *pids = calloc((size_t)c->jobs, sizeof(pid_t));
	if (sh == MAP_FAILED || !pids || pipe(go) < 0) {
		perror("iscsi-bench");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (fork_jobs(c, sh, go[0], go[1], pids) < 0) {
		perror("iscsi-bench: fork");
		return 1;
	}
	close(go[0]);
	if (wait_ready(c, sh) < 0) {
		fprintf(stderr, "iscsi-bench: a job did not get ready\n");
		s.failed = 1;
	}
	uint64_t start = bench_now_ns();
	sh->start_ns = start;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	close(go[1]);	/* go */
	uint64_t win_start = start + (uint64_t)(c->warmup * 1e9);
	sleep_until(win_start);
	double cpu0 = server_cpu_seconds(o.server_pid);
	sleep_until(win_start + (uint64_t)(c->secs * 1e9));
	double cpu1 = server_cpu_seconds(o.server_pid);
	s.cpu_s = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
	collect(c, sh, pids, &s);
	report(&o, &s);
	free(pids);
	munmap(sh, shsz);
	return s.failed || s.all.ios == 0 ? 1 : 0;
}
