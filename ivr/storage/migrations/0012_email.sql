-- Email over SMTP (docs/email.md): opt-outs that leave emergency alerts on, and bounce
-- messages read from a Maildir.

-- A one-click unsubscribe from an alert email (RFC 8058) stops exercises by email but
-- not emergency alerts (emergencies = false); the person turns those off on their
-- preferences page. Every other opt-out (SMS STOP, staff) covers everything.
ALTER TABLE opt_outs ADD COLUMN emergencies boolean NOT NULL DEFAULT true;

-- Every usable (member, contact point, channel) of the scope: SMS to a landline, to a
-- number that cannot take SMS, or when SMS is not among the channels in service
-- (p_channels) becomes voice; opt-outs (those that keep emergencies on apply to
-- exercises only), invalid contacts and numbers not in service are left out; a
-- follow-up keeps only what the earlier alert delivered to.
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
$$;

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
