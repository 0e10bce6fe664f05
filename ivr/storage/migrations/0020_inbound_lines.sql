-- The two inbound lines: the staff line (PINs, phone recordings) and the information
-- line (calls counted per alert) (issue 17).

-- A staff member's PIN for the staff phone line: argon2id, like passwords. Three wrong
-- PINs in a row lock it until locked_until; every attempt is in the audit log.
CREATE TABLE staff_pins (
    staff_id bigint PRIMARY KEY REFERENCES staff (id) ON DELETE CASCADE,
    pin_hash text NOT NULL,
    failures smallint NOT NULL DEFAULT 0 CHECK (failures >= 0),
    locked_until timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A voice message recorded on the staff line for an alert, in one language: the file
-- (relative to the recordings directory), its length after trimming, who and when.
CREATE TABLE phone_recordings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    language text NOT NULL CHECK (language IN ('fr', 'en', 'innu')),
    path text NOT NULL CHECK (path ~ '^[A-Za-z0-9_/.-]+$' AND path !~ '\.\.'),
    seconds real NOT NULL CHECK (seconds > 0),
    recorded_by bigint NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX phone_recordings_alert_idx ON phone_recordings (alert_id, language, recorded_at);

-- A call to the information line, and the alerts it played (for the alert report). The
-- caller is kept as their contact point when known, never as a number.
CREATE TABLE information_calls (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    contact_point_id bigint REFERENCES contact_points (id) ON DELETE SET NULL,
    transferred boolean NOT NULL DEFAULT false
);
CREATE TABLE information_call_alerts (
    call_id bigint NOT NULL REFERENCES information_calls (id) ON DELETE CASCADE,
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    confirmed boolean NOT NULL DEFAULT false,
    PRIMARY KEY (call_id, alert_id)
);
CREATE INDEX information_call_alerts_alert_idx ON information_call_alerts (alert_id);
