//! What a build can be told: the option structs of the stages, composed into
//! [`BuildOptions`] as zola nests its config. Each stage owns its struct, the defaults a user
//! gets when they say nothing and its `validate`; [`BuildOptions::validate`] runs them all
//! before any image is decoded, and itself checks only what no one stage can: the paths of
//! inputs and outputs against each other. Read by `build` (which runs the
//! stages) and by `report` (which records them in `build-report.json`).

use std::path::{Component, Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use crate::base::setting::{Setting, SettingError, check};
use crate::export::folders::FolderOptions;
use crate::site::iiif::IiifOptions;
use crate::site::metadata::ItemOptions;
use crate::stages::arrange::LayoutOptions;
use crate::stages::clusters::ClusterOptions;
use crate::stages::iiif_source::IiifSourceOptions;
use crate::stages::reduce::ReduceOptions;
use crate::stages::refine::Refine;
use crate::stages::tags::TagOptions;
use crate::stages::thumbs::MosaicOptions;
use crate::stages::thumbs_features::VectorOptions;
use crate::stages::tiles::TileOptions;

/// Everything a build can be told.
#[derive(Debug, Clone, Serialize)]
pub struct BuildOptions {
    /// The collection's folder.
    pub images: PathBuf,
    /// The site folder to write (replaced atomically).
    pub output: PathBuf,
    /// The page's title and each item's text, from the metadata CSV.
    pub items: ItemOptions,
    /// Machine tags: where they come from, the lowest score kept.
    pub tags: TagOptions,
    /// Where each image's vector comes from.
    pub vectors: VectorOptions,
    /// PCA and t-SNE.
    pub reduce: ReduceOptions,
    /// The cluster hierarchy.
    pub clusters: ClusterOptions,
    /// The grid, its cells and the previews.
    pub mosaic: MosaicOptions,
    /// How much the t-SNE grid is refined on the PCA neighbours.
    pub refine: Refine,
    /// The DeepZoom pyramid.
    pub tiles: TileOptions,
    /// The layouts besides the similarity map.
    pub layouts: LayoutOptions,
    /// The site's IIIF: its public URL and licence column.
    pub iiif: IiifOptions,
    /// The IIIF source the images come from (`--iiif`), instead of a folder of one's own.
    pub iiif_source: Option<IiifSourceOptions>,
    /// Folder for `items.tsv`, `features.npy` and `reduced.npy`.
    pub export: Option<PathBuf>,
    /// One folder of images per cluster.
    pub folders: Option<FolderOptions>,
}

impl BuildOptions {
    /// The options of a build of `images` into `output` with every default.
    pub fn new(images: PathBuf, output: PathBuf) -> Self {
        Self {
            images,
            output,
            items: ItemOptions::default(),
            tags: TagOptions::default(),
            vectors: VectorOptions::default(),
            reduce: ReduceOptions::default(),
            clusters: ClusterOptions::default(),
            mosaic: MosaicOptions::default(),
            refine: Refine::Auto,
            tiles: TileOptions::default(),
            layouts: LayoutOptions::default(),
            iiif: IiifOptions::default(),
            iiif_source: None,
            export: None,
            folders: None,
        }
    }

    /// Refuses options no build can use, naming the setting to change, before any file is
    /// read: the checks a bad value would otherwise fail only stages later.
    pub fn validate(&self) -> Result<()> {
        self.check_paths()?;
        self.items.validate()?;
        self.tags.validate()?;
        self.vectors.validate()?;
        self.reduce.validate()?;
        self.mosaic.validate()?;
        self.layouts.validate(self.vectors.positions.is_some())?;
        self.iiif.validate()?;
        if let Some(source) = &self.iiif_source {
            source.validate()?;
        }
        if let Some(folders) = &self.folders {
            folders.validate()?;
        }
        self.tiles
            .validate()
            .map_err(|err| SettingError::error(Setting::Tiles, err.to_string()))
    }
}

impl BuildOptions {
    /// Refuses, before any work, outputs that would destroy or read back what the build
    /// reads or writes: a site folder that is, holds or lies inside the images folder; an
    /// export or cluster-folders tree inside the site (a rebuild replaces it), holding the
    /// site, inside the images (the next scan would read it back) or overlapping the other;
    /// an export folder that holds one of the build's input files.
    fn check_paths(&self) -> Result<()> {
        let images = resolved(&self.images);
        let output = resolved(&self.output);
        check(
            !overlap(&output, &images),
            Setting::Output,
            format!(
                "{}: is, holds or lies inside the images folder {}; write the site elsewhere",
                self.output.display(),
                self.images.display()
            ),
        )?;
        let trees = [
            (Setting::Export, self.export.as_deref()),
            (
                Setting::ExportFolders,
                self.folders.as_ref().map(|f| f.dir.as_path()),
            ),
        ];
        for (setting, dir) in trees {
            let Some(dir) = dir else { continue };
            let resolved_dir = resolved(dir);
            for (other, what) in [(&output, "the site folder"), (&images, "the images folder")] {
                check(
                    !overlap(&resolved_dir, other),
                    setting,
                    format!("{}: is, holds or lies inside {what}", dir.display()),
                )?;
            }
        }
        if let (Some(export), Some(folders)) = (&self.export, &self.folders) {
            check(
                !overlap(&resolved(export), &resolved(&folders.dir)),
                Setting::ExportFolders,
                "the export folder and the cluster folders overlap",
            )?;
        }
        self.check_export_spares_inputs()
    }

    /// Refuses an export folder that holds one of the build's input files, or files an
    /// export did not write.
    fn check_export_spares_inputs(&self) -> Result<()> {
        let Some(export) = &self.export else {
            return Ok(());
        };
        crate::export::tables::check_folder(export)
            .map_err(|err| SettingError::error(Setting::Export, format!("{err:#}")))?;
        let export = resolved(export);
        let inputs = self
            .vectors
            .features
            .iter()
            .chain(&self.vectors.features_index)
            .chain(&self.vectors.positions)
            .chain(&self.layouts.positions)
            .chain(&self.vectors.network.weights)
            .chain(&self.items.metadata)
            .chain(&self.clusters.names);
        for input in inputs {
            check(
                !resolved(input).starts_with(&export),
                Setting::Export,
                format!(
                    "{}: an input of this build lies in the export folder, which the export \
                     would overwrite; export elsewhere",
                    input.display()
                ),
            )?;
        }
        Ok(())
    }
}

/// `path` made absolute with symbolic links, `.` and `..` resolved: the deepest part that
/// exists canonicalized, the rest appended.
pub fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut rest = Vec::new();
    let mut base = absolute.as_path();
    loop {
        if let Ok(real) = base.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                match part {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::Normal(name) => out.push(name),
                    _ => {}
                }
            }
            return out;
        }
        let Some(parent) = base.parent() else {
            return absolute;
        };
        rest.extend(base.components().next_back());
        base = parent;
    }
}

