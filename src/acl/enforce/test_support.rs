//! What the enforcer's tests share: a fake policy source, a fake id map, bindings, sessions,
//! and bodies built with the value tree.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use codec::messages::produce::{
    PartitionProduceData, ProduceRequest, ProduceResponse, TopicProduceData,
};
use codec::schema::{decode, encode, new_element, Direction, MessageRef, Struct, Value};
use codec::Message;

use super::{AclEnforcer, AclMode, AclPolicy, PolicySource, TopicNames};
use crate::acl::authorizer::Authorizer;
use crate::acl::binding::{
    AclBinding, Operation, PatternType, Permission, ResourcePattern, ResourceType,
};
use crate::pipeline::filter::{Notes, Verdict};
use crate::pipeline::session::Session;
use crate::proxy::listener::ListenerKind;

use super::tree::Msg;

/// What the fake source answers with.
#[derive(Debug, Clone)]
pub struct FakeState {
    /// `false`: no policy at all (ACLs off).
    pub present: bool,
    /// The policy's `enabled`.
    pub enabled: bool,
    /// The policy's mode.
    pub mode: AclMode,
    /// ACL admins.
    pub admins: Vec<String>,
    /// Super users.
    pub super_users: Vec<String>,
    /// The bindings.
    pub bindings: Vec<AclBinding>,
    /// `Some`: `replace_bindings` fails with this.
    pub fail_writes: Option<String>,
    /// How many times the bindings were replaced.
    pub writes: usize,
}

/// A [`PolicySource`] over a [`FakeState`].
#[derive(Debug)]
pub struct FakeSource(pub Mutex<FakeState>);

impl FakeSource {
    /// ACLs on, KAFKA_API mode, `User:admin` the ACL admin, `User:root` a super user.
    pub fn new(bindings: Vec<AclBinding>) -> Arc<FakeSource> {
        Arc::new(FakeSource(Mutex::new(FakeState {
            present: true,
            enabled: true,
            mode: AclMode::KafkaApi,
            admins: vec!["User:admin".into()],
            super_users: vec!["User:root".into()],
            bindings,
            fail_writes: None,
            writes: 0,
        })))
    }

    /// Changes the state.
    pub fn with(&self, change: impl FnOnce(&mut FakeState)) {
        change(&mut self.0.lock().unwrap());
    }

    /// The bindings now.
    pub fn bindings(&self) -> Vec<AclBinding> {
        self.0.lock().unwrap().bindings.clone()
    }
}

impl PolicySource for FakeSource {
    fn policy(&self, _session: &Session) -> Option<Arc<AclPolicy>> {
        let s = self.0.lock().unwrap();
        s.present.then(|| {
            Arc::new(AclPolicy {
                enabled: s.enabled,
                authorizer: Arc::new(Authorizer::new(s.bindings.clone(), s.super_users.clone())),
                mode: s.mode,
                acl_admins: s.admins.clone(),
            })
        })
    }

    fn replace_bindings(
        &self,
        _session: &Session,
        change: &mut dyn FnMut(&[AclBinding]) -> Vec<AclBinding>,
    ) -> Result<(), String> {
        let mut s = self.0.lock().unwrap();
        if let Some(why) = &s.fail_writes {
            return Err(why.clone());
        }
        s.bindings = change(&s.bindings);
        s.writes += 1;
        Ok(())
    }
}

/// Topic ids the tests know.
#[derive(Debug, Default)]
pub struct FakeNames(pub HashMap<[u8; 16], String>);

impl TopicNames for FakeNames {
    fn name_of(&self, id: [u8; 16]) -> Option<String> {
        self.0.get(&id).cloned()
    }
}

/// The topic id the tests give `name` (`[n; 16]`).
pub fn id(n: u8) -> [u8; 16] {
    [n; 16]
}

/// A binding.
pub fn binding(
    permission: Permission,
    principal: &str,
    operation: Operation,
    resource_type: ResourceType,
    pattern_type: PatternType,
    name: &str,
) -> AclBinding {
    AclBinding {
        pattern: ResourcePattern {
            resource_type,
            name: name.into(),
            pattern_type,
        },
        principal: principal.into(),
        host: "*".into(),
        operation,
        permission,
    }
}

