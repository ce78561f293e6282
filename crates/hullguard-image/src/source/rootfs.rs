//! `dir:PATH`: an unpacked root filesystem, read in place as an image of one layer with no config.

use std::path::{Path, PathBuf};

use super::{ImageMeta, ImageSource, LayerDescriptor, LayerSink};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::ImageConfig;

/// A root filesystem directory.
pub struct RootfsSource {
    root: PathBuf,
    name: String,
}

impl RootfsSource {
    /// `dir:PATH`.
    pub fn open(path: &Path) -> Result<Self> {
        let name = format!("dir:{}", path.display());
        let meta = std::fs::symlink_metadata(path).map_err(|e| Error::io(path.display().to_string(), &e))?;
        if !meta.is_dir() {
            return Err(Error::new(ErrorKind::Malformed, path.display().to_string(), "not a directory"));
        }
        Ok(RootfsSource { root: path.to_path_buf(), name })
    }
}

impl ImageSource for RootfsSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn read(&self, sink: &dyn LayerSink) -> Result<ImageMeta> {
        sink.tree(&self.root)?;
        let mut meta = ImageMeta::new(&self.name, ImageConfig::default(), None);
        meta.layers.push(LayerDescriptor {
            index: 0,
            digest: None,
            diff_id: None,
            size: None,
            uncompressed_size: None,
            media_type: None,
            created_by: None,
        });
        Ok(meta)
    }
}
