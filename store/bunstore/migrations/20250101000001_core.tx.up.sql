-- workspacekit core schema.
--
-- Citus rule: every workspace-owned table has workspace_id leading its primary
-- key and every unique index, and its foreign keys include workspace_id, so
-- the tables can later be distributed (and co-located) by workspace.
-- accounts and workspaces are the roots: workspaces.id IS the distribution
-- value of everything below it.
--
-- Text that is ordered or compared by the library (user ids, role names) uses
-- COLLATE "C" so that ORDER BY equals Go's byte order, as in the in-memory
-- store.
CREATE TABLE accounts (
    id         uuid        PRIMARY KEY,
    name       text        NOT NULL,
    owner_id   text        COLLATE "C" NOT NULL,
    plan       text        NOT NULL DEFAULT '',
    version    bigint      NOT NULL,
    created_at timestamptz NOT NULL
);
--bun:split
-- Workspaces of the accounts a user owns (the derived account owner).
CREATE INDEX accounts_owner_idx ON accounts (owner_id, id);
--bun:split
CREATE TABLE workspaces (
    id          uuid        PRIMARY KEY,
    account_id  uuid        NOT NULL REFERENCES accounts (id),
    name        text        NOT NULL,
    -- workspace.NameKey(name), computed in Go so that both stores agree on
    -- what "the same name ignoring case" means.
    name_key    text        COLLATE "C" NOT NULL,
    description text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT workspaces_account_name_key UNIQUE (account_id, name_key)
);
--bun:split
CREATE INDEX workspaces_account_idx ON workspaces (account_id, id);
--bun:split
CREATE TABLE memberships (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      text        COLLATE "C" NOT NULL,
    role         text        COLLATE "C" NOT NULL,
    version      bigint      NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
--bun:split
-- A user's workspaces without a scan (ListAccess, GetAccess by user).
CREATE INDEX memberships_user_idx ON memberships (user_id, workspace_id);
--bun:split
CREATE TABLE invitations (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           uuid        NOT NULL,
    email        text        NOT NULL,
    role         text        COLLATE "C" NOT NULL,
    invited_by   text        COLLATE "C" NOT NULL,
    token_hash   bytea,
    status       text        NOT NULL CHECK (status IN ('pending', 'accepted', 'revoked')),
    accepted_by  text        COLLATE "C" NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, id)
);
--bun:split
-- Token hashes must be unique across all workspaces (the contract returns
-- ErrConflict for a taken hash, and accepting looks an invitation up by hash
-- alone, before any workspace is known). A unique index on
-- invitations(token_hash) would break the Citus rule, so the hash has its own
-- table keyed by it - the lookup-table pattern for a global unique value: it
-- would be distributed by token_hash. The store writes both rows in one
-- transaction; invitations.token_hash stays the value reads return.
CREATE TABLE invitation_tokens (
    token_hash    bytea PRIMARY KEY CHECK (octet_length(token_hash) > 0),
    workspace_id  uuid  NOT NULL,
    invitation_id uuid  NOT NULL,
    FOREIGN KEY (workspace_id, invitation_id) REFERENCES invitations (workspace_id, id) ON DELETE CASCADE
);
--bun:split
CREATE INDEX invitation_tokens_invitation_idx ON invitation_tokens (workspace_id, invitation_id);
--bun:split
CREATE TABLE custom_roles (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         text        COLLATE "C" NOT NULL,
    -- [{"resource": "...", "action": "..."}], sorted by the service.
    permissions  jsonb       NOT NULL DEFAULT '[]',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workspace_id, name)
);
