/*
 * slice_worker.c - see slice_worker.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/slice_worker.h"
#include "server/store_slices.h"
#include "server/log.h"
#include "evaluate/slices.h"
#include "server/bounty_data.h"
#include "report/json.h"
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define STALE_SECONDS 30
#define MAX_ATTEMPTS 3
#define IDLE_MS 500

struct progress {
	pthread_mutex_t lock;
	const char *phase;
	unsigned level, max_level;
	uint64_t evaluated, candidates;
};

struct worker {
	struct slice_workers *all;
	pthread_t thread;
	bool started;
	char name[96];
};

struct slice_workers {
	struct store *store;
	volatile int stopping;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int n;
	struct worker *w;
};

/* One running job's shared state with its heartbeat thread. */
struct running {
	struct worker *w;
	int64_t id;
	struct progress pr;
	volatile int cancel;		/* read by the search */
	volatile int done;		/* the search ended */
	bool requeue;			/* stopped by the server, not a user */
	pthread_mutex_t lock;
	pthread_cond_t tick;
};

static void on_progress(void *ctx, const char *phase, unsigned level,
			uint64_t evaluated, uint64_t candidates)
{
	struct progress *p = ctx;

	pthread_mutex_lock(&p->lock);
	p->phase = phase;
	p->level = level;
	p->evaluated = evaluated;
	p->candidates = candidates;
	pthread_mutex_unlock(&p->lock);
}

/*
 * {"phase", "level", "max_level", "evaluated", "candidates", "percent"}:
 * the search is the first half of the percent, the replication the second
 * (none when it is off), each level an equal share.
 */
