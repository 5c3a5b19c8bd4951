//! Retention: submissions are kept for their form's `retentionDays` (30 by default) and then
//! deleted with their outbox rows by a purge job. The clock is an argument, so tests move it.

use crate::catalog::Catalog;
use crate::store::{Store, StoreError};

/// Days kept for a form that is no longer in the catalog.
pub const DEFAULT_RETENTION_DAYS: u32 = 30;

/// Deletes every submission older than its form's retention at `now` (Unix seconds); returns
/// how many were deleted.
///
/// # Errors
/// On database failure.
pub fn purge(store: &dyn Store, catalog: &Catalog, now: i64) -> Result<usize, StoreError> {
    store.purge_submissions(&|form_id| {
        let days = catalog
            .forms
            .get(form_id)
            .map_or(DEFAULT_RETENTION_DAYS, |f| f.retention_days);
        now - i64::from(days) * 86_400
    })
}
