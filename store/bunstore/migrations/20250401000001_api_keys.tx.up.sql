-- Workspace API keys (package apikey).
--
-- The table is prefixed, like the change log, because api_keys is a name a
-- host's own schema is likely to have already.
--
-- It follows the Citus rule: workspace_id leads the primary key and
-- cascades from workspaces, so a key goes with its workspace. A key is also
-- looked up by its id alone, before any workspace is known (Authenticate
-- reads the id from the secret), and ids must be unique across workspaces
-- (CreateKey's ErrConflict). A unique index on id alone would break the
-- rule, so, as invitation_tokens does for token hashes, the id has its own
-- lookup table keyed by it (it would be distributed by id); the key and its
-- lookup row are written in one statement. GetKey and TouchKeys find keys
-- through it: a read by id costs one more primary-key probe, in the same
-- statement, than an index on id would.
--
-- role and created_by are COLLATE "C" like every role and user id. NULL
-- times are "never": no expiry, not revoked, not used yet.
CREATE TABLE workspacekit_api_keys (
    workspace_id uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id           uuid        NOT NULL,
    name         text        NOT NULL,
    role         text        COLLATE "C" NOT NULL,
    created_by   text        COLLATE "C" NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    -- SHA-256 of the key's id and secret; never the secret.
    hash         bytea       NOT NULL CHECK (octet_length(hash) > 0),
    PRIMARY KEY (workspace_id, id)
);
--bun:split
-- No index on (workspace_id, id) is needed for the cascade from a deleted
-- key: the primary key on id finds its row.
CREATE TABLE workspacekit_api_key_ids (
    id           uuid PRIMARY KEY,
    workspace_id uuid NOT NULL,
    FOREIGN KEY (workspace_id, id) REFERENCES workspacekit_api_keys (workspace_id, id) ON DELETE CASCADE
);
