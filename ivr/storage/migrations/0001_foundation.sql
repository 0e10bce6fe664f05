-- Staff accounts, web sessions and the audit log of staff actions.

CREATE TABLE staff (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'approver', 'author', 'viewer')),
    password_hash text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_email_key ON staff (lower(email));

-- Server-side sessions (revocable). Only a hash of the session token is stored.
CREATE TABLE web_sessions (
    token_hash bytea PRIMARY KEY,
    staff_id bigint REFERENCES staff (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX web_sessions_staff_idx ON web_sessions (staff_id);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);

-- Every staff read or export of personal data, and every staff action, is recorded.
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    staff_id bigint REFERENCES staff (id) ON DELETE SET NULL,
    action text NOT NULL,
    subject text NOT NULL DEFAULT '',
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    client_address text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_staff_idx ON audit_log (staff_id, at);
