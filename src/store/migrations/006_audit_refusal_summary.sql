-- Repeated refusals of callers no token identified (a flood of 401s, the anonymous 429) are recorded as one
-- summary row per caller address, route, status and reason per minute, not one row each. A summary row has a
-- count (the others NULL); its count, address, reason and window are covered by the chain's hash.
ALTER TABLE audit_records ADD COLUMN refusal_count integer CHECK (refusal_count > 0);
ALTER TABLE audit_records ADD COLUMN caller_address text;
ALTER TABLE audit_records ADD COLUMN refusal_reason text;
ALTER TABLE audit_records ADD COLUMN window_start timestamptz;
ALTER TABLE audit_records ADD CONSTRAINT audit_records_summary_whole CHECK (
  (refusal_count IS NULL) = (caller_address IS NULL) AND (refusal_count IS NULL) = (refusal_reason IS NULL)
  AND (refusal_count IS NULL) = (window_start IS NULL));
