-- 0001_init.sql - the first schema: keys, datasets, examples, models,
-- predictions, evaluations.
--
-- Why this shape: an evaluation loads every example of a dataset joined to
-- one model's predictions, so both tables are keyed by (owner, ord), the
-- example's position in its upload, and joined on that integer instead of on
-- the text id.  Cohort attributes are dictionary-encoded: each dataset lists
-- its attribute names once, attribute_values maps (attribute, code) to the
-- text value once, and an example stores one int4 code per attribute.

-- First the API keys.  Only a SHA-256 hash of each key is kept; the prefix
-- is the public part used to find the row.
CREATE TABLE api_keys (
	id          bigserial PRIMARY KEY,
	name        text NOT NULL,
	role        text NOT NULL CHECK (role IN ('admin', 'analyst', 'hunter', 'viewer')),
	prefix      text NOT NULL UNIQUE,
	hash        bytea NOT NULL,
	created_at  timestamptz NOT NULL DEFAULT now(),
	revoked_at  timestamptz
);

-- Datasets: the attribute names are fixed by the examples upload.
CREATE TABLE datasets (
	id              bigserial PRIMARY KEY,
	name            text NOT NULL,
	task            text NOT NULL CHECK (task IN ('classification', 'score', 'regression', 'asr')),
	positive_label  text,
	description     text,
	attributes      text[] NOT NULL DEFAULT '{}',
	example_count   bigint NOT NULL DEFAULT 0,
	created_by      bigint REFERENCES api_keys (id),
	created_at      timestamptz NOT NULL DEFAULT now(),
	uploaded_at     timestamptz
);

CREATE TABLE attribute_values (
	dataset_id  bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
	attr        int NOT NULL,
	code        int NOT NULL,
	value       text NOT NULL,
	PRIMARY KEY (dataset_id, attr, code)
);

-- One row per example; ord is the 0-based position in the upload.
--
-- Partitioned by dataset: each examples upload creates its dataset's
-- partition in its own transaction and copies straight into it.  No primary
-- key, foreign key or index, on purpose: a B-tree, a per-row foreign-key
-- trigger or even a BRIN index costs PostgreSQL a large share of the COPY
-- itself, and these rows are only ever read whole, per dataset, which the
-- partition gives for free.  The invariants are kept by the only writer,
-- the upload (server/store_uploads.c): it locks the dataset row FOR UPDATE,
-- refuses a dataset that already has examples, numbers rows 0..n-1 itself,
-- checks every id for uniqueness before COPY, and commits or rolls back the
-- whole upload, partition included, in one transaction.  attrs holds one
-- code per dataset attribute, in order, as "3,0,12" (text is cheaper for
-- COPY to parse than int[]; string_to_array(attrs, ',')::int[] gives the
-- array in SQL).
CREATE TABLE examples (
	dataset_id  bigint NOT NULL,
	ord         int NOT NULL CHECK (ord >= 0),
	ext_id      text NOT NULL,
	label       text,
	label_num   double precision,
	reference   text,
	speaker     text,
	attrs       text NOT NULL	-- attribute codes, comma-separated
) PARTITION BY LIST (dataset_id);

CREATE TABLE models (
	id                bigserial PRIMARY KEY,
	dataset_id        bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
	name              text NOT NULL,
	version           text,
	prediction_count  bigint NOT NULL DEFAULT 0,
	normalize         text,		-- asr: text normalisation of the stored alignments
	created_by        bigint REFERENCES api_keys (id),
	created_at        timestamptz NOT NULL DEFAULT now(),
	uploaded_at       timestamptz
);
CREATE INDEX models_dataset ON models (dataset_id);

-- Predictions share the example's ord.  For asr the alignment counts are
-- computed once at upload and stored beside the hypothesis.  Partitioned
-- by model and kept by the single writer like examples; replacing a
-- model's predictions truncates its partition.
CREATE TABLE predictions (
	model_id        bigint NOT NULL,
	ord             int NOT NULL CHECK (ord >= 0),
	prediction      text,
	prediction_num  double precision,
	hypothesis      text,
	hits            int,
	sub             int,
	del             int,
	ins             int,
	ref_words       int,
	ref_chars       int,
	char_errors     int
) PARTITION BY LIST (model_id);

CREATE TABLE evaluations (
	id          bigserial PRIMARY KEY,
	model_id    bigint NOT NULL REFERENCES models (id) ON DELETE CASCADE,
	params      jsonb NOT NULL,
	result      json NOT NULL,	-- kept as text: key order as served
	summary     jsonb NOT NULL DEFAULT '{}',	-- groupings and flag count, for lists
	created_by  bigint REFERENCES api_keys (id),
	created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evaluations_model ON evaluations (model_id);

-- Share links: read-only, expiring, revocable links for people who look at
-- reports in a browser, where API keys are never typed.  The link carries an
-- HMAC over (id, scope, expiry); the row lets an analyst revoke it.  scope is
-- 'evaluation:<id>' for one report or 'all' for every page, read-only.
CREATE TABLE share_links (
	id          bigserial PRIMARY KEY,
	scope       text NOT NULL,
	expires_at  timestamptz NOT NULL,
	created_by  bigint REFERENCES api_keys (id),
	created_at  timestamptz NOT NULL DEFAULT now(),
	revoked_at  timestamptz
);

-- Per-database secrets, made once by the first server to start, so every
-- replica signs and checks share links with the same key.
CREATE TABLE server_secrets (
	name   text PRIMARY KEY,
	value  bytea NOT NULL
);
