//! Prism: a TV app with a companion. This file only parses the command line (`cli`) and hands
//! over: to the window (`window`), or to a terminal command (`terminal`, the model manager,
//! the benchmarks). How the app is built is drawn in ARCHITECTURE.md.

mod app;
mod cli;
mod companion;
mod dev;
mod hub;
mod i18n;
mod input;
mod lumen;
mod overlay;
mod paths;
mod reminders;
mod screens;
mod settings;
mod sources;
mod studio;
mod terminal;
#[cfg(test)]
mod tests;
mod theme;
mod time;
mod timers;
mod tv;
mod voice;
mod window;

use std::process::ExitCode;

use clap::Parser;

use cli::{BenchWhat, Cli, Command, ModelsAction};

// Playlist and guide loading are allocation-bound (hundreds of thousands of small strings);
// mimalloc halves the time of a 50k-channel parse against glibc's allocator (prism-core benches).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    time::launched();
    let cli = Cli::parse();
    let result = match cli.command {
        None => return window::run(cli.window),
        Some(Command::Lineup(sources)) => terminal::lineup(&sources),
        Some(Command::Say { text }) => terminal::say(&text.join(" ")),
        Some(Command::Mcp) => hub::mcp::command(),
        Some(Command::Man) => cli::man(),
        Some(Command::Icons { dir }) => cli::icons(&dir),
        Some(Command::Completions { shell }) => {
            cli::completions(shell);
            Ok(())
        }
        Some(Command::Avatar { file }) => terminal::avatar(&file).map(|r| print!("{r}")),
        Some(Command::Models { action }) => match action {
            None | Some(ModelsAction::List) => voice::models::list(),
            Some(ModelsAction::Install { names, mirror }) => {
                voice::models::install_named(&names, mirror)
            }
        },
        Some(Command::Bench {
            what: BenchWhat::Voice { runs, json },
        }) => dev::bench::command(runs, json),
        Some(Command::Bench {
            what:
                BenchWhat::Lineup {
                    playlist,
                    epg,
                    runs,
                },
        }) => dev::bench_lineup::command(playlist, epg, runs),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prism: {e}");
            ExitCode::FAILURE
        }
    }
}
