//! Alias topics (reference 004, `AliasTopic`): a logical topic name in a virtual cluster that
//! stands for any physical topic, whatever the cluster's prefix.

use serde::{Deserialize, Serialize};

use super::model::{check_resource_name, check_topic_name};
use super::vcluster::INTERNAL_TOPIC_PREFIX;

/// The physical cluster of `KAFKA_BOOTSTRAP_SERVERS`, and the default of `spec.physicalCluster`.
pub const MAIN_CLUSTER: &str = "main";

/// Every physical cluster this gateway serves; only the main one for now.
pub const PHYSICAL_CLUSTERS: &[&str] = &[MAIN_CLUSTER];

/// An alias topic, as stored and as the data path sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AliasTopic {
    /// The logical name clients of the virtual cluster use.
    pub name: String,
    /// The virtual cluster it appears in (`passthrough` included).
    #[serde(rename = "vCluster")]
    pub vcluster: String,
    /// The topic on the physical cluster, used as is (no prefix added).
    #[serde(rename = "physicalName")]
    pub physical_name: String,
    /// One of [`PHYSICAL_CLUSTERS`].
    #[serde(rename = "physicalCluster")]
    pub physical_cluster: String,
}

impl AliasTopic {
    /// Checks the alias on its own; the error names the field. Whether its virtual cluster
    /// exists is [`super::GatewayState::with_alias`]'s check.
    pub fn validate(&self) -> Result<(), String> {
        check_topic_name("metadata.name", &self.name)?;
        check_resource_name("metadata.vCluster", &self.vcluster)?;
        check_topic_name("spec.physicalName", &self.physical_name)?;
        if self.physical_name.starts_with(INTERNAL_TOPIC_PREFIX) {
            return Err(format!(
                "spec.physicalName: kgate's internal topics ({INTERNAL_TOPIC_PREFIX}...) cannot \
                 be aliased"
            ));
        }
        if !PHYSICAL_CLUSTERS.contains(&self.physical_cluster.as_str()) {
            return Err(format!(
                "spec.physicalCluster: {:?} is not a physical cluster of this gateway (it has \
                 only {}: the cluster of KAFKA_BOOTSTRAP_SERVERS)",
                self.physical_cluster,
                PHYSICAL_CLUSTERS
                    .iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias() -> AliasTopic {
        AliasTopic {
            name: "stock".into(),
            vcluster: "external-partner".into(),
            physical_name: "internal.manufacturing.eu.stock".into(),
            physical_cluster: MAIN_CLUSTER.into(),
        }
    }

    #[test]
    fn the_reference_example_is_valid_and_stores_in_a_stable_shape() {
        assert_eq!(alias().validate(), Ok(()));
        let json = serde_json::to_value(alias()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"name": "stock", "vCluster": "external-partner",
                               "physicalName": "internal.manufacturing.eu.stock",
                               "physicalCluster": "main"})
        );
        assert_eq!(
            serde_json::from_value::<AliasTopic>(json).expect("parses"),
            alias()
        );
    }

    #[test]
    fn errors_name_the_field() {
        let check = |f: fn(&mut AliasTopic)| {
            let mut a = alias();
            f(&mut a);
            a.validate().unwrap_err()
        };
        assert!(check(|a| a.name = "a b".into()).starts_with("metadata.name"));
        assert!(check(|a| a.name = "..".into()).starts_with("metadata.name"));
        assert!(check(|a| a.vcluster = "a@b".into()).starts_with("metadata.vCluster"));
        assert!(check(|a| a.physical_name = String::new()).starts_with("spec.physicalName"));
        assert!(
            check(|a| a.physical_name = "_kgate_offsets".into()).starts_with("spec.physicalName")
        );
        let err = check(|a| a.physical_cluster = "backup".into());
        assert!(err.starts_with("spec.physicalCluster"), "{err}");
        assert!(err.contains("\"main\""), "{err}");
    }
}
