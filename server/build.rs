//! Rebuilds the server when a migration changes: `embed_migrations!` reads
//! the SQL at compile time, and cargo does not see files a macro reads.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
