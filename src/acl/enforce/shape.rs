//! The data-driven part: for each API whose request lists resources (topics, groups,
//! transactional ids, coordinator keys), where the list is, how an element names its resource
//! and partitions, and where the answer lists results and their error codes. One routine splits
//! any of them: denied elements leave the request and come back as error entries of the answer.

use codec::schema::{MessageRef, Struct, Value};

use super::tree::{self, nonzero, Put};

/// How an element of a request list names its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// The element is a struct; the name is this string field.
    Field(&'static str),
    /// The element is the name itself (an array of strings).
    Itself,
}

/// How an element of a request list names its partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parts {
    /// No partitions.
    None,
    /// An array of structs (`array`), each with the partition index in `index`.
    Structs(&'static str, &'static str),
    /// An array of integers.
    Ints(&'static str),
}

/// A value an error entry gets besides its name and error code.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Def {
    /// An integer field.
    Int(&'static str, i64),
    /// A string field.
    Str(&'static str, &'static str),
    /// A RECORDS field: empty.
    NoRecords(&'static str),
}

/// Where the resources of one API are, in its request and in its answer.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The request's list (relative to the struct the split is given).
    pub req: &'static str,
    /// How an element names its resource.
    pub key: Key,
    /// The element's topic id field, at the versions that have it.
    pub id: Option<&'static str>,
    /// The element's partitions.
    pub parts: Parts,
    /// The answer's list.
    pub resp: &'static str,
    /// The name field of an answer entry.
    pub resp_key: &'static str,
    /// The topic id field of an answer entry, at the versions that have it.
    pub resp_id: Option<&'static str>,
    /// The partition list of an answer entry and its index field; the error code is then per
    /// partition.
    pub resp_parts: Option<(&'static str, &'static str)>,
    /// The error code field (of the partition entries when there are partitions).
    pub error: &'static str,
    /// The error message field beside it, at the versions that have it.
    pub message: Option<&'static str>,
    /// What else an error entry (its partitions, when there are) gets.
    pub defaults: &'static [Def],
}

/// What a request element names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Target {
    /// The name, when the element carries one (not null, not empty when an id is given).
    pub name: Option<String>,
    /// The topic id, when the element carries a nonzero one.
    pub id: Option<[u8; 16]>,
    /// The partitions it lists.
    pub partitions: Vec<i32>,
}

/// The name an error entry shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shown {
    /// The name as the request gave it (none for a topic given by id).
    Asked,
    /// None (null where the field is nullable): Kafka does not name a topic to a principal
    /// that may not DESCRIBE it when the request did not name it either.
    Hidden,
    /// This name (a topic given by id whose name the principal may see).
    Name(String),
}

/// A refusal: the error code and the message for the versions that carry one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Denial {
    /// The error code.
    pub code: i16,
    /// The message.
    pub message: String,
    /// The name the error entry shows.
    pub shown: Shown,
}

impl Denial {
    /// A refusal that names the resource as the request did.
    pub fn new(code: i16, message: String) -> Denial {
        Denial {
            code,
            message,
            shown: Shown::Asked,
        }
    }

    /// The same refusal, showing `shown`.
    pub fn showing(self, shown: Shown) -> Denial {
        Denial { shown, ..self }
    }
}

impl Shape {
    /// What the element `v` of the request list names.
    pub fn target(&self, v: &Value) -> Target {
        let (name, id, partitions) = match (self.key, v.as_struct()) {
            (Key::Itself, _) => (v.as_str().map(str::to_owned), None, Vec::new()),
            (Key::Field(field), Some(s)) => {
                let id = self.id.and_then(|f| nonzero(s.uuid(f)));
                let name = s.str(field).filter(|n| !(n.is_empty() && id.is_some()));
                (name.map(str::to_owned), id, self.partitions(s))
            }
            (Key::Field(_), None) => (None, None, Vec::new()),
        };
        Target {
            name,
            id,
            partitions,
        }
    }

