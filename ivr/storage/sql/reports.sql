-- name: recent_alerts
-- The latest $1 alerts, newest first, with who drafted and approved them.
SELECT a.id, a.title, a.category, a.urgency, a.state, a.target_all, a.follow_up_of,
       a.created_at, a.launched_at, a.completed_at, a.scheduled_at,
       d.display_name AS drafted_by_name, p.display_name AS approved_by_name
FROM alerts a
JOIN staff d ON d.id = a.drafted_by
LEFT JOIN staff p ON p.id = a.approved_by
ORDER BY a.id DESC
LIMIT $1;

-- name: live_counts
-- Alert $1's deliveries per channel: done (reached), failed, pending or under way,
-- cancelled; and confirmations. Cheap enough to run every second per watcher.
SELECT channel,
       count(*) AS total,
       count(*) FILTER (WHERE state = 'done') AS reached,
       count(*) FILTER (WHERE last_outcome = 'confirmed') AS confirmed,
       count(*) FILTER (WHERE state = 'failed') AS failed,
       count(*) FILTER (WHERE state IN ('pending', 'in_progress')) AS pending,
       count(*) FILTER (WHERE state = 'cancelled') AS cancelled
FROM deliveries WHERE alert_id = $1
GROUP BY channel ORDER BY channel;

