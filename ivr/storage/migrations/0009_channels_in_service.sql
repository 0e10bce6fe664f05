-- A channel this installation does not run (IVR_CHANNELS) no longer holds deliveries
-- forever: SMS falls back to a voice call to the same number (as for a landline), and
-- what has no other way ends at once as 'channel_unavailable', so the alert completes.

ALTER TABLE deliveries DROP CONSTRAINT deliveries_last_outcome_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_last_outcome_check CHECK (last_outcome IN (
    'confirmed', 'listened', 'hung_up_during_message', 'voicemail_complete',
    'voicemail_partial', 'busy', 'no_answer', 'congestion', 'not_in_service', 'rejected',
    'failed', 'sent', 'delivered', 'undeliverable', 'channel_unavailable'));
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_outcome_check;
ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_outcome_check CHECK (outcome IN (
    'confirmed', 'listened', 'hung_up_during_message', 'voicemail_complete',
    'voicemail_partial', 'busy', 'no_answer', 'congestion', 'not_in_service', 'rejected',
    'failed', 'sent', 'delivered', 'undeliverable', 'channel_unavailable'));

DROP FUNCTION alert_audience(bigint);
DROP FUNCTION alert_choices(bigint);

-- Every usable (member, contact point, channel) of the scope: SMS to a landline, to a
-- number that cannot take SMS, or when SMS is not among the channels in service
-- (p_channels) becomes voice; opt-outs, invalid contacts and numbers not in service are
-- left out; a follow-up keeps only what the earlier alert delivered to.
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
          SELECT 1 FROM opt_outs o WHERE o.contact_point_id = cp.id AND o.channel = ch.channel)
      AND (a.follow_up_of IS NULL OR EXISTS (
          SELECT 1 FROM deliveries d
          WHERE d.alert_id = a.follow_up_of AND d.contact_point_id = cp.id
            AND d.channel = ch.channel))
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
