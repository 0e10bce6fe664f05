-- The whole current schema. Applied at once to an empty database; must equal the
-- migrations applied in order (tests/storage/test_migrate.py checks it).

-- 0001 foundation

CREATE TABLE staff (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'approver', 'operator', 'viewer')),
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

-- 0002 people, sectors, alerts

-- A named area of one community; sub-sectors point at their parent. A sector is
-- drawn by a GeoJSON polygon (boundary) and/or by street segments below.
CREATE TABLE sectors (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    community text NOT NULL CHECK (community IN ('uashat', 'mani-utenam')),
    parent_id bigint REFERENCES sectors (id) ON DELETE RESTRICT,
    name_fr text NOT NULL CHECK (name_fr <> ''),
    name_en text NOT NULL CHECK (name_en <> ''),
    boundary jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id <> id)
);
CREATE INDEX sectors_parent_idx ON sectors (parent_id);

-- Civic numbers from_number..to_number of one street, on the odd, even or both sides.
CREATE TABLE street_segments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sector_id bigint NOT NULL REFERENCES sectors (id) ON DELETE CASCADE,
    street text NOT NULL CHECK (street <> ''),
    street_key text NOT NULL CHECK (street_key <> ''),
    from_number integer NOT NULL CHECK (from_number > 0),
    to_number integer NOT NULL,
    side text NOT NULL CHECK (side IN ('odd', 'even', 'both')),
    CHECK (to_number >= from_number)
);
CREATE INDEX street_segments_sector_idx ON street_segments (sector_id);
CREATE INDEX street_segments_street_idx ON street_segments (street_key);