-- name: recipients
-- Alert $1's deliveries with who and where, and every attempt (time, outcome, AMD,
-- keys, causes); $2: text to search in name, number, address, street (NULL: all);
-- $3: channel (NULL: all); $4: 'reached', 'failed', 'pending' or NULL; at most $5 from
-- row $6, in the order they were made (the audience's order: by household). Personal
-- data: the caller audits the read.
SELECT d.id AS delivery_id, d.channel, d.state, coalesce(d.last_outcome, '') AS outcome,
       d.attempts, coalesce(m.display_name, '') AS name,
       coalesce(cp.phone_e164, cp.email) AS contact,
       h.civic_number, coalesce(h.street, '') AS street, coalesce(h.unit, '') AS unit,
       s.code AS sector_code,
       coalesce((
           SELECT json_agg(json_build_object(
                      'number', t.attempt_number, 'started_at', t.started_at,
                      'outcome', coalesce(t.outcome, ''), 'amd', t.amd_status,
                      'keys', t.keys_pressed, 'hangup_cause', t.hangup_cause,
                      'sip_code', t.sip_code, 'detail', t.detail)
                  ORDER BY t.attempt_number)
           FROM delivery_attempts t WHERE t.delivery_id = d.id), '[]') AS attempt_list
FROM deliveries d
JOIN contact_points cp ON cp.id = d.contact_point_id
LEFT JOIN members m ON m.id = d.member_id
LEFT JOIN households h ON h.id = m.household_id
LEFT JOIN sectors s ON s.id = d.sector_id
WHERE d.alert_id = $1
  AND ($2::text IS NULL OR m.display_name ILIKE '%' || $2 || '%'
       OR coalesce(cp.phone_e164, cp.email) ILIKE '%' || $2 || '%'
       OR h.street ILIKE '%' || $2 || '%')
  AND ($3::text IS NULL OR d.channel = $3)
  AND ($4::text IS NULL
       OR ($4 = 'reached' AND d.state = 'done')
       OR ($4 = 'failed' AND d.state IN ('failed', 'cancelled'))
       OR ($4 = 'pending' AND d.state IN ('pending', 'in_progress')))
ORDER BY d.id
LIMIT $5 OFFSET $6;

-- name: recipients_count
SELECT count(*) FROM deliveries WHERE alert_id = $1;

-- name: not_reached
-- The people alert $1 concerns whom none of their contacts reached: every contact
-- failed or was cancelled, is still pending, or they had none usable. Grouped by
-- sector and street for door-to-door follow-up.
WITH scope AS (
    SELECT s.member_id, s.sector_id, s.display_name, s.civic_number, s.street, s.unit
    FROM alert_scope($1) s
), status AS (
    SELECT sc.member_id,
           bool_or(d.state = 'done') AS reached,
           bool_or(d.state IN ('pending', 'in_progress')) AS pending,
           count(d.id) AS deliveries
    FROM scope sc
    LEFT JOIN member_channels mc ON mc.member_id = sc.member_id
    LEFT JOIN deliveries d ON d.alert_id = $1 AND d.contact_point_id = mc.contact_point_id
    GROUP BY sc.member_id
)
SELECT sc.member_id, sc.display_name, sc.civic_number, sc.street, sc.unit,
       sec.code AS sector_code, sec.name_fr AS sector_fr, sec.name_en AS sector_en,
       CASE WHEN st.deliveries = 0 THEN 'no_contact'
            WHEN st.pending THEN 'pending' ELSE 'failed' END AS why,
       (SELECT string_agg(DISTINCT coalesce(cp.phone_e164, cp.email), ', ')
        FROM member_channels mc JOIN contact_points cp ON cp.id = mc.contact_point_id
        WHERE mc.member_id = sc.member_id) AS contacts
FROM scope sc
JOIN status st ON st.member_id = sc.member_id
LEFT JOIN sectors sec ON sec.id = sc.sector_id
WHERE NOT coalesce(st.reached, false)
ORDER BY sec.code NULLS LAST, sc.street, sc.civic_number, sc.unit, sc.display_name;

-- name: scope_size
SELECT count(*) FROM alert_scope($1);

-- name: alert_summary
-- Alert $1 with who drafted and approved it.
SELECT a.id, a.title, a.category, a.urgency, a.state, a.target_all, a.follow_up_of,
       a.created_at, a.launched_at, a.completed_at, a.scheduled_at,
       d.display_name AS drafted_by_name, p.display_name AS approved_by_name
FROM alerts a
JOIN staff d ON d.id = a.drafted_by
LEFT JOIN staff p ON p.id = a.approved_by
WHERE a.id = $1;

-- name: not_reached_count
-- How many people alert $1 concerns whom none of their contacts reached.
SELECT count(*) FROM alert_scope($1) s
WHERE NOT EXISTS (
    SELECT 1 FROM member_channels mc
    JOIN deliveries d ON d.alert_id = $1 AND d.contact_point_id = mc.contact_point_id
    WHERE mc.member_id = s.member_id AND d.state = 'done');

-- name: export_csv
-- Every delivery of alert $1 and its last attempt, as the CSV export's rows; a cell
-- that would start a spreadsheet formula gets a leading quote (CSV injection).
SELECT d.id AS delivery, d.channel, d.state, coalesce(d.last_outcome, '') AS outcome,
       d.attempts,
       CASE WHEN left(m.display_name, 1) IN ('=', '+', '-', '@', chr(9), chr(13))
            THEN '''' || m.display_name ELSE coalesce(m.display_name, '') END AS name,
       coalesce(cp.phone_e164, cp.email) AS contact,
       h.civic_number,
       CASE WHEN left(h.street, 1) IN ('=', '+', '-', '@', chr(9), chr(13))
            THEN '''' || h.street ELSE coalesce(h.street, '') END AS street,
       CASE WHEN left(h.unit, 1) IN ('=', '+', '-', '@', chr(9), chr(13))
            THEN '''' || h.unit ELSE coalesce(h.unit, '') END AS unit,
       s.code AS sector, t.started_at AS last_attempt_at, t.amd_status AS amd,
       t.keys_pressed AS keys, t.hangup_cause, t.sip_code
FROM deliveries d
JOIN contact_points cp ON cp.id = d.contact_point_id
LEFT JOIN members m ON m.id = d.member_id
LEFT JOIN households h ON h.id = m.household_id
LEFT JOIN sectors s ON s.id = d.sector_id
LEFT JOIN delivery_attempts t ON t.delivery_id = d.id AND t.attempt_number = d.attempts
WHERE d.alert_id = $1
ORDER BY d.id
