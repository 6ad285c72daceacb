-- The audit log says which client software made each change: the call's user-agent header
-- (the clients send "webhookd-client-<language>/<version>" first), cut to 256 characters;
-- empty for changes made before this column existed and for the command line.
ALTER TABLE audit_events ADD COLUMN user_agent text NOT NULL DEFAULT '';
