-- Changes the fields given: $2 to $4 when not null; the CA certificate and the proxy when
-- $5 / $7 say so (to $6 / $8, null removing them; $10 is the proxy URL sealed). A new secret
-- ($3, sealed) keeps the one it replaces valid for $9 milliseconds (none when 0); a rotation
-- in progress ends, its older secret dropped. The row is sealed with the current key already.
-- A new state $11 (with its reason $12) that differs from the current one is recorded with
-- the time; making the webhook ACTIVE also forgets its failure streak (and its warning) and
-- closes its circuit breaker. $13 and $14 are the new limits when not null. The custom headers change when $15
-- says so, to $16 as shown and $17 sealed; the payload filter when $18 says so (to $19, null
-- removing it); the required labels to $20 when not null; the client certificate and its
-- sealed key when $21 says so (to $22 and $23, null removing them); the signature scheme to
-- $24 when not null. $25 (sealed) and $26 (its public key) are a new signing key pair: with
-- $27 it replaces the current one, which keeps signing for $28 milliseconds (none when 0);
-- without, it is taken only by a webhook that has none. The ordering changes to $29 when not
-- null. Returns its id; storage reads it back
-- as shown (webhooks_shown) in the same transaction.
UPDATE webhooks SET
    target_url = coalesce($2, target_url),
    secret = coalesce($3, secret),
    previous_secret = CASE WHEN $3 IS NULL THEN previous_secret
                           WHEN $9::bigint > 0 THEN secret END,
    previous_secret_expire_time = CASE WHEN $3 IS NULL THEN previous_secret_expire_time
                                       WHEN $9::bigint > 0 THEN now() + $9::bigint * interval '1 millisecond' END,
    events = coalesce($4, events),
    ca_certificate = CASE WHEN $5 THEN $6 ELSE ca_certificate END,
    proxy_url = CASE WHEN $7 THEN $8 ELSE proxy_url END,
    proxy_url_sealed = CASE WHEN $7 THEN $10 ELSE proxy_url_sealed END,
    state = coalesce($11, state),
    state_reason = CASE WHEN $11 IS NOT NULL AND $11 <> state THEN $12 ELSE state_reason END,
    state_time = CASE WHEN $11 IS NOT NULL AND $11 <> state THEN now() ELSE state_time END,
    failure_streak = CASE WHEN $11 = 1 THEN 0 ELSE failure_streak END,
    failing_since = CASE WHEN $11 = 1 THEN NULL ELSE failing_since END,
    breaker_until = CASE WHEN $11 = 1 THEN NULL ELSE breaker_until END,
    failing_warned = CASE WHEN $11 = 1 THEN false ELSE failing_warned END,
    max_in_flight = coalesce($13, max_in_flight),
    rate_limit = coalesce($14, rate_limit),
    custom_headers = CASE WHEN $15 THEN $16 ELSE custom_headers END,
    custom_headers_sealed = CASE WHEN $15 THEN $17 ELSE custom_headers_sealed END,
    filter = CASE WHEN $18 THEN $19::jsonb ELSE filter END,
    labels = coalesce($20::jsonb, labels),
    client_certificate = CASE WHEN $21 THEN $22::text ELSE client_certificate END,
    client_key_sealed = CASE WHEN $21 THEN $23::bytea ELSE client_key_sealed END,
    signature_scheme = coalesce($24::int2, signature_scheme),
    signing_key_sealed = CASE WHEN $27 THEN $25::bytea ELSE coalesce(signing_key_sealed, $25::bytea) END,
    signing_public_key = CASE WHEN $27 THEN $26::bytea ELSE coalesce(signing_public_key, $26::bytea) END,
    previous_signing_key_sealed = CASE WHEN NOT $27 THEN previous_signing_key_sealed
                                       WHEN $28::bigint > 0 THEN signing_key_sealed END,
    previous_signing_public_key = CASE WHEN NOT $27 THEN previous_signing_public_key
                                       WHEN $28::bigint > 0 THEN signing_public_key END,
    previous_signing_key_expire_time = CASE WHEN NOT $27 THEN previous_signing_key_expire_time
                                            WHEN $28::bigint > 0 AND signing_key_sealed IS NOT NULL
                                                THEN now() + $28::bigint * interval '1 millisecond' END,
    ordering = coalesce($29::int2, ordering),
    update_time = now()
WHERE id = $1
RETURNING id