-- A household at one address (civic number, street, unit). sector_id is assigned from
-- the street segments or, failing that, from the coordinates (sector_method says how).
CREATE TABLE households (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    civic_number integer CHECK (civic_number > 0),
    street text NOT NULL DEFAULT '',
    street_key text NOT NULL DEFAULT '',
    unit text NOT NULL DEFAULT '',
    community text NOT NULL CHECK (community IN ('uashat', 'mani-utenam')),
    postal_code text NOT NULL DEFAULT '',
    latitude double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude double precision CHECK (longitude BETWEEN -180 AND 180),
    sector_id bigint REFERENCES sectors (id) ON DELETE SET NULL,
    sector_method text CHECK (sector_method IN ('street', 'polygon', 'staff')),
    preferred_language text NOT NULL DEFAULT 'fr' CHECK (preferred_language IN ('fr', 'en', 'innu')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CHECK ((sector_id IS NULL) = (sector_method IS NULL))
);
CREATE INDEX households_sector_idx ON households (sector_id);

-- A person of a household, with the language they want their alerts in.
CREATE TABLE members (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    household_id bigint NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    display_name text NOT NULL CHECK (display_name <> ''),
    language text NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en', 'innu')),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- (0018) first choice first: alerts of normal or low urgency go by the first of them
    -- the member has a usable contact for; urgent and high ones by all
    channel_order text[]
        CHECK (channel_order <@ ARRAY['voice', 'sms', 'email']
               AND cardinality(channel_order) BETWEEN 1 AND 3)
);
CREATE INDEX members_household_idx ON members (household_id);

-- A phone number (E.164) or an email address; one row per number or address, shared
-- by every member who lists it.
CREATE TABLE contact_points (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('phone', 'email')),
    phone_e164 text CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
    line_type text NOT NULL DEFAULT 'unknown' CHECK (line_type IN ('landline', 'mobile', 'unknown')),
    sms_capable text NOT NULL DEFAULT 'unknown' CHECK (sms_capable IN ('unknown', 'yes', 'no')),
    email text CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    verification text NOT NULL DEFAULT 'unverified'
        CHECK (verification IN ('unverified', 'verified', 'invalid')),
    source text NOT NULL CHECK (source IN ('directory', 'portal', 'staff')),
    not_in_service_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- (0018) what the resident says the number is; an erased contact point (its
    -- member's account was deleted) keeps its id for the statistics and nothing else
    phone_use text CHECK (phone_use IN ('mobile', 'landline', 'work')),
    erased_at timestamptz,
    CONSTRAINT contact_points_phone_value_check CHECK (erased_at IS NOT NULL
        OR (kind = 'phone') = (phone_e164 IS NOT NULL)),
    CONSTRAINT contact_points_email_value_check CHECK (erased_at IS NOT NULL
        OR (kind = 'email') = (email IS NOT NULL)),
    CONSTRAINT contact_points_erased_check CHECK (erased_at IS NULL
        OR (phone_e164 IS NULL AND email IS NULL AND phone_use IS NULL)),
    UNIQUE (id, kind)
);
CREATE UNIQUE INDEX contact_points_phone_key ON contact_points (phone_e164);
CREATE UNIQUE INDEX contact_points_email_key ON contact_points (lower(email));

-- Which member wants alerts on which contact point by which channel. The kind column
-- lets the database refuse SMS to an email address or email to a phone.
CREATE TABLE member_channels (
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    contact_point_id bigint NOT NULL,
    contact_kind text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('voice', 'sms', 'email')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (member_id, contact_point_id, channel),
    FOREIGN KEY (contact_point_id, contact_kind)
        REFERENCES contact_points (id, kind) ON DELETE CASCADE,
    CHECK ((channel = 'email') = (contact_kind = 'email'))
);
CREATE INDEX member_channels_contact_idx ON member_channels (contact_point_id);

-- A number or address that refused a channel (SMS STOP, "do not call", unsubscribe).
CREATE TABLE opt_outs (
    contact_point_id bigint NOT NULL REFERENCES contact_points (id) ON DELETE CASCADE,
    channel text NOT NULL CHECK (channel IN ('voice', 'sms', 'email')),
    opted_out_at timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL CHECK (source IN ('resident', 'portal', 'staff', 'carrier')),
    -- false: a one-click unsubscribe from an email; emergency alerts still come.
    emergencies boolean NOT NULL DEFAULT true,
    PRIMARY KEY (contact_point_id, channel)
);

-- Consent per purpose: what wording (version, language) was agreed to, when, and
-- when it was withdrawn. At most one open (not withdrawn) record per member and purpose.
CREATE TABLE consents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    purpose text NOT NULL CHECK (purpose IN ('emergency_alerts', 'exercise_alerts', 'optional_notices')),
    wording_version text NOT NULL CHECK (wording_version <> ''),
    language text NOT NULL CHECK (language IN ('fr', 'en', 'innu')),
    source text NOT NULL CHECK (source IN ('portal', 'staff', 'phone')),
    granted_at timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz,
    CHECK (withdrawn_at IS NULL OR withdrawn_at >= granted_at)
);
CREATE UNIQUE INDEX consents_open_key ON consents (member_id, purpose) WHERE withdrawn_at IS NULL;
CREATE INDEX consents_member_idx ON consents (member_id, purpose);

-- Message templates per category and language, as edited by staff; the built-in
-- defaults (ivr/domain/templates.py) apply where no row exists.
CREATE TABLE message_templates (
    category text NOT NULL CHECK (category IN ('evacuation', 'air_quality', 'boil_water',
        'boil_water_lifted', 'all_clear', 'exercise', 'other')),
    language text NOT NULL CHECK (language IN ('fr', 'en')),
    sms_text text NOT NULL,
    email_subject text NOT NULL,
    email_body text NOT NULL,
    voice_text text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by bigint REFERENCES staff (id) ON DELETE SET NULL,
    PRIMARY KEY (category, language)
);

