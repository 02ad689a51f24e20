-- Registered client systems (one per agency system, like an X-Road subsystem) and what each may do.
CREATE TABLE clients (
  client_id text PRIMARY KEY CHECK (client_id ~ '^[A-Za-z0-9._-]{1,128}$'),
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended')),
  admin boolean NOT NULL DEFAULT false,
  rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A grant = (client, service, allowed purposes, allowed fields). NULL purposes/fields: none / every field.
CREATE TABLE grants (
  client_id text NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
  service text NOT NULL,
  purposes text[],
  fields text[],
  rate_limit_per_minute integer CHECK (rate_limit_per_minute > 0),
  PRIMARY KEY (client_id, service)
);
