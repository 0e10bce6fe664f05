-- Residents' accounts on the citizen portal and their sessions (issue 15).

-- A resident's account, keyed by the phone number it proved with a one-time code (a
-- mobile by text message, a directory landline by a call). Deleting an account keeps a
-- tombstone (deleted_at, no password) so the number can open a new one.
CREATE TABLE resident_accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_e164 text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    password_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CHECK ((deleted_at IS NULL) = (password_hash IS NOT NULL))
);
CREATE UNIQUE INDEX resident_accounts_phone_idx ON resident_accounts (phone_e164)
    WHERE deleted_at IS NULL;

-- A portal session, by an HMAC of its token (docs/security.md). Without an account it
-- is the pre-login session of the forms; flow_* is the number being proven (sign-up or
-- reset) and, once its code was accepted, until when a password may be chosen for it.
CREATE TABLE resident_sessions (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    account_id bigint REFERENCES resident_accounts (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    flow_phone_e164 text CHECK (flow_phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    flow_purpose text CHECK (flow_purpose IN ('sign_up', 'reset')),
    flow_proven_until timestamptz,
    CHECK ((flow_phone_e164 IS NULL) = (flow_purpose IS NULL)),
    CHECK (flow_proven_until IS NULL OR flow_phone_e164 IS NOT NULL)
);
CREATE INDEX resident_sessions_account_idx ON resident_sessions (account_id);
CREATE INDEX resident_sessions_expires_idx ON resident_sessions (expires_at);
