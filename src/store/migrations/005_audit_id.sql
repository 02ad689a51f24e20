-- Each audited exchange gets an id of its own, made by the gateway: X-Request-Id is the caller's and may be
-- reused. Records written before this migration have none (NULL); the chain's hash covers the id when present.
ALTER TABLE audit_records ADD COLUMN audit_id uuid;
CREATE UNIQUE INDEX audit_records_audit_id ON audit_records (audit_id);
