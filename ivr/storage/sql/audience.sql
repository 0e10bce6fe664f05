-- name: resolve
-- Turn alert $1 into deliveries with priority $2, due at $3 (or now), the channels $4 in
-- service. Idempotent: a second run adds nothing. Returns one row per delivery added.
INSERT INTO deliveries (alert_id, contact_point_id, channel, language, member_id, sector_id,
                        priority, next_attempt_at)
SELECT $1, t.contact_point_id, t.channel, t.language, t.member_id, t.sector_id, $2,
       greatest(now(), coalesce($3::timestamptz, now()))
FROM alert_audience($1, $4::text[]) t
ON CONFLICT (alert_id, contact_point_id, channel) DO NOTHING;

-- name: end_unavailable
-- Pending deliveries of alert $1 on a channel not among $2 (not in service) end at once.
UPDATE deliveries
SET state = 'failed', last_outcome = 'channel_unavailable', finished_at = now(),
    updated_at = now()
WHERE alert_id = $1 AND state = 'pending' AND NOT channel = ANY ($2::text[])
RETURNING channel;

-- name: preview_counts
-- What resolving alert $1 now would create, per sector and channel, the channels $2 in
-- service.
SELECT s.code AS sector_code, s.name_fr, s.name_en, t.channel, count(*) AS deliveries
FROM alert_audience($1, $2::text[]) t
LEFT JOIN sectors s ON s.id = t.sector_id
GROUP BY s.code, s.name_fr, s.name_en, t.channel
ORDER BY s.code NULLS LAST, t.channel;

-- name: unreachable
-- Members alert $1 concerns who have no usable contact for it on the channels $3 in
-- service: the total, and the first $2 of them by sector and name.
WITH reached AS (
    SELECT DISTINCT c.member_id FROM alert_choices($1, $3::text[]) c
    WHERE c.channel = ANY ($3::text[])
)
SELECT s.member_id, s.display_name, s.civic_number, s.street, s.unit,
       sec.code AS sector_code, count(*) OVER () AS total
FROM alert_scope($1) s
LEFT JOIN reached r ON r.member_id = s.member_id
LEFT JOIN sectors sec ON sec.id = s.sector_id
WHERE r.member_id IS NULL
ORDER BY sec.code NULLS LAST, s.display_name, s.member_id
LIMIT $2;
