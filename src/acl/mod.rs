//! ACLs with Apache Kafka's semantics: the bindings, the authorizer over them, and what each
//! API needs (`../shared/ACLS.md`).

pub mod authorizer;
pub mod binding;
pub mod enforce;
