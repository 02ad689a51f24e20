-- Daily aggregates of audit_records for GET /admin/v1/statistics (src/audit/statistics.ts): a year's report reads a
-- few thousand rows instead of millions of records. One row per calendar day in Asia/Ho_Chi_Minh (fixed +07:00)
-- and outcome kind; '' stands for NULL in the key columns (a primary key cannot hold NULL, and '' is no valid
-- client id, service, problem type or upstream).
CREATE TABLE audit_daily_statistics (
  day date NOT NULL,
  client_id text NOT NULL,
  service text NOT NULL,
  status smallint NOT NULL,
  problem_type text NOT NULL,
  upstream text NOT NULL,
  -- calls, a refusal summary counting as the refusals it stands for
  calls bigint NOT NULL CHECK (calls >= 0),
  PRIMARY KEY (day, client_id, service, status, problem_type, upstream)
);

-- Latency histograms per day, client and service: every report group (client, service or day) is a union of
-- these, so outcomes need not split them (a year's report merges several times fewer arrays). Index i counts the
-- calls recorded one by one whose latency fell in bucket i (statistics.ts), trailing empty buckets left out;
-- refusals counted in summaries have no latency of their own.
CREATE TABLE audit_daily_latency (
  day date NOT NULL,
  client_id text NOT NULL,
  service text NOT NULL,
  histogram integer[] NOT NULL,
  PRIMARY KEY (day, client_id, service)
);

-- The last audit seq rolled up. Its row lock orders roll-ups of several gateways: each chunk reads the records
-- after it, adds them and moves it in one transaction, so no record is counted twice or skipped.
CREATE TABLE audit_statistics_watermark (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL CHECK (seq >= 0)
);
INSERT INTO audit_statistics_watermark (seq) VALUES (0);

-- Element-wise sum of two histograms of any lengths (the shorter padded with zeros).
CREATE FUNCTION audit_histogram_add(a integer[], b integer[]) RETURNS integer[] LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
  FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;
