-- Idempotency-Key of a write: the first request claims the key, its answer is kept and replayed to any repeat
-- of the same request; the same key with another request is refused. Shared by every gateway on the store.
CREATE TABLE idempotency_keys (
  client_id text NOT NULL,
  idempotency_key text NOT NULL,
  operation text NOT NULL,
  request_hash text NOT NULL,
  -- NULL while the first request is still being answered
  status_code smallint,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (client_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);
