//! Spool files made and removed off the worker threads.
//!
//! Creating or unlinking a file is a metadata change: on ext4 it needs a
//! journal handle, and while the journal commits (every `fsync` of an
//! upload or of Postgres' WAL forces one) a new handle waits for it. An
//! actix worker that waits in `open(O_CREAT)` or `unlink` holds up every
//! websocket it serves, and a burst of uploads makes fifty of each on a
//! busy disk. So both happen on tokio's blocking threads. (The benchmark
//! could not show a gain from this alone: the node's probe still woke more
//! than 64 ms late a few times at a burst's start, docs/performance.md,
//! "Eighth machine".)

use std::path::{Path, PathBuf};

/// A spooled file's path, removed when dropped, off the worker thread.
#[derive(Debug)]
pub struct SpoolFile {
    path: Option<tempfile::TempPath>,
}

impl SpoolFile {
    /// Creates a new empty file named `<prefix>…` in `dir` on a blocking
    /// thread, and returns it open for writing with its path.
    pub async fn create(dir: &Path, prefix: &'static str) -> std::io::Result<(std::fs::File, Self)> {
        let dir = dir.to_path_buf();
        let made = tokio::task::spawn_blocking(move || tempfile::Builder::new().prefix(prefix).tempfile_in(dir))
            .await
            .map_err(std::io::Error::other)??;
        let (file, path) = made.into_parts();
        Ok((file, Self { path: Some(path) }))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        self.path.as_deref().unwrap_or_else(|| Path::new(""))
    }

    /// The file's path, owned.
    pub fn to_path_buf(&self) -> PathBuf {
        self.path().to_path_buf()
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        let Some(path) = self.path.take() else { return };
        // Inside the runtime the unlink goes to a blocking thread; outside
        // it (a test, the runtime shutting down) it happens here.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn_blocking(move || drop(path));
            }
            Err(_) => drop(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_file_is_made_in_the_directory_and_removed_after_the_drop() -> std::io::Result<()> {
        use std::io::Write;
        let dir = tempfile::tempdir()?;
        let (mut file, spool) = SpoolFile::create(dir.path(), "upload-").await?;
        file.write_all(b"ECG")?;
        let path = spool.to_path_buf();
        assert!(path.starts_with(dir.path()));
        assert!(
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("upload-"))
        );
        assert_eq!(std::fs::read(&path)?, b"ECG");
        drop(file);
        drop(spool);
        // the unlink runs on a blocking thread: wait for it
        for _ in 0..200 {
            if !path.exists() {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("{} was not removed", path.display());
    }

    #[tokio::test]
    async fn a_missing_directory_is_an_error_not_a_panic() {
        let missing = Path::new("/nonexistent/consilium-spool");
        assert!(SpoolFile::create(missing, "upload-").await.is_err());
    }
}
