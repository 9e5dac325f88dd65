//! README.md is where users look: every variable kgate reads and every endpoint it serves must
//! be documented there.

#[test]
fn every_variable_and_endpoint_is_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for spec in kgate::config::spec::ALL {
        assert!(
            readme.contains(&format!("`{}`", spec.name)),
            "README.md does not document {}",
            spec.name
        );
    }
    for endpoint in ["/health/live", "/health/ready", "/metrics"] {
        assert!(
            readme.contains(endpoint),
            "README.md does not document {endpoint}"
        );
    }
}
