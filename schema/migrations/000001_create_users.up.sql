-- Accounts that own workspaces and chats. Users are soft-deleted (deleted =
-- true) so that audit history keeps pointing at a real row.
CREATE TYPE user_status AS ENUM (
    'active',
    'dormant',
    'suspended'
);

CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    username varchar(64) NOT NULL,
    name text NOT NULL DEFAULT '',
    hashed_password bytea NOT NULL,
    status user_status NOT NULL DEFAULT 'active',
    rbac_roles text[] NOT NULL DEFAULT '{}',
    deleted boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    CONSTRAINT users_email_key UNIQUE (email)
);

COMMENT ON TABLE users IS 'Accounts that own workspaces and chats. Rows are soft-deleted via the deleted flag.';
COMMENT ON COLUMN users.hashed_password IS 'bcrypt hash of the password; empty for users that only log in through OIDC.';
COMMENT ON COLUMN users.rbac_roles IS 'Site-wide role names granted to the user, e.g. owner or auditor.';
