-- One alert to 10,000 deliveries with 30,000 attempts, for bench/admin.py: 10,000
-- households of one member each in two sectors, each with a phone (voice), the
-- alert's deliveries all ended (reached or not), three attempts each.
INSERT INTO staff (email, display_name, role, password_hash)
VALUES ('bench@itum.example', 'Bench', 'admin', 'x');
INSERT INTO sectors (code, community, name_fr, name_en)
VALUES ('nord', 'uashat', 'Nord', 'North'), ('sud', 'uashat', 'Sud', 'South');
INSERT INTO households (civic_number, street, street_key, community, sector_id, sector_method)
SELECT n % 400 + 1, 'rue ' || (n / 400), 'rue ' || (n / 400), 'uashat',
       (SELECT id FROM sectors WHERE code = CASE WHEN n % 2 = 0 THEN 'nord' ELSE 'sud' END),
       'staff'
FROM generate_series(1, 10000) AS n;
INSERT INTO members (household_id, display_name, language)
SELECT id, 'Résident ' || id, 'fr' FROM households;
INSERT INTO contact_points (kind, phone_e164, source)
SELECT 'phone', '+1418' || lpad((5000000 + id)::text, 7, '0'), 'directory' FROM members;
INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel)
SELECT m.id, c.id, 'phone', 'voice'
FROM members m JOIN contact_points c ON c.phone_e164 = '+1418' || lpad((5000000 + m.id)::text, 7, '0');
INSERT INTO alerts (title, category, urgency, target_all, state, drafted_by, approved_by,
                    approved_at, launched_at)
SELECT 'Bench', 'boil_water', 'urgent', true, 'sending', s.id, s.id, now(), now()
FROM staff s;
INSERT INTO alert_contents (alert_id, language, sms_text, email_subject, email_body, voice_text)
SELECT id, 'fr', 'Avis', 'Avis', 'Avis', 'Avis' FROM alerts;
INSERT INTO deliveries (alert_id, contact_point_id, channel, language, member_id, sector_id,
                        priority, state, attempts, last_outcome, finished_at)
SELECT a.id, mc.contact_point_id, 'voice', 'fr', m.id, h.sector_id, 3,
       CASE WHEN m.id % 5 = 0 THEN 'failed' ELSE 'done' END, 3,
       CASE WHEN m.id % 5 = 0 THEN 'no_answer' ELSE 'listened' END, now()
FROM alerts a
CROSS JOIN members m
JOIN households h ON h.id = m.household_id
JOIN member_channels mc ON mc.member_id = m.id;
INSERT INTO delivery_attempts (delivery_id, attempt_number, started_at, ended_at, outcome,
                               amd_status, keys_pressed, hangup_cause, reference)
SELECT d.id, k, now() - (4 - k) * interval '5 minutes', now() - (4 - k) * interval '5 minutes'
       + interval '40 seconds', CASE WHEN k < 3 THEN 'no_answer' ELSE d.last_outcome END,
       CASE WHEN k = 3 THEN 'HUMAN' END, CASE WHEN k = 3 THEN '2' ELSE '' END, 16,
       'ivr-' || d.id || '-' || k
FROM deliveries d CROSS JOIN generate_series(1, 3) AS k;
ANALYZE;