/// Whether one of two resolved paths is or lies inside the other.
fn overlap(a: &Path, b: &Path) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dir: &Path, images: &str, output: &str) -> BuildOptions {
        BuildOptions::new(dir.join(images), dir.join(output))
    }

    #[test]
    fn perplexities_outside_the_useful_range_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        for (perplexity, ok) in [(1e-9, false), (1.0, false), (f32::NAN, false), (1e3, false)]
            .into_iter()
            .chain([(2.0, true), (30.0, true), (100.0, true)])
        {
            let mut o = options(dir.path(), "imgs", "site");
            o.reduce.perplexity = perplexity;
            assert_eq!(o.validate().is_ok(), ok, "perplexity {perplexity}");
        }
    }

    #[test]
    fn outputs_overlapping_the_images_or_each_other_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("www/photos")).unwrap();
        for (images, output) in [
            ("www/photos", "www"),
            ("www/photos", "www/photos"),
            ("www", "www/photos/site"),
            ("www", "www/./photos/../site"),
        ] {
            let err = options(dir.path(), images, output).validate().unwrap_err();
            assert!(
                err.to_string().contains("images folder"),
                "{images} -o {output}: {err}"
            );
        }
        let mut export_in_site = options(dir.path(), "www/photos", "site");
        export_in_site.export = Some(dir.path().join("site/export"));
        assert!(export_in_site.validate().is_err());
        let mut export_holding_input = options(dir.path(), "www/photos", "site");
        export_holding_input.export = Some(dir.path().join("out"));
        export_holding_input.vectors.features = vec![dir.path().join("out/features.npy")];
        let err = export_holding_input.validate().unwrap_err().to_string();
        assert!(err.contains("features.npy"), "{err}");
        options(dir.path(), "www/photos", "site")
            .validate()
            .unwrap();
    }
}
