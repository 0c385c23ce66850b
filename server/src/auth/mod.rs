//! Who the caller is: passwords, tokens, sessions and the request extractor.

pub mod extractor;
pub mod jwt;
pub mod login;
pub mod password;
pub mod sessions;

pub use extractor::{AuthUser, ClientMeta};
