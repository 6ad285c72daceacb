"""Generated from proto/webhookd/v1; do not edit."""
