//! Platforms (`os/arch[/variant]`) and how an image index entry is chosen for one.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};

/// An OS/architecture pair with an optional variant, as in OCI descriptors and image configs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Platform {
    /// Operating system, e.g. `linux`.
    pub os: String,
    /// CPU architecture in Go's naming, e.g. `amd64`, `arm64`.
    #[serde(rename = "architecture")]
    pub arch: String,
    /// CPU variant, e.g. `v7` for arm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// Parse `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let parts: Vec<&str> = s.split('/').collect();
        let bad = || Error::new(ErrorKind::Malformed, s, "platform must be os/arch[/variant], e.g. linux/amd64");
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform::new(os, arch, None)),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform::new(os, arch, Some(variant)))
            }
            _ => Err(bad()),
        }
    }

    /// A platform from parts.
    pub fn new(os: &str, arch: &str, variant: Option<&str>) -> Self {
        Platform { os: os.to_string(), arch: arch.to_string(), variant: variant.map(str::to_string) }
    }

    /// The platform of the machine hullguard runs on, in Go's naming.
    pub fn host() -> Self {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            "powerpc64" => "ppc64le",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            other => other,
        };
        Platform::new("linux", arch, None)
    }

    /// Whether an image of platform `candidate` satisfies this wanted platform. A wanted platform
    /// without a variant accepts any variant; `arm64` treats a missing variant as `v8`.
    pub fn accepts(&self, candidate: &Platform) -> bool {
        if self.os != candidate.os || self.arch != candidate.arch {
            return false;
        }
        match &self.variant {
            None => true,
            Some(want) => {
                let have = candidate.variant.as_deref().or(if candidate.arch == "arm64" { Some("v8") } else { None });
                have == Some(want.as_str())
            }
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_accept() {
        let want = Platform::parse("linux/arm64").unwrap();
        assert!(want.accepts(&Platform::new("linux", "arm64", Some("v8"))));
        assert!(!want.accepts(&Platform::new("linux", "amd64", None)));
        let v8 = Platform::parse("linux/arm64/v8").unwrap();
        assert!(v8.accepts(&Platform::new("linux", "arm64", None)));
        assert!(!Platform::parse("linux/arm/v7").unwrap().accepts(&Platform::new("linux", "arm", Some("v6"))));
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d", ""] {
            assert!(Platform::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Platform::parse("linux/arm/v7").unwrap().to_string(), "linux/arm/v7");
    }
}
