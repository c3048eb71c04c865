//! The tags stage of a build: each placed image's machine tags from VGG16's classifier over
//! the fc2 vectors just stored, or from the user's tags file, as `--tags` says.

use anyhow::Result;

use super::Mapped;
use crate::cmd::options::BuildOptions;
use crate::stages::features::{ClassHead, Layer};
use crate::stages::tags::file::{self, Tags};
use crate::stages::tags::{self, ImageTags, TagSource};
use crate::stages::thumbs_features::VectorSource;

/// The tags file of `--tags FILE`, read (and any malformed row refused) before any work.
pub fn read_file(options: &BuildOptions) -> Result<Option<Tags>> {
    match &options.tags.source {
        TagSource::File(path) => file::read(path).map(Some),
        _ => Ok(None),
    }
}

/// The placed images' tags, in their order (none without tags), and a note for the user;
/// `read` is the tags file [`read_file`] read.
pub fn tags(
    options: &BuildOptions,
    mapped: &Mapped,
    read: Option<Tags>,
) -> Result<(Option<ImageTags>, Option<String>)> {
    let min_score = options.tags.min_score;
    match (&options.tags.source, read) {
        (TagSource::File(path), Some(read)) => {
            let names: Vec<&str> = (mapped.placed.iter())
                .map(|&i| mapped.scan.images[i].name.as_str())
                .collect();
            let (tags, note) = tags::from_file((path, read), &names, min_score)?;
            Ok((Some(tags), note))
        }
        (TagSource::Auto, _) => from_network(mapped, min_score),
        _ => Ok((None, None)),
    }
}

/// `--tags auto`: VGG16's classifier, where the network ran on fc2 with weights that have
/// fc8; otherwise no tags, and a note only where the weights' classifier is not ImageNet's.
fn from_network(mapped: &Mapped, min_score: f32) -> Result<(Option<ImageTags>, Option<String>)> {
    let VectorSource::Model(extractor, _) = &mapped.source else {
        return Ok((None, None));
    };
    if extractor.layer() != Layer::Fc2 {
        return Ok((None, None));
    }
    let (Some(head), Some(store)) = (
        ClassHead::load(extractor.weights())?,
        mapped.extracted.store.as_ref(),
    ) else {
        return Ok((None, None));
    };
    Ok(
        match tags::from_classifier(&head, store.as_ref(), min_score)? {
            Some(tags) => (Some(tags), None),
            None => (
                None,
                Some(format!(
                    "{}: the classifier scores {} classes, not ImageNet's 1,000: no machine tags (--tags FILE brings a tagger's)",
                    extractor.weights().path.display(),
                    head.classes()
                )),
            ),
        },
    )
}
