-- One record per audited call, allowed or refused. Append-only: each record's hash covers the previous
-- record's hash, so any edit, deletion or reordering breaks the chain at that record.
CREATE TABLE audit_records (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  recorded_at timestamptz NOT NULL,
  request_id text NOT NULL,
  client_id text,
  official_id text,
  service text,
  method text NOT NULL,
  route text NOT NULL,
  purpose text,
  purpose_reference text,
  -- personal ids of the data subjects (never their data)
  subjects text[] NOT NULL DEFAULT '{}',
  status smallint NOT NULL,
  upstream text,
  latency_ms double precision NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);
CREATE INDEX audit_records_subjects ON audit_records USING gin (subjects);
CREATE INDEX audit_records_client ON audit_records (client_id, seq);
CREATE INDEX audit_records_recorded_at ON audit_records (recorded_at);

-- The chain's head: every append moves it in the same statement, and its row lock orders concurrent
-- writers (several gateways) into one chain.
CREATE TABLE audit_head (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, repeat('0', 64));

CREATE FUNCTION audit_records_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_records is append-only';
END
$$;
CREATE TRIGGER audit_records_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_refuse_change();
CREATE TRIGGER audit_records_no_truncate BEFORE TRUNCATE ON audit_records
  FOR EACH STATEMENT EXECUTE FUNCTION audit_records_refuse_change();
