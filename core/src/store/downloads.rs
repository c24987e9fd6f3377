//! Blob downloads in progress: the pieces of a body or attachment file received so far, each kept
//! as its own encrypted vault file, with the file's total size as the gateway announced it (the
//! last piece may be one still growing: its row is replaced as it grows). A cut or killed
//! download resumes after the last byte kept, in the same call or after the app restarted; once
//! every byte is in, the pieces are joined into the file and forgotten here.
//!
//! The vault files themselves belong to the caller (`client::blobs`): this repository only
//! remembers which pieces exist, so a row never claims more than the vault holds for long (a
//! piece is written to the vault before its row).

use super::{Store, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// One received piece of a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadPart {
    /// Offset of its first byte in the file.
    pub start: u64,
    /// Its length in bytes.
    pub size: u64,
    /// SHA-256 of the piece (hex), checked when it is read back from the vault.
    pub part_sha256: String,
    /// The whole file's size, as the gateway announced it.
    pub total: u64,
}

impl DownloadPart {
    /// Offset just past its last byte.
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.size)
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Store {
    /// The size of the file with this content hash, if the vault holds it.
    pub fn stored_file_size(&self, sha256: &str) -> Result<Option<u64>, StoreError> {
        let size: Option<i64> = self
            .conn
            .prepare_cached("SELECT size FROM files WHERE sha256 = ?1")?
            .query_row([sha256], |r| r.get(0))
            .optional()?;
        Ok(size.map(to_u64))
    }

    /// The pieces of the download of `sha256` received so far, in file order.
    pub fn download_parts(&self, sha256: &str) -> Result<Vec<DownloadPart>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT start, size, part_sha256, total FROM download_parts WHERE sha256 = ?1
             ORDER BY start",
        )?;
        let rows = stmt.query_map([sha256], |r| {
            Ok(DownloadPart {
                start: to_u64(r.get(0)?),
                size: to_u64(r.get(1)?),
                part_sha256: r.get(2)?,
                total: to_u64(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remembers a piece of the download of `sha256` (its vault file is already written).
    pub fn save_download_part(
        &mut self,
        sha256: &str,
        part: &DownloadPart,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO download_parts (sha256, start, size, part_sha256, total, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (sha256, start) DO UPDATE SET size = excluded.size,
                   part_sha256 = excluded.part_sha256, total = excluded.total,
                   updated_at = excluded.updated_at",
            )?
            .execute(params![
                sha256,
                to_i64(part.start),
                to_i64(part.size),
                part.part_sha256,
                to_i64(part.total),
                at
            ])?;
        Ok(())
    }

    /// The file `sha256` of `size` bytes is whole in the vault: it is recorded and its pieces
    /// forgotten, in one transaction. Returns the pieces, whose vault files the caller removes.
    pub fn finish_download(
        &mut self,
        sha256: &str,
        size: u64,
        at: DateTime<Utc>,
    ) -> Result<Vec<DownloadPart>, StoreError> {
        let parts = self.download_parts(sha256)?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO files (sha256, size, stored_at) VALUES (?1, ?2, ?3)",
            params![sha256, to_i64(size), at],
        )?;
        tx.execute("DELETE FROM download_parts WHERE sha256 = ?1", [sha256])?;
        tx.commit()?;
        Ok(parts)
    }

    /// Forgets the piece of the download of `sha256` that starts at `start` (its vault file
    /// did not match it: a crash came between writing the file and its row).
    pub fn forget_download_part(&mut self, sha256: &str, start: u64) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM download_parts WHERE sha256 = ?1 AND start = ?2",
            params![sha256, to_i64(start)],
        )?;
        Ok(())
    }

    /// Forgets every piece of the download of `sha256` (they did not add up); returns them, for
    /// the caller to remove their vault files.
    pub fn discard_download(&mut self, sha256: &str) -> Result<Vec<DownloadPart>, StoreError> {
        let parts = self.download_parts(sha256)?;
        self.conn
            .execute("DELETE FROM download_parts WHERE sha256 = ?1", [sha256])?;
        Ok(parts)
    }
}

/// Forgets, inside the purge's transaction, the downloads nobody continued since `cutoff`, and
/// returns their pieces as `(sha256, part)` for the caller to remove from the vault.
pub(super) fn purge_stale(
    tx: &rusqlite::Transaction<'_>,
    cutoff: DateTime<Utc>,
) -> Result<Vec<(String, DownloadPart)>, StoreError> {
    // A download is stale as a whole: its newest piece is older than the cutoff.
    let stale: Vec<(String, DownloadPart)> = {
        let mut stmt = tx.prepare(
            "SELECT sha256, start, size, part_sha256, total FROM download_parts
             WHERE sha256 IN (SELECT sha256 FROM download_parts GROUP BY sha256
                              HAVING MAX(updated_at) < ?1)
             ORDER BY sha256, start",
        )?;
        let rows = stmt.query_map([cutoff], |r| {
            Ok((
                r.get::<_, String>(0)?,
                DownloadPart {
                    start: to_u64(r.get(1)?),
                    size: to_u64(r.get(2)?),
                    part_sha256: r.get(3)?,
                    total: to_u64(r.get(4)?),
                },
            ))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    tx.execute(
        "DELETE FROM download_parts WHERE sha256 IN (SELECT sha256 FROM download_parts
           GROUP BY sha256 HAVING MAX(updated_at) < ?1)",
        [cutoff],
    )?;
    Ok(stale)
}
