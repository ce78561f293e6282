//! What is installed in an image. Analyzers look at the entries of each layer as it streams
//! (one pass, content read only for the paths they ask for); the merge keeps what survives in the
//! final filesystem and credits each package to the layer that installed it.

pub mod analyzer;
mod dependency;
pub mod format;
mod merge;
mod package;
mod package_name;
mod purl;
pub mod sbom;
mod scan;
mod source_tree;
mod why;

pub use analyzer::{Analyzer, GO_SYMBOLS_ANALYZER, LayerFacts, OsRelease, builtin};
pub use merge::{Inventory, merge, merge_in};
pub use package::{Ecosystem, FoundPackage, Package};
pub use package_name::{PackageName, pep503_name};
pub use purl::{Purl, PurlError, PurlParts};
pub use scan::{LayerScan, ScannedLayer};
pub use source_tree::{add_lockfile, add_lockfile_problem};
pub use why::{Place, Why, places, why};
