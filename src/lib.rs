//! zoomap turns a folder of images into a zoomable map of the collection: a static website
//! where similar images sit next to each other on one giant DeepZoom mosaic.
//!
//! Each pipeline stage is a module with a small typed API; data flows forward only:
//! [`scan`] → [`thumbs`] + [`features`] (run together by [`extraction`]) → [`reduce`] → [`layout`] → [`refine`] →
//! [`clusters`] → [`tiles`] → [`site`] → [`publish`] (and [`export`], [`folders`]; [`neighbours`]
//! serves [`reduce`] and [`refine`]), orchestrated by [`build`] with the [`options`] it is given; [`extract`]
//! runs the first stages alone for one shard of a collection; [`serve`] previews a built site. [`message`] and [`setting`] are leaves every stage may use to word errors, [`matmul`]
//! one the numeric stages share, [`jpeg`] the JPEG decoder [`thumbs`] uses, [`png_profile`] the bound on PNG profiles it applies, [`pairing`] the record that ties a `.npy` to its `.txt`, [`digest`] the file hash they and the weights use.

pub mod build;
pub mod clusters;
pub mod digest;
pub mod export;
pub mod extract;
pub mod extraction;
pub mod features;
pub mod folders;
pub mod jpeg;
pub mod layout;
pub mod matmul;
pub mod message;
pub mod neighbours;
pub mod options;
pub mod originals;
pub mod pairing;
pub mod png_profile;
pub mod positions;
pub mod progress;
pub mod publish;
pub mod reduce;
pub mod refine;
pub mod report;
pub mod scan;
pub mod serve;
pub mod setting;
pub mod site;
pub mod table;
pub mod thumbs;
pub mod tiles;
pub mod vectors;
