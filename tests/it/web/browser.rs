//! Chromium under chromedriver for the page's tests: a session, waits on what the page
//! shows, element rectangles, screenshots, and axe-core's accessibility check.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

/// How long a wait on the page lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// Chromium under chromedriver, one session, closed with the test.
pub struct Browser {
    pub client: Client,
    driver: tokio::process::Child,
    shots: PathBuf,
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| std::env::split_paths(&path).map(|d| d.join(n)).find(|p| p.is_file()))
}

impl Browser {
    /// The browser, or `None` (with a message) when this machine has none outside CI.
    pub async fn start(test: &str) -> Option<Browser> {
        let chromium =
            std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| which(&["chromium", "chromium-browser"]));
        let driver = std::env::var_os("CHROMEDRIVER").map(PathBuf::from).or_else(|| which(&["chromedriver"]));
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "Chromium and chromedriver are needed for the page's browser tests (apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "skipping {test}: no chromium and chromedriver on PATH (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = tokio::process::Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1280,900", "--lang=en-US"],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + WAIT;
        let client = loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if tokio::time::Instant::now() > deadline => panic!("no WebDriver session: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Some(Browser { client, driver, shots })
    }

    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Types `text` into `css`, cleared first; found again if the page re-rendered it
    /// meanwhile (a view that loads re-renders its form once its data arrives).
    pub async fn fill(&self, css: &str, text: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let e = self.find(css).await;
            let typed = match e.clear().await {
                Ok(()) => e.send_keys(text).await,
                Err(err) => Err(err),
            };
            match typed {
                Ok(()) => return,
                Err(err) if is_stale(&err) && tokio::time::Instant::now() < deadline => continue,
                Err(err) => panic!("fill {css}: {err}"),
            }
        }
    }

    /// The text of `css` once it satisfies `ok` (it may take a call or two to get there).
    pub async fn text_until(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ok(&text) {
                return text;
            }
            assert!(tokio::time::Instant::now() < deadline, "{css}: still {text:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many elements match `css`, once it is `n`.
    pub async fn count_until(&self, css: &str, n: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let found = self.client.find_all(Locator::Css(css)).await.unwrap().len();
            if found == n {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "{css}: {found} elements, not {n}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A JavaScript expression's value.
    pub async fn eval(&self, js: &str) -> serde_json::Value {
        self.client.execute(&format!("return {js};"), vec![]).await.unwrap()
    }

    /// Whether the page does not scroll sideways, and the elements of `css` that are not
    /// wholly inside the viewport's width (or not shown): `[true, []]` when all is well.
    pub async fn fits_across(&self, css: &str) -> serde_json::Value {
        self.fits(css, false).await
    }

    /// As `fits_across`, for the elements of `css` that are shown (a dialog's other step,
    /// a hidden file input behind its button, are not asked about).
    pub async fn shown_fit_across(&self, css: &str) -> serde_json::Value {
        self.fits(css, true).await
    }

    pub async fn fits(&self, css: &str, shown_only: bool) -> serde_json::Value {
        self.eval(&format!(
            "(() => {{ const w = document.documentElement.clientWidth;
               const out = [...document.querySelectorAll('{css}')]
                 .filter((e) => !{shown_only} || e.getClientRects().length > 0)
                 .filter((e) => {{
                 const r = e.getBoundingClientRect(); return r.left < 0 || r.right > w || r.width === 0; }});
               const sideways = [...document.querySelectorAll('.backdrop, .modal, .modal-body')]
                 .filter((e) => e.scrollWidth > e.clientWidth).map((e) => `${{e.className}} scrolls sideways`);
               return [document.documentElement.scrollWidth <= w,
                       sideways.concat(out.map((e) => e.outerHTML.slice(0, 80)))]; }})()"
        ))
        .await
    }

    /// axe-core's accessibility violations on the page as it is now (axe injected from the
    /// page's own npm dependencies): each as "rule (impact): the first elements' selectors".
    pub async fn axe(&self) -> Vec<String> {
        let source = axe_source().await;
        self.client.execute(&format!("if (typeof window.axe === 'undefined') {{ {source} }}"), vec![]).await.unwrap();
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then((r) => done(r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${
                     v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)))
                   .catch((e) => done([`axe failed: ${e}`]));",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(found).unwrap()
    }

    /// Asserts that axe-core finds nothing wrong with `screen`.
    pub async fn accessible(&self, screen: &str) {
        let violations = self.axe().await;
        assert!(violations.is_empty(), "{screen}: {violations:#?}");
    }

    pub async fn close(mut self) {
        self.client.close().await.unwrap();
        let _ = self.driver.kill().await;
    }
}

fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    matches!(e, fantoccini::error::CmdError::Standard(w) if w.error == fantoccini::error::ErrorStatus::StaleElementReference)
}

/// axe-core's script, from the page's npm dependencies (installed by `npm ci` the first
/// time a test needs it).
async fn axe_source() -> &'static str {
    static SOURCE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    SOURCE
        .get_or_init(|| async {
            let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/web");
            let file = web.join("node_modules/axe-core/axe.min.js");
            if !file.is_file() {
                let status = tokio::process::Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--silent", "--ignore-scripts"])
                    .current_dir(&web)
                    .status()
                    .await
                    .expect("npm runs");
                assert!(status.success(), "npm ci in clients/web");
            }
            std::fs::read_to_string(&file).expect("axe-core's script")
        })
        .await
}
