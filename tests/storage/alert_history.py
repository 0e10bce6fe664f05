"""A launched alert's history as the channels leave it (an attempt per delivery with its
keys, references, provider ids, the relay's answer, SMS parts), then ended some days
ago: the material of the backup and retention tests."""

from __future__ import annotations

import asyncpg

ATTEMPTS = """
INSERT INTO delivery_attempts (delivery_id, attempt_number, started_at, answered_at, ended_at,
    outcome, keys_pressed, ring_seconds, talk_seconds, reference, provider_message_id, detail)
SELECT d.id, 1, now() - interval '5 minutes', now() - interval '4 minutes',
       now() - interval '3 minutes',
       CASE d.channel WHEN 'voice' THEN 'confirmed' ELSE 'accepted' END,
       CASE d.channel WHEN 'voice' THEN '2' ELSE '' END, 4.5, 60,
       'ivr-' || d.id || '-1',
       CASE d.channel WHEN 'voice' THEN NULL ELSE 'msg-' || d.id END,
       CASE d.channel WHEN 'email' THEN 'data: 250 2.0.0 ok <resident@test.example>'
                      ELSE '' END
FROM deliveries d WHERE d.alert_id = $1
"""

PARTS = """
INSERT INTO sms_parts (attempt_id, part_number, parts_total, message_id, submit_status,
                       receipt_state, receipt_at)
SELECT t.id, 1, 1, 'smsc-' || t.id, 0, 'DELIVRD', now()
FROM delivery_attempts t JOIN deliveries d ON d.id = t.delivery_id
WHERE d.alert_id = $1 AND d.channel = 'sms'
"""

FINISHED = """
WITH done AS (
    UPDATE deliveries
    SET state = 'done', attempts = 1, finished_at = now(),
        last_outcome = CASE channel WHEN 'voice' THEN 'confirmed' ELSE 'accepted' END
    WHERE alert_id = $1
)
UPDATE alerts SET state = 'completed', completed_at = now() WHERE id = $1
"""

AGED = """
WITH alert AS (
    UPDATE alerts
    SET completed_at = completed_at - make_interval(days => $2),
        launched_at = launched_at - make_interval(days => $2)
    WHERE id = $1
), attempts AS (
    UPDATE delivery_attempts t
    SET started_at = started_at - make_interval(days => $2),
        answered_at = answered_at - make_interval(days => $2),
        ended_at = ended_at - make_interval(days => $2)
    FROM deliveries d WHERE d.id = t.delivery_id AND d.alert_id = $1
)
UPDATE deliveries
SET created_at = created_at - make_interval(days => $2),
    finished_at = finished_at - make_interval(days => $2)
WHERE alert_id = $1
"""


async def finish_alert(db: asyncpg.Pool, alert_id: int, ended_days_ago: int) -> None:
    """Give every delivery of the launched alert an attempt, end it, and move it all
    ``ended_days_ago`` days into the past."""
    async with db.acquire() as conn, conn.transaction():
        await conn.execute(ATTEMPTS, alert_id)
        await conn.execute(PARTS, alert_id)
        await conn.execute(FINISHED, alert_id)
        await conn.execute(AGED, alert_id, ended_days_ago)