CREATE TABLE alerts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title text NOT NULL CHECK (title <> ''),
    category text NOT NULL CHECK (category IN ('evacuation', 'air_quality', 'boil_water',
        'boil_water_lifted', 'all_clear', 'exercise', 'other')),
    urgency text NOT NULL CHECK (urgency IN ('urgent', 'high', 'normal', 'low')),
    target_all boolean NOT NULL DEFAULT false,
    follow_up_of bigint REFERENCES alerts (id) ON DELETE RESTRICT,
    scheduled_at timestamptz,
    state text NOT NULL DEFAULT 'draft'
        CHECK (state IN ('draft', 'approved', 'sending', 'completed', 'cancelled')),
    drafted_by bigint NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
    approved_by bigint REFERENCES staff (id) ON DELETE RESTRICT,
    approved_at timestamptz,
    cancelled_by bigint REFERENCES staff (id) ON DELETE RESTRICT,
    cancelled_at timestamptz,
    launched_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- (0021) when its deliveries were pseudonymized (docs/backups.md)
    pseudonymized_at timestamptz,
    CHECK (follow_up_of <> id),
    CHECK ((approved_by IS NULL) = (approved_at IS NULL)),
    CHECK (state IN ('draft', 'cancelled') OR approved_by IS NOT NULL),
    CHECK ((state = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX alerts_state_idx ON alerts (state, scheduled_at);
CREATE INDEX alerts_follow_up_idx ON alerts (follow_up_of);

CREATE TABLE alert_sectors (
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    sector_id bigint NOT NULL REFERENCES sectors (id) ON DELETE RESTRICT,
    PRIMARY KEY (alert_id, sector_id)
);

-- What the alert says in one language on each channel. Innu-aimun is recorded audio
-- only, so an 'innu' row holds a voice recording and nothing else.
CREATE TABLE alert_contents (
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    language text NOT NULL CHECK (language IN ('fr', 'en', 'innu')),
    sms_text text CHECK (sms_text <> ''),
    email_subject text CHECK (email_subject <> ''),
    email_body text CHECK (email_body <> ''),
    voice_recording text CHECK (voice_recording <> ''),
    voice_text text CHECK (voice_text <> ''),
    PRIMARY KEY (alert_id, language),
    CHECK ((email_subject IS NULL) = (email_body IS NULL)),
    CHECK (language <> 'innu'
        OR (sms_text IS NULL AND email_subject IS NULL AND voice_text IS NULL))
);

-- One message of one alert to one contact point on one channel, in one language. The
-- dispatch engine claims pending rows (FOR UPDATE SKIP LOCKED), holds a lease while
-- an attempt is in flight, and records each try in delivery_attempts.
CREATE TABLE deliveries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    contact_point_id bigint NOT NULL REFERENCES contact_points (id) ON DELETE RESTRICT,
    channel text NOT NULL CHECK (channel IN ('voice', 'sms', 'email')),
    language text NOT NULL CHECK (language IN ('fr', 'en', 'innu')),
    -- Snapshots taken at resolution (whose language decided, which sector for the
    -- report), deliberately without foreign keys: per-row key checks would double the
    -- time of resolving a large alert, and a deleted member must not block anything.
    member_id bigint,
    sector_id bigint,
    priority smallint NOT NULL,
    state text NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'in_progress', 'done', 'cancelled', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    lease_owner text,
    lease_expires_at timestamptz,
    last_outcome text CHECK (last_outcome IN ('confirmed', 'listened', 'hung_up_during_message',
        'voicemail_complete', 'voicemail_partial', 'busy', 'no_answer', 'congestion',
        'not_in_service', 'rejected', 'failed', 'accepted', 'delivered', 'undeliverable',
        'expired', 'channel_unavailable')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    UNIQUE (alert_id, contact_point_id, channel),
    CHECK (state <> 'in_progress' OR (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);
-- (0006) first calls before call-backs of the same priority; (0011) per channel, in
-- the claims' whole order
CREATE INDEX deliveries_due_idx
    ON deliveries (channel, priority DESC, attempts, next_attempt_at, id)
    WHERE state = 'pending';
CREATE INDEX deliveries_lease_idx ON deliveries (lease_expires_at) WHERE state = 'in_progress';
CREATE INDEX deliveries_contact_idx ON deliveries (contact_point_id);

CREATE TABLE delivery_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt_number integer NOT NULL CHECK (attempt_number > 0),
    started_at timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz,
    ended_at timestamptz,
    outcome text CHECK (outcome IN ('confirmed', 'listened', 'hung_up_during_message',
        'voicemail_complete', 'voicemail_partial', 'busy', 'no_answer', 'congestion',
        'not_in_service', 'rejected', 'failed', 'accepted', 'delivered', 'undeliverable',
        'expired', 'channel_unavailable')),
    amd_status text,
    amd_cause text,
    keys_pressed text NOT NULL DEFAULT '' CHECK (keys_pressed ~ '^[0-9*#]*$'),
    hangup_cause integer,
    sip_code integer CHECK (sip_code BETWEEN 100 AND 699),
    ring_seconds real CHECK (ring_seconds >= 0),
    talk_seconds real CHECK (talk_seconds >= 0),
    message_seconds real CHECK (message_seconds >= 0),
    reference text,
    provider_message_id text,
    detail text NOT NULL DEFAULT '',
    -- (0008) SHA-256 of the token the call carries; its call flow must show it
    flow_token_hash bytea,
    -- (0010) how the call was heard (see docs/voice.md)
    greeting_end text CHECK (greeting_end IN ('beep', 'silence', 'no_media', 'bound')),
    greeting_wait_seconds real CHECK (greeting_wait_seconds >= 0),
    silence_before_message real CHECK (silence_before_message >= 0),
    beep_during_playback boolean,
    answer_to_audio_seconds real CHECK (answer_to_audio_seconds >= 0),
    amd_seconds real CHECK (amd_seconds >= 0),
    UNIQUE (delivery_id, attempt_number),
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
-- (0007) reference, renamed from channel_id
CREATE INDEX delivery_attempts_reference_idx ON delivery_attempts (reference);

-- Audience targeting (docs/data-model.md), as three functions so that resolving an
-- alert and previewing it apply the very same rules.

-- The members an alert concerns: households in the targeted sectors or their
-- sub-sectors (or everyone); for a follow-up, also the members reached by the earlier
-- alert; for an exercise, only members who agreed to receive exercises; never a member
-- who withdrew consent to emergency alerts. With where they live, for the preview.
CREATE FUNCTION alert_scope(p_alert_id bigint)
RETURNS TABLE (
    member_id bigint, sector_id bigint, language text, household_language text,
    display_name text, civic_number integer, street text, unit text
)
LANGUAGE sql STABLE AS $$
    WITH RECURSIVE targeted (id) AS (
        SELECT t.sector_id FROM alert_sectors t WHERE t.alert_id = p_alert_id
        UNION
        SELECT s.id FROM sectors s JOIN targeted ON s.parent_id = targeted.id
    )
    SELECT m.id, h.sector_id, m.language, h.preferred_language,
           m.display_name, h.civic_number, h.street, h.unit
    FROM alerts a
    CROSS JOIN members m
    JOIN households h ON h.id = m.household_id
    WHERE a.id = p_alert_id
      AND (a.target_all
           OR h.sector_id IN (SELECT id FROM targeted)
           OR (a.follow_up_of IS NOT NULL AND EXISTS (
                   SELECT 1
                   FROM member_channels mc
                   JOIN deliveries d ON d.contact_point_id = mc.contact_point_id
                   WHERE mc.member_id = m.id AND d.alert_id = a.follow_up_of)))
      AND (a.category <> 'exercise' OR EXISTS (
               SELECT 1 FROM consents c
               WHERE c.member_id = m.id AND c.purpose = 'exercise_alerts'
                 AND c.withdrawn_at IS NULL))
      AND (NOT EXISTS (
               SELECT 1 FROM consents c
               WHERE c.member_id = m.id AND c.purpose = 'emergency_alerts'
                 AND c.withdrawn_at IS NOT NULL)
           OR EXISTS (
               SELECT 1 FROM consents c
               WHERE c.member_id = m.id AND c.purpose = 'emergency_alerts'
                 AND c.withdrawn_at IS NULL))
$$;

-- Every usable (member, contact point, channel) of the scope: SMS to a landline, to a
-- number that cannot take SMS, or when SMS is not among the channels in service
-- (p_channels) becomes voice; opt-outs (those that keep emergencies on apply to
-- exercises only), invalid contacts and numbers not in service are left out; a
-- follow-up keeps only what the earlier alert delivered to.
CREATE FUNCTION alert_choices(p_alert_id bigint,
                              p_channels text[] DEFAULT ARRAY['voice', 'sms', 'email'])
RETURNS TABLE (
    member_id bigint, sector_id bigint, contact_point_id bigint, channel text,
    wanted_language text
)
LANGUAGE sql STABLE AS $$
    SELECT s.member_id, s.sector_id, cp.id, ch.channel,
           CASE WHEN ch.channel = 'voice' AND cp.line_type = 'landline'
                THEN s.household_language ELSE s.language END
    FROM alerts a
    CROSS JOIN alert_scope(p_alert_id) s
    JOIN members m ON m.id = s.member_id
    JOIN member_channels mc ON mc.member_id = s.member_id
    JOIN contact_points cp ON cp.id = mc.contact_point_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN mc.channel = 'sms'
                         AND (cp.line_type = 'landline' OR cp.sms_capable = 'no'
                              OR NOT 'sms' = ANY (p_channels))
                    THEN 'voice' ELSE mc.channel END AS channel
    ) ch
    WHERE a.id = p_alert_id
      AND cp.verification <> 'invalid'
      AND (cp.kind = 'email' OR cp.not_in_service_at IS NULL)
      AND NOT EXISTS (
          SELECT 1 FROM opt_outs o
          WHERE o.contact_point_id = cp.id AND o.channel = ch.channel
            AND (o.emergencies OR a.category = 'exercise'))
      AND (a.follow_up_of IS NULL OR EXISTS (
          SELECT 1 FROM deliveries d
          WHERE d.alert_id = a.follow_up_of AND d.contact_point_id = cp.id
            AND d.channel = ch.channel))
      AND (a.urgency IN ('urgent', 'high') OR m.channel_order IS NULL
           OR mc.channel = (
               SELECT o.channel
               FROM unnest(m.channel_order) WITH ORDINALITY AS o (channel, n)
               WHERE EXISTS (
                   SELECT 1 FROM member_channels c
                   JOIN contact_points p ON p.id = c.contact_point_id
                   WHERE c.member_id = m.id AND c.channel = o.channel
                     AND p.verification <> 'invalid'
                     AND (p.kind = 'email' OR p.not_in_service_at IS NULL))
               ORDER BY o.n
               LIMIT 1))
$$;

-- One row per (contact point, channel): the member with the lowest id among those who
-- chose it decides the language asked for, then the fallback: that language if the alert
-- has it on the channel, else French, else English.
CREATE FUNCTION alert_audience(p_alert_id bigint,
                               p_channels text[] DEFAULT ARRAY['voice', 'sms', 'email'])
RETURNS TABLE (
    contact_point_id bigint, channel text, language text, member_id bigint, sector_id bigint
)
LANGUAGE sql STABLE AS $$
    WITH available AS (
        SELECT array_agg(v.key) AS keys
        FROM alert_contents c
        CROSS JOIN LATERAL (VALUES
            ('sms:' || c.language, c.sms_text IS NOT NULL),
            ('email:' || c.language, c.email_subject IS NOT NULL),
            ('voice:' || c.language, c.voice_recording IS NOT NULL OR c.voice_text IS NOT NULL)
        ) AS v (key, present)
        WHERE c.alert_id = p_alert_id AND v.present
    ), chosen AS (
        SELECT DISTINCT ON (x.contact_point_id, x.channel) x.*
        FROM alert_choices(p_alert_id, p_channels) x
        ORDER BY x.contact_point_id, x.channel, x.member_id
    )
    SELECT c.contact_point_id, c.channel, l.language, c.member_id, c.sector_id
    FROM chosen c
    CROSS JOIN available av
    CROSS JOIN LATERAL (
        SELECT CASE WHEN c.channel || ':' || c.wanted_language = ANY (av.keys)
                    THEN c.wanted_language
                    WHEN c.channel || ':fr' = ANY (av.keys) THEN 'fr'
                    WHEN c.channel || ':en' = ANY (av.keys) THEN 'en' END AS language
    ) l
    WHERE l.language IS NOT NULL
$$;

-- 0003 web

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

-- 0004 alert audio

CREATE TABLE alert_audio (
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    language text NOT NULL CHECK (language IN ('fr', 'en', 'innu')),
    sound_name text NOT NULL CHECK (sound_name ~ '^/[A-Za-z0-9/_.-]+$'),
    seconds real NOT NULL CHECK (seconds > 0),
    source text NOT NULL CHECK (source IN ('recording', 'speech')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, language)
);

-- 0011 sms

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
    -- (0021) null once pseudonymized, its body emptied
    phone_e164 text CHECK (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
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

-- 0012 email

-- Bounce messages read by `ivr read-bounces`, one row per message (by a hash of its
-- bytes), so reading the same Maildir again changes nothing.
CREATE TABLE email_bounces (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_hash bytea NOT NULL UNIQUE,
    reference text,
    addresses text[] NOT NULL,
    flagged integer NOT NULL CHECK (flagged >= 0),
    read_at timestamptz NOT NULL DEFAULT now()
);

-- 0014 api tokens

-- Tokens of the JSON API (docs/api.md), one per integration, acting for a staff member
-- within its scopes; only the SHA-256 of a token is kept (shown once, when made).
CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (name <> ''),
    staff_id bigint NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
    scopes text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['alerts:read',
        'alerts:write', 'alerts:send', 'sectors:read']),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);

-- 0015 staff totp

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

-- 0016 one-time codes

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

-- 0017 resident accounts

-- A resident's account, keyed by the phone number it proved with a one-time code (a
-- mobile by text message, a directory landline by a call). Deleting an account keeps a
-- tombstone (deleted_at, no password) so the number can open a new one.
CREATE TABLE resident_accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_e164 text CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    password_hash text,
    created_at timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    -- (0018) the household and the member (the account holder) it keeps up to date
    household_id bigint REFERENCES households (id) ON DELETE SET NULL,
    member_id bigint REFERENCES members (id) ON DELETE SET NULL,
    CHECK ((deleted_at IS NULL) = (password_hash IS NOT NULL)),
    CONSTRAINT resident_accounts_live_check CHECK (deleted_at IS NOT NULL
        OR phone_e164 IS NOT NULL),
    CONSTRAINT resident_accounts_tombstone_check CHECK (deleted_at IS NULL
        OR (phone_e164 IS NULL AND household_id IS NULL AND member_id IS NULL))
);
CREATE UNIQUE INDEX resident_accounts_phone_idx ON resident_accounts (phone_e164)
    WHERE deleted_at IS NULL;
