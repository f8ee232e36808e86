-- Millrace schema, version 7: a finished job keeps when and where its last attempt ran.
-- Every statement that moves a job to history copies attempted_at and attempted_by from the hot
-- row, so the job view and listing show them after the finish as they did while it ran. Rows
-- finished before this version have neither (nullable, no rewrite of existing partitions).

ALTER TABLE ${schema}.job_history ADD COLUMN attempted_at timestamptz;
ALTER TABLE ${schema}.job_history ADD COLUMN attempted_by text;
