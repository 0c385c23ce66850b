//! Writing a spooled upload to the disk while it arrives, a step at a time.
//!
//! The page cache would otherwise hold a whole upload dirty until its
//! `fsync`: a gigabyte then goes to the disk in one go after the last byte
//! came in (the upload waits for it, idle), and every commit Postgres makes
//! meanwhile waits behind it on a shared disk. Instead each step of
//! [`STEP_BYTES`] is handed to the disk as soon as it is written, so the
//! disk works while the network does and the final `fsync` finds little
//! left; and once written, a step is dropped from the page cache, where a
//! gigabyte nobody reads soon would push out Postgres' pages.
//!
//! Both are `posix_fadvise(POSIX_FADV_DONTNEED)`, which on Linux starts the
//! writeback of a range's dirty pages (without waiting; the kernel's
//! writeback throttling keeps it from crowding out synchronous writes such
//! as Postgres' WAL) and drops its clean ones. `sync_file_range(2)` would
//! say the first part more plainly, but no maintained crate wraps it
//! safely and the workspace forbids `unsafe`. Durability still comes from
//! the `fsync` before the upload's row commits (`Storage::put_blob`); this
//! only moves the work earlier.

use std::fs::File;

/// How much of an upload is handed to the disk at once: large enough that
/// the calls cost nothing next to the copying, small enough that little is
/// left dirty at the end.
pub const STEP_BYTES: u64 = 4 * 1024 * 1024;

/// The writeback of one file written front to back.
#[derive(Debug, Default)]
pub struct Writeback {
    /// Bytes the file holds.
    written: u64,
    /// Bytes handed to the disk so far (a multiple of [`STEP_BYTES`]).
    started: u64,
    /// Bytes dropped from the page cache so far.
    dropped: u64,
    /// Set once the call failed (a platform without it, say): the upload
    /// goes on and its `fsync` does all the work.
    unavailable: bool,
}

impl Writeback {
    /// Records `bytes` more written to the end of `file`, hands every
    /// whole step now in it to the disk, and drops from the page cache the
    /// steps more than two behind the newest, which have had time to be
    /// written.
    pub fn wrote(&mut self, file: &File, bytes: usize) {
        self.written += bytes as u64;
        while !self.unavailable && self.written >= self.started + STEP_BYTES {
            let start = self.started;
            self.started += STEP_BYTES;
            let mut result = advise(file, start, STEP_BYTES);
            let settled = self.started.saturating_sub(3 * STEP_BYTES);
            if result.is_ok() && settled > self.dropped {
                result = advise(file, self.dropped, settled - self.dropped);
                self.dropped = settled;
            }
            if let Err(error) = result {
                tracing::debug!(%error, "posix_fadvise failed; the upload's fsync writes it all");
                self.unavailable = true;
            }
        }
    }
}

#[cfg(unix)]
fn advise(file: &File, offset: u64, len: u64) -> std::io::Result<()> {
    use rustix::fs::{Advice, fadvise};
    use std::num::NonZeroU64;
    Ok(fadvise(file, offset, NonZeroU64::new(len), Advice::DontNeed)?)
}

#[cfg(not(unix))]
fn advise(_file: &File, _offset: u64, _len: u64) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, Write};

    #[test]
    fn steps_follow_the_bytes_written_and_leave_the_file_intact() -> std::io::Result<()> {
        let mut file = tempfile::tempfile()?;
        let mut writeback = Writeback::default();
        let mut expected = Vec::new();
        let mut written = 0u64;
        for i in 0..60u8 {
            let piece = vec![i; 300 * 1024];
            file.write_all(&piece)?;
            expected.extend_from_slice(&piece);
            written += piece.len() as u64;
            writeback.wrote(&file, piece.len());
            assert!(writeback.started <= written && written - writeback.started < STEP_BYTES);
            assert!(writeback.dropped + 2 * STEP_BYTES <= writeback.started || writeback.dropped == 0);
        }
        assert!(!writeback.unavailable, "posix_fadvise works on a temporary file");
        assert!(writeback.dropped > 0);
        let mut read = Vec::new();
        file.rewind()?;
        file.read_to_end(&mut read)?;
        assert!(read == expected, "dropping written pages from the cache loses nothing");
        Ok(())
    }
}
