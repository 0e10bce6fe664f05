-- The citizen portal's contact form and "my data" (issue 15; docs/portal.md): the
-- household an account keeps, the order of a member's channels, what kind of phone a
-- number is, email addresses waiting for their link, the changes a resident can read,
-- one-off notices by text message, erasure, and the numbers the directory must not
-- enroll again.

-- The household and the member (the account holder) an account keeps up to date. A
-- deleted account keeps a tombstone: no number, no household, no password.
ALTER TABLE resident_accounts
    ADD COLUMN household_id bigint REFERENCES households (id) ON DELETE SET NULL,
    ADD COLUMN member_id bigint REFERENCES members (id) ON DELETE SET NULL,
    ALTER COLUMN phone_e164 DROP NOT NULL,
    ADD CONSTRAINT resident_accounts_live_check CHECK (deleted_at IS NOT NULL
        OR phone_e164 IS NOT NULL),
    ADD CONSTRAINT resident_accounts_tombstone_check CHECK (deleted_at IS NULL
        OR (phone_e164 IS NULL AND household_id IS NULL AND member_id IS NULL));
CREATE INDEX resident_accounts_household_idx ON resident_accounts (household_id);

-- The channels a member wants, first choice first. Alerts of normal or low urgency go by
-- the first of them the member has a contact for; urgent and high ones by all.
ALTER TABLE members ADD COLUMN channel_order text[]
    CHECK (channel_order <@ ARRAY['voice', 'sms', 'email']
           AND cardinality(channel_order) BETWEEN 1 AND 3);

-- What the resident says a number is. An erased contact point (its member's account was
-- deleted) keeps its id for the delivery statistics and nothing else.
ALTER TABLE contact_points
    ADD COLUMN phone_use text CHECK (phone_use IN ('mobile', 'landline', 'work')),
    ADD COLUMN erased_at timestamptz,
    DROP CONSTRAINT contact_points_check,
    DROP CONSTRAINT contact_points_check1,
    ADD CONSTRAINT contact_points_phone_value_check CHECK (erased_at IS NOT NULL
        OR (kind = 'phone') = (phone_e164 IS NOT NULL)),
    ADD CONSTRAINT contact_points_email_value_check CHECK (erased_at IS NOT NULL
        OR (kind = 'email') = (email IS NOT NULL)),
    ADD CONSTRAINT contact_points_erased_check CHECK (erased_at IS NULL
        OR (phone_e164 IS NULL AND email IS NULL AND phone_use IS NULL));

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
    send_detail text NOT NULL DEFAULT ''
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

-- Every usable (member, contact point, channel) of the scope, as before (0012), and for
-- an alert of normal or low urgency only the member's first choice among the channels
-- they have a usable contact for, when they ordered their channels.
CREATE OR REPLACE FUNCTION alert_choices(p_alert_id bigint,
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
