//! zoomap turns a folder of images into a zoomable map of the collection: a static website
//! where similar images sit next to each other on one giant DeepZoom mosaic.
//!
//! The folders are the architecture, and data flows forward through them only:
//! - [`cmd`]: the commands (`build`, `extract`, `serve`), the options they compose from the
//!   stages' own and the report a build writes;
//! - [`stages`]: the pipeline, one module per stage, in the order a build runs them;
//! - [`site`]: the site writer (item data, page, assets), the originals it carries and the
//!   publishing that replaces an old site only once a new one is whole;
//! - [`export`]: what a build writes for other tools (tables, folders of images per cluster);
//! - [`base`]: the types and helpers every layer above shares (grid geometry, vectors,
//!   tables, messages, settings).
//!
//! A module imports from the layers below its own (`cmd` → `export`, `site` → `stages` →
//! `base`) and from its own layer without a circle; a stage imports only stages that run
//! before it.

pub mod base;
pub mod cmd;
pub mod export;
pub mod site;
pub mod stages;