CREATE INDEX resident_accounts_household_idx ON resident_accounts (household_id);

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

-- 0018 contact form

-- An email address a resident added, used only once its link was opened. The link is
-- the row's id with a keyed signature (ivr.domain.signed_links).
CREATE TABLE email_verifications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES resident_accounts (id) ON DELETE CASCADE,
    member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    email text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    language text NOT NULL CHECK (language IN ('fr', 'en')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    verified_at timestamptz,
    send_state text NOT NULL DEFAULT 'pending'
        CHECK (send_state IN ('pending', 'sending', 'sent', 'failed')),
    sent_at timestamptz,
    send_detail text NOT NULL DEFAULT '',
    next_try_at timestamptz
);
CREATE INDEX email_verifications_account_idx ON email_verifications (account_id);
CREATE INDEX email_verifications_pending_idx ON email_verifications (id)
    WHERE send_state = 'pending';

-- What changed in an account's data, when and by whom (NULL: the resident), for the
-- resident to read: [{"field": ..., "before": ..., "after": ...}].
CREATE TABLE resident_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES resident_accounts (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    by_staff_id bigint REFERENCES staff (id) ON DELETE SET NULL,
    changes jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array')
);
CREATE INDEX resident_changes_account_idx ON resident_changes (account_id, at);

