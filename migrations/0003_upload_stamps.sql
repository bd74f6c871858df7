-- 0003_upload_stamps.sql - bounties freeze a model by its upload stamp to
-- the microsecond.
--
-- bounties.model_stamp and bounty_findings.h_model_stamp held the model's
-- uploaded_at to the second, so predictions replaced within the second of
-- the previous upload went unnoticed.  The service now writes and compares
-- uploaded_at to the microsecond, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"' in UTC.
-- A stored stamp that still matches its model's uploaded_at to the second
-- takes the microsecond form of that same instant; one that does not
-- (predictions replaced since) is left as it is, so it still differs and
-- the bounty stays frozen.

UPDATE bounties b
SET model_stamp = to_char(m.uploaded_at AT TIME ZONE 'UTC',
			  'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
FROM models m
WHERE m.id = b.model_id
  AND b.model_stamp = to_char(m.uploaded_at AT TIME ZONE 'UTC',
			      'YYYY-MM-DD"T"HH24:MI:SS"Z"');

UPDATE bounty_findings f
SET h_model_stamp = to_char(m.uploaded_at AT TIME ZONE 'UTC',
			    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
FROM models m
WHERE m.id = f.h_model_id
  AND f.h_model_stamp = to_char(m.uploaded_at AT TIME ZONE 'UTC',
				'YYYY-MM-DD"T"HH24:MI:SS"Z"');
