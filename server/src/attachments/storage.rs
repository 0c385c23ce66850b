//! Where attachment bytes live: one small interface over `object_store`, the
//! Apache Arrow project's client for local disks and S3-compatible stores
//! (MinIO, Aliyun OSS, Tencent COS). Every node of a cluster reads and
//! writes the same store; Postgres keeps the metadata.
//!
//! Keys are content addresses: `blobs/<sha256>` for what is served and
//! `previews/<sha256>` for its rendering, so the same file uploaded twice is
//! stored once and two nodes writing it at once write the same bytes.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};
use secrecy::ExposeSecret;
use tokio::io::AsyncReadExt;

use crate::config::{StorageBackend, StorageConfig};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The store (disk or S3) answered with an error.
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
    /// Reading the spooled upload failed.
    #[error("spool file: {0}")]
    Io(#[from] std::io::Error),
}

/// Files at most this large are written with one request; larger ones are
/// sent in parts of this size (S3 wants parts of at least 5 MiB).
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts in flight per upload: bounds memory to about 4 × 8 MiB per upload.
const PARTS_IN_FLIGHT: usize = 4;

/// The attachment store; cheap to clone.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    spool_dir: PathBuf,
    /// The local backend's directory: uploads spooled inside it are moved
    /// into place instead of copied, so each byte reaches the disk once.
    local_root: Option<PathBuf>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("store", &self.store.to_string())
            .finish()
    }
}

impl Storage {
    /// Opens the configured backend. The local one creates its directory.
    pub fn open(config: &StorageConfig) -> Result<Self, StorageError> {
        match &config.backend {
            StorageBackend::Fs { dir } => {
                std::fs::create_dir_all(dir)?;
                let spool_dir = dir.join("tmp");
                std::fs::create_dir_all(&spool_dir)?;
                // spooled uploads land on the same disk, so cp-like speed is possible
                let store = LocalFileSystem::new_with_prefix(dir)?;
                Ok(Self {
                    store: Arc::new(store),
                    spool_dir,
                    local_root: Some(dir.clone()),
                })
            }
            StorageBackend::S3(s3) => {
                let store = AmazonS3Builder::new()
                    .with_endpoint(&s3.endpoint)
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(s3.secret_access_key.expose_secret())
                    .with_allow_http(s3.endpoint.starts_with("http://"))
                    .with_virtual_hosted_style_request(s3.virtual_hosted_style)
                    .build()?;
                let spool_dir = std::env::temp_dir().join("consilium-uploads");
                std::fs::create_dir_all(&spool_dir)?;
                Ok(Self {
                    store: Arc::new(store),
                    spool_dir,
                    local_root: None,
                })
            }
        }
    }

    /// Where uploads are spooled while they arrive.
    pub fn spool_dir(&self) -> &Path {
        &self.spool_dir
    }

    /// True when a spooled upload becomes the stored file itself (the local
    /// backend renames it into place), so its bytes are worth writing to
    /// the disk while they arrive; an S3 upload's spool file is deleted.
    pub fn keeps_spooled_files(&self) -> bool {
        self.local_root.is_some()
    }

    fn blob(sha256: &str) -> ObjectPath {
        ObjectPath::from(format!("blobs/{sha256}"))
    }

    fn preview(sha256: &str) -> ObjectPath {
        ObjectPath::from(format!("previews/{sha256}"))
    }

    async fn exists(&self, path: &ObjectPath) -> Result<bool, StorageError> {
        match self.store.head(path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores the file at `spooled` (of `size` bytes) as the blob `sha256`,
    /// unless the store holds it already.
    pub async fn put_blob(&self, sha256: &str, spooled: &Path, size: u64) -> Result<(), StorageError> {
        let path = Self::blob(sha256);
        if self.exists(&path).await? {
            return Ok(());
        }
        if let Some(root) = self.local_root.as_deref()
            && let Some(relative) = spooled.strip_prefix(root).ok().and_then(Path::to_str)
        {
            // The bytes reach the disk before the row that names them
            // commits, and the name after: a message must not outlive its
            // ECG when the power fails. (S3 answers a put once it is durable.)
            let file = spooled.to_path_buf();
            blocking(move || std::fs::File::open(file)?.sync_data()).await?;
            // a rename within the store's own disk: writing the bytes a
            // second time halved upload speed and doubled the disk traffic
            // that Postgres' commits wait behind
            self.store.rename(&ObjectPath::from(relative), &path).await?;
            let dir = root.join("blobs");
            blocking(move || std::fs::File::open(dir)?.sync_all()).await?;
            return Ok(());
        }
        let mut file = tokio::fs::File::open(spooled).await?;
        if size <= PART_BYTES as u64 {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            file.read_to_end(&mut bytes).await?;
            self.store.put(&path, PutPayload::from(bytes)).await?;
            return Ok(());
        }
        let upload = self.store.put_multipart(&path).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let mut buf = vec![0u8; 1024 * 1024];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                let _ = writer.abort().await;
                return Err(e.into());
            }
            writer.write(&buf[..n]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// Stores a rendering of the blob `sha256`.
    pub async fn put_preview(&self, sha256: &str, bytes: Vec<u8>) -> Result<(), StorageError> {
        self.store.put(&Self::preview(sha256), PutPayload::from(bytes)).await?;
        if let Some(root) = self.local_root.as_deref() {
            // durable with the blob it renders (`put` renames but never syncs)
            let (dir, file) = (root.join("previews"), root.join("previews").join(sha256));
            blocking(move || {
                std::fs::File::open(file)?.sync_data()?;
                std::fs::File::open(dir)?.sync_all()
            })
            .await?;
        }
        Ok(())
    }

    /// Streams `range` (or all) of the blob `sha256`.
    pub async fn read_blob(
        &self,
        sha256: &str,
        range: Option<Range<u64>>,
    ) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, StorageError> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..Default::default()
        };
        let result = self.store.get_opts(&Self::blob(sha256), options).await?;
        Ok(result.into_stream().map_err(StorageError::from).boxed())
    }

    /// The rendering of the blob `sha256`, whole (previews are small).
    pub async fn read_preview(&self, sha256: &str) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&Self::preview(sha256)).await?.bytes().await?)
    }
}

/// Runs a blocking file operation off the worker thread.
async fn blocking(op: impl FnOnce() -> std::io::Result<()> + Send + 'static) -> std::io::Result<()> {
    tokio::task::spawn_blocking(op).await.map_err(std::io::Error::other)?
}
