-- The W3C trace context of the call that published an event, sent on to its receivers.
ALTER TABLE events
    ADD COLUMN traceparent text,
    ADD COLUMN tracestate text;
