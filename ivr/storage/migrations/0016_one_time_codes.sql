-- One-time codes sent to residents' phones, by text message or read by a call (issue 15).

-- A code sent to a phone number, by text message or read by a call, that proves the
-- resident holds the number (the citizen portal: sign-up, reset; docs/security.md).
-- code_hash is HMAC-SHA256 of the code under a key derived from IVR_SECRET_KEY, bound to
-- the number and purpose; code_sealed is the code under AES-256-GCM until the sender
-- takes it (then NULL: it stays in the sender's memory only). client_hash is an HMAC of
-- the requesting client's address, for the per-address limit.
CREATE TABLE one_time_codes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_e164 text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    purpose text NOT NULL CHECK (purpose IN ('sign_up', 'reset')),
    channel text NOT NULL CHECK (channel IN ('sms', 'voice')),
    code_hash bytea NOT NULL CHECK (length(code_hash) = 32),
    code_sealed bytea CHECK (length(code_sealed) > 28),
    client_hash bytea NOT NULL CHECK (length(client_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    tries_left smallint NOT NULL CHECK (tries_left >= 0),
    used_at timestamptz,
    send_state text NOT NULL DEFAULT 'pending'
        CHECK (send_state IN ('pending', 'sending', 'sent', 'failed')),
    sent_at timestamptz,
    send_detail text NOT NULL DEFAULT '',
    CHECK (send_state = 'pending' OR code_sealed IS NULL),
    CHECK ((send_state = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX one_time_codes_phone_idx ON one_time_codes (phone_e164, created_at);
CREATE INDEX one_time_codes_client_idx ON one_time_codes (client_hash, created_at);
CREATE INDEX one_time_codes_pending_idx ON one_time_codes (channel, id)
    WHERE send_state = 'pending';
