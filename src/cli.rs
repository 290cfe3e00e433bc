//! The command line, parsed in one place (clap derive): `prism [window options]`, `prism lineup`,
//! `prism say`, `prism models`, `prism bench voice`.

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "prism",
    version,
    about = "A TV app with Lumen, a local 3D companion",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub window: WindowArgs,
}

/// Where channels and the guide come from (the window and `lineup` share these).
#[derive(Args, Debug, Default, Clone)]
pub struct SourceArgs {
    /// An M3U playlist: a file or a URL (fetched, cached for outages).
    #[arg(long, value_name = "FILE|URL", conflicts_with = "xtream")]
    pub playlist: Option<String>,
    /// An Xtream Codes login: its live channels and the panel's guide.
    #[arg(long, num_args = 3, value_names = ["SERVER", "USER", "PASSWORD"])]
    pub xtream: Option<Vec<String>>,
    /// An XMLTV guide (file or URL, .gz or not); repeat for more.
    #[arg(long, value_name = "FILE|URL")]
    pub epg: Vec<String>,
    /// Another source merged in, with its own guides: a playlist, or an Xtream login as a URL
    /// (`http://host/get.php?username=…&password=…`, `xtream://user:pass@host`); repeat for more.
    #[arg(long, value_name = "FILE|URL")]
    pub more: Vec<String>,
}

impl SourceArgs {
    /// The Xtream login's three parts, if one was given.
    pub fn xtream(&self) -> Option<(String, String, String)> {
        match self.xtream.as_deref() {
            Some([server, user, password]) => {
                Some((server.clone(), user.clone(), password.clone()))
            }
            _ => None,
        }
    }
}