static char *progress_json(struct progress *p, bool replicate, bool done)
{
	cJSON *o = cJSON_CreateObject();
	double within, pct;
	char *s;

	pthread_mutex_lock(&p->lock);
	within = p->candidates ? (double)p->evaluated / (double)p->candidates :
		 0;
	pct = p->max_level ? ((double)(p->level ? p->level - 1 : 0) + within) /
		 p->max_level : 0;
	if (replicate)
		pct = p->phase && !strcmp(p->phase, "replication") ?
		      0.5 + pct / 2 : pct / 2;
	cJSON_AddStringToObject(o, "phase", done ? "done" :
				p->phase ? p->phase : "loading");
	cJSON_AddNumberToObject(o, "level", p->level);
	cJSON_AddNumberToObject(o, "max_level", p->max_level);
	cJSON_AddNumberToObject(o, "evaluated", (double)p->evaluated);
	cJSON_AddNumberToObject(o, "candidates", (double)p->candidates);
	cJSON_AddNumberToObject(o, "percent", done ? 100 :
				floor(fmin(pct, 0.99) * 1000) / 10);
	pthread_mutex_unlock(&p->lock);
	s = json_print(o);
	cJSON_Delete(o);
	return s;
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Every second: the heartbeat, the progress, and a cancel passed on. */
static void *heartbeat_main(void *arg)
{
	struct running *run = arg;
	struct slice_workers *all = run->w->all;

	pthread_mutex_lock(&run->lock);
	while (!run->done) {
		struct timespec ts;
		struct db *db;
		bool cancel = false;
		char *pj;
		int rc;

		deadline_in(&ts, 1000);
		pthread_cond_timedwait(&run->tick, &run->lock, &ts);
		if (run->done)
			break;
		pthread_mutex_unlock(&run->lock);
		pj = progress_json(&run->pr, true, false);
		db = store_lease(all->store);
		rc = db ? store_slice_job_beat(db, run->id, run->w->name, pj,
					       &cancel) : -1;
		if (db)
			store_return(all->store, db);
		free(pj);
		pthread_mutex_lock(&run->lock);
		if (all->stopping) {
			run->requeue = true;
			run->cancel = 1;
		} else if (rc == 0 && cancel) {
			run->cancel = 1;
		} else if (rc == 1) {
			run->cancel = 1;	/* no longer ours: deleted */
		}
	}
	pthread_mutex_unlock(&run->lock);
	return NULL;
}

/* A bounty's search: its data (shared, cached), its discovery part. */
static cJSON *search_discovery(struct db *db, const struct slice_job *job,
			       const struct dataset *d, const cJSON *req,
			       const struct slices_hooks *hooks,
			       bool *cancelled, struct buf *err)
{
	struct bounty b;
	struct bounty_data *bd;
	cJSON *out = NULL, *bo;

	memset(&b, 0, sizeof(b));
	if (store_bounty_get(db, job->bounty_id, &b)) {
		buf_addf(err, "bounty %lld could not be read",
			 (long long)job->bounty_id);
		bounty_release(&b);
		return NULL;
	}
	bd = bounty_data_get(db, &b, d, err);
	if (bd) {
		out = slices_run(&bd->t, &bd->discovery, req, hooks, cancelled,
				 err);
		if (out) {
			bo = cJSON_AddObjectToObject(out, "bounty");
			cJSON_AddNumberToObject(bo, "id", (double)b.id);
			cJSON_AddStringToObject(bo, "part", "discovery");
			cJSON_AddNumberToObject(bo, "rows", (double)
						bitset_count(&bd->discovery));
		}
		bounty_data_put(bd);
	}
	bounty_release(&b);
	return out;
}

/* Load the job's table and search; the result or an error. */
static cJSON *search_job(struct db *db, struct running *run,
			 const struct slice_job *job, struct buf *err,
			 bool *cancelled)
{
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct table t;
	struct slices_hooks hooks = { on_progress, &run->pr, &run->cancel };
	cJSON *req = cJSON_Parse(job->params), *out = NULL;
	const cJSON *ml;
	enum task task;

	*cancelled = false;
	table_init(&t, TASK_CLASSIFICATION);
	if (!req) {
		buf_adds(err, "the stored request is not JSON");
		goto out;
	}
	ml = cJSON_GetObjectItemCaseSensitive(req, "max_level");
	run->pr.max_level = cJSON_IsNumber(ml) ? (unsigned)ml->valuedouble : 3;
	if (store_model_get(db, job->model_id, &m) ||
	    store_dataset_get(db, m.dataset_id, &d) ||
	    task_parse(d.task, &task)) {
		buf_addf(err, "model %lld or its dataset could not be read",
			 (long long)job->model_id);
		goto out;
	}
	if (job->bounty_id) {
		out = search_discovery(db, job, &d, req, &hooks, cancelled, err);
		goto described;
	}
	table_init(&t, task);
	if (store_table_load(db, &d, m.id, &t)) {
		buf_adds(err, "the model's examples could not be read");
		goto out;
	}
	out = slices_run(&t, NULL, req, &hooks, cancelled, err);
described:
	if (out) {
		cJSON *mo = cJSON_CreateObject();

		cJSON_AddNumberToObject(mo, "id", (double)m.id);
		cJSON_AddStringToObject(mo, "name", m.name);
		cJSON_AddNumberToObject(mo, "dataset_id", (double)d.id);
		cJSON_AddStringToObject(mo, "dataset", d.name);
		cJSON_AddItemToObject(out, "model", mo);
	}
out:
	cJSON_Delete(req);
	table_release(&t);
	model_release(&m);
	dataset_release(&d);
	return out;
}

static void run_job(struct worker *w, struct db *db, struct slice_job *job)
{
	struct running run;
	pthread_t hb;
	struct buf err = BUF_INIT;
	bool cancelled, hb_ok;
	cJSON *out;
	char *result = NULL, *pj;
	const char *status;
	double t0 = now_seconds();

	memset(&run, 0, sizeof(run));
	run.w = w;
	run.id = job->id;
	pthread_mutex_init(&run.pr.lock, NULL);
	pthread_mutex_init(&run.lock, NULL);
	pthread_cond_init(&run.tick, NULL);
	log_info("slice job %lld: running (attempt %d)", (long long)job->id,
		 job->attempts);
	hb_ok = !pthread_create(&hb, NULL, heartbeat_main, &run);
	out = search_job(db, &run, job, &err, &cancelled);
	pthread_mutex_lock(&run.lock);
	run.done = 1;
	pthread_cond_signal(&run.tick);
	pthread_mutex_unlock(&run.lock);
	if (hb_ok)
		pthread_join(hb, NULL);
	if (out) {
		status = "done";
		result = json_print(out);
	} else if (cancelled) {
		status = run.requeue ? "queued" : "cancelled";
	} else {
		status = "failed";
	}
	pj = progress_json(&run.pr, true, out != NULL);
	if (store_slice_job_finish(db, job->id, w->name, status, result,
				   !strcmp(status, "failed") ? err.s : NULL, pj))
		log_error("slice job %lld: could not store its end",
			  (long long)job->id);
	log_info("slice job %lld: %s in %.3f s%s%s", (long long)job->id,
		 status, now_seconds() - t0, err.len ? ": " : "",
		 err.len ? err.s : "");
	free(pj);
	free(result);
	cJSON_Delete(out);
	buf_release(&err);
	pthread_mutex_destroy(&run.pr.lock);
	pthread_mutex_destroy(&run.lock);
	pthread_cond_destroy(&run.tick);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct slice_workers *all = w->all;

	while (!all->stopping) {
		struct db *db = store_lease(all->store);
		struct slice_job job = { 0 };
		int rc = -1, n = 0;

		if (db) {
			if (!store_slice_jobs_reclaim(db, STALE_SECONDS,
						      MAX_ATTEMPTS, &n) && n)
				log_info("slice jobs: %d with a stale heartbeat"
					 " queued again or failed", n);
			rc = store_slice_job_claim(db, w->name, &job);
			if (rc == 0)
				run_job(w, db, &job);
			store_return(all->store, db);
		}
		slice_job_release(&job);
		if (rc == 0)
			continue;
		pthread_mutex_lock(&all->lock);
		if (!all->stopping) {
			struct timespec ts;

			deadline_in(&ts, IDLE_MS);
			pthread_cond_timedwait(&all->wake, &all->lock, &ts);
		}
		pthread_mutex_unlock(&all->lock);
	}
	return NULL;
}

struct slice_workers *slice_workers_start(struct store *store, int n)
{
	struct slice_workers *all;
	char host[64] = "host";

	if (n <= 0)
		return NULL;
	gethostname(host, sizeof(host) - 1);
	all = xcalloc(1, sizeof(*all));
	all->store = store;
	all->n = n;
	all->w = xcalloc((size_t)n, sizeof(*all->w));
	pthread_mutex_init(&all->lock, NULL);
	pthread_cond_init(&all->wake, NULL);
	for (int i = 0; i < n; i++) {
		struct worker *w = &all->w[i];

		w->all = all;
		snprintf(w->name, sizeof(w->name), "%s:%ld:%d", host,
			 (long)getpid(), i);
		w->started = !pthread_create(&w->thread, NULL, worker_main, w);
		if (!w->started)
			log_error("could not start slice worker %d", i);
	}
	return all;
}

void slice_workers_stop(struct slice_workers *all)
{
	if (!all)
		return;
	pthread_mutex_lock(&all->lock);
	all->stopping = 1;
	pthread_cond_broadcast(&all->wake);
	pthread_mutex_unlock(&all->lock);
	for (int i = 0; i < all->n; i++)
		if (all->w[i].started)
			pthread_join(all->w[i].thread, NULL);
	pthread_mutex_destroy(&all->lock);
	pthread_cond_destroy(&all->wake);
	free(all->w);
	free(all);
}
