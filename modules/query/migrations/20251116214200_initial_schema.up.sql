-- query: a search cache over the files of every storage element
-- bulkhead:requires storage:20251116183800_initial_tables
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE file_metadata_cache (
  file_id        uuid PRIMARY KEY,
  storage_name   text NOT NULL,
  original_name  text NOT NULL,
  sha256         text NOT NULL CHECK (length(sha256) = 64),
  size_bytes     bigint NOT NULL,
  tags           text[] NOT NULL DEFAULT '{}',
  refreshed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX file_metadata_cache_name_trgm_idx ON file_metadata_cache USING gin (original_name gin_trgm_ops);
CREATE INDEX file_metadata_cache_tags_idx ON file_metadata_cache USING gin (tags);

CREATE TABLE search_history (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    uuid NOT NULL,
  query      text NOT NULL,
  results    integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX search_history_user_idx ON search_history (user_id, created_at DESC);

CREATE TABLE download_statistics (
  file_id    uuid NOT NULL REFERENCES file_metadata_cache (file_id) ON DELETE CASCADE,
  day        date NOT NULL,
  downloads  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (file_id, day)
);
