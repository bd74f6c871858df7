-- 0006_bounty_privacy.sql - the privacy loss of a bounty's holdout answers.
--
-- epsilon is the privacy loss one holdout answer may cost: its noise is
-- scaled to 2 x sensitivity / epsilon (bounty/thresholdout.h).  A bounty
-- created before this migration keeps its old, uncalibrated noise
-- (epsilon 0) and no bounty-wide limit; close it and open a new one to get
-- the guarantee.  total_budget caps the holdout answers of all of a
-- bounty's hunters together, so that many keys cannot multiply one
-- hunter's budget.

ALTER TABLE bounties
	ADD COLUMN epsilon double precision NOT NULL DEFAULT 0
		CHECK (epsilon >= 0 AND epsilon <= 100),
	ADD COLUMN total_budget bigint
		CHECK (total_budget > 0);
