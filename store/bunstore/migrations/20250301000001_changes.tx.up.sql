-- The change log (workspace.ChangeLog): one row per committed change that
-- affects access or that a host audits, written by the services in the
-- transaction of the change. It is not workspace-owned data: one log for
-- the whole database, read by the library (and its watchers) across
-- workspaces, so it stays out of the Citus rule (a reference or coordinator
-- table there) and out of the guard's registered tables. workspace_id is
-- NULL for account-wide changes (an ownership transfer) and has no foreign
-- key: the log outlives what it records (a deleted workspace).
CREATE TABLE workspacekit_changes (
    id           bigint      PRIMARY KEY,
    at           timestamptz NOT NULL,
    account_id   uuid        NOT NULL,
    workspace_id uuid,
    kind         text        NOT NULL,
    actor        text        NOT NULL DEFAULT '',
    payload      jsonb
);
--bun:split
-- The last id handed out, in one row. An appending transaction takes the
-- next id with UPDATE ... SET last = last + 1 RETURNING last, which locks
-- the row until that transaction ends: appending transactions commit one
-- after the other in id order, and a rolled-back one gives its id back, so
-- a reader never sees a gap or a lower id appear after a higher one.
CREATE TABLE workspacekit_change_counter (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    last bigint  NOT NULL
);
--bun:split
INSERT INTO workspacekit_change_counter (one, last) VALUES (true, 0);