/// ALLOW `principal` `op` on the LITERAL resource `name`.
pub fn allow(principal: &str, op: Operation, rt: ResourceType, name: &str) -> AclBinding {
    binding(
        Permission::Allow,
        principal,
        op,
        rt,
        PatternType::Literal,
        name,
    )
}

/// DENY `principal` `op` on the LITERAL resource `name`.
pub fn deny(principal: &str, op: Operation, rt: ResourceType, name: &str) -> AclBinding {
    binding(
        Permission::Deny,
        principal,
        op,
        rt,
        PatternType::Literal,
        name,
    )
}

/// A session of `principal` from 10.0.0.7.
pub fn session(principal: Option<&str>) -> Session {
    let mut s = Session::new(
        "10.0.0.7:50000".parse().unwrap(),
        ListenerKind::Port { broker_id: Some(1) },
    );
    s.principal = principal.map(str::to_owned);
    s
}

/// An enforcer over `source` with `names`, and a session of `principal`.
pub struct Harness {
    /// The enforcer.
    pub enforcer: AclEnforcer,
    /// Its source.
    pub source: Arc<FakeSource>,
    /// The connection.
    pub session: Session,
}

/// What a request hook did.
pub struct Sent {
    /// The verdict.
    pub verdict: Verdict,
    /// The body after the hook.
    pub body: Vec<u8>,
    /// The notes for the answer.
    pub notes: Notes,
}

impl Harness {
    /// `principal` (without `User:`) under the bindings.
    pub fn new(principal: &str, bindings: Vec<AclBinding>) -> Harness {
        Harness::with_names(principal, bindings, FakeNames::default())
    }

    /// [`Harness::new`] with topic ids.
    pub fn with_names(principal: &str, bindings: Vec<AclBinding>, names: FakeNames) -> Harness {
        let source = FakeSource::new(bindings);
        Harness {
            enforcer: AclEnforcer::new(source.clone(), Arc::new(names)),
            source,
            session: session(Some(principal)),
        }
    }

    /// Runs the request hook on `root` encoded as request (api, version).
    pub fn request(&mut self, api: i16, version: i16, root: &Struct) -> Sent {
        let mut body = enc(api, version, Direction::Request, root);
        let mut notes = Notes::default();
        let m = Msg {
            api_key: api,
            version,
        };
        let verdict = self
            .enforcer
            .request(&self.session, m, &mut body, &mut notes);
        Sent {
            verdict,
            body,
            notes,
        }
    }

    /// Runs the answer hook on `root` encoded as response (api, version); the body after it.
    pub fn response(&mut self, api: i16, version: i16, root: &Struct, notes: &Notes) -> Struct {
        let mut body = enc(api, version, Direction::Response, root);
        let m = Msg {
            api_key: api,
            version,
        };
        match self.enforcer.response(m, &mut body, notes) {
            Verdict::Pass => dec(api, version, Direction::Response, &body),
            other => panic!("the answer hook said {other:?}"),
        }
    }
}

/// The body of a local answer.
pub fn answered(sent: &Sent) -> &[u8] {
    match &sent.verdict {
        Verdict::Answer(body) => body,
        other => panic!("expected a local answer, got {other:?}"),
    }
}

/// The message reference.
pub fn mref(api: i16, version: i16, direction: Direction) -> MessageRef {
    MessageRef {
        api_key: api,
        version,
        direction,
    }
}

/// Encodes a tree.
pub fn enc(api: i16, version: i16, direction: Direction, root: &Struct) -> Vec<u8> {
    encode(root, mref(api, version, direction)).unwrap()
}

/// Decodes a body.
pub fn dec(api: i16, version: i16, direction: Direction, body: &[u8]) -> Struct {
    decode(body, mref(api, version, direction), &Default::default())
        .unwrap()
        .root
}

