//! The real binary in a detached tmux session of a given size, on a tmux server of its own
//! (`-L`): parallel tests, a crash of one server, or someone's `tmux kill-server` on the
//! default socket cannot take another test's dashboard with it.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::poll;

/// A tmux server running one session `redtriage ARGS`, killed on drop.
pub struct Tmux {
    pub socket: String,
    pub session: String,
}

/// How the session starts, beyond the binary's arguments and the size.
#[derive(Default)]
pub struct Launch<'a> {
    /// Shell commands run first (`ulimit -f 4;`).
    pub prefix: &'a str,
    /// A tmux config file for the server (`set -s set-clipboard on`).
    pub conf: Option<&'a std::path::Path>,
    /// Environment of the program.
    pub env: &'a [(&'a str, &'a str)],
}

impl Tmux {
    pub fn start(args: &[&str], width: u16, height: u16) -> Self {
        Self::launch(&Launch::default(), args, width, height)
    }

    /// Like [`Tmux::start`], with shell commands run first (`ulimit -f 4;`).
    pub fn start_with(prefix: &str, args: &[&str], width: u16, height: u16) -> Self {
        let how = Launch {
            prefix,
            ..Launch::default()
        };
        Self::launch(&how, args, width, height)
    }

    pub fn launch(how: &Launch<'_>, args: &[&str], width: u16, height: u16) -> Self {
        // Unique in this process by the counter (a port number from free_port could come back
        // to a test running beside this one), across processes by the pid.
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let socket = format!("rt-test-{}-{n}", std::process::id());
        let session = "t".to_string();
        let bin = super::bin::path();
        let mut cmd = vec![format!("{} exec {}", how.prefix, bin.display())];
        cmd.extend(args.iter().map(|s| (*s).to_string()));
        let mut tmux = Command::new("tmux");
        tmux.args(["-L", &socket]);
        if let Some(conf) = how.conf {
            tmux.arg("-f").arg(conf);
        }
        let status = tmux
            .args(["new-session", "-d", "-s", &session])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg(cmd.join(" "))
            .env("TERM", "xterm-256color")
            .env("XDG_STATE_HOME", super::bin::fresh_state_home())
            .envs(how.env.iter().copied())
            .status()
            .expect("tmux");
        assert!(status.success());
        Self { socket, session }
    }

    /// `tmux ARGS` on this server; its stdout.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The pid of the program in the pane.
    pub fn pane_pid(&self) -> u32 {
        (self.tmux(&["list-panes", "-t", &self.session, "-F", "#{pane_pid}"]))
            .trim()
            .parse()
            .expect("pane pid")
    }

    pub fn capture(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.session])
    }

    pub fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", "-t", &self.session, keys]);
    }

    pub fn wait_for(&self, what: &str, limit: Duration) -> String {
        let mut screen = String::new();
        let seen = poll(limit, Duration::from_millis(50), || {
            screen = self.capture();
            screen.contains(what)
        });
        assert!(seen, "{what:?} not on screen:\n{screen}");
        screen
    }

    /// Waits until the header says UP with a first sample in (the role only comes with INFO).
    pub fn wait_up(&self, limit: Duration) -> String {
        self.wait_for_all(&["UP for", "master"], limit)
    }

    /// Waits until every one of `all` is on the screen at once.
    pub fn wait_for_all(&self, all: &[&str], limit: Duration) -> String {
        let mut screen = String::new();
        let seen = poll(limit, Duration::from_millis(50), || {
            screen = self.capture();
            all.iter().all(|w| screen.contains(w))
        });
        assert!(seen, "{all:?} not all on screen:\n{screen}");
        screen
    }

    /// The UI answers keys: `?` opens the help overlay, ESC closes it (each seen on screen).
    pub fn help_opens_and_closes(&self) {
        const HELP: &str = "help (this overlay)";
        self.keys("?");
        self.wait_for(HELP, Duration::from_secs(5));
        self.keys("Escape");
        // ESC and the next key in one read are alt+key: the help closing shows the ESC was
        // read alone, before the caller's next key.
        let closed = poll(Duration::from_secs(5), Duration::from_millis(50), || {
            !self.capture().contains(HELP)
        });
        assert!(closed, "ESC did not close the help");
    }

    /// The memory pane's `last N samples`: how many samples the dashboard has taken (it
    /// stops growing at the sparkline's width).
    pub fn samples(&self) -> Option<u64> {
        let screen = self.capture();
        screen.split("last ").skip(1).find_map(|r| {
            let digits: String = r.chars().take_while(char::is_ascii_digit).collect();
            r[digits.len()..]
                .starts_with(" samples")
                .then(|| digits.parse().ok())
                .flatten()
        })
    }

    /// Waits until a new sample is on screen: the Redis panes still refresh.
    pub fn wait_new_sample(&self, limit: Duration) {
        let before = self.samples().expect("`last N samples` on screen");
        let new = poll(limit, Duration::from_millis(50), || {
            self.samples().is_some_and(|n| n > before)
        });
        assert!(new, "no new sample after {before}");
    }

    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["-L", &self.socket, "has-session", "-t", &self.session])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Waits until the program in the session has exited.
    pub fn wait_gone(&self, limit: Duration) {
        let gone = poll(limit, Duration::from_millis(50), || !self.alive());
        assert!(gone, "still running");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stderr(std::process::Stdio::null())
            .status();
    }
}
