//! The answer side: answers built locally in the broker's shape, and the answer hook that
//! merges the error entries of a split request and filters what the principal may not see.

use codec::schema::{Struct, Value};

use crate::acl::binding::{Operation, ResourceType, CLUSTER_NAME};

use super::check::{code, Check};
use super::handlers::{Adds, Fix, Plan};
use super::shape::{Denial, Key, Parts, Shape, Target};
use super::tree::{self, nonzero, Msg, Put};

/// The answer to request `m` built by kgate: every field at its default, the top-level
/// `ErrorCode` / `ErrorMessage` of `top` (where the version has them), and `adds`.
pub(crate) fn local(m: Msg, top: Option<&Denial>, adds: Adds) -> Result<Vec<u8>, String> {
    local_with(m, top, adds, &[])
}

/// [`local`], with top-level integer fields set too (e.g. `ProducerId` -1).
pub(crate) fn local_with(
    m: Msg,
    top: Option<&Denial>,
    adds: Adds,
    ints: &[(&str, i64)],
) -> Result<Vec<u8>, String> {
    let resp = m.resp();
    let mut root = tree::empty(resp)?;
    if let Some(denial) = top {
        tree::set_top_error(&mut root, resp, denial.code, &denial.message);
    }
    for (field, v) in ints {
        tree::put(&mut root, resp, &[], field, Put::Int(*v));
    }
    for (array, entry) in adds {
        tree::append(&mut root, array, [entry]);
    }
    tree::write(&root, &[], resp)
}

/// The answer refusing a whole request `body` of `m` (a cluster operation, or an API kgate
/// does not know), or why there is none: the error in every entry the request lists where the
/// answer has no top-level error code.
pub(crate) fn refused(m: Msg, body: &[u8], denial: &Denial) -> Result<Vec<u8>, String> {
    if codec::schema::api_schema(m.api_key).is_none() {
        return Err(format!("acl: {}", denial.message));
    }
    let req = tree::read(body, m.req())?;
    refused_tree(m, &req.root, denial)
}

/// [`refused`] for a decoded request.
pub(crate) fn refused_tree(m: Msg, root: &Struct, denial: &Denial) -> Result<Vec<u8>, String> {
    let resp = m.resp();
    let entries = |shape: &Shape, items: &[Value]| -> Result<Adds, String> {
        Ok(shape
            .refuse_all(items, resp, &[shape.resp], denial)?
            .into_iter()
            .map(|e| (shape.resp, e))
            .collect())
    };
    let adds = match m.api_key {
        // AlterReplicaLogDirs: every partition of every directory.
        34 => {
            let mut adds = Vec::new();
            for dir in root.array("Dirs").unwrap_or_default() {
                let topics = dir
                    .as_struct()
                    .and_then(|d| d.array("Topics"))
                    .unwrap_or_default();
                adds.extend(entries(&LOG_DIR_TOPICS, topics)?);
            }
            adds
        }
        // ElectLeaders: every partition named.
        43 => entries(
            &ELECT_LEADERS,
            root.array("TopicPartitions").unwrap_or_default(),
        )?,
        // AlterClientQuotas: every entry, its entity as asked.
        49 => {
            let mut adds = Vec::new();
            for entry in root.array("Entries").unwrap_or_default() {
                let mut e = tree::element(resp, &["Entries"])?;
                tree::put(
                    &mut e,
                    resp,
                    &["Entries"],
                    "ErrorCode",
                    Put::Int(denial.code.into()),
                );
                tree::put(
                    &mut e,
                    resp,
                    &["Entries"],
                    "ErrorMessage",
                    Put::Str(&denial.message),
                );
                if let Some(entity) = entry.as_struct().and_then(|s| s.get("Entity")) {
                    e.set("Entity", entity.clone());
                }
                adds.push(("Entries", e));
            }
            adds
        }
        // AlterUserScramCredentials: every user named.
        51 => {
            let mut adds = Vec::new();
            for list in ["Deletions", "Upsertions"] {
                adds.extend(entries(
                    &SCRAM_USERS(list),
                    root.array(list).unwrap_or_default(),
                )?);
            }
            adds
        }
        _ => Vec::new(),
    };
    // Answers with a list of their own carry the error per entry (an empty list when the
    // request named nothing); DescribeLogDirs v1-2 is refused with no directory, as Kafka does.
    let per_entry = matches!(m.api_key, 34 | 35 | 43 | 49 | 51);
    if !per_entry && !tree::has(resp, &[], "ErrorCode") {
        // Nothing to carry the error (e.g. WriteTxnMarkers).
        return Err(format!(
            "acl: {} ({} v{} has no error code to answer with)",
            denial.message,
            m.name(),
            m.version
        ));
    }
    local(m, Some(denial), adds)
}

