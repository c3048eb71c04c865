//! A build's clock: each stage timed and its own peak memory measured, for the summary and
//! `build-report.json`.

use std::time::Instant;

use anyhow::{Context, Result};

use crate::base::progress::stage_done;
use crate::cmd::report::{peak_rss_mib, reset_peak_rss};

/// Times stages, and measures each one's peak memory, for the summary and the report.
pub struct Stopwatch {
    /// When the build started.
    started: Instant,
    /// Each stage's name and seconds, in the order run.
    pub stages: Vec<(String, f64)>,
    /// Each stage's name and peak memory in MiB, where the peak could be reset.
    pub peaks: Vec<(String, f64)>,
    /// The highest peak of any stage so far: the process's peak, as the kernel's is reset.
    overall_peak: Option<f64>,
}

impl Stopwatch {
    /// A clock started now, with no stage run yet.
    pub fn start() -> Self {
        Self {
            started: Instant::now(),
            stages: Vec::new(),
            peaks: Vec::new(),
            overall_peak: None,
        }
    }

    /// Seconds since the build started.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Runs `work` as the stage `stage`: timed, its peak memory measured, its error named.
    pub fn run<T>(&mut self, stage: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let before = peak_rss_mib();
        let reset = reset_peak_rss();
        let start = Instant::now();
        let out = work().with_context(|| format!("{stage} stage failed"))?;
        let seconds = start.elapsed().as_secs_f64();
        stage_done(stage, seconds);
        self.stages.push((stage.to_string(), seconds));
        if let Some(peak) = peak_rss_mib() {
            if reset {
                self.peaks.push((stage.to_string(), peak));
            }
            self.overall_peak = Some(
                before
                    .unwrap_or(0.0)
                    .max(peak)
                    .max(self.overall_peak.unwrap_or(0.0)),
            );
        }
        Ok(out)
    }

    /// The process's peak memory so far, in MiB.
    pub fn peak(&self) -> Option<f64> {
        match (self.overall_peak, peak_rss_mib()) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}
