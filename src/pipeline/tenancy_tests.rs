//! A connection placed in a virtual cluster: names in and out, lists confined, APIs a tenant
//! may not use neither advertised nor served, topic ids of other tenants replaced.

use super::*;
use crate::config;
use crate::store::{GatewayState, StateHandle, VirtualCluster};
use crate::vcluster::runtime::Tenancy;

const DESCRIBE_LOG_DIRS: i16 = 35;

fn tenant_shared() -> Arc<Shared> {
    let mut shared = Arc::try_unwrap(shared()).expect("fresh");
    let mut vc = VirtualCluster::named("vc-a");
    vc.prefix = "vc-a.".into();
    let (state, _) = GatewayState::default()
        .with_vcluster(vc)
        .expect("a valid cluster");
    let handle = Arc::new(StateHandle::new(state));
    shared.tenancy = Some(Arc::new(Tenancy::new(
        config::Tenancy::default(),
        handle,
        None,
        Vec::new(),
    )));
    let mut advertised = (*shared.api_versions()).clone();
    advertised.api_keys.push(ApiVersion {
        api_key: DESCRIBE_LOG_DIRS,
        max_version: 4,
        ..Default::default()
    });
    shared.set_api_versions(advertised);
    Arc::new(shared)
}

fn tenant_pipeline() -> Pipeline {
    let source: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let mut session = Session::new(source, ListenerKind::Port { broker_id: Some(1) });
    // As a LOCAL token of vc-a leaves it after SASL.
    session.principal = Some("alice".into());
    session.service_account = Some("alice".into());
    session.vcluster = "vc-a".into();
    Pipeline::new(tenant_shared(), session)
}

fn metadata_request(names: &[&str]) -> Vec<u8> {
    let mut message = Vec::new();
    MetadataRequest {
        topics: Some(
            names
                .iter()
                .map(|n| MetadataRequestTopic {
                    name: Some((*n).into()),
                    ..Default::default()
                })
                .collect(),
        ),
        ..Default::default()
    }
    .encode_body(&mut message, 12)
    .unwrap();
    message
}

fn metadata_answer(names: &[&str]) -> Vec<u8> {
    let mut message = Vec::new();
    MetadataResponse {
        topics: names
            .iter()
            .map(|n| MetadataResponseTopic {
                name: Some((*n).into()),
                topic_id: [n.len() as u8; 16],
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
    .encode_body(&mut message, 12)
    .unwrap();
    message
}

fn topic_names(answer_body: &[u8]) -> Vec<String> {
    let (_, rest) = answer_body.split_at(4);
    // Response header v1: the correlation id, then no tagged fields.
    let response = MetadataResponse::decode_body(&rest[1..], 12).unwrap();
    response.topics.into_iter().filter_map(|t| t.name).collect()
}

#[test]
fn names_gain_the_prefix_and_answers_show_only_the_tenants_topics() {
    let (mut p, mut q) = (tenant_pipeline(), Queues::default());
    let frame = request_frame(keys::METADATA, 12, 3, &metadata_request(&["orders"]));
    assert_eq!(offer(&mut p, &mut q, &frame), Took::Taken);
    let sent = frames(&mut q.to_upstream);
    assert!(
        sent[0].windows(11).any(|w| w == b"vc-a.orders"),
        "the broker is asked for the prefixed name"
    );
    let answer_body = metadata_answer(&["vc-a.orders", "vc-b.orders", "orders"]);
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::METADATA, 12, request_id(&sent[0]), &answer_body),
    );
    let got = frames(&mut q.to_client);
    assert_eq!(answer_id(&got[0]), 3);
    assert_eq!(topic_names(&got[0]), vec!["orders"]);
}

#[test]
fn a_tenant_is_neither_offered_nor_served_cluster_administration() {
    let (mut p, mut q) = (tenant_pipeline(), Queues::default());
    // Placement happens with the first request past authentication.
    let frame = request_frame(keys::METADATA, 12, 1, &metadata_request(&[]));
    offer(&mut p, &mut q, &frame);
    let sent = frames(&mut q.to_upstream);
    let empty = metadata_answer(&[]);
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::METADATA, 12, request_id(&sent[0]), &empty),
    );
    frames(&mut q.to_client);
    let mut versions = Vec::new();
    ApiVersionsRequest::default()
        .encode_body(&mut versions, 0)
        .unwrap();
    offer(
        &mut p,
        &mut q,
        &request_frame(keys::API_VERSIONS, 0, 2, &versions),
    );
    let got = frames(&mut q.to_client);
    let advertised = ApiVersionsResponse::decode_body(&got[0][4..], 0).unwrap();
    let keys: Vec<i16> = advertised.api_keys.iter().map(|a| a.api_key).collect();
    assert!(keys.contains(&keys::METADATA) && !keys.contains(&DESCRIBE_LOG_DIRS));
    let refused = p.on_request(
        &request_frame(DESCRIBE_LOG_DIRS, 4, 3, &[1, 0]),
        &mut q.outbox(),
        Instant::now(),
    );
    assert!(
        matches!(&refused, Err(Close::Filter(why)) if why.contains("DescribeLogDirs")),
        "{refused:?}"
    );
    assert!(q.to_upstream.is_empty(), "nothing reached the broker");
}

