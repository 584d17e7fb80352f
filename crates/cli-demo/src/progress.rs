//! Progress on stderr: a spinner per step, hidden with `--quiet` or when stderr is no TTY.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Starts a spinner with a message; finish it with [`done`].
pub fn step(quiet: bool, message: &str) -> ProgressBar {
    let target = if quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Finishes a spinner, leaving its line on a TTY.
pub fn done(bar: &ProgressBar) {
    bar.finish();
}
