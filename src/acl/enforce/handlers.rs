//! The request side: per API, what is checked, what leaves the request, and what the answer
//! hook must add or filter ([`Plan`]).

use codec::schema::{Struct, Value};

use crate::acl::binding::{Operation, ResourceType};

use super::answers;
use super::check::{code, Check};
use super::fast;
use super::requirements::{self, Need};
use super::shape::{self, Denial, Shape, Shown, Target};
use super::tree::{self, Msg, Put};

use Operation::{Alter, Create, Delete, Describe, Read, Write};

/// Error entries for the top-level arrays of an answer: (array, entry).
pub(crate) type Adds = Vec<(&'static str, Struct)>;

/// What the enforcer does with a request.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Forward it as it came; nothing to do with the answer.
    Pass,
    /// Forward it (the body may have been rewritten); fix the answer by the plan.
    Forward(Plan),
    /// Answer the client with this body; the broker never sees the request.
    Answer(Vec<u8>),
    /// Close the connection.
    Close(String),
}

/// What the answer hook does.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Error entries for the denied part, appended to these top-level arrays of the answer.
    pub adds: Adds,
    /// OffsetFetch v8+: topic error entries, appended to the topics of the named group.
    pub group_adds: Vec<(String, Struct)>,
    /// Changes to what the broker answered.
    pub fixes: Vec<Fix>,
}

impl Plan {
    /// True when the answer is left as it is.
    pub fn is_empty(&self) -> bool {
        self.adds.is_empty() && self.group_adds.is_empty() && self.fixes.is_empty()
    }

    fn fixes(fixes: Vec<Fix>) -> Plan {
        Plan {
            fixes,
            ..Plan::default()
        }
    }
}

