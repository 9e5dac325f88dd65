//! Where each broker is, and which gateway address stands for it.

pub mod address_book;
pub mod api_versions;
pub mod port_map;
pub mod rewrite;