#[derive(Args, Debug, Default)]
pub struct WindowArgs {
    /// Playlists to open (files, `file://` or `http(s)://` URLs, `xtream://user:pass@host`):
    /// Prism asks to add each as a source, keeping the channels on screen until it loads.
    #[arg(value_name = "FILE|URL")]
    pub open: Vec<String>,
    #[command(flatten)]
    pub sources: SourceArgs,
    /// A VRM 0.x or 1.0 avatar in Lumen's place.
    #[arg(long, value_name = "FILE.vrm")]
    pub avatar: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the lineup with what is on now and next, and the loading diagnostics.
    Lineup(SourceArgs),
    /// Load a VRM avatar without a window and report what it has, or why it cannot be used.
    Avatar {
        #[arg(value_name = "FILE.vrm")]
        file: String,
    },
    /// Show what the voice grammar makes of a sentence.
    Say {
        #[arg(required = true, num_args = 1.., trailing_var_arg = true)]
        text: Vec<String>,
    },
    /// The voice models: what is installed, and installing them.
    Models {
        #[command(subcommand)]
        action: Option<ModelsAction>,
    },
    /// An MCP server on stdio for AI agents (Claude Desktop, AIRI, ...): it drives the Prism
    /// that is running, through its control API.
    Mcp,
    /// Benchmarks of the app's own pipelines.
    Bench {
        #[command(subcommand)]
        what: BenchWhat,
    },
    /// Print Prism's manual page (roff), as the package installs it.
    Man,
    /// Write Prism's icon (drawn in code) as a hicolor icon theme under DIR: PNGs from 16 to
    /// 512 pixels and the scalable SVG (the package build uses it).
    #[command(hide = true)]
    Icons {
        #[arg(value_name = "DIR")]
        dir: std::path::PathBuf,
    },
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
pub enum ModelsAction {
    /// What is installed, and where (PRISM_MODELS_DIR).
    List,
    /// The default models, or those named: resumable, SHA-256 checked.
    Install {
        names: Vec<String>,
        /// Download from this mirror instead of each model's own address.
        #[arg(long, value_name = "URL")]
        mirror: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum BenchWhat {
    /// Release of push-to-talk → transcript → command, and → first audio.
    Voice {
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Also write the report here.
        #[arg(long, value_name = "FILE")]
        json: Option<String>,
    },
    /// Loading a playlist and its guides as the app does: time and peak memory growth.
    Lineup {
        #[arg(long, value_name = "FILE|URL")]
        playlist: String,
        #[arg(long, value_name = "FILE|URL")]
        epg: Vec<String>,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
}

/// `prism man`: the manual page, made from the command line's own definition.
pub fn man() -> Result<(), String> {
    use clap::CommandFactory;
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout())
        .map_err(|e| e.to_string())
}

/// `prism icons DIR`: `DIR/hicolor/SIZExSIZE/apps/prism.png` and `scalable/apps/prism.svg`.
pub fn icons(dir: &std::path::Path) -> Result<(), String> {
    let write = |rel: String, bytes: &[u8]| {
        let path = dir.join("hicolor").join(rel);
        std::fs::create_dir_all(path.parent().expect("a folder"))
            .and_then(|()| std::fs::write(&path, bytes))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    for size in [16, 24, 32, 48, 64, 128, 256, 512] {
        write(
            format!("{size}x{size}/apps/prism.png"),
            &prism_core::icon::png(size),
        )?;
    }
    write(
        "scalable/apps/prism.svg".into(),
        prism_core::icon::svg().as_bytes(),
    )
}

/// `prism completions SHELL`: a completion script for the shell.
pub fn completions(shell: clap_complete::Shell) {
    use clap::CommandFactory;
    clap_complete::generate(shell, &mut Cli::command(), "prism", &mut std::io::stdout());
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("prism").chain(args.iter().copied()))
    }

    #[test]
    fn the_window_takes_sources_and_an_avatar() {
        let c = parse(&[
            "--playlist",
            "a.m3u",
            "--epg",
            "g1.xml",
            "--epg",
            "g2.xml.gz",
        ])
        .unwrap();
        assert!(c.command.is_none());
        assert_eq!(c.window.sources.playlist.as_deref(), Some("a.m3u"));
        assert_eq!(c.window.sources.epg, ["g1.xml", "g2.xml.gz"]);
        let c = parse(&[
            "--xtream",
            "http://panel:8080",
            "me",
            "secret",
            "--avatar",
            "x.vrm",
        ])
        .unwrap();
        assert_eq!(
            c.window.sources.xtream(),
            Some(("http://panel:8080".into(), "me".into(), "secret".into()))
        );
        assert_eq!(c.window.avatar.as_deref(), Some("x.vrm"));
    }

    #[test]
    fn bad_arguments_are_refused_with_a_reason() {
        let e = parse(&["--xtream", "http://panel"]).unwrap_err();
        assert!(e.to_string().contains("3 values"), "{e}");
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--playlist", "a.m3u", "--xtream", "s", "u", "p"]).is_err());
        assert!(parse(&["say"]).is_err(), "say needs words");
    }

    #[test]
    fn subcommands_parse() {
        let c = parse(&["say", "turn", "it", "up"]).unwrap();
        assert!(
            matches!(c.command, Some(Command::Say { ref text }) if text.join(" ") == "turn it up")
        );
        let c = parse(&["avatar", "a.vrm"]).unwrap();
        assert!(matches!(c.command, Some(Command::Avatar { file }) if file == "a.vrm"));
        let c = parse(&["lineup", "--playlist", "p.m3u"]).unwrap();
        assert!(
            matches!(c.command, Some(Command::Lineup(ref s)) if s.playlist.as_deref() == Some("p.m3u"))
        );
        let c = parse(&[
            "models",
            "install",
            "whisper-base.en",
            "--mirror",
            "http://m",
        ])
        .unwrap();
        assert!(matches!(
            c.command,
            Some(Command::Models { action: Some(ModelsAction::Install { ref names, ref mirror }) })
                if names == &["whisper-base.en"] && mirror.as_deref() == Some("http://m")
        ));
        let c = parse(&["bench", "voice", "--runs", "3"]).unwrap();
        assert!(matches!(
            c.command,
            Some(Command::Bench {
                what: BenchWhat::Voice {
                    runs: 3,
                    json: None
                }
            })
        ));
    }

    /// What the desktop file passes (%U: files, file:// and xtream:// URLs) opens; a
    /// subcommand's name still runs the subcommand.
    #[test]
    fn playlists_and_urls_are_taken_and_subcommands_still_win() {
        let cli = Cli::try_parse_from(["prism", "/tv/a.m3u", "xtream://u:p@h"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.window.open, ["/tv/a.m3u", "xtream://u:p@h"]);
        let cli = Cli::try_parse_from(["prism", "lineup", "--playlist", "x.m3u"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Lineup(_))));
        let cli = Cli::try_parse_from(["prism", "completions", "bash"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Completions { .. })));
    }

    #[test]
    fn the_manual_and_completions_name_every_subcommand() {
        use clap::CommandFactory;
        let mut roff = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut roff)
            .unwrap();
        let roff = String::from_utf8(roff).unwrap();
        assert!(
            roff.starts_with(".ie") || roff.contains(".TH prism"),
            "{roff}"
        );
        let mut bash = Vec::new();
        clap_complete::generate(
            clap_complete::Shell::Bash,
            &mut Cli::command(),
            "prism",
            &mut bash,
        );
        let bash = String::from_utf8(bash).unwrap();
        for sub in ["lineup", "models", "mcp", "completions"] {
            assert!(roff.contains(sub), "the manual names {sub}");
            assert!(bash.contains(sub), "bash completes {sub}");
        }
    }
}
