//! Errors that a different setting would fix, typed so that a front end can say how to
//! change that setting (the command line names its flag) while the library words the problem
//! in plain terms and knows nothing of flags.

/// A setting of a build that a user can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The CSV column naming each image.
    FilenameColumn,
    /// The item title template.
    Title,
    /// The item URL template.
    Url,
    /// The metadata columns cluster names come from.
    NameColumns,
    /// The file of image paths of a `.npy` of features.
    FeaturesIndex,
    /// The network layer features are read from.
    Layer,
    /// Where the network runs.
    Device,
    /// Images per forward pass.
    Batch,
    /// PCA components.
    Pca,
    /// t-SNE perplexity.
    Perplexity,
    /// Grid width / height.
    Aspect,
    /// Side of a mosaic cell.
    CellSide,
    /// Longest side of panel previews.
    PreviewSize,
    /// Tile side and overlap.
    Tiles,
    /// The folder of cluster folders.
    ExportFolders,
    /// The site folder.
    Output,
    /// The export folder.
    Export,
}

/// A problem that changing `setting` fixes; displayed as its message alone.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct SettingError {
    /// The setting to change.
    pub setting: Setting,
    /// What is wrong, in plain words.
    pub message: String,
}

impl SettingError {
    /// The error as an `anyhow::Error`, ready for `?` and `bail!`.
    pub fn error(setting: Setting, message: impl Into<String>) -> anyhow::Error {
        Self {
            setting,
            message: message.into(),
        }
        .into()
    }
}

/// `Ok` when `holds`, else the error `message` about `setting`: how each stage's
/// `validate` words a refused option.
pub fn check(holds: bool, setting: Setting, message: impl Into<String>) -> anyhow::Result<()> {
    if holds {
        Ok(())
    } else {
        Err(SettingError::error(setting, message))
    }
}
