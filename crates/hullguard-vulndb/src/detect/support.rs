//! Security-support notes: an OS release past its support, and source packages whose support
//! has ended or is limited (Debian's `debian-security-support` lists).

use std::collections::{BTreeMap, BTreeSet};

use hullguard_inventory::{Ecosystem, Inventory};
use hullguard_report::SupportNote;
use hullguard_report::time::today_utc;

use super::query::query_of;
use crate::db::{Db, DbError};
use crate::version::scheme_for;

/// Debian releases whose security support, LTS included, has ended: (version, codename, last day).
const DEBIAN_EOL: [(&str, &str, &str); 5] = [
    ("7", "wheezy", "2018-05-31"),
    ("8", "jessie", "2020-06-30"),
    ("9", "stretch", "2022-06-30"),
    ("10", "buster", "2024-06-30"),
    ("11", "bullseye", "2026-08-31"),
];

/// The security-support notes of the inventory: the OS release past its support, and each
/// source package whose support has ended (at or below the listed last version) or is limited.
///
/// # Errors
///
/// When the database cannot be read.
pub fn support_notes(inventory: &Inventory, db: &Db) -> Result<Vec<SupportNote>, DbError> {
    let today = today_utc();
    let mut out = Vec::new();
    if let Some(os) = inventory.os.as_ref().filter(|o| o.id == "debian") {
        let major = os.version_id.as_deref().unwrap_or_default().split('.').next().unwrap_or_default();
        if let Some((v, name, date)) = DEBIAN_EOL.iter().find(|(v, ..)| *v == major)
            && **date <= *today
        {
            out.push(SupportNote {
                package: String::new(),
                installed: format!("debian {v}"),
                support: "ended".into(),
                ended: Some((*date).to_owned()),
                note: format!("Debian {v} ({name}) is past its security support, LTS included: no package gets fixes"),
            });
        }
    }
    let mut notes: BTreeMap<String, Vec<crate::db::SupportNote>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for p in inventory.packages.iter().filter(|p| p.found.ecosystem == Ecosystem::Deb) {
        let Some(q) = query_of(p, inventory) else { continue };
        if !seen.insert((q.name.clone(), q.version.clone())) {
            continue;
        }
        if !notes.contains_key(&q.ecosystem) {
            notes.insert(q.ecosystem.clone(), db.support_notes(&q.ecosystem)?);
        }
        for n in notes[&q.ecosystem].iter().filter(|n| n.names(&q.name)) {
            let applies = match (&n.last_version, &n.ended) {
                (Some(last), Some(ended)) => {
                    *ended <= today
                        && (last == "0"
                            || scheme_for(&q.ecosystem)
                                .and_then(|s| s.compare(&q.version, last))
                                .is_ok_and(|o| o != std::cmp::Ordering::Greater))
                }
                _ => true,
            };
            if applies {
                out.push(SupportNote {
                    package: q.name.clone(),
                    installed: q.version.clone(),
                    support: if n.last_version.is_some() { "ended" } else { "limited" }.into(),
                    ended: n.ended.clone(),
                    note: n.note.clone(),
                });
            }
        }
    }
    Ok(out)
}
