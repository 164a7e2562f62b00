-- Late corrections (WindowAggregate v1.1): an event that arrives after its window was evicted (past the
-- aggregator's allowed lateness) is written as a row of its own, holding that event alone, with
-- correction_event_id = its event id ('' for a window's own revisions). The column joins the end of the
-- sorting key, so FINAL still keeps a window's latest revision, each correction stays a row of its own
-- next to it, and a replayed correction (same event id) replaces itself instead of counting twice.
-- sum(events) over a window's rows FINAL is the window's count, late events included.
-- (18.16 only allows a column added in the same ALTER, without a default expression, into the key.)
ALTER TABLE {{database}}.window_aggregates ADD COLUMN correction_event_id String, MODIFY ORDER BY (tenant_id, application, environment, provider, model, operation, window_size_s, window_start, correction_event_id);
