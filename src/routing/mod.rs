//! Where each broker is, and which gateway address stands for it.

pub mod address_book;
pub mod advertise;
pub mod api_versions;
pub mod host_map;
pub mod port_map;
pub mod rewrite;
pub mod skim;