    fn partitions(&self, s: &Struct) -> Vec<i32> {
        match self.parts {
            Parts::None => Vec::new(),
            Parts::Ints(array) => tree::ints(s, array),
            Parts::Structs(array, index) => s
                .array(array)
                .unwrap_or_default()
                .iter()
                .filter_map(|p| p.as_struct()?.int(index))
                .filter_map(|i| i32::try_from(i).ok())
                .collect(),
        }
    }

    /// The answer entry for a refused `target`, for the list at `path` of the answer `m`.
    pub fn entry(
        &self,
        m: MessageRef,
        path: &[&'static str],
        target: &Target,
        denial: &Denial,
    ) -> Result<Struct, String> {
        let mut e = tree::element(m, path)?;
        let name = match &denial.shown {
            Shown::Asked => target.name.as_deref(),
            Shown::Hidden => None,
            Shown::Name(name) => Some(name.as_str()),
        };
        tree::put(&mut e, m, path, self.resp_key, Put::OptStr(name));
        if let (Some(field), Some(id)) = (self.resp_id, target.id) {
            tree::put(&mut e, m, path, field, Put::Id(id));
        }
        match self.resp_parts {
            None => self.fill(&mut e, m, path, denial),
            Some((array, index)) => {
                let mut inner: Vec<&'static str> = path.to_vec();
                inner.push(array);
                let mut list = Vec::with_capacity(target.partitions.len());
                for &p in &target.partitions {
                    let mut pe = tree::element(m, &inner)?;
                    tree::put(&mut pe, m, &inner, index, Put::Int(p.into()));
                    self.fill(&mut pe, m, &inner, denial);
                    list.push(pe);
                }
                e.set(array, Value::Array(Vec::new()));
                tree::append(&mut e, array, list);
            }
        }
        Ok(e)
    }

    fn fill(&self, e: &mut Struct, m: MessageRef, path: &[&str], denial: &Denial) {
        tree::put(e, m, path, self.error, Put::Int(denial.code.into()));
        if let Some(field) = self.message {
            tree::put(e, m, path, field, Put::Str(&denial.message));
        }
        for d in self.defaults {
            match *d {
                Def::Int(field, v) => tree::put(e, m, path, field, Put::Int(v)),
                Def::Str(field, v) => tree::put(e, m, path, field, Put::Str(v)),
                Def::NoRecords(field) => tree::put(e, m, path, field, Put::NoRecords),
            };
        }
    }

    /// Splits the request list `items`: each element `judge` refuses leaves it, and its answer
    /// entry (for the list at `resp_path` of the answer `resp`) is returned.
    pub fn split(
        &self,
        items: &mut Vec<Value>,
        resp: MessageRef,
        resp_path: &[&'static str],
        judge: &mut dyn FnMut(&Target) -> Option<Denial>,
    ) -> Result<Vec<Struct>, String> {
        let mut entries = Vec::new();
        let mut kept = Vec::with_capacity(items.len());
        for v in items.drain(..) {
            let target = self.target(&v);
            match judge(&target) {
                None => kept.push(v),
                Some(denial) => entries.push(self.entry(resp, resp_path, &target, &denial)?),
            }
        }
        *items = kept;
        Ok(entries)
    }

    /// The answer entries for every element of `items`, all refused alike (the request is
    /// answered locally).
    pub fn refuse_all(
        &self,
        items: &[Value],
        resp: MessageRef,
        resp_path: &[&'static str],
        denial: &Denial,
    ) -> Result<Vec<Struct>, String> {
        items
            .iter()
            .map(|v| self.entry(resp, resp_path, &self.target(v), denial))
            .collect()
    }
}

/// Produce: topics (by id from v13), partitions; 29 per partition.
pub(crate) const PRODUCE: Shape = Shape {
    req: "TopicData",
    key: Key::Field("Name"),
    id: Some("TopicId"),
    parts: Parts::Structs("PartitionData", "Index"),
    resp: "Responses",
    resp_key: "Name",
    resp_id: Some("TopicId"),
    resp_parts: Some(("PartitionResponses", "Index")),
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[
        Def::Int("BaseOffset", -1),
        Def::Int("LogAppendTimeMs", -1),
        Def::Int("LogStartOffset", -1),
    ],
};

/// Fetch: topics (by id from v13), partitions.
pub(crate) const FETCH: Shape = Shape {
    req: "Topics",
    key: Key::Field("Topic"),
    id: Some("TopicId"),
    parts: Parts::Structs("Partitions", "Partition"),
    resp: "Responses",
    resp_key: "Topic",
    resp_id: Some("TopicId"),
    resp_parts: Some(("Partitions", "PartitionIndex")),
    error: "ErrorCode",
    message: None,
    defaults: &[
        Def::Int("HighWatermark", -1),
        Def::Int("LastStableOffset", -1),
        Def::Int("LogStartOffset", -1),
        Def::Int("PreferredReadReplica", -1),
        Def::NoRecords("Records"),
    ],
};

/// ListOffsets.
pub(crate) const LIST_OFFSETS: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::Structs("Partitions", "PartitionIndex"),
    resp: "Topics",
    resp_key: "Name",
    resp_id: None,
    resp_parts: Some(("Partitions", "PartitionIndex")),
    error: "ErrorCode",
    message: None,
    defaults: &[
        Def::Int("Timestamp", -1),
        Def::Int("Offset", -1),
        Def::Int("LeaderEpoch", -1),
    ],
};

/// OffsetCommit (topic ids from v10).
pub(crate) const OFFSET_COMMIT: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: Some("TopicId"),
    parts: Parts::Structs("Partitions", "PartitionIndex"),
    resp: "Topics",
    resp_key: "Name",
    resp_id: Some("TopicId"),
    resp_parts: Some(("Partitions", "PartitionIndex")),
    error: "ErrorCode",
    message: None,
    defaults: &[],
};

/// OffsetFetch v1-7 (one group, top-level topics) and, relative to a group, v8+ (topic ids
/// from v10).
pub(crate) const OFFSET_FETCH: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: Some("TopicId"),
    parts: Parts::Ints("PartitionIndexes"),
    resp: "Topics",
    resp_key: "Name",
    resp_id: Some("TopicId"),
    resp_parts: Some(("Partitions", "PartitionIndex")),
    error: "ErrorCode",
    message: None,
    defaults: &[
        Def::Int("CommittedOffset", -1),
        Def::Int("CommittedLeaderEpoch", -1),
        Def::Str("Metadata", ""),
    ],
};

