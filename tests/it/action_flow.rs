//! The action flow through the real model and a real redis-server: the dialog defaults to No,
//! swallows keys, needs the typed target for destructive actions, carries client ids (not row
//! indexes) while the table reorders; a restart through an external command shows DOWN then
//! UP, is logged, and starts the stability watch; a cancel abandons a command a stopped
//! server never answers.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use redtriage::actions::runner::{self, Sink};
use redtriage::model::actions::{ActionsState, Dialog};
use redtriage::model::state::Effect;
use redtriage::model::view::ConnState;
use redtriage::msg::Msg;
use redtriage::runbook::prepare::Step;
use redtriage::runbook::spec::Runbook;

use crate::common::{self, Driver, Redis, fast_poll};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(d: &mut Driver, text: &str) {
    for c in text.chars() {
        d.apply(key(KeyCode::Char(c)));
    }
}

fn run_effects(d: &Driver) -> Vec<(u64, redtriage::runbook::prepare::Prepared)> {
    d.effects
        .iter()
        .filter_map(|e| match e {
            Effect::RunAction { run, prepared } => Some((*run, (**prepared).clone())),
            _ => None,
        })
        .collect()
}

/// `K`: the kill's confirmation; the client ids it will kill and the target to type.
fn kill_confirmation(d: &mut Driver) -> (Vec<String>, String) {
    d.apply(key(KeyCode::Char('K')));
    let Some(Dialog::Confirm {
        prepared, target, ..
    }) = d.state.actions.dialog.clone()
    else {
        panic!("no confirmation: {:?}", d.state.actions.dialog);
    };
    let Step::Redis { args, .. } = &prepared.step else {
        panic!("not a redis step")
    };
    (args.clone(), target)
}

/// Runs the last action the model asked for, as the app's effects would.
async fn run_last(d: &Driver, redis: &Redis) -> redtriage::msg::Outcome {
    let (run, prepared) = run_effects(d).pop().expect("an action was run");
    let sink = Sink::new(run, d.sender());
    runner::run(prepared, redis.target(), Duration::from_secs(1), sink).await
}

async fn up(redis: &Redis) -> Driver {
    let mut d = Driver::start(redis.target(), fast_poll());
    d.wait_for(Duration::from_secs(10), "up with clients", |s| {
        s.header.connection == ConnState::Up && !s.clients.groups.is_empty()
    })
    .await;
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialog_defaults_to_no_and_swallows_keys() {
    let redis = Redis::start(&[]);
    let mut d = up(&redis).await;
    let focus = d.state.ui.focus;
    d.apply(key(KeyCode::Char('S'))); // bgsave's direct key
    assert!(matches!(
        d.state.actions.dialog,
        Some(Dialog::Confirm { .. })
    ));
    d.apply(key(KeyCode::Enter)); // default: No
    assert!(d.state.actions.dialog.is_none());
    assert!(run_effects(&d).is_empty(), "Enter ran the action");
    // Any other key cancels and is swallowed: `q` does not quit.
    d.apply(key(KeyCode::Char('S')));
    d.apply(key(KeyCode::Char('q')));
    assert!(d.state.actions.dialog.is_none());
    assert!(!d.effects.iter().any(|e| matches!(e, Effect::Quit)));
    // A destructive dialog takes every key as typing: `2` and `q` neither move focus nor quit.
    d.state.open_action("slowlog-reset");
    d.apply(key(KeyCode::Char('2')));
    d.apply(key(KeyCode::Char('q')));
    d.apply(key(KeyCode::Tab));
    assert!(
        matches!(&d.state.actions.dialog, Some(Dialog::Confirm { typed, .. }) if typed == "2q")
    );
    assert!(!d.effects.iter().any(|e| matches!(e, Effect::Quit)));
    assert_eq!(d.state.ui.focus, focus);
    d.apply(key(KeyCode::Esc));
    assert!(d.state.actions.dialog.is_none());
    assert!(run_effects(&d).is_empty());
    assert!(
        d.state.actions.running.is_none() && d.state.actions.marks.is_empty(),
        "cancel changed state"
    );
    d.apply(key(KeyCode::Char('S')));
    d.apply(key(KeyCode::Char('y')));
    let runs = run_effects(&d);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].1.name, "bgsave");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destructive_needs_the_target_typed_and_kills_the_selected_group() {
    let redis = Redis::start(&[]);
    let group: Vec<_> = (0..3)
        .map(|_| common::named_conn(redis.port, "leaky"))
        .collect();
    let _bystander = common::named_conn(redis.port, "billing");
    let mut d = up(&redis).await;
    d.wait_for(Duration::from_secs(10), "leaky group", |s| {
        s.clients.groups.iter().any(|g| g.key == "leaky")
    })
    .await;
    // Zoom the clients pane and walk the selection to the `name leaky` group.
    d.apply(key(KeyCode::Char('2')));
    d.apply(key(KeyCode::Enter));
    for _ in 0..20 {
        if matches!(&d.state.ui.client_sel, Some(redtriage::model::select::ClientSel::Group { by: "name", key }) if key == "leaky")
        {
            break;
        }
        d.apply(key(KeyCode::Down));
    }
    let (ids, target) = kill_confirmation(&mut d);
    assert_eq!(ids.len(), 3, "{ids:?}");
    // The table reorders under the dialog (new clients, new samples): the ids stay.
    let _late: Vec<_> = (0..4)
        .map(|_| common::named_conn(redis.port, "aaa-late"))
        .collect();
    d.samples(3).await;
    // Wrong name + Enter: cancelled.
    type_text(&mut d, "redis://wrong");
    d.apply(key(KeyCode::Enter));
    assert!(run_effects(&d).is_empty());
    d.apply(key(KeyCode::Char('K')));
    type_text(&mut d, &target);
    d.apply(key(KeyCode::Enter));
    let runs = run_effects(&d);
    assert_eq!(runs.len(), 1);
    let Step::Redis { args: ran, .. } = &runs[0].1.step else {
        panic!("not a redis step")
    };
    assert_eq!(ran, &ids, "the ids confirmed are the ids run");
    let outcome = run_last(&d, &redis).await;
    assert!(outcome.ok, "{outcome:?}");
    let list = redis.cli(&["CLIENT", "LIST"]);
    assert!(!list.contains("name=leaky"), "{list}");
    assert!(
        list.contains("name=billing") && list.contains("name=aaa-late"),
        "bystanders killed: {list}"
    );
    drop(group);
}

