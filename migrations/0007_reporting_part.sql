-- 0007_reporting_part.sql - a reporting part of the holdout.
--
-- The leaderboard and verdicts showed the patched model's exact error on
-- the holdout the verdicts are judged on, outside the reusable holdout.
-- Now a share of the holdout (split_reporting, fixed with the split at the
-- dataset's first bounty) is never used to accept or reject: the numbers
-- published about the patched model (its error per version) are computed
-- on it.  A dataset whose split was fixed before keeps no reporting part
-- (NULL, read as 0), and its bounties publish as before.

ALTER TABLE datasets
	ADD COLUMN split_reporting double precision
		CHECK (split_reporting >= 0 AND split_reporting < 1);

ALTER TABLE bounties
	ADD COLUMN reporting_share double precision NOT NULL DEFAULT 0
		CHECK (reporting_share >= 0 AND reporting_share < 1),
	ADD COLUMN reporting_rows bigint NOT NULL DEFAULT 0
		CHECK (reporting_rows >= 0);

-- the patched model's metric on the reporting part, per version
ALTER TABLE bounty_versions ADD COLUMN reported double precision;
