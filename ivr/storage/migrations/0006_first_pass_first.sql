-- A first pass over the whole audience before call-backs of the same priority: every
-- resident gets a first call as early as possible, and the short call-backs fill the
-- channels at the end of an alert instead of delaying first calls.

DROP INDEX deliveries_due_idx;
CREATE INDEX deliveries_due_idx ON deliveries (priority DESC, attempts, next_attempt_at)
    WHERE state = 'pending';
