//! What a build writes for other tools: [`tables`] (`items.tsv`, `clusters.tsv`, the vectors
//! as `.npy`) and [`folders`] (one folder of images per cluster).

pub mod folders;
pub mod tables;