/// TxnOffsetCommit.
pub(crate) const TXN_OFFSET_COMMIT: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::Structs("Partitions", "PartitionIndex"),
    resp: "Topics",
    resp_key: "Name",
    resp_id: None,
    resp_parts: Some(("Partitions", "PartitionIndex")),
    error: "ErrorCode",
    message: None,
    defaults: &[],
};

/// OffsetDelete: laid out as TxnOffsetCommit.
pub(crate) const OFFSET_DELETE: Shape = TXN_OFFSET_COMMIT;

/// CreateTopics.
pub(crate) const CREATE_TOPICS: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::None,
    resp: "Topics",
    resp_key: "Name",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[
        Def::Int("NumPartitions", -1),
        Def::Int("ReplicationFactor", -1),
    ],
};

/// DeleteTopics v1-5 (a list of names).
pub(crate) const DELETE_TOPIC_NAMES: Shape = Shape {
    req: "TopicNames",
    key: Key::Itself,
    id: None,
    parts: Parts::None,
    resp: "Responses",
    resp_key: "Name",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[],
};

/// DeleteTopics v6+ (names or ids).
pub(crate) const DELETE_TOPICS: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: Some("TopicId"),
    parts: Parts::None,
    resp: "Responses",
    resp_key: "Name",
    resp_id: Some("TopicId"),
    resp_parts: None,
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[],
};

/// DeleteRecords.
pub(crate) const DELETE_RECORDS: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::Structs("Partitions", "PartitionIndex"),
    resp: "Topics",
    resp_key: "Name",
    resp_id: None,
    resp_parts: Some(("Partitions", "PartitionIndex")),
    error: "ErrorCode",
    message: None,
    defaults: &[Def::Int("LowWatermark", -1)],
};

