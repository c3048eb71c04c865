//! Progress in one style for every stage: bars on a terminal; where standard error is a
//! pipe or a log file (a batch job, `2> build.log`), plain lines instead, one when a bar
//! starts and then one every ten seconds, and one as each stage ends.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// How often a bar writes a line where standard error is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// A bar counting items of a stage.
pub fn items_bar(total: u64, stage: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), draw_target());
    bar.set_style(
        ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {per_sec} eta {eta}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_prefix(stage.to_string());
    bar
}

/// A bar counting bytes, for downloads; a spinner when the size is unknown.
pub fn bytes_bar(total: Option<u64>, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, draw_target());
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("static template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Says that `stage` ended after `seconds`, where standard error is not a terminal (a
/// terminal has seen its bar).
pub fn stage_done(stage: &str, seconds: f64) {
    if !io::stderr().is_terminal() {
        let _ = writeln!(io::stderr(), "{stage}: done in {seconds:.1}s");
    }
}

/// Bars on a terminal, lines ([`LogLines`]) elsewhere.
fn draw_target() -> ProgressDrawTarget {
    if io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::term_like_with_hz(Box::new(LogLines::default()), 1)
    }
}

/// A terminal for indicatif that is a log: cursor moves ignored, a bar's line written when
/// it first draws and then at most every [`LOG_EVERY`].
#[derive(Debug, Default)]
struct LogLines {
    last: Mutex<Option<Instant>>,
}

impl LogLines {
    fn log(&self, line: &str) -> io::Result<()> {
        let line = line.trim();
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if line.is_empty() || last.is_some_and(|at| at.elapsed() < LOG_EVERY) {
            return Ok(());
        }
        *last = Some(Instant::now());
        writeln!(io::stderr(), "{line}")
    }
}

impl TermLike for LogLines {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }

    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }

    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }

    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }

    fn write_line(&self, line: &str) -> io::Result<()> {
        self.log(line)
    }

    fn write_str(&self, text: &str) -> io::Result<()> {
        self.log(text)
    }

    fn clear_line(&self) -> io::Result<()> {
        Ok(())
    }

    fn flush(&self) -> io::Result<()> {
        io::stderr().flush()
    }
}
