//! The event catalog: the event names webhooks may subscribe to and publishers may send.

use std::collections::BTreeMap;

/// The default catalog: name and description.
pub const DEFAULT_EVENTS: &[(&str, &str)] = &[
    ("project_created", "A project was created in a company."),
    ("service_created", "A service was created in a project."),
    ("tag_created", "A tag was created on a project's repository."),
    ("configuration_saved", "A project's configuration was saved."),
    ("company_user_added", "A user was added to a company."),
    ("company_user_edited", "A company user's role was changed."),
    ("company_user_removed", "A user was removed from a company."),
    ("project_user_added", "A user was given access to a project."),
    ("project_user_removed", "A user's access to a project was removed."),
    (
        WEBHOOK_DISABLED,
        "webhookd disabled a webhook in this scope: its target answered 410 Gone or kept failing (published by webhookd only).",
    ),
    (
        DELIVERY_EXHAUSTED,
        "A delivery to a webhook in this scope failed for good: no attempt is left (published by webhookd only).",
    ),
    (
        DELIVERY_RECOVERED,
        "A webhook in this scope delivered successfully again after failing (published by webhookd only).",
    ),
];

/// Operational event published by webhookd when it disables a webhook, in that webhook's
/// scope; publishers may not send it.
pub const WEBHOOK_DISABLED: &str = "webhook_disabled";

/// Operational event published by webhookd when a delivery fails for good, in its webhook's
/// scope, to every subscriber but that webhook.
pub const DELIVERY_EXHAUSTED: &str = "delivery_exhausted";

/// Operational event published by webhookd when a failing webhook succeeds again, in its
/// scope, to every subscriber but that webhook.
pub const DELIVERY_RECOVERED: &str = "delivery_recovered";

/// The events only webhookd itself publishes. Deliveries of these never cause another
/// (an exhausted or recovered delivery of one is not announced), so they cannot loop.
pub const OPERATIONAL: &[&str] = &[WEBHOOK_DISABLED, DELIVERY_EXHAUSTED, DELIVERY_RECOVERED];

/// Whether `name` is an event only webhookd itself publishes.
pub fn is_operational(name: &str) -> bool {
    OPERATIONAL.contains(&name)
}

/// Name of the ping event sent by `TestWebhook`; not subscribable.
pub const TEST_EVENT: &str = "webhook_test";

/// The catalog in force: the defaults plus names added by configuration.
#[derive(Debug, Clone)]
pub struct Catalog {
    events: BTreeMap<String, String>,
}

impl Catalog {
    /// The default catalog extended with `extra` (name, description) pairs.
    pub fn new(extra: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut events: BTreeMap<String, String> =
            DEFAULT_EVENTS.iter().map(|(n, d)| (n.to_string(), d.to_string())).collect();
        events.extend(extra);
        Self { events }
    }

    /// Whether `name` is in the catalog.
    pub fn contains(&self, name: &str) -> bool {
        self.events.contains_key(name)
    }

    /// Every (name, description), sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.events.iter().map(|(n, d)| (n.as_str(), d.as_str()))
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new([])
    }
}
