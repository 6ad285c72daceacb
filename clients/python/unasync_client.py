"""Generates the blocking client (src/webhookd_client/client.py) from the asyncio one
(src/webhookd_client/aio.py) with unasync: ``async``/``await`` removed and the names below
mapped. Run by clients/generate.sh; CI fails if client.py differs from what this makes."""

import pathlib
import sys

import unasync

here = pathlib.Path(__file__).resolve().parent / "src" / "webhookd_client"
rule = unasync.Rule(
    "/aio.py",
    "/client.py",
    additional_replacements={
        "AsyncWebhookdClient": "WebhookdClient",
        "aio_channel": "channel",
        "asyncio": "time",
    },
)
unasync.unasync_files([str(here / "aio.py")], rules=[rule])
out = here / "client.py"
text = out.read_text()
header = "# Generated from aio.py by clients/generate.sh (unasync); edit aio.py, not this file.\n"
out.write_text(header + text)
sys.exit(0)
