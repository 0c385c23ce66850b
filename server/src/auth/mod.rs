//! Who the caller is: passwords, second factors, tokens, sessions and the
//! request extractors.

pub mod extractor;
pub mod jwt;
pub mod login;
pub mod password;
pub mod seal;
pub mod sessions;
pub mod two_factor;

pub use extractor::{AuthUser, ClientMeta, EnrollingUser};
