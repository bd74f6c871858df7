-- 0008_slice_jobs.sql - slice discovery runs as a job, not a long request.
--
-- POST /v1/models/{id}/slices queues a row; a worker of any server process
-- claims the oldest queued one with SELECT ... FOR UPDATE SKIP LOCKED, so
-- several servers share the work and no job runs twice at once.  A running
-- job's worker renews heartbeat_at every second; a job whose heartbeat is
-- older than 30 s (its server stopped) is queued again, or failed after
-- three attempts, so no job stays "running" forever.

CREATE TABLE slice_jobs (
	id                bigserial PRIMARY KEY,
	model_id          bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
	-- a search of a bounty's discovery part only: what a hunter can see
	bounty_id         bigint REFERENCES bounties (id) ON DELETE CASCADE,
	params            text NOT NULL,		-- the request, JSON
	status            text NOT NULL DEFAULT 'queued' CHECK (status IN
				('queued', 'running', 'done', 'failed', 'cancelled')),
	progress          text NOT NULL DEFAULT '{}',	-- JSON
	result            text,				-- JSON, when done
	error             text,				-- when failed
	attempts          int NOT NULL DEFAULT 0,
	cancel_requested  boolean NOT NULL DEFAULT false,
	worker            text,
	heartbeat_at      timestamptz,
	created_by        bigint REFERENCES api_keys (id),
	created_at        timestamptz NOT NULL DEFAULT now(),
	started_at        timestamptz,
	finished_at       timestamptz
);
CREATE INDEX slice_jobs_queued ON slice_jobs (id) WHERE status = 'queued';
CREATE INDEX slice_jobs_model ON slice_jobs (model_id);
CREATE INDEX slice_jobs_bounty ON slice_jobs (bounty_id) WHERE bounty_id IS NOT NULL;