-- Notices about an account sent by text message (the password was changed), taken by
-- the SMS channel like the one-time codes.
CREATE TABLE resident_notices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone_e164 text NOT NULL CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    kind text NOT NULL CHECK (kind IN ('password_changed')),
    created_at timestamptz NOT NULL DEFAULT now(),
    send_state text NOT NULL DEFAULT 'pending'
        CHECK (send_state IN ('pending', 'sending', 'sent', 'failed')),
    sent_at timestamptz,
    send_detail text NOT NULL DEFAULT ''
);
CREATE INDEX resident_notices_pending_idx ON resident_notices (id) WHERE send_state = 'pending';

-- Numbers a directory import must not enroll again (their resident deleted the account),
-- until staff lift it (docs/directory.md).
CREATE TABLE directory_exclusions (
    phone_e164 text PRIMARY KEY CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    reason text NOT NULL CHECK (reason IN ('account_deleted', 'staff')),
    excluded_at timestamptz NOT NULL DEFAULT now()
);

-- 0019 directory

-- One import of a listing file: read (a dry run) and, once staff confirm, applied.
CREATE TABLE directory_imports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    staff_id bigint REFERENCES staff (id) ON DELETE SET NULL,
    file_name text NOT NULL DEFAULT '',
    is_full boolean NOT NULL,
    state text NOT NULL DEFAULT 'reading'
        CHECK (state IN ('reading', 'ready', 'applied', 'failed')),
    encoding text NOT NULL DEFAULT '',
    delimiter text NOT NULL DEFAULT '',
    columns text[] NOT NULL DEFAULT '{}',
    lines_total integer NOT NULL DEFAULT 0,
    lines_read integer NOT NULL DEFAULT 0,
    problem text NOT NULL DEFAULT '',
    dry_run jsonb,
    applied jsonb,
    applied_at timestamptz,
    applied_by bigint REFERENCES staff (id) ON DELETE SET NULL
);

