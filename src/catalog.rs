//! The event catalog: the event names webhooks may subscribe to and publishers may send.

use std::collections::BTreeMap;
use std::sync::Arc;

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
        WEBHOOK_FAILING,
        "A webhook in this scope has failed with no success for long enough that webhookd will disable it unless a delivery succeeds (published by webhookd only, once per failing streak).",
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

/// Operational event published by webhookd once per failing streak when a webhook has failed
/// for `--failing-warning` of `--disable-after`, in its scope, to every subscriber but it.
pub const WEBHOOK_FAILING: &str = "webhook_failing";

/// Operational event published by webhookd when a delivery fails for good, in its webhook's
/// scope, to every subscriber but that webhook.
pub const DELIVERY_EXHAUSTED: &str = "delivery_exhausted";

/// Operational event published by webhookd when a failing webhook succeeds again, in its
/// scope, to every subscriber but that webhook.
pub const DELIVERY_RECOVERED: &str = "delivery_recovered";

/// The events only webhookd itself publishes. Deliveries of these never cause another
/// (an exhausted or recovered delivery of one is not announced), so they cannot loop.
pub const OPERATIONAL: &[&str] = &[WEBHOOK_DISABLED, WEBHOOK_FAILING, DELIVERY_EXHAUSTED, DELIVERY_RECOVERED];

/// Whether `name` is an event only webhookd itself publishes.
pub fn is_operational(name: &str) -> bool {
    OPERATIONAL.contains(&name)
}

/// Name of the ping event sent by `TestWebhook`; not subscribable.
pub const TEST_EVENT: &str = "webhook_test";

/// The built-in events' payload schemas (JSON Schema 2020-12). The Console's own events
/// document the fields the Console sends and accept others; webhookd's operational events
/// are exact.
const BUILT_IN_SCHEMAS: &[(&str, &str)] = &[
    ("company_user_added", include_str!("schemas/company_user_added.json")),
    ("company_user_edited", include_str!("schemas/company_user_edited.json")),
    ("company_user_removed", include_str!("schemas/company_user_removed.json")),
    ("configuration_saved", include_str!("schemas/configuration_saved.json")),
    ("delivery_exhausted", include_str!("schemas/delivery_exhausted.json")),
    ("delivery_recovered", include_str!("schemas/delivery_recovered.json")),
    ("project_created", include_str!("schemas/project_created.json")),
    ("project_user_added", include_str!("schemas/project_user_added.json")),
    ("project_user_removed", include_str!("schemas/project_user_removed.json")),
    ("service_created", include_str!("schemas/service_created.json")),
    ("tag_created", include_str!("schemas/tag_created.json")),
    ("webhook_disabled", include_str!("schemas/webhook_disabled.json")),
    ("webhook_failing", include_str!("schemas/webhook_failing.json")),
];

/// An event type's payload schema: its text, as `ListEventTypes` shows it, and its compiled
/// validator.
pub struct PayloadSchema {
    text: String,
    value: serde_json::Value,
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for PayloadSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PayloadSchema").field("text", &self.text).finish_non_exhaustive()
    }
}

impl PayloadSchema {
    /// Parses and compiles `text`; why not when it is not a valid JSON Schema.
    fn compile(text: &str) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let validator = jsonschema::validator_for(&value).map_err(|e| format!("not a valid JSON Schema: {e}"))?;
        Ok(Self { text: text.trim().to_string(), value, validator })
    }
}

#[derive(Debug, Clone)]
struct Entry {
    description: String,
    schema: Option<Arc<PayloadSchema>>,
}

/// The catalog in force: the defaults plus names added by configuration, each with its
/// payload schema if it has one, and whether payloads are checked against them.
#[derive(Debug, Clone)]
pub struct Catalog {
    events: BTreeMap<String, Entry>,
    validate: bool,
}

impl Catalog {
    /// The default catalog extended with `extra` (name, description) pairs, with `schemas`
    /// (event name, schema text) added or replacing the built-in ones, checking payloads
    /// against them when `validate`. Why not, naming the event, when a schema is not valid
    /// JSON Schema or names an event the catalog lacks.
    pub fn new(
        extra: impl IntoIterator<Item = (String, String)>,
        schemas: impl IntoIterator<Item = (String, String)>,
        validate: bool,
    ) -> Result<Self, String> {
        let mut events: BTreeMap<String, Entry> = DEFAULT_EVENTS
            .iter()
            .map(|(n, d)| (n.to_string(), Entry { description: d.to_string(), schema: None }))
            .collect();
        for (n, d) in extra {
            events.insert(n, Entry { description: d, schema: None });
        }
        let built_in = BUILT_IN_SCHEMAS.iter().map(|(n, t)| (n.to_string(), t.to_string()));
        for (name, text) in built_in.chain(schemas) {
            let schema = PayloadSchema::compile(&text).map_err(|e| format!("payload schema of {name}: {e}"))?;
            let entry = events.get_mut(&name).ok_or_else(|| {
                format!("payload schema of {name}: no such event in the catalog (add it with --extra-events)")
            })?;
            entry.schema = Some(Arc::new(schema));
        }
        Ok(Self { events, validate })
    }

