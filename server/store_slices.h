/*
 * store_slices.h - slice-discovery jobs (migrations/0008_slice_jobs.sql).
 */
#ifndef FA_STORE_SLICES_H
#define FA_STORE_SLICES_H

#include "server/store.h"

struct slice_job {
	int64_t id, model_id, bounty_id;	/* bounty_id 0: none */
	char *params, *status, *progress, *result, *error;
	int attempts;
	bool cancel_requested;
	char *created_at, *started_at, *finished_at;
};

void slice_job_release(struct slice_job *j);

/* Queue a job (bounty_id 0: none); *id gets its id.  0 or -1. */
int store_slice_job_create(struct db *db, int64_t model_id,
			   int64_t bounty_id, const char *params,
			   int64_t key_id, int64_t *id);
/* The newest finished search of bounty_id: 0, 1 when none, -1. */
int store_slice_job_latest_done(struct db *db, int64_t bounty_id,
				struct slice_job *out);
/* 0, 1 when there is no such job, -1. */
int store_slice_job_get(struct db *db, int64_t id, struct slice_job *out);
/*
 * Ask job id to stop: a queued job is cancelled at once, a running one
 * when its worker next looks.  0, 1 (no such job), -1.
 */
int store_slice_job_cancel(struct db *db, int64_t id);

/*
 * Queue again (or fail, after max_attempts) running jobs whose heartbeat
 * is older than stale_seconds; *n gets how many.  0 or -1.
 */
int store_slice_jobs_reclaim(struct db *db, int stale_seconds,
			     int max_attempts, int *n);
/*
 * Claim the oldest queued job for worker (FOR UPDATE SKIP LOCKED): 0 with
 * *out filled, 1 when none is queued, -1.
 */
int store_slice_job_claim(struct db *db, const char *worker,
			  struct slice_job *out);
/*
 * A running job's heartbeat and progress (JSON); *cancel gets whether a
 * cancel was asked.  0, 1 when the job is no longer this worker's, -1.
 */
int store_slice_job_beat(struct db *db, int64_t id, const char *worker,
			 const char *progress, bool *cancel);
/*
 * End a running job: status "done" (result JSON), "failed" (error),
 * "cancelled", or "queued" (put back, its attempt not counted).  0 or -1.
 */
int store_slice_job_finish(struct db *db, int64_t id, const char *worker,
			   const char *status, const char *result,
			   const char *error, const char *progress);

#endif