-- The rows of an import's file: what was read (raw, for the summary), the listing made
-- of it or why not, and, from the dry run on, what the import does with it (outcome).
-- household_id, member_id and contact_point_id are working values while applying.
CREATE TABLE directory_import_rows (
    import_id bigint NOT NULL REFERENCES directory_imports (id) ON DELETE CASCADE,
    line integer NOT NULL,
    raw text NOT NULL,
    status text NOT NULL CHECK (status IN ('listing', 'business', 'error')),
    problem_fr text NOT NULL DEFAULT '',
    problem_en text NOT NULL DEFAULT '',
    phone_e164 text,
    display_name text,
    civic_number integer,
    unit text,
    street text,
    street_key text,
    community text CHECK (community IN ('uashat', 'mani-utenam')),
    sector_code text,
    sector_method text,
    sector_note text CHECK (sector_note IN ('unknown_street', 'outside_segments')),
    address_key text,
    outcome text CHECK (outcome IN ('new', 'updated', 'unchanged', 'claimed', 'excluded',
                                    'kept', 'duplicate')),
    household_id bigint,
    member_id bigint,
    contact_point_id bigint,
    PRIMARY KEY (import_id, line),
    CHECK ((status = 'listing') = (address_key IS NOT NULL))
);
CREATE INDEX directory_import_rows_phone_idx ON directory_import_rows (import_id, phone_e164);

