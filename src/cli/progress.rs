//! Progress bars on stderr: the history scan's (blobs done of total, bytes read and rate) and verification's
//! (credentials checked of those handed in so far), one above the other while verification runs alongside the
//! scan. Only when stderr is a terminal and --quiet is off, so logs and pipes stay clean.
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::report::human_bytes;
use crate::scan::Progress;
use crate::verify::VerifyProgress;

pub struct ProgressBar {
    bar: indicatif::ProgressBar,
    bytes: AtomicU64,
}

impl ProgressBar {
    pub fn for_terminal(quiet: bool) -> Option<ProgressBar> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} blobs  {msg}  {per_sec} [{elapsed_precise}]",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(ProgressBar { bar: bars().add(bar), bytes: AtomicU64::new(0) })
    }
}

/// Every bar of the run, drawn together.
fn bars() -> &'static indicatif::MultiProgress {
    static BARS: OnceLock<indicatif::MultiProgress> = OnceLock::new();
    BARS.get_or_init(indicatif::MultiProgress::new)
}

/// Verification's bar: credentials checked of those handed in so far. Drawn from the first credential on, so a
/// scan that verifies nothing shows no bar.
pub struct VerifyBar {
    bar: indicatif::ProgressBar,
    shown: AtomicBool,
}

impl VerifyBar {
    pub fn for_terminal(quiet: bool) -> Option<VerifyBar> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::hidden());
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} verified {pos}/{len} credentials [{elapsed_precise}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(VerifyBar { bar, shown: AtomicBool::new(false) })
    }
}

impl VerifyProgress for VerifyBar {
    fn start(&self, total: u64) {
        if !self.shown.swap(true, Ordering::Relaxed) {
            bars().add(self.bar.clone());
        }
        self.bar.inc_length(total);
    }

    fn advance(&self, done: u64) {
        self.bar.inc(done);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for ProgressBar {
    fn found(&self, blobs: u64) {
        self.bar.inc_length(blobs);
    }

    fn advance(&self, blobs: u64, bytes: u64) {
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.bar.inc(blobs);
        // Formatting on every blob would cost more than scanning small ones.
        if self.bar.position().is_multiple_of(256) {
            self.bar.set_message(human_bytes(total));
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
