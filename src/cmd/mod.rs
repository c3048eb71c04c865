//! The commands: each composes the stages it runs, with the options the stages own.
//! [`build`] runs the whole pipeline into a site, [`extract`] runs its first stages alone
//! for one shard of a collection, [`serve`] previews a built site. [`options`] composes a
//! build's options from the stages' own and checks what no single stage can (paths against
//! each other); [`report`] is what a build did, for the terminal and `build-report.json`.

pub mod build;
pub mod extract;
pub mod options;
pub mod report;
pub mod serve;