-- What the directory enrolled: the number's contact point, the member and household
-- made for it, and the name and address last listed. removed_at: absent from a later
-- full listing (its voice choice was taken away; listed again, it comes back).
CREATE TABLE directory_listings (
    phone_e164 text PRIMARY KEY CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    contact_point_id bigint NOT NULL REFERENCES contact_points (id) ON DELETE CASCADE,
    member_id bigint REFERENCES members (id) ON DELETE SET NULL,
    household_id bigint REFERENCES households (id) ON DELETE SET NULL,
    display_name text NOT NULL,
    address_key text NOT NULL,
    import_id bigint REFERENCES directory_imports (id) ON DELETE SET NULL,
    listed_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz
);
CREATE INDEX directory_listings_address_idx ON directory_listings (address_key);
CREATE INDEX directory_listings_member_idx ON directory_listings (member_id);
CREATE INDEX directory_listings_household_idx ON directory_listings (household_id);

-- Who the portal has a say on: numbers of live accounts, numbers that came from the
-- portal, numbers of members of a household a live account keeps; and the addresses
-- whose directory household a live account keeps. An import never changes them.
CREATE VIEW directory_claimed_phones AS
    SELECT a.phone_e164 FROM resident_accounts a
    WHERE a.deleted_at IS NULL
    UNION
    SELECT cp.phone_e164 FROM contact_points cp
    WHERE cp.source = 'portal' AND cp.phone_e164 IS NOT NULL
    UNION
    SELECT cp.phone_e164 FROM contact_points cp
    JOIN member_channels mc ON mc.contact_point_id = cp.id
    JOIN members m ON m.id = mc.member_id
    JOIN resident_accounts a ON a.household_id = m.household_id
    WHERE a.deleted_at IS NULL AND cp.phone_e164 IS NOT NULL;
CREATE VIEW directory_claimed_addresses AS
    SELECT d.address_key FROM directory_listings d
    JOIN resident_accounts a ON a.household_id = d.household_id
    WHERE a.deleted_at IS NULL;

-- 0020 inbound lines

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

-- 0021 retention

-- alerts.pseudonymized_at and sms_inbound.phone_e164 made nullable: inline above.

-- 0022 email link retry

-- email_verifications.next_try_at: inline above.