    /// Whether `name` is in the catalog.
    pub fn contains(&self, name: &str) -> bool {
        self.events.contains_key(name)
    }

    /// Every (name, description), sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.events.iter().map(|(n, e)| (n.as_str(), e.description.as_str()))
    }

    /// The payload schema of event `name`, as text; `None` when it has none.
    pub fn schema(&self, name: &str) -> Option<&str> {
        self.events.get(name)?.schema.as_deref().map(|s| s.text.as_str())
    }

    /// Checks `payload` (JSON text) against event `name`'s schema, when it has one and
    /// payloads are checked: why not, naming the first place that does not match (as a JSON
    /// pointer) without repeating its value.
    pub fn check_payload(&self, name: &str, payload: &str) -> Result<(), String> {
        let Some(schema) = self.events.get(name).and_then(|e| e.schema.as_deref()).filter(|_| self.validate) else {
            return Ok(());
        };
        let value: serde_json::Value = serde_json::from_str(payload).map_err(|e| format!("not valid JSON: {e}"))?;
        match schema.validator.validate(&value) {
            Ok(()) => Ok(()),
            Err(e) => {
                let path = e.instance_path().to_string();
                let at = if path.is_empty() { "/".to_string() } else { path };
                Err(format!("does not match the {name} schema at {at}: {}", e.masked()))
            }
        }
    }

    /// The payload of every event with a schema, as the README's Markdown table shows it.
    pub fn payload_table(&self) -> String {
        let mut out = String::from("| event | payload fields (**required**) |\n| --- | --- |\n");
        for (name, entry) in &self.events {
            let Some(schema) = &entry.schema else { continue };
            let v = &schema.value;
            let required: Vec<&str> =
                v["required"].as_array().map(|r| r.iter().filter_map(|x| x.as_str()).collect()).unwrap_or_default();
            let fields: Vec<String> = v["properties"]
                .as_object()
                .map(|props| {
                    props
                        .iter()
                        .map(|(field, p)| {
                            let ty = match &p["type"] {
                                serde_json::Value::Array(t) => {
                                    t.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(" or ")
                                }
                                t => t.as_str().unwrap_or("any").to_string(),
                            };
                            if required.contains(&field.as_str()) {
                                format!("**`{field}`** {ty}")
                            } else {
                                format!("`{field}` {ty}")
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let more =
                if v["additionalProperties"] == serde_json::Value::Bool(false) { "" } else { ", others allowed" };
            out.push_str(&format!("| `{name}` | {}{more} |\n", fields.join(", ")));
        }
        out
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new([], [], true).expect("the built-in schemas compile")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_event_has_a_schema_that_compiles() {
        let c = Catalog::default();
        for (name, _) in DEFAULT_EVENTS {
            assert!(c.schema(name).is_some(), "{name}");
        }
    }

    #[test]
    fn payloads_are_checked_against_their_schema_without_echoing_values() {
        let c = Catalog::default();
        assert_eq!(c.check_payload("tag_created", r#"{"tagName":"v1","anything":1}"#), Ok(()));
        let err = c.check_payload("tag_created", r#"{"tagName":12345}"#).unwrap_err();
        assert!(err.contains("/tagName") && !err.contains("12345"), "{err}");
        let err = c.check_payload("webhook_disabled", "{}").unwrap_err();
        assert!(err.contains("at /"), "{err}");
        let off = Catalog::new([], [], false).unwrap();
        assert_eq!(off.check_payload("tag_created", r#"{"tagName":12345}"#), Ok(()));
    }

    #[test]
    fn configured_schemas_must_compile_and_name_a_known_event() {
        let extra = [("order_paid".to_string(), String::new())];
        let schema = r#"{"type":"object","required":["orderId"]}"#.to_string();
        let c = Catalog::new(extra.clone(), [("order_paid".to_string(), schema.clone())], true).unwrap();
        assert!(c.check_payload("order_paid", "{}").unwrap_err().contains("order_paid schema"));
        let unknown = Catalog::new([], [("nope".to_string(), schema)], true).unwrap_err();
        assert!(unknown.contains("nope"), "{unknown}");
        let invalid = Catalog::new(extra, [("order_paid".to_string(), r#"{"type": 12}"#.to_string())], true);
        assert!(invalid.unwrap_err().contains("order_paid"));
    }
}
