//! Version ordering, one module per ecosystem scheme.
//!
//! Every scheme implements [`VersionScheme`]: [`VersionScheme::parse`] turns a
//! string into a typed version whose [`Ord`] is the scheme's order, so a parsed
//! version can be compared many times cheaply. Parsing is lenient where the
//! ecosystem's own tools are (real feeds hold versions that break the written
//! rules, and they still need an order); [`VersionScheme::validate`] is the
//! strict check of the written grammar.
//!
//! [`Scheme`] names every scheme at run time and [`scheme_for`] maps an OSV
//! ecosystem name to it.
//!
//! All schemes are this crate's own code, written from the schemes' specifications
//! and checked against the osv-scalibr and osv.dev fixtures in
//! `shared/vulndata/version-fixtures/`. Each module's doc says why no crate is used.
//! Numbers are compared as digit strings, so they have no size limit.

mod apk;
mod cran;
mod dpkg;
mod go;
mod hackage;
mod maven;
mod nuget;
mod packagist;
mod pep440;
mod pubdev;
mod rpm;
mod rubygems;
mod semver;

use std::cmp::Ordering;
use std::fmt;

pub use apk::{Apk, ApkVersion};
pub use cran::{Cran, CranVersion};
pub use dpkg::{Dpkg, DpkgVersion};
pub use go::{Go, GoVersion};
pub use hackage::{Hackage, HackageVersion};
pub use maven::{Maven, MavenVersion};
pub use nuget::{NuGet, NuGetVersion};
pub use packagist::{Packagist, PackagistVersion};
pub use pep440::{Pep440, Pep440Version};
pub use pubdev::{Pub, PubVersion};
pub use rpm::{Rpm, RpmVersion};
pub use rubygems::{RubyGems, RubyGemsVersion};
pub use semver::{SemVer, SemVerVersion};

use crate::{Error, Result};

/// The longest version string any scheme accepts, in bytes.
///
/// Real versions are far shorter; the cap bounds the work (and, for Maven,
/// the nesting depth) that a hostile string can cause.
pub const MAX_VERSION_LEN: usize = 512;

/// A version ordering scheme of one ecosystem.
pub trait VersionScheme {
    /// The parsed version; its [`Ord`] is this scheme's order.
    type Version: Ord + Clone + fmt::Debug + fmt::Display;

    /// The scheme's short name, as used in errors.
    const NAME: &'static str;

    /// Parses `version` for ordering, as leniently as the ecosystem's tools do.
    fn parse(&self, version: &str) -> Result<Self::Version>;

    /// Checks `version` against the scheme's written grammar.
    fn validate(&self, version: &str) -> Result<()>;

    /// Parses both versions and compares them.
    fn compare(&self, a: &str, b: &str) -> Result<Ordering> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }
}

/// Rejects what no scheme accepts: empty, over-long or control characters.
pub(crate) fn check_basic(scheme: &'static str, version: &str) -> Result<()> {
    if version.is_empty() {
        return Err(Error::invalid(scheme, version, "empty version"));
    }
    if version.len() > MAX_VERSION_LEN {
        return Err(Error::invalid(scheme, version, "longer than 512 bytes"));
    }
    if version.chars().any(char::is_control) {
        return Err(Error::invalid(scheme, version, "contains a control character"));
    }
    Ok(())
}

/// Compares two strings of ASCII digits by their value, whatever their length.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Whether `s` is non-empty and all ASCII digits.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Implements `PartialEq`, `Eq` and `PartialOrd` from a type's `Ord`, and
/// `Display` from its `original` field, so that equality always agrees with
/// the scheme's order (e.g. `1.0` equals `1` in Maven).
macro_rules! version_traits {
    ($t:ty) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }
        impl Eq for $t {}
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.original)
            }
        }
    };
}
pub(crate) use version_traits;

