"""Generated from proto/webhookd; do not edit."""
