//! `peerid completions` and `peerid man`, generated from the clap
//! definitions: bash offers the subcommands, every shell gets a script, and
//! `man` renders the page without a warning.

use std::process::Command;

use crate::support::env::Env;

/// The words bash would offer after `peerid <words...>`, by sourcing the
/// script and calling its completion function as bash's `complete` would.
fn bash_offers(script: &str, words: &[&str]) -> Vec<String> {
    let mut all = vec!["peerid".to_owned()];
    all.extend(words.iter().map(|w| (*w).to_owned()));
    let quoted: Vec<String> = all.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source /dev/stdin
spec=$(complete -p peerid) || exit 90
fn=$(printf '%s\n' "$spec" | sed -n 's/.*-F \([^ ]*\).*/\1/p')
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
"$fn" peerid "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = quoted.join(" ")
    );
    let mut child = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash runs the completion script");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "bash: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
#[cfg_attr(
    windows,
    ignore = "bash and man are Linux programs a Windows process cannot start"
)]
fn bash_completion_offers_the_subcommands_and_options() {
    let env = Env::new();
    let script = env.ok(&["completions", "bash"]);
    let offered = bash_offers(&script, &[""]);
    for sub in [
        "create",
        "list",
        "show",
        "delete",
        "friendly-name",
        "rename",
        "default",
        "xml",
        "export",
        "import",
        "peer-name",
        "completions",
        "man",
    ] {
        assert!(offered.iter().any(|o| o == sub), "{sub} not in {offered:?}");
    }
    assert_eq!(bash_offers(&script, &["exp"]), ["export"]);
    let options = bash_offers(&script, &["export", "fd2f", "--"]);
    for o in ["--output", "--force", "--iterations", "--password-file"] {
        assert!(options.iter().any(|x| x == o), "{o} not in {options:?}");
    }
    assert_eq!(bash_offers(&script, &["completions", "p"]), ["powershell"]);
    // No store was made for it.
    assert!(!env.store.exists());
}

#[test]
fn every_shell_gets_a_script() {
    let env = Env::new();
    for (shell, marker) in [
        ("zsh", "#compdef peerid"),
        ("fish", "complete -c peerid"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = env.ok(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("friendly-name"), "{shell}");
    }
}

#[test]
#[cfg_attr(
    windows,
    ignore = "bash and man are Linux programs a Windows process cannot start"
)]
fn the_man_page_renders_without_warnings() {
    let env = Env::new();
    let page = env.path("peerid.1");
    std::fs::write(&page, env.ok(&["man"])).unwrap();
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(&page)
        .env("MANWIDTH", "80")
        // ASCII, so that `--force` is not rendered with Unicode hyphens.
        .env("LC_ALL", "C")
        .env("MAN_KEEP_FORMATTING", "0")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .expect("man (man-db) renders the page");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man: {stderr}");
    assert!(stderr.is_empty(), "warnings: {stderr}");
    let plain = without_overstrike(&String::from_utf8_lossy(&out.stdout));
    for expected in [
        "NAME",
        "SYNOPSIS",
        "peerid create",
        "peerid export",
        "--force",
        "--max-iterations",
        "friendly-name",
        "rename",
        "COMMANDS",
        "EXAMPLES",
        "peerid show fd2f",
        "[default: 1000000]",
        "[possible values: ed25519,",
        "rsa4096]",
    ] {
        assert!(
            plain.contains(expected),
            "{expected} not in the page:\n{plain}"
        );
    }
    assert!(!env.store.exists());
}

/// The page as a pager shows it: man's bold (`c\bc`) and underline
/// (`_\bc`) reduced to the character.
fn without_overstrike(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars.get(i + 1) == Some(&'\u{8}') {
            i += 2;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}
