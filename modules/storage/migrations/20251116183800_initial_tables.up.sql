-- storage: the files one storage element holds, and its write-ahead log
CREATE TYPE storage_wal_operation_enum AS ENUM ('upload', 'delete', 'move', 'retention');
CREATE TYPE storage_wal_status_enum AS ENUM ('pending', 'committed', 'failed');

CREATE TABLE storage_config (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE storage_files (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  path          text NOT NULL UNIQUE,
  original_name text NOT NULL,
  sha256        text NOT NULL CHECK (length(sha256) = 64),
  size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
  content_type  text,
  -- the uploader is an admin user: its id, not a foreign key (another module's database)
  uploaded_by   uuid NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX storage_files_sha256_idx ON storage_files (sha256);

CREATE TABLE storage_wal (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  file_id    uuid REFERENCES storage_files (id) ON DELETE CASCADE,
  operation  storage_wal_operation_enum NOT NULL,
  status     storage_wal_status_enum NOT NULL DEFAULT 'pending',
  payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX storage_wal_pending_idx ON storage_wal (created_at) WHERE status = 'pending';
