-- name: create_alert
-- A test call is an exercise alert to one number typed by staff: approved by the
-- same person (it reaches nobody else), not launched until its audio exists.
INSERT INTO alerts (title, category, urgency, target_all, state, drafted_by, approved_by,
                    approved_at)
VALUES ('Appel d''essai / Test call', 'exercise', 'normal', false, 'approved', $1, $1, now())
RETURNING id;

-- name: add_content
INSERT INTO alert_contents (alert_id, language, voice_text) VALUES ($1, $2, $3);

-- name: add_delivery
INSERT INTO deliveries (alert_id, contact_point_id, channel, language, priority)
VALUES ($1, $2, 'voice', $3, 1)
RETURNING id;

-- name: start
UPDATE alerts SET state = 'sending', launched_at = now(), updated_at = now()
WHERE id = $1 AND state = 'approved';

-- name: delivery_state
SELECT d.state, d.attempts, d.last_outcome,
       array(SELECT a.outcome FROM delivery_attempts a WHERE a.delivery_id = d.id
             ORDER BY a.attempt_number) AS outcomes
FROM deliveries d WHERE d.id = $1;
