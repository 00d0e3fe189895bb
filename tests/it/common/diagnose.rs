//! The diagnosis as `redtriage snapshot --json` prints it, waited for: shared by the drill tests
//! and the same faults made by hand.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::poll;

/// How long after the injection the right cause must be the top likely one.
pub const WITHIN: Duration = Duration::from_secs(10);

static SERIAL: Mutex<()> = Mutex::new(());

/// One fault at a time: the timing budget assumes the machine is not running eight others.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `redtriage snapshot URL --json [--server-log LOG]`, the whole JSON.
pub fn snapshot(url: &str, log: Option<&Path>) -> Value {
    let mut cmd = super::bin::redtriage();
    cmd.args(["snapshot", url, "--json"]);
    if let Some(log) = log {
        cmd.arg("--server-log").arg(log);
    }
    super::bin::snapshot_json(&mut cmd)
}

/// The cause `id` of a snapshot's diagnosis; panics when it is not listed.
pub fn cause<'a>(snap: &'a Value, id: &str) -> &'a Value {
    snap["diagnosis"]
        .as_array()
        .expect("diagnosis")
        .iter()
        .find(|c| c["cause"] == id)
        .unwrap_or_else(|| panic!("cause {id} missing"))
}

/// The texts of a cause's evidence, in order.
pub fn evidence(cause: &Value) -> Vec<String> {
    cause["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| e["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The texts of a cause's evidence as one line, ` | ` between them.
pub fn evidence_line(cause: &Value) -> String {
    evidence(cause).join(" | ")
}

fn top_is(diagnosis: &Value, cause: &str) -> bool {
    diagnosis[0]["cause"] == cause && diagnosis[0]["verdict"] == "likely"
}

/// Takes snapshots until `diagnosis[0]` is `cause` with verdict `likely`, or [`WITHIN`] after
/// `injected` has passed; then asserts that, and that no other cause is likely. Returns the
/// diagnosis.
pub fn expect_top(url: &str, log: Option<&Path>, cause: &str, injected: Instant) -> Value {
    let mut diagnosis = Value::Null;
    let left = WITHIN.saturating_sub(injected.elapsed());
    poll(left, Duration::from_millis(200), || {
        diagnosis = snapshot(url, log)["diagnosis"].clone();
        top_is(&diagnosis, cause)
    });
    let pretty = serde_json::to_string_pretty(&diagnosis).unwrap_or_default();
    assert!(
        top_is(&diagnosis, cause),
        "expected {cause} as the top likely cause within {WITHIN:?}; diagnosis: {pretty}"
    );
    let wrong: Vec<&Value> = diagnosis
        .as_array()
        .expect("diagnosis is a list")
        .iter()
        .skip(1)
        .filter(|c| c["verdict"] == "likely")
        .collect();
    assert!(
        wrong.is_empty(),
        "other causes likely besides {cause}: {pretty}"
    );
    diagnosis
}
