//! Progress bars in one style for every stage.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar counting items of a stage.
pub fn items_bar(total: u64, stage: &str) -> ProgressBar {
    let bar = ProgressBar::new(total);
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
    let bar = total.map_or_else(ProgressBar::new_spinner, ProgressBar::new);
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
