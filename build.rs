//! Build facts for `redtriage --version`: the git commit it was built from (`unknown` outside
//! a checkout, as from a crate tarball) and the target triple.

use std::path::Path;
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=REDTRIAGE_COMMIT={commit}");
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=REDTRIAGE_TARGET={target}");
    // Again when HEAD moves: a new commit on the branch, or another branch checked out.
    let head = Path::new(".git/HEAD");
    if head.is_file() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(text) = std::fs::read_to_string(head)
            && let Some(r) = text.trim().strip_prefix("ref: ")
        {
            let refs = Path::new(".git").join(r);
            if refs.is_file() {
                println!("cargo:rerun-if-changed={}", refs.display());
            }
            if Path::new(".git/packed-refs").is_file() {
                println!("cargo:rerun-if-changed=.git/packed-refs");
            }
        }
    } else {
        println!("cargo:rerun-if-changed=build.rs");
    }
}