/// A struct with these fields (the rest at their defaults when encoded).
pub fn st(fields: Vec<(&'static str, Value)>) -> Struct {
    Struct {
        fields,
        unknown_tags: Vec::new(),
    }
}

/// An array of structs.
pub fn arr(items: Vec<Struct>) -> Value {
    Value::Array(items.into_iter().map(Value::Struct).collect())
}

/// A string.
pub fn s(text: &str) -> Value {
    Value::String(text.into())
}

/// An array of strings.
pub fn strs(items: &[&str]) -> Value {
    Value::Array(items.iter().map(|t| s(t)).collect())
}

/// An array of INT32.
pub fn ints(items: &[i32]) -> Value {
    Value::Array(items.iter().map(|i| Value::Int32(*i)).collect())
}

/// A default element of the array at `path` of (api, version, direction), with `fields` set.
pub fn elem(
    api: i16,
    version: i16,
    direction: Direction,
    path: &[&str],
    fields: Vec<(&'static str, Value)>,
) -> Struct {
    let mut e = new_element(mref(api, version, direction), path).unwrap();
    for (name, v) in fields {
        e.set(name, v);
    }
    e
}

/// The struct elements of the array `name` of `s`.
pub fn items<'a>(s: &'a Struct, name: &str) -> Vec<&'a Struct> {
    s.array(name)
        .unwrap_or_else(|| panic!("no array {name} in {s:?}"))
        .iter()
        .map(|v| v.as_struct().unwrap())
        .collect()
}

/// (name, error code) of each element of `array`, by the fields given.
pub fn name_codes(s: &Struct, array: &str, name: &str, code: &str) -> Vec<(String, i64)> {
    items(s, array)
        .iter()
        .map(|e| {
            (
                e.str(name).unwrap_or("<null>").to_owned(),
                e.int(code).unwrap(),
            )
        })
        .collect()
}

/// The principal most tests use.
pub const ALICE: &str = "User:alice";

/// A Produce request body (typed encoder): topics with partitions, maybe transactional.
pub fn produce_request(version: i16, topics: &[(&str, &[i32])], txn: Option<&str>) -> Vec<u8> {
    let request = ProduceRequest {
        transactional_id: txn.map(str::to_owned),
        acks: -1,
        timeout_ms: 30_000,
        topic_data: topics
            .iter()
            .map(|(name, parts)| TopicProduceData {
                name: (*name).into(),
                partition_data: parts
                    .iter()
                    .map(|p| PartitionProduceData {
                        index: *p,
                        records: Some(vec![1, 2, 3]),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let mut body = Vec::new();
    request.encode_body(&mut body, version).unwrap();
    body
}

/// [`produce_request`] as a tree.
pub fn produce_tree(version: i16, topics: &[(&str, &[i32])], txn: Option<&str>) -> Struct {
    dec(
        0,
        version,
        Direction::Request,
        &produce_request(version, topics, txn),
    )
}

/// (topic, partition, error code) of a typed Produce answer.
pub fn produce_codes(answer: &ProduceResponse) -> Vec<(String, i32, i16)> {
    let mut out: Vec<_> = answer
        .responses
        .iter()
        .flat_map(|t| {
            t.partition_responses
                .iter()
                .map(|p| (t.name.clone(), p.index, p.error_code))
        })
        .collect();
    out.sort();
    out
}

/// A Metadata answer topic.
pub fn metadata_topic(version: i16, name: &str, n: u8) -> Struct {
    elem(
        3,
        version,
        Direction::Response,
        &["Topics"],
        vec![("Name", s(name)), ("TopicId", Value::Uuid(id(n)))],
    )
}

/// The names of the `Topics` of a message.
pub fn name_codes_req(req: &Struct) -> Vec<String> {
    items(req, "Topics")
        .iter()
        .map(|t| t.str("Name").unwrap().to_owned())
        .collect()
}

/// A Fetch request topic (by name up to v12, by id from v13) with partitions.
pub fn fetch_topic(version: i16, topic: Value, partitions: &[i32]) -> Struct {
    let field = if version >= 13 { "TopicId" } else { "Topic" };
    elem(
        1,
        version,
        Direction::Request,
        &["Topics"],
        vec![
            (field, topic),
            (
                "Partitions",
                arr(partitions
                    .iter()
                    .map(|p| {
                        elem(
                            1,
                            version,
                            Direction::Request,
                            &["Topics", "Partitions"],
                            vec![("Partition", Value::Int32(*p))],
                        )
                    })
                    .collect()),
            ),
        ],
    )
}

/// The group ids of the `Groups` of a message.
pub fn name_codes_groups(s: &Struct) -> Vec<String> {
    items(s, "Groups")
        .iter()
        .map(|g| g.str("GroupId").unwrap().to_owned())
        .collect()
}
