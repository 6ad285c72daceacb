-- Portal links: an admin token minted to open the page for one project or one webhook, from
-- an origin that may frame it. `portal` marks such a token (it manages no tokens); `webhook_id`
-- narrows it to one webhook of its scope; `frame_ancestors` lists the origins whose pages may
-- embed the page opened by the link (none: it cannot be framed).
ALTER TABLE api_tokens
    ADD COLUMN portal boolean NOT NULL DEFAULT false,
    ADD COLUMN webhook_id uuid,
    ADD COLUMN frame_ancestors text[] NOT NULL DEFAULT '{}',
    ADD CONSTRAINT api_tokens_portal_narrowing CHECK (portal OR (webhook_id IS NULL AND frame_ancestors = '{}'));