/// AlterReplicaLogDirs, per directory.
const LOG_DIR_TOPICS: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::Ints("Partitions"),
    resp: "Results",
    resp_key: "TopicName",
    resp_id: None,
    resp_parts: Some(("Partitions", "PartitionIndex")),
    error: "ErrorCode",
    message: None,
    defaults: &[],
};

/// ElectLeaders.
const ELECT_LEADERS: Shape = Shape {
    req: "TopicPartitions",
    key: Key::Field("Topic"),
    id: None,
    parts: Parts::Ints("Partitions"),
    resp: "ReplicaElectionResults",
    resp_key: "Topic",
    resp_id: None,
    resp_parts: Some(("PartitionResult", "PartitionId")),
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[],
};

/// AlterUserScramCredentials: the users of the deletions or the upsertions.
#[allow(non_snake_case)]
const fn SCRAM_USERS(list: &'static str) -> Shape {
    Shape {
        req: list,
        key: Key::Field("Name"),
        id: None,
        parts: Parts::None,
        resp: "Results",
        resp_key: "User",
        resp_id: None,
        resp_parts: None,
        error: "ErrorCode",
        message: Some("ErrorMessage"),
        defaults: &[],
    }
}

/// The answer hook: merge the plan's error entries into the broker's answer `body` and apply
/// its fixes.
pub(crate) fn on_response(
    c: &Check<'_>,
    m: Msg,
    plan: &Plan,
    body: &mut Vec<u8>,
) -> Result<(), String> {
    let resp = m.resp();
    let mut answer = tree::read(body, resp)?;
    let root = &mut answer.root;
    for fix in &plan.fixes {
        apply(c, m, root, fix)?;
    }
    for (array, entry) in &plan.adds {
        tree::append(root, array, [entry.clone()]);
    }
    for (group, entry) in &plan.group_adds {
        let found = root.array_mut("Groups").and_then(|groups| {
            groups.iter_mut().find_map(|g| {
                let g = g.as_struct_mut()?;
                (g.str("GroupId") == Some(group.as_str())).then_some(g)
            })
        });
        match found {
            Some(g) => tree::append(g, "Topics", [entry.clone()]),
            None => {
                let mut g = tree::element(resp, &["Groups"])?;
                tree::put(&mut g, resp, &["Groups"], "GroupId", Put::Str(group));
                g.set("Topics", Value::Array(vec![Value::Struct(entry.clone())]));
                tree::append(root, "Groups", [g]);
            }
        }
    }
    *body = tree::write(&answer.root, &answer.trailing, resp)?;
    Ok(())
}

/// The name of an answer entry's resource: its `name` field, else the name of its `id`.
fn entry_name(c: &Check<'_>, e: &Struct, name: &str, id: Option<&str>) -> Option<String> {
    if let Some(n) = e.str(name).filter(|n| !n.is_empty()) {
        return Some(n.to_owned());
    }
    let id = nonzero(id.and_then(|f| e.uuid(f)))?;
    c.names.name_of(id)
}

/// True when an entry carries no error (or no error code at all).
fn no_error(e: &Struct) -> bool {
    e.int("ErrorCode").unwrap_or(0) == 0
}