/// OffsetForLeaderEpoch.
pub(crate) const OFFSET_FOR_LEADER_EPOCH: Shape = Shape {
    req: "Topics",
    key: Key::Field("Topic"),
    id: None,
    parts: Parts::Structs("Partitions", "Partition"),
    resp: "Topics",
    resp_key: "Topic",
    resp_id: None,
    resp_parts: Some(("Partitions", "Partition")),
    error: "ErrorCode",
    message: None,
    defaults: &[Def::Int("LeaderEpoch", -1), Def::Int("EndOffset", -1)],
};

/// CreatePartitions.
pub(crate) const CREATE_PARTITIONS: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::None,
    resp: "Results",
    resp_key: "Name",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[],
};

/// DescribeProducers.
pub(crate) const DESCRIBE_PRODUCERS: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::Ints("PartitionIndexes"),
    resp: "Topics",
    resp_key: "Name",
    resp_id: None,
    resp_parts: Some(("Partitions", "PartitionIndex")),
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[],
};

/// DescribeTopicPartitions.
pub(crate) const DESCRIBE_TOPIC_PARTITIONS: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::None,
    resp: "Topics",
    resp_key: "Name",
    resp_id: Some("TopicId"),
    resp_parts: None,
    error: "ErrorCode",
    message: None,
    defaults: &[],
};

/// Metadata (named topics; by id from v12).
pub(crate) const METADATA: Shape = Shape {
    req: "Topics",
    key: Key::Field("Name"),
    id: Some("TopicId"),
    parts: Parts::None,
    resp: "Topics",
    resp_key: "Name",
    resp_id: Some("TopicId"),
    resp_parts: None,
    error: "ErrorCode",
    message: None,
    defaults: &[],
};

/// DescribeGroups.
pub(crate) const DESCRIBE_GROUPS: Shape = Shape {
    req: "Groups",
    key: Key::Itself,
    id: None,
    parts: Parts::None,
    resp: "Groups",
    resp_key: "GroupId",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[],
};

/// ConsumerGroupDescribe.
pub(crate) const CONSUMER_GROUP_DESCRIBE: Shape = Shape {
    req: "GroupIds",
    key: Key::Itself,
    id: None,
    parts: Parts::None,
    resp: "Groups",
    resp_key: "GroupId",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[],
};

/// DeleteGroups.
pub(crate) const DELETE_GROUPS: Shape = Shape {
    req: "GroupsNames",
    key: Key::Itself,
    id: None,
    parts: Parts::None,
    resp: "Results",
    resp_key: "GroupId",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: None,
    defaults: &[],
};

/// OffsetFetch v8+: the groups.
pub(crate) const OFFSET_FETCH_GROUPS: Shape = Shape {
    req: "Groups",
    key: Key::Field("GroupId"),
    id: None,
    parts: Parts::None,
    resp: "Groups",
    resp_key: "GroupId",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: None,
    defaults: &[],
};

/// DescribeTransactions.
pub(crate) const DESCRIBE_TRANSACTIONS: Shape = Shape {
    req: "TransactionalIds",
    key: Key::Itself,
    id: None,
    parts: Parts::None,
    resp: "TransactionStates",
    resp_key: "TransactionalId",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: None,
    defaults: &[],
};

/// FindCoordinator v4+ (a list of keys).
pub(crate) const FIND_COORDINATOR: Shape = Shape {
    req: "CoordinatorKeys",
    key: Key::Itself,
    id: None,
    parts: Parts::None,
    resp: "Coordinators",
    resp_key: "Key",
    resp_id: None,
    resp_parts: None,
    error: "ErrorCode",
    message: Some("ErrorMessage"),
    defaults: &[
        Def::Int("NodeId", -1),
        Def::Int("Port", -1),
        Def::Str("Host", ""),
    ],
};

/// AddPartitionsToTxn v0-3.
pub(crate) const ADD_PARTITIONS_TO_TXN: Shape = Shape {
    req: "V3AndBelowTopics",
    key: Key::Field("Name"),
    id: None,
    parts: Parts::Ints("Partitions"),
    resp: "ResultsByTopicV3AndBelow",
    resp_key: "Name",
    resp_id: None,
    resp_parts: Some(("ResultsByPartition", "PartitionIndex")),
    error: "PartitionErrorCode",
    message: None,
    defaults: &[],
};
