-- admin: users and service accounts (seed 004's admin-module, with its bugs fixed)
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TYPE user_status_enum AS ENUM ('active', 'locked', 'deleted');
CREATE TYPE user_role_enum AS ENUM ('admin', 'operator', 'user');
CREATE TYPE service_account_status_enum AS ENUM ('active', 'suspended', 'revoked');
CREATE TYPE service_account_role_enum AS ENUM ('admin', 'storage', 'query', 'readonly');

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         citext NOT NULL UNIQUE,
  display_name  text NOT NULL,
  password_hash text NOT NULL,
  status        user_status_enum NOT NULL DEFAULT 'active',
  role          user_role_enum NOT NULL DEFAULT 'user',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE service_accounts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE,
  client_id   text NOT NULL UNIQUE,
  secret_hash text NOT NULL,
  status      service_account_status_enum NOT NULL DEFAULT 'active',
  role        service_account_role_enum NOT NULL DEFAULT 'readonly',
  created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The foreign key's type matches the key it references (uuid, not integer: seed 004, bug 1).
CREATE TABLE audit_logs (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id            uuid REFERENCES users (id) ON DELETE SET NULL,
  service_account_id uuid REFERENCES service_accounts (id) ON DELETE SET NULL,
  action             text NOT NULL,
  details            jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_logs_created_at_idx ON audit_logs (created_at);
CREATE INDEX audit_logs_user_id_idx ON audit_logs (user_id);
