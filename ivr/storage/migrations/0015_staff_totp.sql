-- A second factor for staff sign-in: time-based one-time codes (RFC 6238, docs/security.md).

-- One authenticator per staff member. The secret is sealed with AES-256-GCM under a key
-- derived from IVR_SECRET_KEY (the staff id is authenticated with it, so a row copied to
-- another account does not open); confirmed_at is set by the first good code;
-- last_used_step is the time-step of the last code accepted, so a code works only once.
CREATE TABLE staff_totp (
    staff_id bigint PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
    secret_sealed bytea NOT NULL CHECK (length(secret_sealed) > 28),
    created_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    last_used_step bigint CHECK (last_used_step >= 0),
    CHECK (confirmed_at IS NULL OR last_used_step IS NOT NULL)
);

-- "The password was right for this staff member": held by a pre-login session for a few
-- minutes while the code is asked for; it ends with the session.
CREATE TABLE staff_totp_pending (
    session_hash bytea PRIMARY KEY REFERENCES web_sessions (token_hash) ON DELETE CASCADE,
    staff_id bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX staff_totp_pending_staff_idx ON staff_totp_pending (staff_id);
