-- Records that the tokens $1 were used now.
UPDATE api_tokens SET last_used_time = now() WHERE id = ANY($1)
