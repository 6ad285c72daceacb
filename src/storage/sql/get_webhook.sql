-- One webhook, as the API shows it (never its secret).
SELECT * FROM webhooks_shown WHERE id = $1
