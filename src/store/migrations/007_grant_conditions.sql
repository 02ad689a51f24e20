-- Row conditions of a grant (GrantRows: subject required/allowed, fixed list filters) and whether a verify grant
-- answers which fields differ. NULL/false: no row condition, a bare match.
ALTER TABLE grants ADD COLUMN rows jsonb;
ALTER TABLE grants ADD COLUMN mismatch_detail boolean NOT NULL DEFAULT false;
