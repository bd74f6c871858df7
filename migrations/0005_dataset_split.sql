-- 0005_dataset_split.sql - one secret split per dataset, shared by all of
-- its bounties.
--
-- Each bounty drew its own secret split, so two bounties on one dataset had
-- different holdouts and one bounty's discovery file held about half of
-- the other's holdout labels (99.3 % of them with eight bounties), without
-- a single submission.  Now the dataset keeps the split key and fraction,
-- fixed when its first bounty is asked for, and every bounty copies them.
--
-- First the columns; then a dataset that already has bounties adopts the
-- split of its earliest one, so that at least every later bounty shares a
-- partition with it.  Bounties that already differ among themselves keep
-- their own splits: close them.

ALTER TABLE datasets
	ADD COLUMN split_secret bytea CHECK (length(split_secret) >= 16),
	ADD COLUMN split_fraction double precision
		CHECK (split_fraction > 0 AND split_fraction < 1);

UPDATE datasets d
SET split_secret = b.secret, split_fraction = b.holdout_fraction
FROM (SELECT DISTINCT ON (dataset_id) dataset_id, secret, holdout_fraction
      FROM bounties ORDER BY dataset_id, id) b
WHERE b.dataset_id = d.id;
