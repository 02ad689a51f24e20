-- Nightly syncs: where each one has got to, what each run did, the records it could not take, and the
-- provincial shared-data store the syncs fill. A batch's rows, its dead letters, the run's counts and the
-- checkpoint are committed in one transaction, so a crash loses or repeats nothing.
CREATE TABLE sync_checkpoints (
  sync_name text PRIMARY KEY,
  -- the source's own cursor after the last committed batch; NULL = from the beginning
  position text,
  run_id text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sync_runs (
  run_id text PRIMARY KEY,
  sync_name text NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
  status text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  attempts integer NOT NULL DEFAULT 1,
  batches integer NOT NULL DEFAULT 0,
  records_read bigint NOT NULL DEFAULT 0,
  records_written bigint NOT NULL DEFAULT 0,
  records_invalid bigint NOT NULL DEFAULT 0,
  estimated_total bigint,
  position_from text,
  position_to text,
  error text
);
CREATE INDEX sync_runs_by_sync ON sync_runs (sync_name, started_at DESC);

CREATE TABLE sync_dead_letters (
  id bigserial PRIMARY KEY,
  sync_name text NOT NULL,
  run_id text NOT NULL,
  -- the record's identity at the source (feed sequence, dossier code and sequence, record id)
  record_key text NOT NULL,
  reason text NOT NULL,
  payload jsonb,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sync_name, record_key)
);
CREATE INDEX sync_dead_letters_by_run ON sync_dead_letters (run_id, id);

-- population-changes: the province's copy of its citizens, newest change wins
CREATE TABLE shared_citizens (
  personal_id text PRIMARY KEY,
  full_name text NOT NULL,
  date_of_birth date NOT NULL,
  gender text NOT NULL,
  record jsonb NOT NULL,
  source_seq bigint NOT NULL,
  changed_at timestamptz NOT NULL,
  synced_at timestamptz NOT NULL DEFAULT now()
);

-- sector-<sector>-<dataset>: declared datasets copied record by record
CREATE TABLE shared_sector_records (
  dataset text NOT NULL,
  record_id text NOT NULL,
  record jsonb NOT NULL,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset, record_id)
);

-- dossier-status: what was pushed to the national portal, keyed as the portal keys it
CREATE TABLE portal_status_pushes (
  dossier_code text NOT NULL,
  dossier_sequence integer NOT NULL,
  status text NOT NULL,
  national_status text NOT NULL,
  outcome text NOT NULL,
  mapping_versions jsonb NOT NULL,
  pushed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dossier_code, dossier_sequence)
);

-- the versioned mapping tables of the national portal push (local → national), newest version in force
CREATE TABLE portal_mappings (
  table_name text NOT NULL CHECK (table_name IN ('status', 'procedure')),
  version text NOT NULL,
  entries jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (table_name, version)
);
