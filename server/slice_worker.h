/*
 * slice_worker.h - the threads that run slice-discovery jobs
 * (server/store_slices.h): each claims the oldest queued job, runs
 * evaluate/slices.c on the model's table, renews the job's heartbeat and
 * progress every second from a companion thread (which also passes on a
 * cancel), and stores the result.  Stopping the server puts a running job
 * back in the queue for the next server; a job whose server died is
 * queued again by the first worker to notice its stale heartbeat.
 */
#ifndef FA_SLICE_WORKER_H
#define FA_SLICE_WORKER_H

#include "server/store.h"

struct slice_workers;

/* Start n workers on store (n 0: none).  NULL when none could start. */
struct slice_workers *slice_workers_start(struct store *store, int n);
/* Stop them (a running job is queued again) and free. */
void slice_workers_stop(struct slice_workers *w);

#endif
