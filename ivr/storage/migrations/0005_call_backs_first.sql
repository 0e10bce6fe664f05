-- Due call-backs go before first calls of the same priority: a number already tried is
-- on the clock, and its chain of calls is what bounds how soon an alert is over.

DROP INDEX deliveries_due_idx;
CREATE INDEX deliveries_due_idx ON deliveries (priority DESC, attempts DESC, next_attempt_at)
    WHERE state = 'pending';
