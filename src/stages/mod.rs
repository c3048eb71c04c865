//! The pipeline, in the order a build runs it; each stage owns its options, their
//! validation and the types it produces, and reads only what earlier stages produced:
//!
//! 0. [`iiif_source`]: with `--iiif`, a IIIF Manifest or Collection fetched into a folder
//!    of images and a metadata table;
//! 1. [`scan`]: the collection's image files;
//! 2. [`thumbs_features`]: every image decoded once by [`thumbs`] (cell, preview, model
//!    input) while [`features`] runs VGG16 on batches, or the vectors (or [`positions`]) a
//!    user brings;
//! 3. [`reduce`]: PCA, then t-SNE to two dimensions;
//! 4. [`layout`]: one grid cell per image, near its t-SNE point;
//! 5. [`refine`]: cell swaps that bring PCA neighbours together, and [`duplicates`] found
//!    on the same neighbour lists;
//! 6. [`clusters`]: the cluster hierarchy, named from the items' text;
//! 7. [`tiles`]: the mosaic streamed into a DeepZoom pyramid;
//! 8. [`arrange`]: the other layouts of `--layouts` (timeline, blocks per value, colour,
//!    places), each tiled by [`tiles`] in turn.
//!
//! [`tags`] (machine tags and their WordNet words) is being built for issue 36 and not yet
//! part of a build.

pub mod arrange;
pub mod clusters;
pub mod duplicates;
pub mod features;
pub mod iiif_source;
pub mod layout;
pub mod positions;
pub mod reduce;
pub mod refine;
pub mod scan;
pub mod tags;
pub mod thumbs;
pub mod thumbs_features;
pub mod tiles;
