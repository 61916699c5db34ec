//! The web consoles: static HTML, CSS and JavaScript embedded in the binary.
//!
//! Rooms are often air-gapped, so every asset ships inside `wargame` itself
//! (rust-embed with `debug-embed`: debug builds embed too). Pages live at the top of
//! `web/`, everything they load under `web/static/`.
//!
//! **Invariant:** no web file references a remote URL or builds HTML from strings
//! (`innerHTML` and friends, `eval`); the tests below check every file.
//! **Invariant:** this module knows nothing of sessions, tokens or the engine: it
//! only serves bytes.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

/// Every file under `web/`, compiled into the binary.
#[derive(RustEmbed)]
#[folder = "web/"]
pub struct Assets;

/// The pages: route and the embedded file that answers it.
pub const PAGES: &[(&str, &str)] = &[
    ("/", "index.html"),
    ("/join", "join.html"),
    ("/team", "team.html"),
    ("/facilitator", "facilitator.html"),
    ("/observer", "observer.html"),
];

/// Registers the pages and `/static/{path}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for (route, file) in PAGES {
        let file: &'static str = file;
        let page = move |req: HttpRequest| async move { serve(&req, file) };
        cfg.service(
            web::resource(*route)
                .route(web::get().to(page))
                .route(web::head().to(page))
                .default_service(super::http::not_allowed("GET, HEAD")),
        );
    }
    cfg.service(
        web::resource("/static/{path:.*}")
            .route(web::get().to(static_file))
            .route(web::head().to(static_file))
            .default_service(super::http::not_allowed("GET, HEAD")),
    );
}

async fn static_file(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    if path.is_empty() || path.split('/').any(|seg| seg.is_empty() || seg == "..") {
        return not_found(&path);
    }
    serve(&req, &format!("static/{path}"))
}

/// The embedded file at `path` (relative to `web/`), or a JSON 404.
fn serve(req: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = Assets::get(path) else {
        return not_found(path);
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let mime = content_type(path, file.metadata.mimetype());
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if path.ends_with(".html") {
        res.insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(super::CSP),
        ))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    }
    if fresh {
        return res.finish();
    }
    res.insert_header((header::CONTENT_TYPE, mime))
        .body(file.data.into_owned())
}

/// The Content-Type for a file: text types carry `charset=utf-8`.
fn content_type(path: &str, guessed: &str) -> String {
    let base = if path.ends_with(".js") || path.ends_with(".mjs") {
        "text/javascript"
    } else if guessed.is_empty() {
        "application/octet-stream"
    } else {
        guessed
    };
    if base.starts_with("text/") || base == "image/svg+xml" || base == "application/json" {
        format!("{base}; charset=utf-8")
    } else {
        base.to_string()
    }
}

