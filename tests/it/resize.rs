//! Terminal sizes and resize storms on a real PTY: the real binary started at sizes from
//! 20×5 to 300×100, and hundreds of rapid resizes (SIGWINCH from TIOCSWINSZ) with keys pressed
//! in between while Redis is up. It never panics, the last frame is drawn for the last size,
//! and keys are still answered.

use std::time::Duration;

use crate::common::Redis;
use crate::common::pty::{Pty, control_violations};

const LIMIT: Duration = Duration::from_secs(20);

/// The screen rows as char vectors (vt100 trims trailing blanks).
fn rows(screen: &str) -> Vec<Vec<char>> {
    screen.lines().map(|l| l.chars().collect()).collect()
}

/// A frame drawn for `cols`×`rows`: the header (`UP for …`) on the first row, nothing past the
/// last column, and, where the dashboard grid is drawn (60×18 and up), a pane border that
/// ends exactly in the last column and the key line on the last row.
fn drawn_for(screen: &str, cols: u16, nrows: u16) -> bool {
    let lines = rows(screen);
    let c = usize::from(cols);
    let header = lines.first().is_some_and(|l| {
        let t: String = l.iter().collect();
        t.trim_start().starts_with("UP")
    });
    let fits = lines.len() <= usize::from(nrows) && lines.iter().all(|l| l.len() <= c);
    if cols < 60 || nrows < 18 {
        return header && fits;
    }
    let border = lines
        .iter()
        .any(|l| l.len() == c && matches!(l.last(), Some('┐' | '┘' | '│')));
    let keys = lines.len() == usize::from(nrows)
        && lines
            .last()
            .is_some_and(|l| l.iter().collect::<String>().contains("q quit"));
    header && fits && border && keys
}

fn assert_no_panic(tui: &Pty) {
    let raw = tui.raw();
    let text = String::from_utf8_lossy(&raw);
    assert!(!text.contains("panicked"), "panic in the stream:\n{text}");
    let bad = control_violations(&raw);
    assert!(bad.is_empty(), "unexpected sequences: {bad:?}");
}

/// `?` opens help and any key closes it; `q` quits.
fn keys_answer_then_quit(mut tui: Pty, cols: u16, nrows: u16) {
    if cols >= 60 && nrows >= 24 {
        tui.keys("?");
        tui.wait_for("help (this overlay)", LIMIT);
        tui.keys("x");
        tui.wait_until("help closed", LIMIT, |s| {
            !s.contains("help (this overlay)") && drawn_for(s, cols, nrows)
        });
    }
    tui.keys("q");
    tui.wait_gone(LIMIT);
    assert_no_panic(&tui);
}

#[test]
fn starts_and_draws_at_every_size_from_20x5_to_300x100() {
    let redis = Redis::start(&[]);
    let url = redis.url();
    let sizes = [
        (20, 5),
        (21, 6),
        (33, 7),
        (40, 10),
        (59, 17),
        (60, 18),
        (61, 19),
        (80, 24),
        (101, 33),
        (137, 41),
        (211, 57),
        (300, 100),
    ];
    for (cols, nrows) in sizes {
        let tui = Pty::start(&[&url, "--interval", "200ms"], cols, nrows);
        tui.wait_until(&format!("a frame for {cols}x{nrows}"), LIMIT, |s| {
            drawn_for(s, cols, nrows)
        });
        keys_answer_then_quit(tui, cols, nrows);
    }
}

/// A small deterministic generator (no dependency, same storm every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn a_storm_of_resizes_with_keys_leaves_a_frame_for_the_last_size() {
    let redis = Redis::start(&[]);
    let url = redis.url();
    let mut tui = Pty::start(&[&url, "--interval", "100ms"], 80, 24);
    tui.wait_until("the first frame", LIMIT, |s| drawn_for(s, 80, 24));
    let mut rng = Lcg(0x5eed);
    let keys = ["\t", "2", "\r", "\r", "p", "p", "j", "l", "6", "\x1b[Z"];
    for i in 0..400 {
        let cols = 20 + u16::try_from(rng.next(281)).expect("u16");
        let nrows = 5 + u16::try_from(rng.next(96)).expect("u16");
        tui.resize(cols, nrows);
        if i % 4 == 0 {
            tui.keys(keys[usize::try_from(rng.next(keys.len() as u64)).expect("usize")]);
        }
        if i % 10 == 0 {
            // Not a wait: the storm's rhythm, a short random gap every tenth resize.
            std::thread::sleep(Duration::from_millis(rng.next(5)));
        }
        assert!(tui.alive(), "died at resize {i} ({cols}x{nrows})");
    }
    // The extremes last, then an odd final size.
    for (cols, nrows) in [(20, 5), (300, 100), (20, 100), (300, 5), (97, 31)] {
        tui.resize(cols, nrows);
    }
    assert!(tui.alive(), "died in the storm");
    // Unpaused and unzoomed whatever the storm's keys left: esc closes any zoom.
    tui.esc();
    let screen = tui.wait_until("a frame for 97x31", LIMIT, |s| drawn_for(s, 97, 31));
    assert_eq!(tui.screen_size(), (31, 97), "{screen}");
    keys_answer_then_quit(tui, 97, 31);
}
