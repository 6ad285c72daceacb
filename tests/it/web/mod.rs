//! The admin page in a real browser: Chromium driven over WebDriver (chromedriver), against a
//! real server with its database and a real receiver. Each screen is saved as a screenshot
//! under the target directory (`web-screenshots/`).
//!
//! Without Chromium and chromedriver the browser tests say so and pass, except under CI
//! (`CI` set), where `.ci/run` installs them and their absence fails the test.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use webhookd_client::pb;

use crate::common::publish;
use crate::common::receiver::{Receiver, Reply};
use crate::common::Role;
use crate::common::{new_webhook, scope, TestServer};

mod browser;

use browser::{Browser, WAIT};

const SECRET: &str = "page-secret-1";

#[tokio::test]
async fn an_admin_manages_a_webhook_and_reads_its_history_in_the_page() {
    let Some(b) = Browser::start("an_admin_manages_a_webhook_and_reads_its_history_in_the_page").await else {
        return;
    };
    // A single retry, soon: a delivery the receiver refuses ends in error quickly.
    let server = TestServer::start_with(&["--retry-schedule", "50ms"]).await;
    let receiver = Receiver::start(None, |_, c| {
        if c.body.windows(4).any(|w| w == b"fail") {
            Reply::Status(500, vec![])
        } else {
            Reply::Status(200, vec![])
        }
    })
    .await;
    let base = format!("http://{}", server.addr);

    // Sign in: a wrong token is refused in the form; a publisher is told what it cannot do.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.fill("#sign-in input", "whk_not-a-token").await;
    b.click("#sign-in button[type=submit]").await;
    b.text_until("#sign-in-error", |t| t.contains("not accepted")).await;
    b.shot("01-sign-in-refused").await;
    b.accessible("sign-in").await;
    let publisher = server.token(Role::Publisher, "", "").await;
    b.fill("#sign-in input", &publisher).await;
    b.click("#sign-in button[type=submit]").await;
    b.text_until("main h1", |t| t == "This token publishes events").await;
    b.click("#who button").await;
    b.fill("#sign-in input", &server.admin_token).await;
    b.click("#sign-in button[type=submit]").await;
    b.text_until("#who", |t| t.contains("admin") && t.contains("the whole instance")).await;
    assert!(!b.client.current_url().await.unwrap().as_str().contains("whk_"), "the token is never in the URL");
    assert_eq!(
        b.eval("sessionStorage.getItem('webhookd.token')").await,
        serde_json::json!(server.admin_token),
        "the token is kept in session storage"
    );
    b.text_until("main", |t| t.contains("No webhook here yet")).await;
    b.shot("02-webhooks-empty").await;

    // Add, in two steps; a field the server refuses is shown beside the field, in step 1.
    b.click("#add-webhook").await;
    b.fill("[data-field=target_url] input", "ftp://example.com/hook").await;
    b.fill("[data-field=secret] input", SECRET).await;
    b.click("[data-field=events] input[value=tag_created]").await;
    b.click("[data-field=events] input[value=project_created]").await;
    // Enter in a field goes on to the next step.
    b.find("[data-field=secret] input").await.send_keys("\u{E007}").await.unwrap();
    b.text_until("[data-step='2'] summary", |t| t == "Certificate authority").await;
    b.click("#proxy-section summary").await;
    b.shot("03-add-step-2-advanced").await;
    b.accessible("add, step 2").await;
    b.click(".modal-footer button[type=submit]").await;
    let error = b.text_until("[data-field=target_url] .field-error", |t| !t.is_empty()).await;
    assert!(error.contains("http"), "the target URL's error is at its field: {error}");
    assert_eq!(b.eval("document.querySelector(\"[data-step='1']\").hidden").await, serde_json::json!(false));
    assert_eq!(
        b.eval("document.activeElement === document.querySelector('[data-field=target_url] input')").await,
        serde_json::json!(true),
        "the first bad field has the focus"
    );
    b.shot("04-add-field-error").await;
    b.accessible("add, a field error").await;
    b.fill("[data-field=target_url] input", &receiver.url("/hook")).await;
    b.click(".modal-footer button.primary:not([hidden])").await;
    // A sensitive custom header, written once.
    b.click("#headers-section summary").await;
    b.click("#add-header").await;
    b.fill(".header-row [data-part=name]", "X-Api-Key").await;
    b.fill(".header-row [data-part=value]", "page-api-key").await;
    b.click(".header-row [data-part=sensitive]").await;
    b.shot("04b-add-custom-header").await;
    b.click(".modal-footer button[type=submit]").await;
    b.count_until("#webhooks tbody tr", 1).await;
    let webhook_id = b.find("#webhooks tbody tr").await.attr("data-webhook").await.unwrap().unwrap();
    let mut admin = server.admin().await;
    let w = admin.get_webhook(pb::GetWebhookRequest { id: webhook_id.clone() }).await.unwrap().into_inner();
    assert_eq!(w.target_url, receiver.url("/hook"));
    assert_eq!(w.events, ["project_created", "tag_created"]);
    assert_eq!(
        w.custom_headers,
        [pb::CustomHeader { name: "X-Api-Key".into(), value: String::new(), sensitive: true }]
    );
    b.shot("05-webhooks-table").await;
    // The events filter closes on Escape and on a click elsewhere.
    let filter_open = "document.getElementById('events-filter').open";
    b.click("#events-filter summary").await;
    b.find("#events-filter input[name=event]").await.send_keys("\u{E00C}").await.unwrap();
    assert_eq!(b.eval(filter_open).await, serde_json::json!(false), "Escape closes the filter");
    b.click("#events-filter summary").await;
    assert_eq!(b.eval(filter_open).await, serde_json::json!(true));
    b.click("main h1").await;
    assert_eq!(b.eval(filter_open).await, serde_json::json!(false), "a click elsewhere closes it");
    b.accessible("list").await;

    // Edit without a secret: the events change, the secret stays (deliveries are signed with it).
    b.click("#webhooks [data-action=edit]").await;
    b.text_until(".modal h2", |t| t == "Edit webhook").await;
    b.click("[data-field=events] input[value=project_created]").await;
    b.shot("06-edit").await;
    b.click(".modal-footer button.primary:not([hidden])").await;
    b.click(".modal-footer button[type=submit]").await;
    b.text_until("#webhooks tbody tr", |t| !t.contains("project_created")).await;
    let w = admin.get_webhook(pb::GetWebhookRequest { id: webhook_id.clone() }).await.unwrap().into_inner();
    assert_eq!(w.events, ["tag_created"]);

    // Events published through the API: Last Event shows the newest.
    publish(&server, "tag_created", None, r#"{"n":1}"#).await;
    publish(&server, "tag_created", None, r#"{"n":2,"fail":true}"#).await;
    publish(&server, "tag_created", None, r#"{"n":3}"#).await;
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(receiver.expect().await);
    }
    for c in &got {
        let mia = webhookd::delivery::signing::mia_signature(&c.body, SECRET.as_bytes());
        assert_eq!(c.header("x-mia-signature"), Some(mia.as_str()), "signed with the secret kept by the edit");
        assert_eq!(c.header("x-api-key"), Some("page-api-key"), "the sensitive header kept by the edit");
    }
    let history = crate::common::settled_history(&mut server.admin().await, &webhook_id, 3).await;
    b.client.refresh().await.unwrap();
    b.text_until("#webhooks .last-event", |t| t.contains("success") || t.contains("error")).await;
    let newest = &history[0];
    let info = b.find("#webhooks .last-event .info").await.attr("aria-label").await.unwrap().unwrap();
    assert!(info.contains("tag_created") && info.contains(&newest.status_code.to_string()), "{info}");
    b.shot("07-webhooks-last-event").await;

    // The detail page: history, filters and sort done by the server.
    b.click("#webhooks [data-action=open]").await;
    b.count_until("#history tbody tr", 3).await;
    b.text_until("main h1", |t| t == receiver.url("/hook")).await;
    b.shot("08-detail").await;
    b.accessible("detail").await;
    b.find("[data-field=history_status] select").await.select_by_label("error").await.unwrap();
    b.count_until("#history tbody tr", 1).await;
    b.text_until("#history tbody tr", |t| t.contains("error 500")).await;
    // The filters live in the URL: a reload shows the same history.
    assert!(b.client.current_url().await.unwrap().as_str().ends_with("?status=error"));
    b.client.refresh().await.unwrap();
    b.count_until("#history tbody tr", 1).await;
    b.text_until("#history tbody tr", |t| t.contains("error 500")).await;
    // A status code that is none is refused at its field.
    b.fill("[data-field=history_codes] input", "abc").await;
    b.find("[data-field=history_codes] input").await.send_keys("\u{E007}").await.unwrap();
    b.text_until("[data-field=history_codes] .field-error", |t| t.contains("not a status code")).await;
    b.fill("[data-field=history_codes] input", "").await;
    b.find("[data-field=history_codes] input").await.send_keys("\u{E007}").await.unwrap();
    b.text_until("[data-field=history_codes] .field-error", str::is_empty).await;
    b.count_until("#history tbody tr", 1).await;
    b.find("[data-field=history_status] select").await.select_by_label("Any status").await.unwrap();
    b.count_until("#history tbody tr", 3).await;
    b.fill("[data-field=history_codes] input", "500").await;
    b.find("[data-field=history_codes] input").await.send_keys("\u{E007}").await.unwrap(); // Enter
    b.count_until("#history tbody tr", 1).await;
    b.fill("[data-field=history_codes] input", "").await;
    b.find("[data-field=history_codes] input").await.send_keys("\u{E007}").await.unwrap();
    b.count_until("#history tbody tr", 3).await;
    // The rows' ids in one script call: a table re-rendered between finding its rows and
    // reading them would leave stale elements.
    let order = || async {
        let ids = b
            .client
            .execute("return [...document.querySelectorAll('#history tbody tr')].map(r => r.dataset.delivery)", vec![])
            .await
            .unwrap();
        serde_json::from_value::<Vec<String>>(ids).unwrap()
    };
    let newest: Vec<String> = history.iter().map(|r| r.id.clone()).collect();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ids = order().await;
        if ids == newest {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "newest first, as the API: {ids:?}, not {newest:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.find("[data-field=history_order] select").await.select_by_label("Oldest first").await.unwrap();
    b.text_until("#history tbody tr", |t| !t.is_empty()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ids = order().await;
        if ids.iter().rev().eq(newest.iter()) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "oldest first: {ids:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.shot("09-history-oldest-first").await;

    // A body, byte for byte what the receiver got.
    let first = &history[history.len() - 1];
    b.click(&format!("#history tr[data-delivery='{}'] [data-action=body]", first.id)).await;
    b.find("#body-pretty").await;
    b.shot("10-request-body").await;
    b.accessible("body").await;
    let raw = b.eval("document.getElementById('body-raw').textContent").await;
    let sent = got.iter().find(|c| c.header("webhook-id") == Some(first.id.as_str())).expect("the receiver got it");
    assert_eq!(raw.as_str().unwrap().as_bytes(), &sent.body[..], "the page shows the exact bytes sent");
    let headers = b.text_until(".modal table.headers", |t| t.contains("x-mia-signature")).await;
    assert!(!headers.contains(SECRET), "no secret in the page");

    // Redeliver from the body: the receiver gets the same bytes again.
    b.click(".modal-footer button.primary").await;
    let again = receiver.expect().await;
    assert_eq!(again.body, sent.body, "a redelivery sends the same body");
    // It is in the history at once (no reload, no live updates).
    b.count_until("#history tbody tr", 4).await;
    b.click(".modal .modal-head button").await;

    // Live: a new delivery appears without reloading.
    b.find("[data-field=history_order] select").await.select_by_label("Newest first").await.unwrap();
    b.count_until("#history tbody tr", 4).await;
    b.click("#live").await;
    // The page marks the table once the server answered the watch: it is watching from then on.
    b.find("#history[data-live=open]").await;
    b.click("#send-test").await;
    b.text_until("#history tbody tr:first-child", |t| t.contains("webhook_test")).await;
    publish(&server, "tag_created", None, r#"{"n":4}"#).await;
    b.text_until("#history tbody tr:first-child", |t| t.contains("tag_created") && t.contains("success")).await;
    b.count_until("#history tbody tr", 6).await;
    b.shot("11-history-live").await;

    // The test ping and the live event reached the receiver.
    for _ in 0..2 {
        receiver.expect().await;
    }
    // Recover what failed for good: the failed delivery goes again, the same bytes.
    b.click("#recover").await;
    b.click("#start-recovery").await;
    b.text_until("#recovery-status", |t| t.contains("done") && t.contains("1 of 1")).await;
    b.shot("12-recover").await;
    let resent = receiver.expect().await;
    let failed = got.iter().find(|c| c.body.windows(4).any(|w| w == b"fail")).unwrap();
    assert_eq!(resent.body, failed.body, "the recovery sends the failed body again");
    b.click(".modal .modal-head button").await;

    // Routing, in the Advanced step: a filter that is not an object is refused at its field;
    // a filter and labels are saved and shown.
    b.click("#edit-webhook").await;
    b.text_until(".modal h2", |t| t == "Edit webhook").await;
    b.click(".modal-footer button.primary:not([hidden])").await;
    // A client certificate without its key is refused at the key's field, beside the filter.
    let (_, client_cert, client_key) = crate::common::receiver::client_certificate();
    b.click("#routing-section summary").await;
    b.fill("[data-field=filter] textarea", "[1]").await;
    b.click("#client-cert-section summary").await;
    b.fill("[data-field=client_certificate] textarea", &client_cert).await;
    b.click(".modal-footer button[type=submit]").await;
    b.text_until("[data-field=filter] .field-error", |t| t.contains("JSON object")).await;
    b.text_until("[data-field=client_key] .field-error", |t| t.contains("required")).await;
    b.fill("[data-field=filter] textarea", r#"{"tier":"gold"}"#).await;
    b.fill("[data-field=labels] textarea", "region=eu\nteam = billing").await;
    b.fill("[data-field=client_key] textarea", &client_key).await;
    b.shot("12b-routing").await;
    b.click(".modal-footer button[type=submit]").await;
    b.text_until("main", |t| t.contains(r#"{"tier": "gold"}"#) && t.contains("team=billing")).await;
    let w = admin.get_webhook(pb::GetWebhookRequest { id: webhook_id.clone() }).await.unwrap().into_inner();
    assert_eq!(w.client_certificate.trim(), client_cert.trim(), "the certificate as pasted");
    assert!(!b.eval("document.body.innerHTML").await.as_str().unwrap().contains("PRIVATE KEY"), "no key in the page");
    assert_eq!(w.filter, r#"{"tier": "gold"}"#);
    let labels: Vec<(&str, &str)> = w.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(labels.len(), 2);
    assert!(labels.contains(&("region", "eu")) && labels.contains(&("team", "billing")), "{labels:?}");

    // Public-key signatures: chosen in the Advanced step, the public key shown on the detail;
    // then a new key pair, the previous key shown while it still signs.
    b.click("#edit-webhook").await;
    b.text_until(".modal h2", |t| t == "Edit webhook").await;
    b.click(".modal-footer button.primary:not([hidden])").await;
    b.click("#signatures-section summary").await;
    b.eval(
        "(s => { s.value = s.options[1].value; s.dispatchEvent(new Event('change')); return null; })\
         (document.querySelector('[data-field=signature_scheme] select'))",
    )
    .await;
    // And ordered delivery, in its own section.
    b.click("#ordering-section summary").await;
    b.eval(
        "(s => { s.value = s.options[1].value; s.dispatchEvent(new Event('change')); return null; })\
         (document.querySelector('[data-field=ordering] select'))",
    )
    .await;
    b.click(".modal-footer button[type=submit]").await;
    let shown = b.text_until("#signatures", |t| t.contains("whpk_")).await;
    b.text_until("main", |t| t.contains("FIFO: one at a time")).await;
    let w = admin.get_webhook(pb::GetWebhookRequest { id: webhook_id.clone() }).await.unwrap().into_inner();
    assert_eq!(w.signature_scheme, pb::SignatureScheme::V1a as i32);
    assert_eq!(w.ordering, pb::DeliveryOrdering::Fifo as i32);
    assert!(shown.contains("v1a") && shown.contains(&w.signing_public_key), "{shown}");
    b.click("#edit-webhook").await;
    b.text_until(".modal h2", |t| t == "Edit webhook").await;
    b.click(".modal-footer button.primary:not([hidden])").await;
    b.click("[data-field=signing_key] input[type=checkbox]").await;
    b.shot("12c-signatures").await;
    b.click(".modal-footer button[type=submit]").await;
    let first = w.signing_public_key.clone();
    let shown = b.text_until("#signatures", |t| t.contains("Previous key")).await;
    let w = admin.get_webhook(pb::GetWebhookRequest { id: webhook_id.clone() }).await.unwrap().into_inner();
    assert_eq!(w.previous_signing_public_key, first);
    assert!(shown.contains(&w.signing_public_key) && shown.contains(&first), "{shown}");

    // Delete, confirmed in its dialog.
    b.click("#delete-webhook").await;
    b.shot("13-delete").await;
    b.accessible("delete").await;
    b.click("#confirm-delete").await;
    b.text_until("main", |t| t.contains("No webhook here yet")).await;
    let gone = admin.get_webhook(pb::GetWebhookRequest { id: webhook_id.clone() }).await.unwrap_err();
    assert_eq!(gone.code(), tonic::Code::NotFound);

    b.close().await;
    server.stop().await;
}

#[tokio::test]
async fn a_company_admin_pages_and_filters_its_own_webhooks_only() {
    let Some(b) = Browser::start("a_company_admin_pages_and_filters_its_own_webhooks_only").await else {
        return;
    };
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    admin.create_webhook(new_webhook(scope("other", ""), "http://127.0.0.1:9/other", &["tag_created"])).await.unwrap();
    // 21 of acme's: one page of 20 and one of 1; one of them listens to service_created.
    for i in 0..21 {
        let events: &[&str] = if i == 7 { &["service_created"] } else { &["tag_created"] };
        admin
            .create_webhook(new_webhook(scope("acme", ""), &format!("http://127.0.0.1:9/acme/{i}"), events))
            .await
            .unwrap();
    }
    let token = server.token(Role::Admin, "acme", "").await;
    // Asking for another company in the URL changes nothing: the token's own is used.
    b.client.goto(&format!("http://{}/#/webhooks?company=other", server.addr)).await.unwrap();
    b.fill("#sign-in input", &token).await;
    // Remembered on this device: the token is in local storage, not the tab's, and a new
    // session (the tab's storage gone) is still signed in.
    b.click("#remember").await;
    b.click("#sign-in button[type=submit]").await;
    b.text_until("#who", |t| t.contains("company acme")).await;
    assert_eq!(b.eval("localStorage.getItem('webhookd.token')").await, serde_json::json!(token));
    assert_eq!(b.eval("sessionStorage.getItem('webhookd.token')").await, serde_json::Value::Null);
    b.eval("sessionStorage.clear() || true").await;
    b.client.refresh().await.unwrap();
    b.text_until("#who", |t| t.contains("company acme")).await;
    b.count_until("#webhooks tbody tr", 20).await;
    assert_eq!(b.eval("document.querySelector('[data-field=company] input').disabled").await, serde_json::json!(true));
    assert!(!b.find("#webhooks tbody").await.text().await.unwrap().contains("/other"));
    b.shot("14-company-admin").await;

    // Pages.
    b.click("#next-page").await;
    b.count_until("#webhooks tbody tr", 1).await;
    b.click(".pager button").await;
    b.count_until("#webhooks tbody tr", 20).await;

    // The events filter, applied by the server.
    b.click("#events-filter summary").await;
    b.click("#events-filter input[value=service_created]").await;
    b.click("#events-filter .actions button").await;
    b.count_until("#webhooks tbody tr", 1).await;
    b.text_until("#webhooks tbody", |t| t.contains("/acme/7")).await;

    // A dialog keeps the keyboard: Escape closes it and the focus returns to its opener.
    b.click("#add-webhook").await;
    b.find(".modal").await;
    assert_eq!(b.eval("document.activeElement.closest('.modal') !== null").await, serde_json::json!(true));
    b.find(".modal input").await.send_keys("\u{E00C}").await.unwrap(); // Escape
    b.count_until(".modal", 0).await;
    assert_eq!(b.eval("document.activeElement.id").await, serde_json::json!("add-webhook"));
    // Signing out forgets a remembered token too.
    b.click("#who button").await;
    b.find("#sign-in").await;
    assert_eq!(b.eval("localStorage.getItem('webhookd.token')").await, serde_json::Value::Null);
    b.close().await;
    server.stop().await;
}

/// A plain HTTP/1.1 GET, as a browser's first request; the response head and body.
/// A GET of `path` over HTTP/1.1: the whole answer, status line and headers included.
pub(crate) async fn get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<String> {
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, tcp.read_to_end(&mut out)).await.expect("the server answers or closes")?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test]
async fn the_page_is_served_with_its_security_headers_and_can_be_turned_off() {
    let server = TestServer::start().await;
    let page = get(server.addr, "/").await.unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let head = page.to_ascii_lowercase();
    for h in [
        "content-security-policy: default-src 'none'; script-src 'self'",
        "frame-ancestors 'none'",
        "referrer-policy: no-referrer",
        "x-frame-options: deny",
        "x-content-type-options: nosniff",
    ] {
        assert!(head.contains(h), "{h} in {page}");
    }
    assert!(!page.contains("<script>"), "no inline script");
    assert!(get(server.addr, "/app.js").await.unwrap().starts_with("HTTP/1.1 200"));
    assert!(get(server.addr, "/nothing-here").await.unwrap().starts_with("HTTP/1.1 404"));
    server.stop().await;

    let off = TestServer::start_with(&["--web", "false"]).await;
    let answer = get(off.addr, "/").await.unwrap_or_default();
    assert!(!answer.contains("200 OK"), "no page with --web false: {answer}");
    // gRPC is served as before.
    off.admin().await.list_event_types(pb::ListEventTypesRequest {}).await.unwrap();
    off.stop().await;
}

#[tokio::test]
async fn the_page_shows_which_webhooks_fail_and_pauses_resumes_and_enables_them() {
    let Some(b) = Browser::start("the_page_shows_which_webhooks_fail_and_pauses_resumes_and_enables_them").await else {
        return;
    };
    let server = TestServer::start().await;
    let failing_rx = Receiver::start(None, |_, _| Reply::Status(500, vec![])).await;
    let ok_rx = Receiver::ok().await;
    let gone_rx = Receiver::start(None, |_, _| Reply::Status(410, vec![])).await;
    let mut admin = server.admin().await;
    let failing = admin.create_webhook(new_webhook(None, &failing_rx.url("/failing"), &["tag_created"])).await.unwrap();
    let failing = failing.into_inner();
    admin.create_webhook(new_webhook(None, &ok_rx.url("/ok"), &["tag_created"])).await.unwrap();
    let gone = admin.create_webhook(new_webhook(None, &gone_rx.url("/gone"), &["project_created"])).await.unwrap();
    let gone = gone.into_inner();
    publish(&server, "tag_created", None, "{}").await;
    publish(&server, "project_created", None, "{}").await;
    // Recorded: the first attempt failed (retried later), the gone target disabled its webhook.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let f = admin.get_webhook(pb::GetWebhookRequest { id: failing.id.clone() }).await.unwrap().into_inner();
        let g = admin.get_webhook(pb::GetWebhookRequest { id: gone.id.clone() }).await.unwrap().into_inner();
        if f.health.is_some_and(|h| h.consecutive_failures > 0) && g.state == pb::WebhookState::Disabled as i32 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the failures were recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let base = format!("http://{}", server.addr);
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.fill("#sign-in input", &server.admin_token).await;
    b.click("#sign-in button[type=submit]").await;
    b.count_until("#webhooks tbody tr", 3).await;
    // In the list: the failing one says so, with its count, in words; the others too.
    let rows = b.text_until("#webhooks tbody", |t| t.contains("failing")).await;
    assert!(rows.contains("failing: 1 in a row since"), "{rows}");
    assert!(rows.contains("healthy"), "{rows}");
    assert!(rows.contains("disabled — the target answered 410 Gone"), "{rows}");
    b.shot("20-list-health").await;
    b.accessible("list with failing, healthy and disabled webhooks").await;
    // Refresh reloads the list; with the scopes below, each row says where it is installed,
    // and "← Webhooks" on a webhook's page comes back to that very list.
    b.click("#refresh").await;
    b.count_until("#webhooks tbody tr", 3).await;
    // The server searches target URLs (case ignored); the search lives in the URL.
    b.fill("#url-search input", "/FAIL").await;
    b.click("#url-search button").await;
    b.count_until("#webhooks tbody tr", 1).await;
    b.text_until("#webhooks tbody", |t| t.contains("/failing")).await;
    assert!(b.client.current_url().await.unwrap().as_str().contains("url=%2FFAIL"));
    b.fill("#url-search input", "nowhere").await;
    b.click("#url-search button").await;
    b.text_until("main .empty", |t| t.contains("containing “nowhere”")).await;
    b.fill("#url-search input", "").await;
    b.click("#url-search button").await;
    b.count_until("#webhooks tbody tr", 3).await;
    // On a phone (390 px wide): nothing scrolls sideways, every row's actions are on screen.
    b.client.set_window_size(390, 844).await.unwrap();
    let fits = b.fits_across("#webhooks [data-action], #refresh, #add-webhook").await;
    assert_eq!(fits, serde_json::json!([true, []]), "at 390 px");
    b.shot("24-list-390").await;
    b.accessible("the list at 390 px").await;
    // The add dialog too: its fields and both steps' actions fit.
    b.click("#add-webhook").await;
    b.find(".modal input").await;
    let fits = b.shown_fit_across(".modal input, .modal button, .modal select").await;
    assert_eq!(fits, serde_json::json!([true, []]), "the add dialog at 390 px");
    b.shot("26-add-390").await;
    b.find(".modal input").await.send_keys("\u{E00C}").await.unwrap(); // Escape
    b.count_until(".modal", 0).await;
    b.client.goto(&format!("{base}/#/webhooks/{}", failing.id)).await.unwrap();
    b.count_until("#history tbody tr", 1).await;
    let fits = b.fits_across("#history [data-action], .title-row button, #pause-webhook").await;
    assert_eq!(fits, serde_json::json!([true, []]), "the detail page at 390 px");
    b.shot("25-detail-390").await;
    // The body view: what the receiver answered, and the dialog's actions, on screen.
    b.click("#history [data-action=body]").await;
    b.text_until(".modal table.attempts", |t| t.contains("500")).await;
    let fits = b.shown_fit_across(".modal button").await;
    assert_eq!(fits, serde_json::json!([true, []]), "the body dialog at 390 px");
    b.shot("27-body-390").await;
    b.accessible("the body dialog at 390 px").await;
    b.find(".modal button").await.send_keys("\u{E00C}").await.unwrap(); // Escape
    b.count_until(".modal", 0).await;
    b.client.set_window_size(1280, 900).await.unwrap();
    b.client.goto(&format!("{base}/#/webhooks")).await.unwrap();
    b.count_until("#webhooks tbody tr", 3).await;
    b.client.goto(&format!("{base}/#/webhooks?all=1")).await.unwrap();
    b.text_until("#webhooks thead", |t| t.contains("SCOPE") || t.contains("Scope")).await;
    b.text_until("#webhooks tbody", |t| t.contains("the whole instance")).await;
    b.click("#webhooks tbody tr [data-action=open]").await;
    b.click("main p a").await;
    b.text_until("#scope-shown", |t| t.contains("and below")).await;

    // Its page: the latest attempt (no event completed yet), and Pause, asked first.
    b.client.goto(&format!("{base}/#/webhooks/{}", failing.id)).await.unwrap();
    b.text_until("dl.fields [data-health]", |t| t.starts_with("failing")).await;
    let latest = b.text_until("#latest-attempt", |t| t.contains("500")).await;
    assert!(latest.contains("pending") && latest.contains("next attempt"), "{latest}");
    // The body view shows what the receiver answered to each attempt.
    b.click("#history [data-action=body]").await;
    b.text_until(".modal table.attempts", |t| t.contains("received") && t.contains("500")).await;
    // An answer that is not a success keeps its headers, shown on request. Scrolled to the
    // bottom edge (as a browser brings a focused element into view), it is not under the
    // dialog's sticky actions.
    let under_footer = "(() => { const e = document.querySelector('.modal .response-headers summary');
        e.scrollIntoView({ block: 'end' }); const r = e.getBoundingClientRect();
        const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return e.contains(at) || [at && at.outerHTML.slice(0, 60), r.top, r.bottom, innerHeight,
          getComputedStyle(document.querySelector('.modal-body')).scrollPaddingBottom,
          document.querySelector('.modal-body').scrollHeight, document.querySelector('.modal-body').clientHeight]; })()";
    assert_eq!(b.eval(under_footer).await, serde_json::json!(true), "the summary is clear of the sticky footer");
    b.click(".modal .response-headers summary").await;
    b.text_until(".modal .response-headers table", |t| t.contains("content-length")).await;
    b.find(".modal input, .modal button").await.send_keys("\u{E00C}").await.unwrap(); // Escape
    b.count_until(".modal", 0).await;
    b.shot("21-detail-failing").await;
    b.accessible("a failing webhook").await;
    b.click("#pause-webhook").await;
    b.click("#confirm-pause").await;
    b.text_until("dl.fields [data-health]", |t| t == "paused").await;
    b.shot("22-detail-paused").await;
    let paused = admin.get_webhook(pb::GetWebhookRequest { id: failing.id.clone() }).await.unwrap().into_inner();
    assert_eq!(paused.state, pb::WebhookState::Paused as i32);
    b.text_until("#resume-webhook", |t| t == "Resume").await;
    b.click("#resume-webhook").await;
    // Made active again, its failure count starts over (the next attempt decides).
    b.text_until("dl.fields [data-health]", |t| t == "healthy").await;
    b.find("#pause-webhook").await;

    // The disabled one is enabled from its page.
    b.client.goto(&format!("{base}/#/webhooks/{}", gone.id)).await.unwrap();
    b.text_until("dl.fields [data-health]", |t| t.starts_with("disabled")).await;
    b.text_until("#resume-webhook", |t| t == "Enable").await;
    b.shot("23-detail-disabled").await;
    b.click("#resume-webhook").await;
    b.text_until("dl.fields [data-health]", |t| t == "healthy").await;
    b.find("#pause-webhook").await;
    let enabled = admin.get_webhook(pb::GetWebhookRequest { id: gone.id.clone() }).await.unwrap().into_inner();
    assert_eq!(enabled.state, pb::WebhookState::Active as i32);
    b.close().await;
    server.stop().await;
}

#[tokio::test]
async fn live_history_rides_out_a_server_restart_without_a_reload() {
    let Some(b) = Browser::start("live_history_rides_out_a_server_restart_without_a_reload").await else {
        return;
    };
    let db = crate::common::fresh_database().await;
    let tmp = tempfile::tempdir().unwrap();
    let server = crate::common::ServerProcess::serving(&db, tmp.path(), &[]).await;
    let addr = server.addr;
    let rx = Receiver::ok().await;
    let admin = webhookd_client::Client::with_channel(server.channel(), Some(&server.admin_token())).unwrap();
    let w = admin.admin().create_webhook(new_webhook(None, &rx.url("/live"), &["tag_created"])).await.unwrap();
    let w = w.into_inner();
    let publisher = crate::common::support::mint_token(&db, Role::Publisher, &Default::default()).await;
    let publish_one = |channel: tonic::transport::Channel| {
        let publisher = publisher.clone();
        async move {
            let client = webhookd_client::Client::with_channel(channel, Some(&publisher)).unwrap();
            let event = pb::PublishEventRequest {
                event_name: "tag_created".into(),
                payload: "{}".into(),
                ..Default::default()
            };
            client.publish_event(event).await.unwrap();
        }
    };
    publish_one(server.channel()).await;
    rx.expect().await;

    let base = format!("http://{addr}");
    b.client.goto(&format!("{base}/#/webhooks/{}", w.id)).await.unwrap();
    b.fill("#sign-in input", &server.admin_token()).await;
    b.click("#sign-in button[type=submit]").await;
    b.count_until("#history tbody tr", 1).await;
    b.click("#live").await;
    b.find("#history[data-live=open]").await;
    // Gone if the page were loaded again.
    b.eval("(window.sameDocument = true)").await;

    // The server stops: the row stays, the banner says the page is disconnected and retrying.
    drop(server);
    b.text_until("#connection", |t| t.contains("Disconnected")).await;
    b.count_until("#history tbody tr", 1).await;
    assert_eq!(b.eval("document.getElementById('live').checked").await, serde_json::json!(true));
    b.shot("30-detail-disconnected").await;
    b.accessible("disconnected").await;

    // Back on the same address: Live opens again by itself, the banner goes, and a new
    // delivery shows without a reload.
    let server =
        crate::common::ServerProcess::wait(crate::common::ServerProcess::start_at(addr, &db, tmp.path(), &[])).await;
    b.find("#history[data-live=open]").await;
    b.text_until("#connection", |t| t.is_empty()).await;
    publish_one(server.channel()).await;
    b.count_until("#history tbody tr", 2).await;
    assert_eq!(b.eval("window.sameDocument === true").await, serde_json::json!(true), "no reload");
    b.shot("31-detail-reconnected").await;
    b.close().await;
}

/// A page on an origin of its own (another port) that frames each URL given to `frame`, one
/// iframe each (`#frame-0`, …); each iframe's `load` (which fires for a blocked frame's error
/// page too) sets `data-loaded` on it. Listening from `start` (so that a link can name its
/// origin before the page knows the link), serving until dropped.
struct Framer {
    origin: String,
    html: std::sync::Arc<std::sync::Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl Framer {
    async fn start() -> Framer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let html = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let page = html.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut tcp, _)) = listener.accept().await else { return };
                let html = page.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let _ = tcp.read(&mut buf).await;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                        html.len()
                    );
                    let _ = tcp.write_all(answer.as_bytes()).await;
                });
            }
        });
        Framer { origin, html, task }
    }

    /// From now on, the page frames `urls`.
    fn frame(&self, urls: &[String]) {
        let frames: String = urls
            .iter()
            .enumerate()
            .map(|(i, u)| {
                format!(
                    "<iframe id=\"frame-{i}\" title=\"portal {i}\" width=\"900\" height=\"300\" src=\"{u}\" \
                     onload=\"this.dataset.loaded='1'\"></iframe>"
                )
            })
            .collect();
        *self.html.lock().unwrap() =
            format!("<!doctype html><html lang=\"en\"><title>Framer</title><body>{frames}</body></html>");
    }
}

