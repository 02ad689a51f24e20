-- Non-repudiation and archiving.
--
-- 1. audit_records becomes partitioned by month of recorded_at, so that removing an archived month past the
--    retention is dropping one table, not deleting millions of rows. A partitioned table's keys must hold the
--    partition column: seq stays unique because the head row orders every append (writer.ts).
-- 2. Each record gains the exchange's message id (X-Message-Id), the SHA-256 of the request and response bodies
--    as sent, and the problem type of a refusal; the chain's hash covers them (record.ts).
-- 3. Message ids a client supplied, reserved so that none is used twice by the same client.
-- 4. The gateways' public signing keys (kept after rotation) and the signed checkpoints of the chain head.
-- 5. Archives written and verified, and the anchor where the chain continues after a pruned cut.

ALTER TABLE audit_records RENAME TO audit_records_unpartitioned;
DROP TRIGGER audit_records_no_update_or_delete ON audit_records_unpartitioned;
DROP TRIGGER audit_records_no_truncate ON audit_records_unpartitioned;
ALTER INDEX audit_records_pkey RENAME TO audit_records_unpartitioned_pkey;
ALTER INDEX audit_records_subjects RENAME TO audit_records_unpartitioned_subjects;
ALTER INDEX audit_records_client RENAME TO audit_records_unpartitioned_client;
ALTER INDEX audit_records_recorded_at RENAME TO audit_records_unpartitioned_recorded_at;
ALTER INDEX audit_records_audit_id RENAME TO audit_records_unpartitioned_audit_id;

CREATE TABLE audit_records (
  seq bigint NOT NULL CHECK (seq > 0),
  recorded_at timestamptz NOT NULL,
  audit_id uuid,
  message_id text,
  request_id text NOT NULL,
  client_id text,
  official_id text,
  service text,
  method text NOT NULL,
  route text NOT NULL,
  purpose text,
  purpose_reference text,
  subjects text[] NOT NULL DEFAULT '{}',
  status smallint NOT NULL,
  problem_type text,
  upstream text,
  latency_ms double precision NOT NULL,
  -- sha256 hex of the bodies exactly as received and sent; NULL: no body (or one streamed, see the docs)
  request_digest text CHECK (request_digest ~ '^[0-9a-f]{64}$'),
  response_digest text CHECK (response_digest ~ '^[0-9a-f]{64}$'),
  refusal_count integer CHECK (refusal_count > 0),
  caller_address text,
  refusal_reason text,
  window_start timestamptz,
  prev_hash text NOT NULL,
  hash text NOT NULL,
  PRIMARY KEY (seq, recorded_at),
  CONSTRAINT audit_records_summary_whole CHECK (
    (refusal_count IS NULL) = (caller_address IS NULL) AND (refusal_count IS NULL) = (refusal_reason IS NULL)
    AND (refusal_count IS NULL) = (window_start IS NULL))
) PARTITION BY RANGE (recorded_at);
CREATE INDEX audit_records_subjects ON audit_records USING gin (subjects);
CREATE INDEX audit_records_client ON audit_records (client_id, seq);
CREATE INDEX audit_records_recorded_at ON audit_records (recorded_at);
-- not unique: a partitioned table cannot enforce it across months; audit ids are random UUIDs (122 bits)
CREATE INDEX audit_records_audit_id ON audit_records (audit_id);
CREATE INDEX audit_records_message_id ON audit_records (message_id);

-- The partition of the month holding `at` (UTC months), made if missing. Called by the writer at start, each day,
-- and when an insert finds no partition.
CREATE FUNCTION audit_ensure_partition(at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamptz := date_trunc('month', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
  name text := 'audit_records_' || to_char(at AT TIME ZONE 'UTC', 'YYYY_MM');
BEGIN
  IF to_regclass(quote_ident(name)) IS NULL THEN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF audit_records FOR VALUES FROM (%L) TO (%L)',
      name, month_start, month_start + interval '1 month');
  END IF;
  RETURN name;
END
$$;

SELECT audit_ensure_partition(month) FROM (
  SELECT DISTINCT date_trunc('month', recorded_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month FROM audit_records_unpartitioned
  UNION SELECT now()
) AS months;

INSERT INTO audit_records (seq, recorded_at, audit_id, request_id, client_id, official_id, service, method, route, purpose,
  purpose_reference, subjects, status, upstream, latency_ms, refusal_count, caller_address, refusal_reason, window_start,
  prev_hash, hash)
SELECT seq, recorded_at, audit_id, request_id, client_id, official_id, service, method, route, purpose,
  purpose_reference, subjects, status, upstream, latency_ms, refusal_count, caller_address, refusal_reason, window_start,
  prev_hash, hash
FROM audit_records_unpartitioned;
DROP TABLE audit_records_unpartitioned;

CREATE TRIGGER audit_records_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_refuse_change();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
  FOR EACH STATEMENT EXECUTE FUNCTION audit_records_refuse_change();

-- A message id a client gave in X-Message-Id, kept as long as its records are.
CREATE TABLE audit_message_ids (
  client_id text NOT NULL,
  message_id text NOT NULL,
  reserved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, message_id)
);
CREATE INDEX audit_message_ids_reserved_at ON audit_message_ids (reserved_at);

-- Every key a gateway has signed with, kept after rotation so that old checkpoints still verify.
CREATE TABLE gateway_signing_keys (
  key_id text PRIMARY KEY,
  alg text NOT NULL,
  public_jwk jsonb NOT NULL,
  first_used_at timestamptz NOT NULL DEFAULT now()
);

-- A gateway's signature over the chain head it saw: (seq, hash, signedAt) as a JWS.
CREATE TABLE audit_checkpoints (
  seq bigint NOT NULL CHECK (seq > 0),
  hash text NOT NULL,
  signed_at timestamptz NOT NULL,
  key_id text NOT NULL REFERENCES gateway_signing_keys (key_id),
  jws text NOT NULL,
  PRIMARY KEY (seq, key_id)
);
CREATE INDEX audit_checkpoints_signed_at ON audit_checkpoints (signed_at);

-- Archives made (period, chain range, digest of the file) and whether the written file was verified.
CREATE TABLE audit_archives (
  archive_id uuid PRIMARY KEY,
  period_from timestamptz NOT NULL,
  period_to timestamptz NOT NULL,
  first_seq bigint,
  last_seq bigint,
  last_hash text,
  records integer NOT NULL,
  sha256 text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  verified_at timestamptz
);

-- Where the stored chain begins once archived months were removed: the last removed record's seq and hash.
CREATE TABLE audit_anchor (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  hash text NOT NULL,
  archive_id uuid NOT NULL REFERENCES audit_archives (archive_id),
  pruned_at timestamptz NOT NULL DEFAULT now()
);
