-- SMS over SMPP (docs/sms.md): the parts of each message with the SMSC's message id and
-- receipt, receipts as they came (one may arrive before its message id is written),
-- and messages from phones (keywords). An attempt the gateway took is 'accepted'
-- (formerly 'sent'); a receipt may make it 'delivered', 'undeliverable', 'rejected' or
-- 'expired'.

UPDATE deliveries SET last_outcome = 'accepted' WHERE last_outcome = 'sent';
UPDATE delivery_attempts SET outcome = 'accepted' WHERE outcome = 'sent';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_last_outcome_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_last_outcome_check CHECK (last_outcome IN (
    'confirmed', 'listened', 'hung_up_during_message', 'voicemail_complete',
    'voicemail_partial', 'busy', 'no_answer', 'congestion', 'not_in_service', 'rejected',
    'failed', 'accepted', 'delivered', 'undeliverable', 'expired', 'channel_unavailable'));
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_outcome_check;
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_outcome_check CHECK (outcome IN (
    'confirmed', 'listened', 'hung_up_during_message', 'voicemail_complete',
    'voicemail_partial', 'busy', 'no_answer', 'congestion', 'not_in_service', 'rejected',
    'failed', 'accepted', 'delivered', 'undeliverable', 'expired', 'channel_unavailable'));

-- Claims read each channel's due deliveries in their order straight from the index: with
-- thousands due at once (one alert's SMS all share priority, attempts and due time) the
-- old index left every claim to sort them all by id.
DROP INDEX deliveries_due_idx;
CREATE INDEX deliveries_due_idx
    ON deliveries (channel, priority DESC, attempts, next_attempt_at, id)
    WHERE state = 'pending';

-- One part of an SMS attempt (a long text goes as linked parts).
CREATE TABLE sms_parts (
    attempt_id bigint NOT NULL REFERENCES delivery_attempts (id) ON DELETE CASCADE,
    part_number smallint NOT NULL CHECK (part_number BETWEEN 1 AND 10),
    parts_total smallint NOT NULL CHECK (parts_total BETWEEN 1 AND 10),
    message_id text,
    submit_status integer NOT NULL,
    throttled integer NOT NULL DEFAULT 0 CHECK (throttled >= 0),
    resubmitted integer NOT NULL DEFAULT 0 CHECK (resubmitted >= 0),
    submitted_at timestamptz NOT NULL DEFAULT now(),
    receipt_state text,
    receipt_error text,
    receipt_at timestamptz,
    PRIMARY KEY (attempt_id, part_number),
    CHECK (part_number <= parts_total)
);
CREATE INDEX sms_parts_message_key_idx ON sms_parts (lower(ltrim(message_id, '0')))
    WHERE message_id IS NOT NULL;

-- Delivery receipts as the SMSC sent them, applied to their part once it is known.
CREATE TABLE sms_receipts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id text NOT NULL,
    id_keys text[] NOT NULL,
    state text NOT NULL,
    error text NOT NULL DEFAULT '',
    done_at timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz
);
CREATE INDEX sms_receipts_waiting_idx ON sms_receipts (id) WHERE applied_at IS NULL;

-- Messages from phones to the service's number, and what was done with them.
CREATE TABLE sms_inbound (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_e164 text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
    body text NOT NULL,
    keyword text CHECK (keyword IN ('stop', 'start', 'help', 'confirm', 'other')),
    received_at timestamptz NOT NULL DEFAULT now(),
    handled_at timestamptz,
    alert_id bigint REFERENCES alerts (id) ON DELETE SET NULL,
    reply text CHECK (reply IN ('stop', 'start', 'help', 'confirmed', 'nothing_to_confirm',
        'other')),
    replied_at timestamptz,
    CHECK (replied_at IS NULL OR reply IS NOT NULL)
);
CREATE INDEX sms_inbound_open_idx ON sms_inbound (id)
    WHERE handled_at IS NULL OR (reply IS NOT NULL AND replied_at IS NULL);
CREATE INDEX sms_inbound_phone_idx ON sms_inbound (phone_e164, received_at);
