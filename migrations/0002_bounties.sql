-- 0002_bounties.sql - bias-bounty programs: rules, per-hunter reusable
-- holdout state, the audit log of submissions, accepted findings and the
-- pointer decision list they build.
--
-- Why this shape: a verdict is always recomputed from the dataset, the
-- bounty's secret and what these tables record, never from a cached copy.
-- Submissions to one bounty are serialised by locking its bounties row
-- (SELECT ... FOR UPDATE) in the one transaction that reads the hunter's
-- state and the accepted findings, decides, and writes the outcome
-- (server/store_bounties.c).  The discovery/holdout split is not stored:
-- it is a keyed hash of each example id under the bounty's secret
-- (bounty/split.h), recomputed whenever it is needed.  The pointer decision
-- list is not stored as per-row sources either: replaying the accepted
-- (group, h) findings in order rebuilds it exactly (bounty/pdl.h), and
-- bounty_nodes records what each update appended so that the replay can be
-- checked and the list shown.

-- First the programs.  The secret keys the split and the per-hunter noise;
-- no route ever returns it.  model_stamp is the model's uploaded_at when
-- the bounty opened: predictions uploaded again later (?replace=true)
-- would silently change every verdict, so submissions are refused then.
CREATE TABLE bounties (
	id                bigserial PRIMARY KEY,
	model_id          bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
	dataset_id        bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
	metric            text NOT NULL CHECK (metric IN ('error_rate', 'fpr', 'fnr', 'wer')),
	holdout_fraction  double precision NOT NULL
	                  CHECK (holdout_fraction > 0 AND holdout_fraction < 1),
	min_support       int NOT NULL CHECK (min_support >= 1),
	min_gap           double precision NOT NULL,
	alpha             double precision NOT NULL,
	significance      double precision NOT NULL
	                  CHECK (significance > 0 AND significance < 1),
	budget            int NOT NULL CHECK (budget >= 1),
	threshold         double precision NOT NULL CHECK (threshold >= 0),	-- Thresholdout T
	sigma             double precision NOT NULL CHECK (sigma > 0),	-- Thresholdout noise scale
	secret            bytea NOT NULL CHECK (length(secret) >= 16),
	model_stamp       text NOT NULL,
	discovery_rows    bigint NOT NULL,
	holdout_rows      bigint NOT NULL,
	opens_at          timestamptz NOT NULL DEFAULT now(),
	closes_at         timestamptz CHECK (closes_at IS NULL OR closes_at > opens_at),
	status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
	nodes             int NOT NULL DEFAULT 0,	-- length of the decision list
	created_by        bigint REFERENCES api_keys (id),
	created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bounties_model ON bounties (model_id);

-- Per hunter (API key) and bounty: the reusable-holdout mechanism's whole
-- state (bounty/thresholdout.h) and the number of submissions judged so
-- far, which sets the Bonferroni factor of the next one.  The seed is a
-- uint64 stored in a bigint's 64 bits.
CREATE TABLE bounty_hunters (
	bounty_id    bigint NOT NULL REFERENCES bounties (id) ON DELETE CASCADE,
	key_id       bigint NOT NULL REFERENCES api_keys (id),
	judged       int NOT NULL DEFAULT 0,
	t_threshold  double precision NOT NULL,
	t_sigma      double precision NOT NULL,
	t_budget     int NOT NULL,
	t_used       int NOT NULL,
	t_seed       bigint NOT NULL,
	t_queries    bigint NOT NULL,
	t_gamma      double precision NOT NULL,
	PRIMARY KEY (bounty_id, key_id)
);

-- The audit log: every submission that reached verification, whatever
-- its outcome ('refused' = the hunter's holdout budget ran out).  released
-- is what the hunter is shown (numbers that passed through the reusable
-- holdout); holdout keeps the exact holdout and discovery verdicts for
-- administrators and analysts only.  members is set for accepted findings:
-- a bitset over the bounty's holdout examples taken in ord order, bit i of
-- byte i / 8 (least significant first) for the i-th holdout example.
CREATE TABLE bounty_submissions (
	id            bigserial PRIMARY KEY,
	bounty_id     bigint NOT NULL REFERENCES bounties (id) ON DELETE CASCADE,
	key_id        bigint NOT NULL REFERENCES api_keys (id),
	seq           int NOT NULL,			-- the hunter's n-th submission here
	group_text    text NOT NULL,
	canonical     text NOT NULL,
	h_kind        text NOT NULL CHECK (h_kind IN ('none', 'predictions', 'model')),
	h_model_id    bigint REFERENCES models (id),
	status        text NOT NULL
	              CHECK (status IN ('accepted', 'rejected', 'duplicate', 'refused')),
	reason        text NOT NULL,
	support       bigint NOT NULL DEFAULT 0,
	points        double precision NOT NULL DEFAULT 0,
	duplicate_of  bigint REFERENCES bounty_submissions (id),
	released      json NOT NULL,
	holdout       json,
	members       bytea,
	created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bounty_submissions_bounty ON bounty_submissions (bounty_id, key_id);

-- Accepted findings, in order of acceptance.  A finding with h is model
-- number pdl_model of the decision list (1, 2, ...); h is either the
-- predictions stored below or another model of the dataset, referenced
-- with the uploaded_at it had when the finding was accepted.
CREATE TABLE bounty_findings (
	submission_id    bigint PRIMARY KEY REFERENCES bounty_submissions (id) ON DELETE CASCADE,
	bounty_id        bigint NOT NULL REFERENCES bounties (id) ON DELETE CASCADE,
	ordinal          int NOT NULL,
	key_id           bigint NOT NULL REFERENCES api_keys (id),
	canonical        text NOT NULL,
	h_kind           text NOT NULL CHECK (h_kind IN ('none', 'predictions', 'model')),
	h_model_id       bigint REFERENCES models (id),
	h_model_stamp    text,
	pdl_model        int,
	points           double precision NOT NULL,
	UNIQUE (bounty_id, ordinal)
);

-- h given as predictions: one row per example of the group.  Classification
-- keeps the predicted label; asr the hypothesis and its alignment counts
-- against the reference, computed once with the normalisation of the
-- bounty's model.
CREATE TABLE bounty_h_predictions (
	submission_id  bigint NOT NULL REFERENCES bounty_submissions (id) ON DELETE CASCADE,
	ext_id         text NOT NULL,
	prediction     text,
	hypothesis     text,
	sub            int,
	del            int,
	ins            int,
	ref_words      int
);
CREATE INDEX bounty_h_predictions_submission ON bounty_h_predictions (submission_id);

-- The decision list, node by node: position p (1-based) is version p.  A
-- model node answers its finding's group with that finding's h; a repair
-- node answers the group of finding `finding` as version `target` does.
CREATE TABLE bounty_nodes (
	bounty_id   bigint NOT NULL REFERENCES bounties (id) ON DELETE CASCADE,
	position    int NOT NULL,
	kind        text NOT NULL CHECK (kind IN ('model', 'repair')),
	finding     bigint NOT NULL REFERENCES bounty_findings (submission_id),
	target      int,
	PRIMARY KEY (bounty_id, position)
);

-- The patched model's overall metric on the holdout after each update
-- (version 0: the bounty's model alone), for the leaderboard's chart.
CREATE TABLE bounty_versions (
	bounty_id      bigint NOT NULL REFERENCES bounties (id) ON DELETE CASCADE,
	version        int NOT NULL,
	submission_id  bigint REFERENCES bounty_submissions (id),
	overall        double precision,
	created_at     timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (bounty_id, version)
);
