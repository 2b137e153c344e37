//! The admin probe's budget. GetGroupsAsAdmin allows 50 requests an hour per tenant, shared with
//! every other job that calls the read-only admin APIs; a CI smoke test that runs often must not
//! eat that quota. This module keeps, per tenant, the instants of the admin probes of the last
//! hour in a small JSON file, `admin-probe-cache.json` (in the folder the caller chooses: next to
//! the profiles file), and decides whether this run may probe.
//!
//! The cache is advisory: a missing, unreadable or corrupt file never blocks the probe
//! ([`decide`] answers [`Decision::Probe`]; a caller that wants to warn reads it with [`load`]).
//! Writes go to a temporary file in the same folder, then are renamed over the cache, so a reader
//! never sees half a file and a symlink at the path is replaced, not followed; the file is 0600 on
//! Unix. An instant in the future (a clock set wrong, a file edited by hand) is ignored: it would
//! otherwise count against the budget until that instant. Two runs recording at the same instant may lose one entry (last writer
//! wins), which errs on the side of probing. Tenant ids are not secrets: keys are stored as given.
//!
//! ```json
//! { "version": 1, "tenants": { "72f988bf-86f1-41af-91ab-2d7cd011db47": [1763629200, 1763630100] } }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsio;

/// The cache's file name, in the folder of the profiles file.
pub(crate) const FILE_NAME: &str = "admin-probe-cache.json";

/// Admin probes a tenant allows by default in an hour, a fifth of the service's quota.
pub(crate) const DEFAULT_BUDGET: u32 = 10;

/// The window the budget counts over, in seconds.
pub(crate) const WINDOW_SECONDS: i64 = 3600;

/// The format version written in the file.
const VERSION: u32 = 1;

/// The most bytes read from the cache: a few tenants' hours of probes take a few kilobytes.
const READ_CAP: u64 = 1024 * 1024;

/// Whether this run may call the admin API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Under budget (or no usable cache): probe, then [`record`] it.
    Probe,
    /// The budget for the last hour is spent: skip the admin probe.
    Skip {
        /// Probes recorded for the tenant in the last hour.
        used: u32,
        /// The budget asked for.
        budget: u32,
        /// The instant (seconds since the epoch) from which a probe fits in the budget again;
        /// `i64::MAX` with a budget of 0.
        next_slot_at: i64,
    },
}

