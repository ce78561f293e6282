//! Container images read exactly as Docker and containerd see them, without trusting them.
//!
//! A [`source`] (OCI layout, docker-archive, the Docker Engine, a root filesystem) resolves and
//! verifies an image; [`layer::read_image`] streams every layer through digest checks,
//! decompression and entry validation into a visitor; [`fs::MergedFs`] replays the layers into the
//! final filesystem. Nothing is extracted to disk and nothing from an image is ever executed.

pub mod digest;
pub mod error;
pub mod fs;
pub mod layer;
pub mod limits;
pub mod path;
pub mod platform;
pub mod source;
pub mod spec;
pub mod tar_reader;

pub use digest::Digest;
pub use error::{Error, ErrorKind, Result};
pub use fs::{FsEntry, MergedFs};
pub use layer::{
    EntryKind, EntryVisitor, ImageRead, LayerCache, LayerEntry, Listing, ReadOptions, read_image, read_image_cached,
};
pub use limits::Limits;
pub use platform::Platform;
pub use source::{ImageMeta, ImageSource, SourceSpec};