/// Generates [`Scheme`] and [`AnyVersion`] from one list of schemes.
macro_rules! schemes {
    ($($(#[$doc:meta])* $variant:ident => $scheme:ident / $version:ident,)+) => {
        /// A version ordering scheme, chosen at run time.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scheme {
            $($(#[$doc])* $variant,)+
        }

        /// A version parsed by some [`Scheme`].
        ///
        /// Versions of one scheme are ordered; versions of different schemes
        /// are not comparable (`partial_cmp` gives `None`, `==` gives false).
        #[derive(Debug, Clone)]
        pub enum AnyVersion {
            $($(#[$doc])* $variant($version),)+
        }

        impl Scheme {
            /// Every scheme.
            pub const ALL: &[Scheme] = &[$(Scheme::$variant,)+];

            /// The scheme's short name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Scheme::$variant => <$scheme as VersionScheme>::NAME,)+
                }
            }

            /// Parses `version` for ordering (see [`VersionScheme::parse`]).
            pub fn parse(self, version: &str) -> Result<AnyVersion> {
                match self {
                    $(Scheme::$variant => $scheme.parse(version).map(AnyVersion::$variant),)+
                }
            }

            /// Checks `version` strictly (see [`VersionScheme::validate`]).
            pub fn validate(self, version: &str) -> Result<()> {
                match self {
                    $(Scheme::$variant => $scheme.validate(version),)+
                }
            }

            /// Compares two versions of this scheme.
            pub fn compare(self, a: &str, b: &str) -> Result<Ordering> {
                match self {
                    $(Scheme::$variant => $scheme.compare(a, b),)+
                }
            }
        }

        impl AnyVersion {
            /// The scheme that parsed this version.
            pub fn scheme(&self) -> Scheme {
                match self {
                    $(AnyVersion::$variant(_) => Scheme::$variant,)+
                }
            }
        }

        impl PartialOrd for AnyVersion {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                match (self, other) {
                    $((AnyVersion::$variant(a), AnyVersion::$variant(b)) => Some(a.cmp(b)),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for AnyVersion {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $(AnyVersion::$variant(v) => v.fmt(f),)+
                }
            }
        }
    };
}

schemes! {
    /// Debian and Ubuntu (`dpkg`).
    Dpkg => Dpkg / DpkgVersion,
    /// Alpine (`apk`).
    Apk => Apk / ApkVersion,
    /// Red Hat, AlmaLinux, Rocky Linux and other RPM distributions.
    Rpm => Rpm / RpmVersion,
    /// PyPI (PEP 440, with the legacy fallback).
    Pep440 => Pep440 / Pep440Version,
    /// SemVer 2.0: crates.io, npm and others.
    SemVer => SemVer / SemVerVersion,
    /// Go modules.
    Go => Go / GoVersion,
    /// Maven (`ComparableVersion`).
    Maven => Maven / MavenVersion,
    /// RubyGems (`Gem::Version`).
    RubyGems => RubyGems / RubyGemsVersion,
    /// NuGet.
    NuGet => NuGet / NuGetVersion,
    /// Packagist (Composer, PHP `version_compare`).
    Packagist => Packagist / PackagistVersion,
    /// Pub (Dart `pub_semver`).
    Pub => Pub / PubVersion,
    /// Hackage (Haskell `Data.Version`).
    Hackage => Hackage / HackageVersion,
    /// CRAN (R `package_version`).
    Cran => Cran / CranVersion,
}

impl PartialEq for AnyVersion {
    fn eq(&self, other: &Self) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The version scheme of an OSV ecosystem name.
///
/// Only the part before the first `:` is used, so `Debian:12`, `Alpine:v3.20`
/// and `Red Hat:enterprise_linux:9::appstream` work as given.
pub fn scheme_for(ecosystem: &str) -> Result<Scheme> {
    let base = ecosystem.split(':').next().unwrap_or_default().trim();
    let scheme = match base {
        "Debian" | "Ubuntu" => Scheme::Dpkg,
        "Alpine" | "Wolfi" | "Chainguard" => Scheme::Apk,
        "AlmaLinux" | "Rocky Linux" | "Red Hat" | "openSUSE" | "SUSE" | "Mageia" | "openEuler" => Scheme::Rpm,
        "PyPI" => Scheme::Pep440,
        "crates.io" | "npm" | "Bitnami" | "Hex" | "SwiftURL" => Scheme::SemVer,
        "Go" => Scheme::Go,
        "Maven" => Scheme::Maven,
        "RubyGems" => Scheme::RubyGems,
        "NuGet" => Scheme::NuGet,
        "Packagist" => Scheme::Packagist,
        "Pub" => Scheme::Pub,
        "Hackage" | "GHC" => Scheme::Hackage,
        "CRAN" => Scheme::Cran,
        _ => return Err(Error::UnknownEcosystem(ecosystem.to_owned())),
    };
    Ok(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystem_names() {
        let cases = [
            ("Debian", Scheme::Dpkg),
            ("Debian:12", Scheme::Dpkg),
            ("Ubuntu:22.04:LTS", Scheme::Dpkg),
            ("Alpine:v3.20", Scheme::Apk),
            ("AlmaLinux:8", Scheme::Rpm),
            ("Rocky Linux:9", Scheme::Rpm),
            ("Red Hat:enterprise_linux:9::appstream", Scheme::Rpm),
            ("PyPI", Scheme::Pep440),
            ("npm", Scheme::SemVer),
            ("Go", Scheme::Go),
            ("crates.io", Scheme::SemVer),
            ("Maven", Scheme::Maven),
            ("RubyGems", Scheme::RubyGems),
            ("NuGet", Scheme::NuGet),
            ("Packagist", Scheme::Packagist),
            ("Bitnami", Scheme::SemVer),
            ("Pub", Scheme::Pub),
            ("Hackage", Scheme::Hackage),
            ("CRAN", Scheme::Cran),
        ];
        for (name, want) in cases {
            assert_eq!(scheme_for(name), Ok(want), "{name}");
        }
        assert_eq!(scheme_for("debian"), Err(Error::UnknownEcosystem("debian".into())));
    }

    #[test]
    fn any_version_orders_within_a_scheme_only() {
        let a = Scheme::Maven.parse("1.0").unwrap();
        let b = Scheme::Maven.parse("1").unwrap();
        let c = Scheme::SemVer.parse("1.0.0").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.partial_cmp(&c), None);
        assert_ne!(a, c);
        assert_eq!(c.scheme(), Scheme::SemVer);
        assert_eq!(a.to_string(), "1.0");
    }

    #[test]
    fn basic_rejections() {
        for scheme in Scheme::ALL {
            assert!(scheme.parse("").is_err(), "{scheme}");
            assert!(scheme.parse("1\n").is_err(), "{scheme}");
            assert!(scheme.parse(&"1".repeat(MAX_VERSION_LEN + 1)).is_err());
        }
    }

    #[test]
    fn digits_compare_by_value() {
        assert_eq!(cmp_digits("010", "9"), Ordering::Greater);
        assert_eq!(cmp_digits("000", ""), Ordering::Equal);
        assert_eq!(cmp_digits("999999999999999999999999999991", "999999999999999999999999999999"), Ordering::Less);
    }
}