/// A change to what the broker answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fix {
    /// Leave out of the top-level `array` the entries whose resource (the string `name`, or
    /// the topic id `id` when the name is absent) the principal may not `op`; an entry that
    /// cannot be named is left out too.
    Filter {
        /// The answer's array.
        array: &'static str,
        /// The name field of its entries.
        name: &'static str,
        /// The topic id field of its entries.
        id: Option<&'static str>,
        /// The resource type.
        rt: ResourceType,
        /// The operation.
        op: Operation,
    },
    /// Empty the top-level array (Metadata v0 whose named topics were all denied: the empty
    /// list forwarded means "all topics" there).
    DropAll(&'static str),
    /// Metadata whose auto-creation was turned off for these topics: the broker's
    /// UNKNOWN_TOPIC_OR_PARTITION becomes TOPIC_AUTHORIZATION_FAILED, as Kafka answers a topic
    /// it may not create.
    NotCreated(Vec<String>),
    /// Fill `field` of the entries of `array` (those without error) with Kafka's authorized
    /// operations of their resource.
    Ops {
        /// The answer's array.
        array: &'static str,
        /// The name field of its entries.
        name: &'static str,
        /// The topic id field of its entries.
        id: Option<&'static str>,
        /// The resource type.
        rt: ResourceType,
        /// The bit set field.
        field: &'static str,
    },
    /// Fill the top-level `field` with the cluster's authorized operations (0 without
    /// DESCRIBE on the cluster, as Kafka).
    ClusterOps(&'static str),
    /// OffsetFetch v8+ for all topics of this group: leave out the topics the principal may
    /// not DESCRIBE.
    GroupTopics(String),
    /// DescribeTransactions: leave out the topics the principal may not DESCRIBE.
    TxnTopics,
    /// ConsumerGroupDescribe: a group whose assignments name a topic the principal may not
    /// DESCRIBE becomes TOPIC_AUTHORIZATION_FAILED, as Kafka answers.
    GroupAssignments,
    /// CreateTopics v5+: the configs of a topic the principal may not DESCRIBE_CONFIGS are
    /// withheld (TopicConfigErrorCode 29), as Kafka does.
    CreatedConfigs,
}

/// What a handler decided.
enum Step {
    /// Forward the request unchanged.
    Same(Plan),
    /// Forward the request as changed.
    Changed(Plan),
    /// Answer locally.
    Answer(Vec<u8>),
    /// Close the connection.
    Close(String),
}

/// The request hook: check `body` (request `m`) for the requester of `c`.
pub(crate) fn on_request(c: &Check<'_>, m: Msg, body: &mut Vec<u8>) -> Outcome {
    match requirements::need(m.api_key) {
        None => {
            return match answers::refused(m, body, &unknown_api(c, m)) {
                Ok(answer) => Outcome::Answer(answer),
                Err(why) => Outcome::Close(why),
            }
        }
        Some(Need::Nothing | Need::Local) => return Outcome::Pass,
        Some(Need::Cluster(op)) => {
            return match c.on_cluster(op) {
                None => Outcome::Pass,
                Some(denial) => match answers::refused(m, body, &denial) {
                    Ok(answer) => Outcome::Answer(answer),
                    Err(why) => Outcome::Close(why),
                },
            }
        }
        Some(Need::Resources) => {}
    }
    if fast::all_allowed(c, m, body) {
        return Outcome::Pass;
    }
    let mut req = match tree::read(body, m.req()) {
        Ok(req) => req,
        Err(why) => return Outcome::Close(why),
    };
    match handle(c, m, &mut req.root) {
        Ok(Step::Same(plan)) if plan.is_empty() => Outcome::Pass,
        Ok(Step::Same(plan)) => Outcome::Forward(plan),
        Ok(Step::Changed(plan)) => match tree::write(&req.root, &req.trailing, m.req()) {
            Ok(rewritten) => {
                *body = rewritten;
                Outcome::Forward(plan)
            }
            Err(why) => Outcome::Close(why),
        },
        Ok(Step::Answer(answer)) => Outcome::Answer(answer),
        Ok(Step::Close(why)) | Err(why) => Outcome::Close(why),
    }
}

/// The denial of an API the table does not know.
fn unknown_api(c: &Check<'_>, m: Msg) -> Denial {
    Denial::new(
        code::CLUSTER_AUTHORIZATION_FAILED,
        format!(
            "{} may not use {} (key {}): kgate does not authorize it",
            c.who.principal,
            m.name(),
            m.api_key
        ),
    )
}

fn handle(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    match m.api_key {
        0 => produce(c, m, root),
        1 => fetch(c, m, root),
        2 => topics(c, m, root, &shape::LIST_OFFSETS, Describe),
        3 => metadata(c, m, root),
        8 => offset_commit(c, m, root),
        9 => offset_fetch(c, m, root),
        10 => find_coordinator(c, m, root),
        11..=14 => group_only(c, m, root, Read),
        15 => describe_groups(
            c,
            m,
            root,
            &shape::DESCRIBE_GROUPS,
            "IncludeAuthorizedOperations",
        ),
        16 => Ok(list_groups(c)),
        19 => create_topics(c, m, root),
        20 => delete_topics(c, m, root),
        21 => topics(c, m, root, &shape::DELETE_RECORDS, Delete),
        22 => init_producer_id(c, m, root),
        23 => offset_for_leader_epoch(c, m, root),
        24 => add_partitions_to_txn(c, m, root),
        25 => add_offsets_to_txn(c, m, root),
        26 => end_txn(c, m, root),
        28 => txn_offset_commit(c, m, root),
        32 => configs(c, m, root, Operation::DescribeConfigs, "Results"),
        33 | 44 => configs(c, m, root, Operation::AlterConfigs, "Responses"),
        37 => topics(c, m, root, &shape::CREATE_PARTITIONS, Alter),
        42 => groups(c, m, root, &shape::DELETE_GROUPS, Delete, Vec::new()),
        47 => offset_delete(c, m, root),
        60 => Ok(describe_cluster(root)),
        61 => topics(c, m, root, &shape::DESCRIBE_PRODUCERS, Read),
        65 => describe_transactions(c, m, root),
        66 => Ok(Step::Same(Plan::fixes(vec![Fix::Filter {
            array: "TransactionStates",
            name: "TransactionalId",
            id: None,
            rt: ResourceType::TransactionalId,
            op: Describe,
        }]))),
        68 => consumer_group_heartbeat(c, m, root),
        69 => describe_groups(
            c,
            m,
            root,
            &shape::CONSUMER_GROUP_DESCRIBE,
            "IncludeAuthorizedOperations",
        ),
        75 => describe_topic_partitions(c, m, root),
        _ => answers::refused_tree(m, root, &unknown_api(c, m)).map(Step::Answer),
    }
}

/// Removes from the request list of `shape` what `judge` refuses: the answer entries.
fn split(
    root: &mut Struct,
    m: Msg,
    shape: &Shape,
    judge: &mut dyn FnMut(&Target) -> Option<Denial>,
) -> Result<(Adds, usize), String> {
    let Some(items) = root.array_mut(shape.req) else {
        return Ok((Vec::new(), 0));
    };
    let entries = shape.split(items, m.resp(), &[shape.resp], judge)?;
    let left = items.len();
    Ok((entries.into_iter().map(|e| (shape.resp, e)).collect(), left))
}

/// The answer entries refusing every element of the request list of `shape`.
fn refuse_all(root: &Struct, m: Msg, shape: &Shape, denial: &Denial) -> Result<Adds, String> {
    let items = root.array(shape.req).unwrap_or_default();
    Ok(shape
        .refuse_all(items, m.resp(), &[shape.resp], denial)?
        .into_iter()
        .map(|e| (shape.resp, e))
        .collect())
}

/// After a split: forward what is left, or answer locally when nothing is.
fn finish(m: Msg, (adds, left): (Adds, usize), fixes: Vec<Fix>) -> Result<Step, String> {
    if adds.is_empty() {
        return Ok(Step::Same(Plan::fixes(fixes)));
    }
    if left == 0 {
        return answers::local(m, None, adds).map(Step::Answer);
    }
    Ok(Step::Changed(Plan {
        adds,
        fixes,
        ..Plan::default()
    }))
}

/// An answer refusing the whole request: the top-level error, and `adds`.
fn refuse(m: Msg, top: Option<&Denial>, adds: Adds) -> Result<Step, String> {
    answers::local(m, top, adds).map(Step::Answer)
}

/// Every topic of the list of `shape` needs `op`.
fn topics(
    c: &Check<'_>,
    m: Msg,
    root: &mut Struct,
    shape: &Shape,
    op: Operation,
) -> Result<Step, String> {
    let split = split(root, m, shape, &mut |t| c.topic(op, t))?;
    finish(m, split, Vec::new())
}

fn produce(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let acks = root.int("Acks").unwrap_or(-1);
    if let Some(txn) = root.str("TransactionalId") {
        if let Some(denial) = c.txn(Write, txn) {
            if acks == 0 {
                return Ok(Step::Close(format!(
                    "acl: {} (Produce with acks=0 has no answer to carry the error)",
                    denial.message
                )));
            }
            let adds = refuse_all(root, m, &shape::PRODUCE, &denial)?;
            return refuse(m, None, adds);
        }
    }
    let mut first = None;
    let split = split(root, m, &shape::PRODUCE, &mut |t| {
        let denial = c.topic(Write, t);
        if first.is_none() {
            first = denial.as_ref().map(|d| d.message.clone());
        }
        denial
    })?;
    if let (0, Some(why)) = (acks, first) {
        return Ok(Step::Close(format!(
            "acl: {why} (Produce with acks=0 has no answer to carry the error; Kafka closes \
             the connection)"
        )));
    }
    finish(m, split, Vec::new())
}

fn fetch(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let replica = root
        .int("ReplicaId")
        .or_else(|| root.get("ReplicaState")?.as_struct()?.int("ReplicaId"))
        .unwrap_or(-1);
    if replica >= 0 {
        // A follower's fetch needs CLUSTER_ACTION; Kafka refuses every partition.
        return match c.on_cluster(Operation::ClusterAction) {
            None => Ok(Step::Same(Plan::default())),
            Some(denial) => {
                let denial = Denial::new(code::TOPIC_AUTHORIZATION_FAILED, denial.message);
                let adds = refuse_all(root, m, &shape::FETCH, &denial)?;
                refuse(m, None, adds)
            }
        };
    }
    let (adds, left) = split(root, m, &shape::FETCH, &mut |t| c.topic(Read, t))?;
    // An incremental fetch may carry no topic: forward it so the broker's session goes on.
    let incremental = root.int("SessionEpoch").unwrap_or(-1) > 0;
    if !adds.is_empty() && left == 0 && incremental {
        return Ok(Step::Changed(Plan {
            adds,
            ..Plan::default()
        }));
    }
    finish(m, (adds, left), Vec::new())
}

fn metadata(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let mut fixes = Vec::new();
    if root.get("IncludeClusterAuthorizedOperations") == Some(&Value::Bool(true)) {
        fixes.push(Fix::ClusterOps("ClusterAuthorizedOperations"));
    }
    if root.get("IncludeTopicAuthorizedOperations") == Some(&Value::Bool(true)) {
        fixes.push(Fix::Ops {
            array: "Topics",
            name: "Name",
            id: Some("TopicId"),
            rt: ResourceType::Topic,
            field: "TopicAuthorizedOperations",
        });
    }
    let asked = root.array("Topics").map(<[Value]>::len);
    if asked.is_none() || (m.version == 0 && asked == Some(0)) {
        // All topics: the answer leaves out what the principal may not DESCRIBE.
        fixes.insert(
            0,
            Fix::Filter {
                array: "Topics",
                name: "Name",
                id: Some("TopicId"),
                rt: ResourceType::Topic,
                op: Describe,
            },
        );
        return Ok(Step::Same(Plan::fixes(fixes)));
    }
    let (mut adds, mut left) = split(root, m, &shape::METADATA, &mut |t| c.topic(Describe, t))?;
    let mut changed = !adds.is_empty();
    let auto_create = if m.version >= 4 {
        root.get("AllowAutoTopicCreation") == Some(&Value::Bool(true))
    } else {
        true
    };
    if auto_create && !c.cluster(Create) {
        let lacking: Vec<String> = root
            .array("Topics")
            .unwrap_or_default()
            .iter()
            .filter_map(|v| shape::METADATA.target(v).name)
            .filter(|name| !c.allows(Create, ResourceType::Topic, name))
            .collect();
        if !lacking.is_empty() {
            changed = true;
            if tree::put(
                root,
                m.req(),
                &[],
                "AllowAutoTopicCreation",
                Put::Bool(false),
            ) {
                fixes.push(Fix::NotCreated(lacking));
            } else {
                // v0-3 always auto-create: refuse what the principal may not create.
                let (more, rest) = split(root, m, &shape::METADATA, &mut |t| {
                    let name = t.name.as_deref()?;
                    lacking.iter().any(|l| l == name).then(|| {
                        Denial::new(
                            code::TOPIC_AUTHORIZATION_FAILED,
                            format!(
                                "{} (Metadata v{} creates missing topics)",
                                c.message(Create, ResourceType::Topic, name),
                                m.version
                            ),
                        )
                    })
                })?;
                adds.extend(more);
                left = rest;
            }
        }
    }
    if m.version == 0 && left == 0 && changed {
        fixes.push(Fix::DropAll("Topics"));
    }
    // Metadata is forwarded even with no topic left: the client needs the brokers.
    let plan = Plan {
        adds,
        fixes,
        ..Plan::default()
    };
    Ok(if changed {
        Step::Changed(plan)
    } else {
        Step::Same(plan)
    })
}

fn offset_commit(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let group = root.str("GroupId").unwrap_or_default();
    if let Some(denial) = c.group(Read, group) {
        let adds = refuse_all(root, m, &shape::OFFSET_COMMIT, &denial)?;
        return refuse(m, None, adds);
    }
    topics(c, m, root, &shape::OFFSET_COMMIT, Read)
}

/// The filter of the topics of an OffsetFetch for all topics.
const OFFSET_FETCH_ALL: Fix = Fix::Filter {
    array: "Topics",
    name: "Name",
    id: None,
    rt: ResourceType::Topic,
    op: Describe,
};

fn offset_fetch(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    if m.version >= 8 {
        return offset_fetch_groups(c, m, root);
    }
    let group = root.str("GroupId").unwrap_or_default();
    if let Some(denial) = c.group(Describe, group) {
        return if m.version < 2 {
            let adds = refuse_all(root, m, &shape::OFFSET_FETCH, &denial)?;
            refuse(m, None, adds)
        } else {
            refuse(m, Some(&denial), Vec::new())
        };
    }
    if root.array("Topics").is_none() {
        return Ok(Step::Same(Plan::fixes(vec![OFFSET_FETCH_ALL])));
    }
    topics(c, m, root, &shape::OFFSET_FETCH, Describe)
}

/// OffsetFetch v8+: several groups, each with its topics (or all of them).
fn offset_fetch_groups(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let resp = m.resp();
    let Some(groups) = root.array_mut("Groups") else {
        return Ok(Step::Same(Plan::default()));
    };
    let mut plan = Plan::default();
    let mut changed = false;
    let mut kept = Vec::with_capacity(groups.len());
    for mut group in groups.drain(..) {
        let target = shape::OFFSET_FETCH_GROUPS.target(&group);
        let id = target.name.clone().unwrap_or_default();
        if let Some(denial) = c.group(Describe, &id) {
            let entry = shape::OFFSET_FETCH_GROUPS.entry(resp, &["Groups"], &target, &denial)?;
            plan.adds.push(("Groups", entry));
            changed = true;
            continue;
        }
        if let Some(g) = group.as_struct_mut() {
            match g.array_mut("Topics") {
                None => plan.fixes.push(Fix::GroupTopics(id.clone())),
                Some(items) => {
                    let entries = shape::OFFSET_FETCH.split(
                        items,
                        resp,
                        &["Groups", "Topics"],
                        &mut |t| c.topic(Describe, t),
                    )?;
                    changed |= !entries.is_empty();
                    plan.group_adds
                        .extend(entries.into_iter().map(|e| (id.clone(), e)));
                }
            }
        }
        kept.push(group);
    }
    let left = kept.len();
    *groups = kept;
    if left == 0 && changed {
        return refuse(m, None, plan.adds);
    }
    Ok(if changed {
        Step::Changed(plan)
    } else {
        Step::Same(plan)
    })
}

fn find_coordinator(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let key_type = root.int("KeyType").unwrap_or(0);
    let judge = |key: &str| match key_type {
        0 => c.group(Describe, key),
        1 => c.txn(Describe, key),
        // Share-group state keys are for brokers only.
        _ => c.on_cluster(Operation::ClusterAction),
    };
    if m.version < 4 {
        let key = root.str("Key").unwrap_or_default();
        return match judge(key) {
            None => Ok(Step::Same(Plan::default())),
            Some(denial) => answers::local_with(
                m,
                Some(&denial),
                Vec::new(),
                &[("NodeId", -1), ("Port", -1)],
            )
            .map(Step::Answer),
        };
    }
    let split = split(root, m, &shape::FIND_COORDINATOR, &mut |t| {
        judge(t.name.as_deref().unwrap_or_default())
    })?;
    finish(m, split, Vec::new())
}

/// JoinGroup, Heartbeat, LeaveGroup, SyncGroup: `op` on the group.
fn group_only(c: &Check<'_>, m: Msg, root: &mut Struct, op: Operation) -> Result<Step, String> {
    let group = root.str("GroupId").unwrap_or_default();
    match c.group(op, group) {
        None => Ok(Step::Same(Plan::default())),
        Some(denial) => refuse(m, Some(&denial), Vec::new()),
    }
}

/// Groups listed in the request, each needing `op`.
fn groups(
    c: &Check<'_>,
    m: Msg,
    root: &mut Struct,
    shape: &Shape,
    op: Operation,
    fixes: Vec<Fix>,
) -> Result<Step, String> {
    let split = split(root, m, shape, &mut |t| {
        c.group(op, t.name.as_deref().unwrap_or_default())
    })?;
    finish(m, split, fixes)
}

/// DescribeGroups, ConsumerGroupDescribe: DESCRIBE each group; authorized operations.
fn describe_groups(
    c: &Check<'_>,
    m: Msg,
    root: &mut Struct,
    shape: &Shape,
    include_ops: &str,
) -> Result<Step, String> {
    let mut fixes = Vec::new();
    if m.api_key == 69 {
        fixes.push(Fix::GroupAssignments);
    }
    if root.get(include_ops) == Some(&Value::Bool(true)) {
        fixes.push(Fix::Ops {
            array: "Groups",
            name: "GroupId",
            id: None,
            rt: ResourceType::Group,
            field: "AuthorizedOperations",
        });
    }
    groups(c, m, root, shape, Describe, fixes)
}

fn list_groups(c: &Check<'_>) -> Step {
    if c.cluster(Describe) {
        return Step::Same(Plan::default());
    }
    Step::Same(Plan::fixes(vec![Fix::Filter {
        array: "Groups",
        name: "GroupId",
        id: None,
        rt: ResourceType::Group,
        op: Describe,
    }]))
}

fn create_topics(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let mut fixes = Vec::new();
    if tree::has(m.resp(), &["Topics"], "Configs") {
        fixes.push(Fix::CreatedConfigs);
    }
    if c.cluster(Create) {
        return Ok(Step::Same(Plan::fixes(fixes)));
    }
    let split = split(root, m, &shape::CREATE_TOPICS, &mut |t| c.topic(Create, t))?;
    finish(m, split, fixes)
}

fn delete_topics(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    if m.version < 6 {
        return topics(c, m, root, &shape::DELETE_TOPIC_NAMES, Delete);
    }
    // Kafka: without DESCRIBE the answer does not name the topic; with it but without DELETE
    // it does.
    let split = split(root, m, &shape::DELETE_TOPICS, &mut |t| {
        let name = match c.topic_name(t) {
            Ok(name) => name,
            Err(denial) => return Some(denial),
        };
        if let Some(denial) = c.topic(Describe, t) {
            return Some(denial.showing(Shown::Hidden));
        }
        c.topic(Delete, t).map(|d| d.showing(Shown::Name(name)))
    })?;
    finish(m, split, Vec::new())
}

fn init_producer_id(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let denial = match root.str("TransactionalId") {
        Some(txn) => c.txn(Write, txn),
        None => {
            let idempotent = c.cluster(Operation::IdempotentWrite)
                || c.authorizer
                    .authorize_any(&c.who, Write, ResourceType::Topic);
            (!idempotent).then(|| {
                Denial::new(
                    code::CLUSTER_AUTHORIZATION_FAILED,
                    format!(
                        "{} is not authorized to IDEMPOTENT_WRITE CLUSTER, nor to WRITE any \
                         TOPIC",
                        c.who.principal
                    ),
                )
            })
        }
    };
    match denial {
        None => Ok(Step::Same(Plan::default())),
        Some(denial) => answers::local_with(
            m,
            Some(&denial),
            Vec::new(),
            &[("ProducerId", -1), ("ProducerEpoch", -1)],
        )
        .map(Step::Answer),
    }
}

fn offset_for_leader_epoch(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    // Kafka: CLUSTER_ACTION (a follower) allows every topic; else DESCRIBE per topic.
    if c.cluster(Operation::ClusterAction) {
        return Ok(Step::Same(Plan::default()));
    }
    topics(c, m, root, &shape::OFFSET_FOR_LEADER_EPOCH, Describe)
}

fn add_partitions_to_txn(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    if m.version >= 4 {
        // The batched form is the brokers' (transaction verification).
        return match c.on_cluster(Operation::ClusterAction) {
            None => Ok(Step::Same(Plan::default())),
            Some(denial) => refuse(m, Some(&denial), Vec::new()),
        };
    }
    let shape = &shape::ADD_PARTITIONS_TO_TXN;
    let txn = root.str("V3AndBelowTransactionalId").unwrap_or_default();
    if let Some(denial) = c.txn(Write, txn) {
        let adds = refuse_all(root, m, shape, &denial)?;
        return refuse(m, None, adds);
    }
    // Kafka does not split: with a topic refused, the rest is not attempted.
    let items = root.array(shape.req).unwrap_or_default();
    let judged: Vec<(Target, Option<Denial>)> = items
        .iter()
        .map(|v| {
            let t = shape.target(v);
            let d = c.topic(Write, &t);
            (t, d)
        })
        .collect();
    if judged.iter().all(|(_, d)| d.is_none()) {
        return Ok(Step::Same(Plan::default()));
    }
    let not_attempted = Denial::new(
        code::OPERATION_NOT_ATTEMPTED,
        "not attempted: another topic of the request was refused".to_owned(),
    );
    let mut adds = Vec::with_capacity(judged.len());
    for (t, d) in &judged {
        let denial = d.as_ref().unwrap_or(&not_attempted);
        adds.push((shape.resp, shape.entry(m.resp(), &[shape.resp], t, denial)?));
    }
    refuse(m, None, adds)
}

fn add_offsets_to_txn(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let txn = root.str("TransactionalId").unwrap_or_default();
    let group = root.str("GroupId").unwrap_or_default();
    match c.txn(Write, txn).or_else(|| c.group(Read, group)) {
        None => Ok(Step::Same(Plan::default())),
        Some(denial) => refuse(m, Some(&denial), Vec::new()),
    }
}

fn end_txn(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let txn = root.str("TransactionalId").unwrap_or_default();
    match c.txn(Write, txn) {
        None => Ok(Step::Same(Plan::default())),
        Some(denial) => answers::local_with(
            m,
            Some(&denial),
            Vec::new(),
            &[("ProducerId", -1), ("ProducerEpoch", -1)],
        )
        .map(Step::Answer),
    }
}

fn txn_offset_commit(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let txn = root.str("TransactionalId").unwrap_or_default();
    let group = root.str("GroupId").unwrap_or_default();
    if let Some(denial) = c.txn(Write, txn).or_else(|| c.group(Read, group)) {
        let adds = refuse_all(root, m, &shape::TXN_OFFSET_COMMIT, &denial)?;
        return refuse(m, None, adds);
    }
    topics(c, m, root, &shape::TXN_OFFSET_COMMIT, Read)
}

/// DescribeConfigs (`op` DESCRIBE_CONFIGS), AlterConfigs and IncrementalAlterConfigs
/// (ALTER_CONFIGS): per resource, on the topic, the group, or the cluster.
fn configs(
    c: &Check<'_>,
    m: Msg,
    root: &mut Struct,
    op: Operation,
    resp_array: &'static str,
) -> Result<Step, String> {
    let resp = m.resp();
    let Some(items) = root.array_mut("Resources") else {
        return Ok(Step::Same(Plan::default()));
    };
    let mut adds = Vec::new();
    let mut kept = Vec::with_capacity(items.len());
    for v in items.drain(..) {
        let Some(s) = v.as_struct() else {
            kept.push(v);
            continue;
        };
        let rtype = s.int("ResourceType").unwrap_or_default();
        let name = s.str("ResourceName").unwrap_or_default().to_owned();
        let denial = match rtype {
            2 => c.topic_named(op, &name),
            // Brokers, broker loggers, client metrics subscriptions.
            4 | 8 | 16 => c.on_cluster(op),
            32 => c.group(op, &name),
            _ => Some(Denial::new(
                code::INVALID_REQUEST,
                format!("Unexpected resource type {rtype} for resource {name}"),
            )),
        };
        let Some(denial) = denial else {
            kept.push(v);
            continue;
        };
        let mut e = tree::element(resp, &[resp_array])?;
        let path = [resp_array];
        tree::put(
            &mut e,
            resp,
            &path,
            "ErrorCode",
            Put::Int(denial.code.into()),
        );
        tree::put(
            &mut e,
            resp,
            &path,
            "ErrorMessage",
            Put::Str(&denial.message),
        );
        tree::put(&mut e, resp, &path, "ResourceType", Put::Int(rtype));
        tree::put(&mut e, resp, &path, "ResourceName", Put::Str(&name));
        adds.push((resp_array, e));
    }
    let left = kept.len();
    *items = kept;
    finish(m, (adds, left), Vec::new())
}

fn offset_delete(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let group = root.str("GroupId").unwrap_or_default();
    if let Some(denial) = c.group(Delete, group) {
        return refuse(m, Some(&denial), Vec::new());
    }
    topics(c, m, root, &shape::OFFSET_DELETE, Read)
}

fn describe_cluster(root: &Struct) -> Step {
    if root.get("IncludeClusterAuthorizedOperations") == Some(&Value::Bool(true)) {
        Step::Same(Plan::fixes(vec![Fix::ClusterOps(
            "ClusterAuthorizedOperations",
        )]))
    } else {
        Step::Same(Plan::default())
    }
}

fn describe_transactions(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let split = split(root, m, &shape::DESCRIBE_TRANSACTIONS, &mut |t| {
        c.txn(Describe, t.name.as_deref().unwrap_or_default())
    })?;
    finish(m, split, vec![Fix::TxnTopics])
}

fn consumer_group_heartbeat(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let group = root.str("GroupId").unwrap_or_default();
    if let Some(denial) = c.group(Read, group) {
        return refuse(m, Some(&denial), Vec::new());
    }
    let lacking: Vec<&str> = root
        .array("SubscribedTopicNames")
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_str)
        .filter(|name| !c.allows(Describe, ResourceType::Topic, name))
        .collect();
    if lacking.is_empty() {
        return Ok(Step::Same(Plan::default()));
    }
    let denial = Denial::new(
        code::TOPIC_AUTHORIZATION_FAILED,
        format!(
            "{} is not authorized to DESCRIBE TOPIC {}",
            c.who.principal,
            lacking
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    refuse(m, Some(&denial), Vec::new())
}

fn describe_topic_partitions(c: &Check<'_>, m: Msg, root: &mut Struct) -> Result<Step, String> {
    let ops = Fix::Ops {
        array: "Topics",
        name: "Name",
        id: Some("TopicId"),
        rt: ResourceType::Topic,
        field: "TopicAuthorizedOperations",
    };
    if root.array("Topics").is_none_or(<[Value]>::is_empty) {
        let all = Fix::Filter {
            array: "Topics",
            name: "Name",
            id: Some("TopicId"),
            rt: ResourceType::Topic,
            op: Describe,
        };
        return Ok(Step::Same(Plan::fixes(vec![all, ops])));
    }
    let split = split(root, m, &shape::DESCRIBE_TOPIC_PARTITIONS, &mut |t| {
        c.topic(Describe, t)
    })?;
    finish(m, split, vec![ops])
}