#[test]
fn an_account_in_an_undeclared_cluster_is_refused() {
    let source: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let mut session = Session::new(source, ListenerKind::Port { broker_id: Some(1) });
    session.principal = Some("ghost".into());
    session.service_account = Some("ghost".into());
    session.vcluster = "vc-gone".into();
    let mut p = Pipeline::new(tenant_shared(), session);
    let mut q = Queues::default();
    let frame = request_frame(keys::METADATA, 12, 1, &metadata_request(&["x"]));
    let refused = p.on_request(&frame, &mut q.outbox(), Instant::now());
    assert!(
        matches!(&refused, Err(Close::Authentication(why)) if why.contains("vc-gone")),
        "{refused:?}"
    );
}

fn fetch_by_id(id: [u8; 16]) -> Vec<u8> {
    use codec::schema::{self, Direction, MessageRef, Value};
    let m = MessageRef {
        api_key: keys::FETCH,
        version: 13,
        direction: Direction::Request,
    };
    let mut topic = schema::new_element(m, &["Topics"]).unwrap();
    topic.set("TopicId", Value::Uuid(id));
    let mut root = schema::new_element(m, &[]).unwrap();
    root.set("Topics", Value::Array(vec![Value::Struct(topic)]));
    schema::encode(&root, m).unwrap()
}

#[test]
fn an_unseen_topic_id_is_looked_up_before_the_request_goes_on() {
    let (mut p, mut q) = (tenant_pipeline(), Queues::default());
    let id = [b"vc-a.orders".len() as u8; 16];
    let frame = request_frame(keys::FETCH, 13, 7, &fetch_by_id(id));
    assert_eq!(offer(&mut p, &mut q, &frame), Took::Taken);
    // kgate asks the broker for every topic first; the fetch waits.
    let sent = frames(&mut q.to_upstream);
    assert_eq!(sent.len(), 1);
    assert_eq!(i16::from_be_bytes([sent[0][0], sent[0][1]]), keys::METADATA);
    let lookup = metadata_answer(&["vc-a.orders", "vc-b.x"]);
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::METADATA, 12, request_id(&sent[0]), &lookup),
    );
    assert!(q.to_client.is_empty(), "the lookup's answer is kgate's own");
    // Now known and the tenant's: the fetch goes on with the client's id, not a placeholder.
    let sent = frames(&mut q.to_upstream);
    assert_eq!(sent.len(), 1);
    assert_eq!(i16::from_be_bytes([sent[0][0], sent[0][1]]), keys::FETCH);
    assert!(sent[0].windows(16).any(|w| w == id), "the id was kept");
}

#[test]
fn another_tenants_id_is_still_refused_after_the_lookup() {
    let (mut p, mut q) = (tenant_pipeline(), Queues::default());
    let id = [b"vc-b.orders".len() as u8 + 100; 16];
    let frame = request_frame(keys::FETCH, 13, 7, &fetch_by_id(id));
    offer(&mut p, &mut q, &frame);
    let sent = frames(&mut q.to_upstream);
    let mut lookup = Vec::new();
    MetadataResponse {
        topics: vec![MetadataResponseTopic {
            name: Some("vc-b.orders".into()),
            topic_id: id,
            ..Default::default()
        }],
        ..Default::default()
    }
    .encode_body(&mut lookup, 12)
    .unwrap();
    answer(
        &mut p,
        &mut q,
        &answer_frame(keys::METADATA, 12, request_id(&sent[0]), &lookup),
    );
    let sent = frames(&mut q.to_upstream);
    assert_eq!(sent.len(), 1);
    assert!(
        !sent[0].windows(16).any(|w| w == id),
        "another tenant's id never reaches the broker"
    );
}