impl Drop for Framer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Every URL the page in the current frame sent a request to (itself without its fragment,
/// which stays in the browser; its files; its calls), as the browser's resource timing lists
/// them, and its address now.
async fn requested_urls(b: &Browser) -> Vec<String> {
    let urls = b
        .eval(
            "[location.href].concat(performance.getEntriesByType('navigation').map((e) => e.name.split('#')[0]),
               performance.getEntriesByType('resource').map((e) => e.name))",
        )
        .await;
    serde_json::from_value(urls).unwrap()
}

#[tokio::test]
async fn a_portal_link_shows_its_project_alone_is_framed_only_where_it_allows_and_ends_on_time() {
    let Some(b) =
        Browser::start("a_portal_link_shows_its_project_alone_is_framed_only_where_it_allows_and_ends_on_time").await
    else {
        return;
    };
    let server = TestServer::start().await;
    let acme = server.client_as(Some(&server.token(Role::Admin, "acme", "").await)).await;
    let create = |project: &str, host: &str| {
        new_webhook(scope("acme", project), &format!("https://{host}/hooks"), &["tag_created"])
    };
    let ours = acme.admin().create_webhook(create("web", "ours.example.com")).await.unwrap().into_inner();
    let beside = acme.admin().create_webhook(create("web", "beside.example.com")).await.unwrap().into_inner();
    let other = acme.admin().create_webhook(create("other", "other.example.com")).await.unwrap().into_inner();
    let portal_link = |webhook_id: &str, frame_ancestors: Vec<String>, seconds: i64| pb::CreatePortalLinkRequest {
        scope: if webhook_id.is_empty() { scope("acme", "web") } else { None },
        webhook_id: webhook_id.into(),
        lifetime: Some(prost_types::Duration { seconds, nanos: 0 }),
        frame_ancestors,
        description: "browser test".into(),
    };

    // The company admin makes the link in the page, from the project's list: a bad origin is
    // refused beside its field, then the link is shown to copy.
    let acme_token = server.token(Role::Admin, "acme", "").await;
    b.client.goto(&format!("http://{}/#/webhooks?project=web", server.addr)).await.unwrap();
    b.fill("#sign-in input", &acme_token).await;
    b.click("#sign-in button[type=submit]").await;
    b.count_until("#webhooks tbody tr", 2).await;
    b.click("#portal-link").await;
    b.fill("#portal-form [data-field=frame_ancestors] textarea", "https://app.example.com/path").await;
    b.click("#create-portal-link").await;
    b.text_until("#portal-form [data-field=frame_ancestors] .field-error", |t| t.contains("not an origin")).await;
    b.fill("#portal-form [data-field=frame_ancestors] textarea", "").await;
    b.fill("#portal-form [data-field=description] input", "made in the page").await;
    b.click("#create-portal-link").await;
    let shown = b.find("#portal-url").await.prop("value").await.unwrap().unwrap();
    b.text_until("#portal-links tbody", |t| t.contains("made in the page")).await;
    b.count_until("#portal-links tbody tr", 1).await;
    b.shot("39-portal-link-made").await;
    b.accessible("portal link made").await;
    let made =
        acme.list_tokens(pb::ListTokensRequest { scope: scope("acme", "web"), ..Default::default() }).await.unwrap();
    let [made] = made.try_into().expect("one token: the link's");
    assert!(made.portal && made.description == "made in the page" && made.frame_ancestors.is_empty(), "{made:?}");
    assert!(shown.contains(&format!("/portal/{}#token=whk_", made.id)), "{shown}");
    let project = pb::PortalLink { token: Some(made), url: shown };

    // Opened in the same tab (which holds the company admin's token): the project's webhooks
    // alone, no scope picker, no way to sign out or in.
    let bearer = project.url.split_once("#token=").unwrap().1.to_string();
    b.client.goto(&project.url).await.unwrap();
    b.count_until("#webhooks tbody tr", 2).await;
    b.text_until("#scope-shown", |t| t.contains("project web of company acme")).await;
    b.text_until("#who", |t| t.contains("project web of company acme")).await;
    b.count_until("#scope-picker", 0).await;
    b.count_until("#who button", 0).await;
    let url = b.client.current_url().await.unwrap();
    assert!(!url.as_str().contains(&bearer) && !url.as_str().contains("whk_"), "moved out of the address: {url}");
    // The address with the token was replaced, not followed by another entry.
    let entries = b.eval("history.length").await;
    b.client.back().await.unwrap();
    b.text_until("#scope-shown", |t| t.contains("company acme")).await;
    assert!(!b.client.current_url().await.unwrap().as_str().contains("whk_"), "no history entry holds the token");
    b.client.forward().await.unwrap();
    b.count_until("#webhooks tbody tr", 2).await;
    assert_eq!(b.eval("history.length").await, entries);
    assert!(!b.client.current_url().await.unwrap().as_str().contains("whk_"));
    b.shot("40-portal-project").await;
    b.accessible("portal project").await;

    // Another project, by the address: the page stays on its own; the webhook itself is not found.
    b.eval("(location.hash = '#/webhooks?company=acme&project=other')").await;
    b.text_until("#scope-shown", |t| t.contains("project web of company acme")).await;
    b.count_until("#webhooks tbody tr", 2).await;
    b.eval(&format!("(location.hash = '#/webhooks/{}')", other.id)).await;
    b.text_until("main .error", |t| t.contains("not found")).await;

    // The token went in an authorization header only: in no URL requested, and no referrer
    // (the policy is no-referrer).
    let urls = requested_urls(&b).await;
    assert!(urls.iter().any(|u| u.contains("WebhookAdmin/ListWebhooks")), "{urls:?}");
    assert!(urls.iter().all(|u| !u.contains(&bearer)), "{urls:?}");
    assert_eq!(b.eval("document.referrer").await, serde_json::json!(""));

    // Framed: by the origin the link names, it shows; a link naming none stays blank there.
    let framer = Framer::start().await;
    let allowed = acme.create_portal_link(portal_link("", vec![framer.origin.clone()], 600)).await.unwrap();
    let framed_bearer = allowed.url.split_once("#token=").unwrap().1.to_string();
    framer.frame(&[project.url.clone(), allowed.url.clone()]);
    b.client.goto(&format!("{}/", framer.origin)).await.unwrap();
    b.find("#frame-0[data-loaded='1']").await;
    b.find("#frame-1[data-loaded='1']").await;
    b.client.enter_frame(1).await.unwrap();
    b.count_until("#webhooks tbody tr", 2).await;
    let urls = requested_urls(&b).await;
    assert!(urls.iter().all(|u| !u.contains(&framed_bearer)), "{urls:?}");
    b.client.enter_parent_frame().await.unwrap();
    b.shot("41-portal-framed").await;
    b.client.enter_frame(0).await.unwrap();
    assert_eq!(
        b.eval("document.getElementById('main') === null").await,
        serde_json::json!(true),
        "a link that names no origin is not shown in a frame"
    );
    b.client.enter_parent_frame().await.unwrap();
    drop(framer);

    // A link to one webhook: that webhook's page, with no list to go back to and no delete.
    let one = acme.create_portal_link(portal_link(&ours.id, vec![], 600)).await.unwrap();
    b.client.goto(&one.url).await.unwrap();
    b.text_until("main h1.url", |t| t.contains("ours.example.com")).await;
    b.count_until("#delete-webhook", 0).await;
    b.count_until("main a[href^='#/webhooks']", 0).await;
    b.eval("(location.hash = '#/webhooks')").await;
    b.text_until("main h1.url", |t| t.contains("ours.example.com")).await;
    b.eval(&format!("(location.hash = '#/webhooks/{}')", beside.id)).await;
    b.text_until("main h1.url", |t| t.contains("ours.example.com")).await;
    b.shot("42-portal-one-webhook").await;
    b.accessible("portal one webhook").await;

    // On time: once the link expires, the next call ends the page, and the address is gone.
    let brief = acme.create_portal_link(portal_link("", vec![], 3)).await.unwrap();
    let expires = std::time::SystemTime::try_from(brief.token.clone().unwrap().expire_time.unwrap()).unwrap();
    b.client.goto(&brief.url).await.unwrap();
    b.count_until("#webhooks tbody tr", 2).await;
    if let Ok(left) = expires.duration_since(std::time::SystemTime::now()) {
        tokio::time::sleep(left + Duration::from_millis(100)).await;
    }
    b.click("#refresh").await;
    b.text_until("#portal-ended", |t| t.contains("expired or was revoked")).await;
    b.shot("43-portal-ended").await;
    b.accessible("portal ended").await;
    b.client.refresh().await.unwrap();
    b.text_until("body", |t| t.contains("This portal link has expired or was revoked")).await;

    // Revoked from the page: the company admin (still signed in in this tab) lists the
    // project's links that work (the one made in the page and the framed one; not the ended
    // one, nor the webhook's) and revokes the first; its page then answers 404.
    b.client.goto(&format!("http://{}/#/webhooks?project=web", server.addr)).await.unwrap();
    b.click("#portal-link").await;
    b.count_until("#portal-links tbody tr", 2).await;
    let first = project.token.as_ref().unwrap().id.clone();
    b.click(&format!("#portal-links tr[data-token='{first}'] [data-action=revoke]")).await;
    b.count_until("#portal-links tbody tr", 1).await;
    b.accessible("portal links").await;
    b.client.goto(project.url.split_once('#').unwrap().0).await.unwrap();
    b.text_until("body", |t| t.contains("This portal link has expired or was revoked")).await;
    b.close().await;
    server.stop().await;
}
