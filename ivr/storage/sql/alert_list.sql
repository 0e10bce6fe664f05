-- name: recent
-- The $1 latest alerts, newest first, with their deliveries counted per state.
SELECT a.id, a.title, a.category, a.urgency, a.state, a.target_all, a.created_at,
       a.scheduled_at, a.approved_at, a.launched_at, a.completed_at, a.cancelled_at,
       c.pending, c.in_progress, c.done, c.failed, c.cancelled
FROM alerts a
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE d.state = 'pending')::int AS pending,
           count(*) FILTER (WHERE d.state = 'in_progress')::int AS in_progress,
           count(*) FILTER (WHERE d.state = 'done')::int AS done,
           count(*) FILTER (WHERE d.state = 'failed')::int AS failed,
           count(*) FILTER (WHERE d.state = 'cancelled')::int AS cancelled
    FROM deliveries d WHERE d.alert_id = a.id
) c
ORDER BY a.id DESC
LIMIT $1;
