//! The manual and the shell completions, made from the same clap definitions as the parser:
//! `redtriage completions bash|zsh|fish` (subcommands, flags, drill scenarios and the action
//! names of the runbook in use) and the man page `man/redtriage.1` (a test keeps the committed
//! page equal to [`man_page`]; `redtriage manpage > man/redtriage.1` writes it anew).

use std::fmt::Write as _;

use clap::{CommandFactory as _, ValueEnum};

use super::cli::Cli;
use crate::runbook::Runbook;

/// The shells `redtriage completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The completion script for `shell`; `action NAME` completes the names of `runbook`.
pub fn completions(shell: Shell, runbook: &Runbook) -> String {
    let names: Vec<String> = runbook.actions.iter().map(|a| a.name.clone()).collect();
    let mut cmd = Cli::command().mut_subcommand("action", |s| {
        s.mut_arg("name", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(names))
        })
    });
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "redtriage", &mut out);
    let mut script = String::from_utf8_lossy(&out).into_owned();
    if shell == clap_complete::Shell::Fish {
        // clap_complete's fish script completes no positional values: add the scenarios, the
        // action names and the shells, as bash and zsh have them.
        let actions = runbook.actions.iter().map(|a| a.name.as_str());
        let words: [(&str, Vec<&str>); 3] = [
            ("drill", crate::modes::drill::CHOICES.to_vec()),
            ("action", actions.collect()),
            ("completions", vec!["bash", "zsh", "fish"]),
        ];
        for (sub, values) in words {
            let _ = writeln!(
                script,
                "complete -c redtriage -n \"__fish_redtriage_using_subcommand {sub}\" -f -a \"{}\"",
                values.join(" ")
            );
        }
    }
    script
}

/// The man page (roff): name, synopsis, description, options and subcommands from clap, then
/// the keys, the exit status of `check`, the environment and the files. No build-dependent
/// text (commit, date), so the committed page stays equal to it.
pub fn man_page() -> String {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd)
        .source(format!("redtriage {}", env!("CARGO_PKG_VERSION")))
        .manual("User Commands");
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);
    // Each section comes with the same two-line preamble: keep the first.
    let text = String::from_utf8_lossy(&out);
    let preamble = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let mut page = String::from(preamble);
    page.push_str(&text.replace(preamble, ""));
    page.push_str(&commands_section(&Cli::command()));
    page.push_str(&extra_sections());
    page
}

/// Every visible subcommand with its arguments and its own flags, in this one page (clap's
/// section would point at a page per subcommand, which is not shipped).
fn commands_section(cmd: &clap::Command) -> String {
    let mut page = String::new();
    section(
        &mut page,
        "COMMANDS",
        "Without a command, the dashboard on one Redis.",
    );
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut tag = format!("redtriage {}", sub.get_name());
        for a in sub.get_positionals() {
            let name = a.get_value_names().and_then(|v| v.first()).map_or_else(
                || a.get_id().to_string().to_uppercase(),
                ToString::to_string,
            );
            if a.is_required_set() {
                let _ = write!(tag, " {name}");
            } else {
                let _ = write!(tag, " [{name}]");
            }
        }
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        item(&mut page, &tag, &about);
        let flags: Vec<&clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_global_set() && !a.is_hide_set())
            .collect();
        if flags.is_empty() {
            continue;
        }
        page.push_str(".RS\n");
        for a in flags {
            let mut flag = match (a.get_short(), a.get_long()) {
                (Some(c), Some(l)) => format!("-{c}, --{l}"),
                (Some(c), None) => format!("-{c}"),
                (None, Some(l)) => format!("--{l}"),
                (None, None) => continue,
            };
            if let Some(v) = a.get_value_names().and_then(|v| v.first())
                && a.get_action().takes_values()
            {
                let _ = write!(flag, " {v}");
            }
            let help = a.get_help().map(ToString::to_string).unwrap_or_default();
            item(&mut page, &flag, &help);
        }
        page.push_str(".RE\n");
    }
    page
}

