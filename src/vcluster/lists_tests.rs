use super::*;
use codec::schema::new_element;

fn response(api_key: i16, version: i16) -> MessageRef {
    MessageRef {
        api_key,
        version,
        direction: Direction::Response,
    }
}

fn alice() -> Tenant {
    Tenant::new("vc-alice", "vc-alice.", [])
}

fn metadata_answer(version: i16, topics: &[(&str, u8)]) -> Vec<u8> {
    let m = response(METADATA, version);
    let mut root = Struct::default();
    let mut list = Vec::new();
    for (name, id) in topics {
        let mut t = new_element(m, &["Topics"]).expect("element");
        t.set("Name", Value::String((*name).into()));
        if version >= 10 {
            t.set("TopicId", Value::Uuid([*id; 16]));
        }
        list.push(Value::Struct(t));
    }
    root.set("Topics", Value::Array(list));
    value::encode(&root, m).expect("encodes")
}

fn names(body: &[u8], m: MessageRef) -> Vec<String> {
    let root = value::decode(body, m, &WalkOptions::default())
        .expect("decodes")
        .root;
    root.array("Topics")
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.as_struct()?.str("Name").map(str::to_owned))
        .collect()
}

#[test]
fn metadata_lists_only_the_tenants_topics_and_learns_every_id() {
    let ids = TopicIds::new();
    let m = response(METADATA, 12);
    let body = metadata_answer(
        12,
        &[
            ("vc-alice.orders", 1),
            ("vc-bob.orders", 2),
            ("__consumer_offsets", 3),
        ],
    );
    let confined = confine(&body, m, &alice(), &ids, false)
        .expect("walks")
        .expect("changed");
    assert_eq!(names(&confined, m), vec!["vc-alice.orders"]);
    assert_eq!(ids.name_of(&[2; 16]).as_deref(), Some("vc-bob.orders"));
    assert_eq!(ids.name_of(&[1; 16]).as_deref(), Some("vc-alice.orders"));
}

#[test]
fn passthrough_keeps_every_topic() {
    let ids = TopicIds::new();
    let body = metadata_answer(9, &[("a", 0), ("b", 0)]);
    let pass = Tenant::new("passthrough", "", []);
    assert_eq!(
        confine(&body, response(METADATA, 9), &pass, &ids, false),
        Ok(None)
    );
}

#[test]
fn list_groups_keeps_the_tenants_groups() {
    let m = response(LIST_GROUPS, 4);
    let mut root = Struct::default();
    let groups = ["vc-alice.g1", "vc-bob.g1", "g2"]
        .iter()
        .map(|g| {
            let mut e = new_element(m, &["Groups"]).expect("element");
            e.set("GroupId", Value::String((*g).into()));
            Value::Struct(e)
        })
        .collect();
    root.set("Groups", Value::Array(groups));
    let body = value::encode(&root, m).expect("encodes");
    let confined = confine(&body, m, &alice(), &TopicIds::new(), false)
        .expect("walks")
        .expect("changed");
    let root = value::decode(&confined, m, &WalkOptions::default())
        .expect("decodes")
        .root;
    let kept: Vec<_> = root
        .array("Groups")
        .unwrap_or_default()
        .iter()
        .filter_map(|g| g.as_struct()?.str("GroupId").map(str::to_owned))
        .collect();
    assert_eq!(kept, vec!["vc-alice.g1"]);
}

#[test]
fn request_values_the_translation_needs() {
    let m = MessageRef {
        api_key: JOIN_GROUP,
        version: 5,
        direction: Direction::Request,
    };
    let mut join = Struct::default();
    join.set("GroupId", Value::String("g1".into()));
    join.set("ProtocolType", Value::String("consumer".into()));
    let body = value::encode(&join, m).expect("encodes");
    assert_eq!(join_group_protocol(5, &body), Some(("g1".into(), true)));
    assert_eq!(group_of(JOIN_GROUP, 5, &body).as_deref(), Some("g1"));
}

#[test]
fn a_tenants_regex_subscription_is_confined_to_its_prefix() {
    let m = MessageRef {
        api_key: CONSUMER_GROUP_HEARTBEAT,
        version: 1,
        direction: Direction::Request,
    };
    let mut hb = Struct::default();
    hb.set("GroupId", Value::String("g".into()));
    hb.set("SubscribedTopicRegex", Value::String("orders.*".into()));
    let body = value::encode(&hb, m).expect("encodes");
    let confined = confine_regex(1, &body, &alice())
        .expect("walks")
        .expect("changed");
    let root = value::decode(&confined, m, &WalkOptions::default())
        .expect("decodes")
        .root;
    assert_eq!(
        root.str("SubscribedTopicRegex"),
        Some("\\Qvc-alice.\\E(?:orders.*)")
    );
    let pass = Tenant::new("passthrough", "", []);
    assert_eq!(confine_regex(1, &body, &pass), Ok(None));
    assert_eq!(confine_regex(0, &body, &alice()), Ok(None));
}

#[test]
fn passthrough_lists_its_aliases_beside_the_physical_topics() {
    let ids = TopicIds::new();
    let m = response(METADATA, 12);
    let body = metadata_answer(12, &[("internal.stock", 1), ("other", 2)]);
    let pass = Tenant::new(
        "passthrough",
        "",
        [("stock".to_string(), "internal.stock".to_string())],
    );
    let listed = confine(&body, m, &pass, &ids, true)
        .expect("walks")
        .expect("changed");
    assert_eq!(names(&listed, m), vec!["internal.stock", "other", "stock"]);
    assert_eq!(confine(&body, m, &pass, &ids, false), Ok(None));
}