fn apply(c: &Check<'_>, m: Msg, root: &mut Struct, fix: &Fix) -> Result<(), String> {
    let resp = m.resp();
    match fix {
        Fix::Filter {
            array,
            name,
            id,
            rt,
            op,
        } => {
            if let Some(items) = root.array_mut(array) {
                items.retain(|v| {
                    v.as_struct()
                        .and_then(|e| entry_name(c, e, name, *id))
                        .is_some_and(|n| c.allows(*op, *rt, &n))
                });
            }
        }
        Fix::DropAll(array) => {
            if let Some(items) = root.array_mut(array) {
                items.clear();
            }
        }
        Fix::NotCreated(names) => {
            for e in structs(root, "Topics") {
                let refused = e.int("ErrorCode") == Some(code::UNKNOWN_TOPIC_OR_PARTITION.into())
                    && e.str("Name").is_some_and(|n| names.iter().any(|x| x == n));
                if refused {
                    e.set_int("ErrorCode", code::TOPIC_AUTHORIZATION_FAILED.into());
                }
            }
        }
        Fix::Ops {
            array,
            name,
            id,
            rt,
            field,
        } => {
            for e in structs(root, array) {
                if !no_error(e) {
                    continue;
                }
                if let Some(n) = entry_name(c, e, name, *id) {
                    let ops = c.authorized_operations(*rt, &n);
                    e.set_int(field, ops.into());
                }
            }
        }
        Fix::ClusterOps(field) => {
            let ops = if c.cluster(Operation::Describe) {
                c.authorized_operations(ResourceType::Cluster, CLUSTER_NAME)
            } else {
                0
            };
            root.set_int(field, ops.into());
        }
        Fix::GroupTopics(group) => {
            for g in structs(root, "Groups") {
                if g.str("GroupId") != Some(group.as_str()) {
                    continue;
                }
                if let Some(items) = g.array_mut("Topics") {
                    items.retain(|v| {
                        v.as_struct()
                            .and_then(|e| entry_name(c, e, "Name", Some("TopicId")))
                            .is_some_and(|n| c.allows(Operation::Describe, ResourceType::Topic, &n))
                    });
                }
            }
        }
        Fix::TxnTopics => {
            for state in structs(root, "TransactionStates") {
                if let Some(items) = state.array_mut("Topics") {
                    items.retain(|v| {
                        v.as_struct()
                            .and_then(|e| e.str("Topic"))
                            .is_some_and(|n| c.allows(Operation::Describe, ResourceType::Topic, n))
                    });
                }
            }
        }
        Fix::GroupAssignments => {
            let Some(groups) = root.array_mut("Groups") else {
                return Ok(());
            };
            for g in groups.iter_mut() {
                let Some(s) = g.as_struct() else {
                    continue;
                };
                if !no_error(s)
                    || assigned_topics(s)
                        .all(|n| c.allows(Operation::Describe, ResourceType::Topic, &n))
                {
                    continue;
                }
                let target = Target {
                    name: s.str("GroupId").map(str::to_owned),
                    ..Target::default()
                };
                let denial = Denial::new(
                    code::TOPIC_AUTHORIZATION_FAILED,
                    "The group has described topic(s) that the client is not authorized to \
                     describe."
                        .to_owned(),
                );
                let entry = super::shape::CONSUMER_GROUP_DESCRIBE.entry(
                    resp,
                    &["Groups"],
                    &target,
                    &denial,
                )?;
                *g = Value::Struct(entry);
            }
        }
        Fix::CreatedConfigs => {
            for e in structs(root, "Topics") {
                if !no_error(e) {
                    continue;
                }
                let allowed = e
                    .str("Name")
                    .is_some_and(|n| c.allows(Operation::DescribeConfigs, ResourceType::Topic, n));
                if !allowed {
                    tree::put(
                        e,
                        resp,
                        &["Topics"],
                        "TopicConfigErrorCode",
                        Put::Int(code::TOPIC_AUTHORIZATION_FAILED.into()),
                    );
                    e.set("Configs", Value::Array(Vec::new()));
                }
            }
        }
    }
    Ok(())
}

/// The struct elements of the top-level array `array`, to change.
fn structs<'a>(root: &'a mut Struct, array: &str) -> impl Iterator<Item = &'a mut Struct> {
    root.array_mut(array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_struct_mut)
}

/// The topic names a described consumer group shows: its members' subscriptions and
/// assignments (current and target).
fn assigned_topics(group: &Struct) -> impl Iterator<Item = String> + '_ {
    let members = group
        .array("Members")
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_struct);
    let subscribed = members
        .clone()
        .flat_map(|member| member.array("SubscribedTopicNames").unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_owned));
    let assigned = members
        .flat_map(|member| {
            ["Assignment", "TargetAssignment"]
                .into_iter()
                .filter_map(move |a| member.get(a)?.as_struct()?.array("TopicPartitions"))
                .flatten()
        })
        .filter_map(|tp| tp.as_struct()?.str("TopicName").map(str::to_owned));
    subscribed.chain(assigned)
}