/// Text for a roff line: backslashes and hyphens escaped, a leading `.` or `'` neutralised.
fn roff(s: &str) -> String {
    let t = s.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// A tagged paragraph: `tag` in bold, then `text`.
fn item(page: &mut String, tag: &str, text: &str) {
    page.push_str(".TP\n\\fB");
    page.push_str(&roff(tag));
    page.push_str("\\fR\n");
    page.push_str(&roff(text));
    page.push('\n');
}

fn section(page: &mut String, name: &str, lead: &str) {
    page.push_str(".SH ");
    page.push_str(name);
    page.push('\n');
    if !lead.is_empty() {
        page.push_str(&roff(lead));
        page.push('\n');
    }
}

fn extra_sections() -> String {
    let mut page = String::new();
    section(
        &mut page,
        "KEYS",
        "In the dashboard (? shows them, with the runbook's own keys):",
    );
    for (key, what) in crate::ui::KEYS.iter().chain(crate::ui::ACTION_KEYS.iter()) {
        item(&mut page, key, what);
    }
    let shipped = Runbook::default_runbook();
    for a in shipped.actions.iter().filter(|a| a.key.is_some()) {
        let key = a.key.map(String::from).unwrap_or_default();
        item(
            &mut page,
            &key,
            &format!("runbook action {}: {}", a.name, a.title),
        );
    }
    section(&mut page, "EXIT STATUS", "");
    item(&mut page, "0", "success; for check: every health target OK");
    item(&mut page, "1", "check: the worst health target is WARN");
    item(
        &mut page,
        "2",
        "check: the worst health target is CRIT; any other command: a bad flag, URL or config file (reported before the terminal changes mode)",
    );
    item(
        &mut page,
        "3",
        "check: UNKNOWN (Redis unreachable, or check could not run: a bad flag or config file, no Sentinel answered)",
    );
    section(&mut page, "ENVIRONMENT", "");
    item(
        &mut page,
        "REDISCLI_AUTH",
        "the Redis password, as redis-cli takes it (never shown or logged)",
    );
    item(
        &mut page,
        super::sentinel::ENV_PASSWORD,
        "the Sentinels' password (--sentinel; never shown or logged)",
    );
    item(
        &mut page,
        "NO_COLOR",
        "when set, no colours (like --no-color)",
    );
    item(
        &mut page,
        "XDG_CONFIG_HOME",
        "where config.toml, runbook.toml and templates/ are looked for (default ~/.config)",
    );
    item(
        &mut page,
        "XDG_DATA_HOME",
        "where the incident log is written (default ~/.local/share)",
    );
    item(&mut page, "HOME", "the base of both defaults");
    item(
        &mut page,
        crate::prom::settings::ENV_PASSWORD,
        "the Prometheus basic-auth password (with --prom-user)",
    );
    item(
        &mut page,
        crate::prom::settings::ENV_TOKEN,
        "a Prometheus bearer token",
    );
    section(&mut page, "FILES", "");
    item(
        &mut page,
        "~/.config/redtriage/config.toml",
        "defaults for the flags, thresholds, [prometheus] and [docker] (redtriage config --print writes an example)",
    );
    item(
        &mut page,
        "~/.config/redtriage/runbook.toml",
        "the runbook: actions, causes and diagnosis rules (redtriage runbook --print writes the shipped one)",
    );
    item(
        &mut page,
        "~/.config/redtriage/templates/",
        "initial.txt, update.txt, resolution.txt: the incident messages",
    );
    item(
        &mut page,
        "~/.local/share/redtriage/incident-log.jsonl",
        "the incident log (every action, state change and figure; read by redtriage report)",
    );
    section(
        &mut page,
        "SEE ALSO",
        "redis-cli(1), redis-server(1); the documentation in /usr/share/doc/redtriage.",
    );
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_man_page_is_the_generated_one() {
        let committed = include_str!("../../man/redtriage.1");
        assert!(
            committed == man_page(),
            "man/redtriage.1 is out of date: run `cargo run -q -- manpage > man/redtriage.1`"
        );
    }

    #[test]
    fn completions_name_the_subcommands_scenarios_and_actions() {
        let rb = Runbook::default_runbook();
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = completions(shell, &rb);
            for word in ["snapshot", "check", "drill", "prometheus", "oom", "bgsave"] {
                assert!(script.contains(word), "{shell:?} lacks {word}");
            }
        }
    }
}