fn not_found(path: &str) -> HttpResponse {
    HttpResponse::NotFound()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(serde_json::json!({
            "error": {
                "code": "not_found",
                "message": format!("There is no file `{path}` here; check the address."),
            }
        }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, test as atest};
    use std::path::{Path, PathBuf};

    fn web_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
    }

    fn files_on_disk(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).expect("web/ is readable");
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                files_on_disk(&path, out);
            } else {
                out.push(path);
            }
        }
    }

    fn all_files() -> Vec<(String, Vec<u8>)> {
        let root = web_dir();
        let mut paths = Vec::new();
        files_on_disk(&root, &mut paths);
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let rel = p
                    .strip_prefix(&root)
                    .expect("under web/")
                    .to_string_lossy()
                    .replace('\\', "/");
                let bytes = std::fs::read(&p).expect("a readable file");
                (rel, bytes)
            })
            .collect()
    }

    #[test]
    fn every_web_file_is_embedded_unchanged() {
        let files = all_files();
        assert!(files.len() >= 10, "web/ looks empty: {files:?}");
        for (rel, bytes) in &files {
            let embedded = Assets::get(rel)
                .unwrap_or_else(|| panic!("web/{rel} is not embedded; rebuild after adding it"));
            assert_eq!(
                embedded.data.as_ref(),
                bytes.as_slice(),
                "web/{rel} differs from the embedded copy"
            );
        }
        let embedded: Vec<String> = Assets::iter().map(|p| p.to_string()).collect();
        assert_eq!(embedded.len(), files.len(), "embedded: {embedded:?}");
        for (_, file) in PAGES {
            assert!(Assets::get(file).is_some(), "page {file} missing");
        }
    }

    /// True when `text` calls `name(` as a whole word (so `retrieval(` is fine).
    fn calls(text: &str, name: &str) -> bool {
        text.match_indices(name).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let word_start = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
            let after = text[i + name.len()..].trim_start();
            word_start && after.starts_with('(')
        })
    }

    #[test]
    fn no_web_file_loads_remote_urls_or_builds_html_from_strings() {
        // XML namespace names are identifiers, never fetched.
        const NAMESPACES: &[&str] = &["http://www.w3.org/2000/svg"];
        let mut problems = Vec::new();
        for (rel, bytes) in all_files() {
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            let mut scrubbed = text.clone();
            for ns in NAMESPACES {
                scrubbed = scrubbed.replace(ns, "");
            }
            let lower = scrubbed.to_lowercase();
            for bad in ["http://", "https://"] {
                if lower.contains(bad) {
                    problems.push(format!("web/{rel} references {bad}"));
                }
            }
            for bad in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "new Function",
                "javascript:",
            ] {
                if scrubbed.contains(bad) {
                    problems.push(format!("web/{rel} uses {bad}"));
                }
            }
            if calls(&scrubbed, "eval") {
                problems.push(format!("web/{rel} calls eval"));
            }
            if rel.ends_with(".html") {
                // The CSP allows no inline script, style or event handler.
                if lower.contains("<style") {
                    problems.push(format!("web/{rel} has a <style> block"));
                }
                if lower.contains(" style=") {
                    problems.push(format!("web/{rel} has a style attribute"));
                }
                for (i, _) in lower.match_indices("<script") {
                    let tag_end = lower[i..].find('>').map_or(lower.len(), |e| i + e);
                    if !lower[i..tag_end].contains(" src=") {
                        problems.push(format!("web/{rel} has an inline <script>"));
                    }
                }
                for attr in [
                    " onclick=",
                    " onload=",
                    " onerror=",
                    " onsubmit=",
                    " oninput=",
                ] {
                    if lower.contains(attr) {
                        problems.push(format!("web/{rel} has an inline{attr} handler"));
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// The path of each `import ... from '...'` (and bare `import '...'`) in a script.
    fn imports(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for marker in ["from '", "import '", "from \"", "import \""] {
            for (i, _) in text.match_indices(marker) {
                let rest = &text[i + marker.len()..];
                let quote = marker.chars().last().expect("a quote");
                if let Some(end) = rest.find(quote) {
                    out.push(rest[..end].to_string());
                }
            }
        }
        out
    }

    /// The relative import `spec` as seen from the file `from` (paths under `web/`).
    fn resolve(from: &str, spec: &str) -> Option<String> {
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        for seg in spec.split('/') {
            match seg {
                "." => {}
                ".." => {
                    parts.pop()?;
                }
                s => parts.push(s),
            }
        }
        Some(parts.join("/"))
    }

    #[test]
    fn pages_load_modules_whose_imports_are_all_embedded() {
        let mut problems = Vec::new();
        let mut modules = 0;
        for (rel, bytes) in all_files() {
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            if rel.ends_with(".html") {
                for (i, _) in text.match_indices("<script") {
                    let tag = &text[i..text[i..].find('>').map_or(text.len(), |e| i + e)];
                    if !tag.contains("type=\"module\"") {
                        problems.push(format!("web/{rel}: {tag}> is not a module"));
                    }
                }
            }
            if !rel.ends_with(".js") {
                continue;
            }
            for spec in imports(&text) {
                modules += 1;
                if !(spec.starts_with("./") || spec.starts_with("../")) {
                    problems.push(format!(
                        "web/{rel} imports `{spec}`: only relative paths work"
                    ));
                    continue;
                }
                match resolve(&rel, &spec) {
                    Some(path) if Assets::get(&path).is_some() => {}
                    _ => {
                        problems.push(format!("web/{rel} imports `{spec}`, which is not embedded"))
                    }
                }
            }
        }
        assert!(modules > 10, "only {modules} imports found");
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert_eq!(
            resolve("static/js/facilitator/a.js", "../lib/dom.js").as_deref(),
            Some("static/js/lib/dom.js")
        );
        assert_eq!(
            resolve("static/js/team.js", "./lib/dom.js").as_deref(),
            Some("static/js/lib/dom.js")
        );
    }

    #[test]
    fn eval_detection_is_word_based() {
        assert!(calls("x = eval (y)", "eval"));
        assert!(!calls("retrieval(x); evaluate(y)", "eval"));
    }

    fn header(h: &actix_web::http::header::HeaderMap, name: &str) -> String {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    #[actix_web::test]
    async fn pages_and_static_files_are_served_with_types_and_no_cache() {
        let app = atest::init_service(App::new().configure(configure)).await;
        for (route, _) in PAGES {
            let res =
                atest::call_service(&app, atest::TestRequest::get().uri(route).to_request()).await;
            assert_eq!(res.status(), 200, "{route}");
            let h = res.headers();
            assert_eq!(
                header(h, "content-type"),
                "text/html; charset=utf-8",
                "{route}"
            );
            assert_eq!(header(h, "cache-control"), "no-cache", "{route}");
            assert!(h.contains_key("content-security-policy"), "{route}");
        }
        // Browsers run a `<script type="module">` (and everything it imports) only when
        // it is served with a JavaScript type: every script is checked, not a sample.
        let scripts: Vec<String> = all_files()
            .into_iter()
            .filter_map(|(rel, _)| rel.strip_prefix("static/").map(str::to_string))
            .filter(|rel| rel.ends_with(".js"))
            .map(|rel| format!("/static/{rel}"))
            .collect();
        assert!(scripts.len() > 5, "scripts: {scripts:?}");
        let mut files: Vec<(String, &str)> = scripts
            .into_iter()
            .map(|uri| (uri, "text/javascript; charset=utf-8"))
            .collect();
        files.push(("/static/css/app.css".into(), "text/css; charset=utf-8"));
        files.push(("/static/favicon.svg".into(), "image/svg+xml; charset=utf-8"));
        for (uri, ty) in files {
            let uri = uri.as_str();
            let res =
                atest::call_service(&app, atest::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(res.status(), 200, "{uri}");
            assert_eq!(header(res.headers(), "content-type"), ty, "{uri}");
            assert_eq!(header(res.headers(), "cache-control"), "no-cache", "{uri}");
            let etag = header(res.headers(), "etag");
            let again = atest::call_service(
                &app,
                atest::TestRequest::get()
                    .uri(uri)
                    .insert_header(("if-none-match", etag))
                    .to_request(),
            )
            .await;
            assert_eq!(again.status(), 304, "{uri}");
        }
    }

    #[actix_web::test]
    async fn unknown_static_paths_are_json_404s() {
        let app = atest::init_service(App::new().configure(configure)).await;
        for uri in [
            "/static/nope.js",
            "/static/",
            "/static/../index.html",
            "/static/js/../../index.html",
        ] {
            let res =
                atest::call_service(&app, atest::TestRequest::get().uri(uri).to_request()).await;
            assert_eq!(res.status(), 404, "{uri}");
            let body: serde_json::Value = atest::read_body_json(res).await;
            assert_eq!(body["error"]["code"], "not_found", "{uri}");
            assert!(body["error"]["message"].is_string(), "{uri}");
        }
    }
}
