-- name: caller_alerts
-- Alerts whose audience held phone $1 (E.164), in progress or launched within $2 hours,
-- newest first, each with the language its delivery asked for (a call's first).
SELECT alert_id, language FROM (
    SELECT DISTINCT ON (a.id) a.id AS alert_id, d.language, a.launched_at
    FROM contact_points cp
    JOIN deliveries d ON d.contact_point_id = cp.id
    JOIN alerts a ON a.id = d.alert_id
    WHERE cp.phone_e164 = $1
      AND (a.state = 'sending'
           OR (a.state = 'completed' AND a.launched_at > now() - make_interval(hours => $2)))
    ORDER BY a.id, d.channel <> 'voice'
) mine
ORDER BY launched_at DESC, alert_id DESC
LIMIT 3;

-- name: active_alerts
-- Public alerts (not exercises) in progress or launched within $2 hours, newest first;
-- those that concern the sector of a home listing phone $1 (or its parents) first.
WITH RECURSIVE homes AS (
    SELECT h.sector_id FROM contact_points cp
    JOIN member_channels mc ON mc.contact_point_id = cp.id
    JOIN members m ON m.id = mc.member_id
    JOIN households h ON h.id = m.household_id
    WHERE cp.phone_e164 = $1 AND h.sector_id IS NOT NULL
), home_sectors AS (
    SELECT s.id, s.parent_id FROM sectors s JOIN homes ON homes.sector_id = s.id
    UNION
    SELECT p.id, p.parent_id FROM sectors p JOIN home_sectors c ON c.parent_id = p.id
)
SELECT a.id AS alert_id,
       a.target_all OR EXISTS (SELECT 1 FROM alert_sectors s JOIN home_sectors hs ON hs.id = s.sector_id
                  WHERE s.alert_id = a.id) AS in_sector
FROM alerts a
WHERE a.category <> 'exercise'
  AND EXISTS (SELECT 1 FROM alert_audio au WHERE au.alert_id = a.id)
  AND (a.state = 'sending'
       OR (a.state = 'completed' AND a.launched_at > now() - make_interval(hours => $2)))
ORDER BY in_sector DESC, a.launched_at DESC, a.id DESC
LIMIT 5;

-- name: caller_contact
SELECT id FROM contact_points WHERE phone_e164 = $1;

-- name: start_call
INSERT INTO information_calls (contact_point_id) VALUES ($1) RETURNING id;

-- name: played
INSERT INTO information_call_alerts (call_id, alert_id) VALUES ($1, $2)
ON CONFLICT DO NOTHING;

-- name: transferred
UPDATE information_calls SET transferred = true WHERE id = $1;

-- name: heard
-- Phone $2 heard alert $1 whole on the information line: its deliveries still waiting
-- for a call-back are done (listened); nothing more is sent to that number.
UPDATE deliveries d
SET state = 'done', last_outcome = 'listened', finished_at = now(), updated_at = now()
FROM contact_points cp
WHERE d.alert_id = $1 AND d.contact_point_id = cp.id AND cp.phone_e164 = $2
  AND d.state = 'pending';

-- name: confirmed
-- Phone $2 confirmed alert $1 (key 2): its deliveries that are not being sent right now
-- say so, and are returned so the members' other retries stop too.
UPDATE deliveries d
SET state = CASE WHEN d.state = 'pending' THEN 'done' ELSE d.state END,
    last_outcome = 'confirmed',
    finished_at = COALESCE(d.finished_at, now()), updated_at = now()
FROM contact_points cp
WHERE d.alert_id = $1 AND d.contact_point_id = cp.id AND cp.phone_e164 = $2
  AND d.state IN ('pending', 'done')
RETURNING d.id;

-- name: call_confirmed
UPDATE information_call_alerts SET confirmed = true WHERE call_id = $1 AND alert_id = $2;

-- name: calls_for_alert
-- Calls to the information line that played alert $1, and of them, confirmations.
SELECT count(*) AS calls, count(*) FILTER (WHERE confirmed) AS confirmed
FROM information_call_alerts WHERE alert_id = $1;
