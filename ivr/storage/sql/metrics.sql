-- name: dispatch_figures
-- What /metrics shows of the queue, in one statement. Rows of scope 'alerts': the
-- deliveries of alerts in progress ('sending') per channel, state and last outcome,
-- with how many are due now and how long the oldest due one has waited (seconds);
-- read through alerts_state_idx and the deliveries' (alert_id, ...) key, so the cost is
-- the size of the alerts under way, never of the history. Rows of scope 'in_flight':
-- attempts under way per channel whatever their alert's state (a cancelled alert's
-- calls still end), read through the partial index deliveries_lease_idx.
SELECT 'alerts' AS scope, d.channel, d.state, coalesce(d.last_outcome, '') AS outcome,
       count(*) AS deliveries,
       count(*) FILTER (WHERE d.state = 'pending' AND d.next_attempt_at <= now()) AS due,
       coalesce(extract(epoch FROM now() - min(d.next_attempt_at)
                FILTER (WHERE d.state = 'pending' AND d.next_attempt_at <= now())),
                0)::float8 AS oldest_due_seconds
FROM alerts a
JOIN deliveries d ON d.alert_id = a.id
WHERE a.state = 'sending'
GROUP BY d.channel, d.state, d.last_outcome
UNION ALL
SELECT 'in_flight', channel, 'in_progress', '', count(*), 0, 0
FROM deliveries
WHERE state = 'in_progress'
GROUP BY channel;