/// Kills the daemonized server a restart test started, at the end.
struct PidFile(std::path::PathBuf);

impl Drop for PidFile {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0)
            && let Ok(pid) = pid.trim().parse::<i32>()
        {
            // SAFETY: kill(2) of the server this test started.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_through_an_external_command_shows_down_then_up() {
    let redis = Redis::start(&["--maxmemory", "100mb"]);
    let dir = redis.dir_str();
    let _pid = PidFile(redis.dir.path().join("restarted.pid"));
    let text = format!(
        "[settings]\nwatch_window = \"2s\"\nprobe_every = \"1s\"\n\n[[action]]\nname = \"restart\"\ntitle = \"restart\"\n\
         kind = \"external\"\ndestructive = true\nmitigation = true\ntimeout = \"20s\"\ncommands = [\n\
         [\"redis-cli\", \"-p\", \"{{port}}\", \"shutdown\", \"nosave\"],\n[\"sleep\", \"1\"],\n\
         [\"redis-server\", \"--port\", \"{{port}}\", \"--bind\", \"127.0.0.1\", \"--dir\", \"{dir}\", \"--save\", \"\",\n\
          \"--maxmemory\", \"100mb\", \"--daemonize\", \"yes\", \"--pidfile\", \"{dir}/restarted.pid\"],\n]\n"
    );
    let rb = Runbook::parse(&text, "test").expect("runbook");
    let mut d = up(&redis).await;
    d.state.actions = ActionsState::new(rb, false);
    d.samples(1).await;
    let target_name = d.state.open_action("restart");
    drop(target_name);
    let Some(Dialog::Confirm { target, .. }) = d.state.actions.dialog.clone() else {
        panic!("no dialog")
    };
    type_text(&mut d, &target);
    d.apply(key(KeyCode::Enter));
    let (run, prepared) = run_effects(&d).pop().expect("run effect");
    let sink = Sink::new(run, d.sender());
    let t = redis.target();
    tokio::spawn(async move { runner::run(prepared, t, Duration::from_secs(1), sink).await });
    d.wait_for(Duration::from_secs(15), "down", |s| {
        matches!(s.header.connection, ConnState::Down { .. })
    })
    .await;
    d.wait_for(Duration::from_secs(20), "up again and stable", |s| {
        s.header.connection == ConnState::Up && s.header.watch.as_ref().is_some_and(|w| w.stable)
    })
    .await;
    let texts: Vec<String> = d
        .logs
        .iter()
        .map(|e| format!("{} {}", e.kind, e.detail))
        .collect();
    assert!(
        texts.iter().any(|t| t.starts_with("state UP → DOWN")),
        "{texts:#?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("state DOWN (refused) → UP")),
        "{texts:#?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("action_end")),
        "{texts:#?}"
    );
    let end = d.logs.iter().find(|e| e.kind == "action_end").expect("end");
    assert_eq!(end.exit_code, Some(0));
    assert!(
        d.effects.iter().any(|e| matches!(e, Effect::Probe { .. })),
        "the watch asks for probes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_maxmemory_value_keeps_the_input_with_the_error() {
    let redis = Redis::start(&["--maxmemory", "64mb"]);
    let mut d = up(&redis).await;
    d.apply(key(KeyCode::Char('M')));
    type_text(&mut d, "99tb");
    d.apply(key(KeyCode::Enter));
    match &d.state.actions.dialog {
        Some(Dialog::Input {
            text,
            error: Some(e),
            ..
        }) => {
            assert_eq!(text, "99tb");
            assert!(e.contains("unknown unit"), "{e}");
        }
        other => panic!("expected the input with an error, got {other:?}"),
    }
    for _ in 0..4 {
        d.apply(key(KeyCode::Backspace));
    }
    type_text(&mut d, "128mb");
    d.apply(key(KeyCode::Enter));
    assert!(matches!(
        d.state.actions.dialog,
        Some(Dialog::Confirm { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_with_a_refused_password_asks_for_one_and_never_shows_it() {
    use redtriage::model::prom::PromState;
    use redtriage::msg::LinkEvent;
    use redtriage::prom::settings::PromSettings;
    let redis = Redis::start(&[]);
    let mut d = up(&redis).await;
    let settings = PromSettings::new("http://127.0.0.1:1", "instance=\"x\"");
    let mut prom = PromState::new(&settings);
    prom.attached = Some(("10.0.0.9:6379".into(), false));
    d.state.prom = Some(prom);
    d.state
        .update_link_for_test(LinkEvent::AuthFailed("WRONGPASS".into()));
    assert!(matches!(
        d.state.actions.dialog,
        Some(Dialog::Password { .. })
    ));
    type_text(&mut d, "s3cret");
    let view = d.state.actions_view(d.state.now, 5);
    let shown = format!("{:?}", view.dialog);
    assert!(
        !shown.contains("s3cret") && shown.contains("******"),
        "{shown}"
    );
    d.apply(key(KeyCode::Enter));
    // The attach is an effect the app carries out: a poller on that instance, with the typed
    // password; the state already selects it.
    let attached = d
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Attach { id, target } => Some((*id, target.clone())),
            _ => None,
        })
        .expect("an attach effect");
    assert_eq!(attached.1.display(), "redis://:****@10.0.0.9:6379");
    assert_eq!(
        attached
            .1
            .password
            .as_ref()
            .map(redtriage::target::Secret::expose),
        Some("s3cret")
    );
    assert_eq!(d.state.selected, attached.0);
    // Asked once per attach: another failure does not reopen it.
    d.state
        .update_link_for_test(LinkEvent::AuthFailed("WRONGPASS".into()));
    assert!(d.state.actions.dialog.is_none());
}

/// A server stopped with SIGSTOP (it accepts, never answers) and the ping action for it.
fn ping_on_a_stopped_server() -> (Redis, redtriage::runbook::prepare::Prepared) {
    let redis = Redis::start(&[]);
    let rb = Runbook::default_runbook();
    let spec = rb.find("ping").expect("ping action").clone();
    let ctx = redtriage::runbook::prepare::Context::default();
    let prepared = redtriage::runbook::prepare::prepare(&spec, &ctx, None).expect("prepared");
    redis.signal(libc::SIGSTOP);
    (redis, prepared)
}

/// A cancel abandons a Redis command a stopped server never answers, long before the
/// connect and action timeouts, and says what that means.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_abandons_a_redis_command_a_stopped_server_never_answers() {
    let (redis, prepared) = ping_on_a_stopped_server();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let sink = Sink::new(1, tx);
    let cancel = sink.cancel.clone();
    let target = redis.target();
    let task =
        tokio::spawn(
            async move { runner::run(prepared, target, Duration::from_secs(60), sink).await },
        );
    // Not a wait: the time a stopped server has to (not) answer in.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!task.is_finished(), "a stopped server answered");
    cancel.notify_one();
    // A bound against a hang, far above what a cancel takes.
    let outcome = tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("the cancel ended the run")
        .expect("no panic");
    redis.signal(libc::SIGCONT);
    assert!(!outcome.ok, "{outcome:?}");
    assert_eq!(
        outcome.summary,
        "cancelled by the user: a command already sent may still be carried out by Redis"
    );
    let mut done = None;
    while let Ok(Msg::Action { event, .. }) = rx.try_recv() {
        if let redtriage::msg::ActionEvent::Done(o) = event {
            done = Some(o);
        }
    }
    assert_eq!(done.map(|o| o.summary), Some(outcome.summary));
}

/// The server fills up while the dashboard watches: a new connection is refused (an action's
/// own would be too), but `enter` on cause C selects the flood's group and the kill goes
/// through on the connection the dashboard kept for actions; its own connections survive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_after_the_dashboard_connected_is_killed_on_its_spare_connection() {
    let redis = Redis::start(&["--maxclients", "24"]);
    let poll = redtriage::target::PollSettings {
        reserve_for_actions: true,
        ..fast_poll()
    };
    let mut d = Driver::start(redis.target(), poll);
    d.wait_for(Duration::from_secs(10), "up", |s| {
        s.header.connection == ConnState::Up
    })
    .await;
    // The poller's connection and the spare one, both named redtriage.
    let both = common::poll(Duration::from_secs(10), Duration::from_millis(50), || {
        redis
            .cli(&["CLIENT", "LIST"])
            .matches("name=redtriage")
            .count()
            >= 2
    });
    assert!(
        both,
        "no spare connection: {}",
        redis.cli(&["CLIENT", "LIST"])
    );
    let held: Vec<_> = std::iter::from_fn(|| common::try_named_conn(redis.port, "leaky"))
        .take(100)
        .collect();
    assert!(held.len() < 100, "maxclients never reached");
    assert!(
        common::try_named_conn(redis.port, "late").is_none(),
        "a new connection was not refused"
    );
    d.wait_for(Duration::from_secs(10), "C likely", |s| {
        (s.diagnosis.iter())
            .any(|c| c.cause == "C" && c.suggested.as_deref() == Some("client-kill"))
            && s.clients.groups.iter().any(|g| g.key == "leaky")
    })
    .await;
    d.apply(key(KeyCode::Char('d')));
    let at = (d.state.view(0).expect("view").diagnosis.iter())
        .position(|c| c.cause == "C")
        .expect("C listed");
    d.state.ui.diag_sel = at;
    d.apply(key(KeyCode::Enter));
    assert!(d.state.ui.zoomed, "enter did not zoom the clients pane");
    let (ids, target) = kill_confirmation(&mut d);
    assert_eq!(ids.len(), held.len());
    type_text(&mut d, &target);
    d.apply(key(KeyCode::Enter));
    let outcome = run_last(&d, &redis).await;
    assert!(outcome.ok, "{outcome:?}");
    let list = redis.cli(&["CLIENT", "LIST"]);
    assert!(!list.contains("name=leaky"), "{list}");
    assert!(list.matches("name=redtriage").count() >= 2, "{list}");
    drop(held);
}

/// An action on a server that accepts and never answers says so in words (seen: `cannot
/// connect: NoReply`, the variant's name).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_on_a_hung_server_says_why_in_words() {
    let (redis, prepared) = ping_on_a_stopped_server();
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let outcome = runner::run(
        prepared,
        redis.target(),
        Duration::from_millis(300),
        Sink::new(1, tx),
    )
    .await;
    redis.signal(libc::SIGCONT);
    assert!(!outcome.ok, "{outcome:?}");
    assert!(
        outcome.summary.starts_with(
            "cannot connect: the port accepts the connection but the server does not answer"
        ),
        "{outcome:?}"
    );
}
