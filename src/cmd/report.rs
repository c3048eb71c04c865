//! What a build did, for the terminal summary and `build-report.json`.

use serde::Serialize;

use crate::base::grid::Grid;
use crate::base::message::first_few;
use crate::base::neighbours::Search;
use crate::cmd::options::BuildOptions;
use crate::site::Item;
use crate::stages::clusters::ClusterSummary;
use crate::stages::duplicates::DuplicateSummary;
use crate::stages::refine::Refined;
use crate::stages::thumbs_features::{ExtractionCounts, FeatureSource, Skipped};

/// Item URLs the metadata gave that may not be links (not `http:`, `https:`, `mailto:` or
/// relative), so the viewer shows them as text.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnlinkedUrls {
    /// How many items have one.
    pub count: usize,
    /// The first few, as (file, URL).
    pub first: Vec<(String, String)>,
}

impl UnlinkedUrls {
    /// How many of the first are kept.
    pub const KEPT: usize = 10;

    /// The items whose URL the viewer shows as text rather than as a link.
    pub fn of(items: &[Item]) -> Self {
        let mut unlinked = Self::default();
        for item in items {
            if let Some(url) = &item.url_text {
                unlinked.count += 1;
                if unlinked.first.len() < Self::KEPT {
                    unlinked.first.push((item.file.clone(), url.clone()));
                }
            }
        }
        unlinked
    }

    /// The warning line for the terminal, or none when there are none.
    pub fn warning(&self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        // `first` keeps more than three whenever there are more than three, so the "…" of
        // `first_few` is right.
        let shown: Vec<String> = self
            .first
            .iter()
            .map(|(file, url)| format!("{file} ({url:?})"))
            .collect();
        Some(format!(
            "{} item URLs are not http(s), mailto or relative and are shown as text, not links: {}",
            self.count,
            first_few(&shown, 3)
        ))
    }
}

/// The build report.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// Image files found by the scan.
    pub images_found: usize,
    /// Images placed on the map.
    pub images_placed: usize,
    /// Images left out, with reasons.
    pub skipped: Vec<Skipped>,
    /// Images left out because the features file has no vector for them.
    pub without_features: Vec<String>,
    /// Vectors computed versus read from the feature cache.
    pub extraction: ExtractionCounts,
    /// Item URLs shown as text because they may not be links.
    pub unlinked_urls: UnlinkedUrls,
    /// Other things the user should know.
    pub warnings: Vec<String>,
    /// Grid size.
    pub grid: Grid,
    /// Mosaic size in pixels.
    pub mosaic: [u32; 2],
    /// Wall time of each stage, in order.
    pub stage_seconds: Vec<(String, f64)>,
    /// Peak resident memory during each stage, in MiB, in order (empty where the OS does not
    /// say).
    pub stage_peak_rss_mib: Vec<(String, f64)>,
    /// Wall time of the whole build.
    pub total_seconds: f64,
    /// Where the feature vectors came from.
    pub features: FeatureSource,
    /// t-SNE perplexity used; `None` when positions were given.
    pub perplexity: Option<f32>,
    /// How t-SNE's neighbours were found; `None` when positions were given.
    pub neighbour_search: Option<Search>,
    /// What the grid refinement did; `None` when positions were given.
    pub refined: Option<Refined>,
    /// Peak resident memory of the process, in MiB (`None` where the OS does not say).
    pub peak_rss_mib: Option<f64>,
    /// The cluster hierarchy, if the build made one.
    pub clusters: Option<ClusterSummary>,
    /// Near-duplicate groups and the images in them; `None` when positions were given.
    pub duplicates: Option<DuplicateSummary>,
    /// The options of the build.
    pub options: BuildOptions,
}

impl BuildReport {
    /// The few lines printed at the end of a build.
    pub fn summary(&self) -> String {
        let mut lines = vec![format!(
            "{} images found, {} placed, {} skipped; grid {}×{}, mosaic {}×{} px",
            self.images_found,
            self.images_placed,
            self.skipped.len(),
            self.grid.cols,
            self.grid.rows,
            self.mosaic[0],
            self.mosaic[1]
        )];
        let stages: Vec<String> = self
            .stage_seconds
            .iter()
            .map(|(name, s)| format!("{name} {s:.1}s"))
            .collect();
        lines.push(format!(
            "time: {} (total {:.1}s)",
            stages.join(", "),
            self.total_seconds
        ));
        if !self.stage_peak_rss_mib.is_empty() {
            let peaks: Vec<String> = self
                .stage_peak_rss_mib
                .iter()
                .map(|(name, mib)| format!("{name} {mib:.0}"))
                .collect();
            lines.push(format!("peak memory by stage, MiB: {}", peaks.join(", ")));
        }
        if let FeatureSource::Vgg16 { .. } = self.features {
            lines.push(format!(
                "feature cache: {} extracted, {} reused",
                self.extraction.extracted, self.extraction.cached
            ));
        }
        let peak = self
            .peak_rss_mib
            .map_or("unknown".into(), |m| format!("{m:.0} MiB"));
        lines.push(format!(
            "features: {}; peak memory {peak}",
            self.features_text()
        ));
        lines.extend(self.clusters_line());
        if let Some(d) = self.duplicates.as_ref().filter(|d| d.groups > 0) {
            lines.push(format!(
                "near-duplicates: {} groups, {} images (the viewer's Near-duplicate filter; duplicates.tsv with --export)",
                d.groups, d.items
            ));
        }
        for skipped in &self.skipped {
            lines.push(format!("skipped {}", skipped.reason));
        }
        for warning in &self.warnings {
            lines.push(format!("warning: {warning}"));
        }
        lines.join("\n")
    }

    /// Where the vectors came from, in a few words.
    fn features_text(&self) -> String {
        match &self.features {
            FeatureSource::Vgg16 {
                backend,
                device,
                layer,
                ..
            } => {
                format!("VGG16 {layer:?} on {backend} ({device})")
            }
            FeatureSource::Files { paths, dim } => {
                let first = paths
                    .first()
                    .map_or(String::new(), |p| p.display().to_string());
                match paths.len() {
                    1 => format!("{dim}-d vectors from {first}"),
                    n => format!("{dim}-d vectors from {n} files ({first}, …)"),
                }
            }
            FeatureSource::Positions { path } => format!("none; positions from {}", path.display()),
        }
    }

    /// The clusters' line of the summary, where the build has clusters.
    fn clusters_line(&self) -> Option<String> {
        let c = self.clusters.as_ref()?;
        let noise = if c.unclustered > 0 {
            format!(", {} images in none", c.unclustered)
        } else {
            String::new()
        };
        Some(format!(
            "clusters: {} at the top, {} in {} levels{noise}; largest: {}",
            c.top,
            c.total,
            c.levels,
            c.largest.join(", ")
        ))
    }
}

/// Starts a new peak for [`peak_rss_mib`]: writing 5 to `/proc/self/clear_refs` resets the
/// kernel's high-water mark to the current resident size (Linux 4.0 and later), so that each
/// stage's own peak can be read. False where it cannot be reset.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set size of this process (since the last [`reset_peak_rss`]). Read by hand from `/proc/self/status` (`VmHWM`):
/// the memory crates report current usage only, and the peak is what users size machines by.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
