-- Millrace schema, version 12: a job keeps the trace context that was current when it was enqueued.
-- The W3C Trace Context carrier ({"traceparent": ..., "tracestate": ...}), written only when the
-- enqueuing code ran inside a valid span; null otherwise (periodic fires, untraced callers), so an
-- application without OpenTelemetry stores nothing. Each attempt's consumer span links to it.
-- Nullable and without a default: adding it rewrites neither table. History keeps it too, so a
-- finished job still names the trace that asked for it.

ALTER TABLE ${schema}.jobs ADD COLUMN trace_context jsonb;
ALTER TABLE ${schema}.job_history ADD COLUMN trace_context jsonb;

-- The W3C traceparent of the span of the attempt that completed the job, written only where that
-- span was recorded (an OpenTelemetry SDK on the node). A workflow step's attempts link to their
-- parent steps' completing spans through it.
ALTER TABLE ${schema}.job_history ADD COLUMN attempt_traceparent text;