/// Why the cache could not be read or written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum QuotaError {
    /// Reading failed (other than the file not existing).
    #[error("cannot read the admin-probe cache {path}: {source}")]
    Read {
        /// The cache file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a cache of this version.
    #[error("the admin-probe cache {path} is not readable ({reason}); it will be rewritten")]
    Corrupt {
        /// The cache file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Writing failed.
    #[error("cannot write the admin-probe cache {path}: {source}")]
    Write {
        /// The cache file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The cache's contents: per tenant, the instants of its admin probes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Cache {
    /// The format version.
    pub version: u32,
    /// Tenant (as given) → probe instants, seconds since the epoch, oldest first.
    pub tenants: BTreeMap<String, Vec<i64>>,
}

impl Cache {
    /// The tenant's probes within the hour before `now`, oldest first; none from the future.
    pub(crate) fn recent(&self, tenant: &str, now: i64) -> Vec<i64> {
        let mut recent: Vec<i64> = self
            .tenants
            .get(tenant)
            .map(|all| all.iter().copied().filter(|t| in_window(*t, now)).collect())
            .unwrap_or_default();
        recent.sort_unstable();
        recent
    }

    /// Whether a tenant may be probed at `now` within `budget_per_hour`.
    pub(crate) fn decide(&self, tenant: &str, now: i64, budget_per_hour: u32) -> Decision {
        let recent = self.recent(tenant, now);
        let used = u32::try_from(recent.len()).unwrap_or(u32::MAX);
        if used < budget_per_hour {
            return Decision::Probe;
        }
        // One probe fits again once all but budget - 1 of the recent ones have left the window.
        let next_slot_at = if budget_per_hour == 0 {
            i64::MAX
        } else {
            recent[(used - budget_per_hour) as usize] + WINDOW_SECONDS
        };
        Decision::Skip {
            used,
            budget: budget_per_hour,
            next_slot_at,
        }
    }

    /// Adds a probe at `now` and forgets everything older than the window, for every tenant.
    pub(crate) fn record(&mut self, tenant: &str, now: i64) {
        self.version = VERSION;
        self.tenants.entry(tenant.to_owned()).or_default().push(now);
        for instants in self.tenants.values_mut() {
            instants.retain(|t| in_window(*t, now));
            instants.sort_unstable();
        }
        self.tenants.retain(|_, instants| !instants.is_empty());
    }
}

/// Whether a probe at `instant` counts at `now`: within the last hour, and not in the future.
fn in_window(instant: i64, now: i64) -> bool {
    instant > now.saturating_sub(WINDOW_SECONDS) && instant <= now
}

/// Reads the cache at `path`. A missing file is an empty cache.
pub(crate) fn load(path: &Path) -> Result<Cache, QuotaError> {
    let corrupt = |reason: String| QuotaError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let text = match fsio::read_file_text(path, READ_CAP, fsio::Decoding::Lossy) {
        Ok(text) => text,
        Err(fsio::InputError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Cache::default());
        }
        Err(fsio::InputError::Io(source)) => {
            return Err(QuotaError::Read {
                path: path.to_owned(),
                source,
            });
        }
        Err(other) => return Err(corrupt(other.to_string())),
    };
    let cache: Cache = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
    if cache.version != VERSION {
        return Err(corrupt(format!("format version {}", cache.version)));
    }
    Ok(cache)
}

/// Whether this run may probe the admin API of `tenant` at `now` (seconds since the epoch), given
/// the probes recorded in the cache file at `path`. An unusable cache answers [`Decision::Probe`].
pub(crate) fn decide(path: &Path, tenant: &str, now: i64, budget_per_hour: u32) -> Decision {
    match load(path) {
        Ok(cache) => cache.decide(tenant, now, budget_per_hour),
        Err(_) => Decision::Probe,
    }
}

/// Records an admin probe of `tenant` at `now` in the cache file at `path`, dropping entries older
/// than an hour. A corrupt cache is replaced. The folder is created when missing; the file is
/// replaced atomically (temporary file, then rename).
pub(crate) fn record(path: &Path, tenant: &str, now: i64) -> Result<(), QuotaError> {
    let mut cache = match load(path) {
        Ok(cache) => cache,
        Err(QuotaError::Corrupt { .. }) => Cache::default(),
        Err(other) => return Err(other),
    };
    cache.record(tenant, now);
    // Serializing a map of strings and numbers cannot fail; if it ever did, the write fails
    // loudly rather than emptying the cache.
    let mut text = serde_json::to_string_pretty(&cache).map_err(|e| QuotaError::Write {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    folder
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| fsio::write_atomically(path, text.as_bytes(), fsio::Access::Private))
        .map_err(|source| QuotaError::Write {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const OTHER: &str = "contoso.onmicrosoft.com";
    const NOW: i64 = 1_763_630_000;

    /// A fresh folder under the system's temporary folder, removed on drop.
    struct Folder(PathBuf);

    impl Folder {
        fn new() -> Self {
            let path = std::env::temp_dir().join(format!(
                "pbi-doctor-quota-{}",
                uuid::Uuid::new_v4().simple()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        fn cache(&self) -> PathBuf {
            self.0.join(FILE_NAME)
        }
    }

    impl Drop for Folder {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn no_cache_probes() {
        let folder = Folder::new();
        assert_eq!(decide(&folder.cache(), TENANT, NOW, 5), Decision::Probe);
        assert!(load(&folder.cache()).unwrap().tenants.is_empty());
    }

    #[test]
    fn under_budget_probes_at_budget_skips() {
        let folder = Folder::new();
        let path = folder.cache();
        // Four probes in the last hour, at -50, -40, -30 and -20 minutes.
        for minutes_ago in [50, 40, 30, 20] {
            record(&path, TENANT, NOW - minutes_ago * 60).unwrap();
        }
        assert_eq!(decide(&path, TENANT, NOW, 5), Decision::Probe);
        assert_eq!(
            decide(&path, OTHER, NOW, 1),
            Decision::Probe,
            "budgets are per tenant"
        );
        record(&path, TENANT, NOW).unwrap();
        // Five: the budget. The oldest leaves the window 10 minutes from now.
        assert_eq!(
            decide(&path, TENANT, NOW, 5),
            Decision::Skip {
                used: 5,
                budget: 5,
                next_slot_at: NOW + 10 * 60
            }
        );
        // Over a smaller budget, the slot opens when enough have expired: with a budget of 3,
        // the probes at -50, -40 and -30 minutes must leave (two left, one free), so 30 minutes from
        // now.
        assert_eq!(
            decide(&path, TENANT, NOW, 3),
            Decision::Skip {
                used: 5,
                budget: 3,
                next_slot_at: NOW + 30 * 60
            }
        );
        assert_eq!(decide(&path, TENANT, NOW, DEFAULT_BUDGET), Decision::Probe);
        // At the slot, the oldest is out of the window.
        assert_eq!(decide(&path, TENANT, NOW + 10 * 60, 5), Decision::Probe);
    }

    #[test]
    fn a_budget_of_zero_never_probes() {
        let folder = Folder::new();
        assert_eq!(
            decide(&folder.cache(), TENANT, NOW, 0),
            Decision::Skip {
                used: 0,
                budget: 0,
                next_slot_at: i64::MAX
            }
        );
    }

    #[test]
    fn old_entries_expire_and_are_dropped() {
        let folder = Folder::new();
        let path = folder.cache();
        record(&path, TENANT, NOW - 2 * 3600).unwrap();
        record(&path, OTHER, NOW - 3600).unwrap();
        record(&path, TENANT, NOW - 3599).unwrap();
        assert_eq!(
            decide(&path, TENANT, NOW, 1),
            Decision::Skip {
                used: 1,
                budget: 1,
                next_slot_at: NOW + 1
            }
        );
        assert_eq!(
            decide(&path, OTHER, NOW, 1),
            Decision::Probe,
            "exactly an hour old is out"
        );
        record(&path, TENANT, NOW).unwrap();
        let cache = load(&path).unwrap();
        assert_eq!(cache.version, 1);
        assert_eq!(
            cache.tenants,
            BTreeMap::from([(TENANT.to_owned(), vec![NOW - 3599, NOW])]),
            "the two-hour-old entry and the tenant with nothing recent are gone"
        );
    }

    #[test]
    fn tenant_keys_are_stored_as_given() {
        let folder = Folder::new();
        let path = folder.cache();
        record(&path, OTHER, NOW).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"contoso.onmicrosoft.com\""), "{text}");
    }

    #[test]
    fn a_corrupt_or_unreadable_cache_never_blocks() {
        let folder = Folder::new();
        let path = folder.cache();
        for text in ["{ not json", "[]", "{\"version\": 2, \"tenants\": {}}", ""] {
            std::fs::write(&path, text).unwrap();
            assert_eq!(decide(&path, TENANT, NOW, 1), Decision::Probe, "{text:?}");
            assert!(
                matches!(load(&path), Err(QuotaError::Corrupt { .. })),
                "{text:?}"
            );
            // Recording replaces it with a good cache.
            record(&path, TENANT, NOW).unwrap();
            assert_eq!(load(&path).unwrap().recent(TENANT, NOW), [NOW]);
        }
        // A folder where the file should be: unreadable, still no block, and recording fails.
        let dir_path = folder.0.join("a-folder.json");
        std::fs::create_dir_all(&dir_path).unwrap();
        assert_eq!(decide(&dir_path, TENANT, NOW, 1), Decision::Probe);
        assert!(matches!(load(&dir_path), Err(QuotaError::Read { .. })));
        assert!(record(&dir_path, TENANT, NOW).is_err());
    }

    #[test]
    fn creates_the_folder() {
        let folder = Folder::new();
        let path = folder.0.join("nested").join("deeper").join(FILE_NAME);
        record(&path, TENANT, NOW).unwrap();
        assert_eq!(load(&path).unwrap().recent(TENANT, NOW), [NOW]);
    }

    #[test]
    fn concurrent_records_leave_a_whole_file_and_no_temporaries() {
        let folder = Folder::new();
        let path = folder.cache();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for j in 0..10 {
                        record(&path, TENANT, NOW + i * 10 + j).unwrap();
                        // Every read in between sees a whole cache.
                        load(&path).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let cache = load(&path).unwrap();
        let recent = cache.recent(TENANT, NOW + 100);
        assert!(!recent.is_empty() && recent.len() <= 80, "{recent:?}");
        let leftovers: Vec<_> = std::fs::read_dir(&folder.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != FILE_NAME)
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_probe_recorded_in_the_future_is_ignored() {
        let folder = Folder::new();
        let path = folder.cache();
        // A clock set wrong once, or a hand-edited file: the year 2286.
        std::fs::write(
            &path,
            format!(
                "{{\"version\": 1, \"tenants\": {{\"{TENANT}\": [9999999999, {}]}}}}",
                i64::MAX
            ),
        )
        .unwrap();
        assert_eq!(decide(&path, TENANT, NOW, 1), Decision::Probe);
        assert!(load(&path).unwrap().recent(TENANT, NOW).is_empty());
        // Recording drops them, so they stop counting for good.
        record(&path, TENANT, NOW).unwrap();
        assert_eq!(load(&path).unwrap().tenants[TENANT], [NOW]);
    }

    #[cfg(unix)]
    #[test]
    fn the_cache_is_private_and_a_symlink_at_its_path_is_replaced() {
        use std::os::unix::fs::PermissionsExt as _;
        let folder = Folder::new();
        let path = folder.cache();
        let victim = folder.0.join("victim");
        std::fs::write(&victim, "untouched").unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        record(&path, TENANT, NOW).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
        let meta = std::fs::symlink_metadata(&path).unwrap();
        assert!(meta.is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}
