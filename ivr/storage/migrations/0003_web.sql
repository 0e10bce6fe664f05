-- Staff sign-in on the web: time of the last sign-in, and failed attempts kept
-- briefly for rate limiting (the account is stored as a keyed hash, not as text).

ALTER TABLE staff ADD COLUMN last_login_at timestamptz;

CREATE TABLE login_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_hash bytea NOT NULL,
    client_address text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_account_idx ON login_failures (account_hash, at);
CREATE INDEX login_failures_address_idx ON login_failures (client_address, at);
