//! The web consoles end to end in headless Chromium: a facilitator, four players and a
//! projector play a full turn through the pages (tests/e2e/run.mjs, driven by
//! playwright-core). tests/e2e/run.sh installs Chromium and the node dependency when
//! they are missing.

use std::process::Command;

#[test]
fn consoles_play_a_full_turn_in_headless_chromium() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(format!("{root}/tests/e2e/run.sh"))
        .env("WARGAME_BIN", env!("CARGO_BIN_EXE_wargame"))
        .output()
        .expect("bash runs tests/e2e/run.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}"
    );
    // node's runner prints "# pass N" / "# fail 0": make sure tests really ran.
    let passed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("# pass "))
        .and_then(|n| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    assert!(passed > 0, "no browser test ran:\n{stdout}");
    eprintln!("browser tests passed: {passed}");
}
