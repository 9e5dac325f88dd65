use super::*;
use crate::acl::enforce::tree::{self, Put};
use crate::acl::enforce::NoTopicNames;

fn create_topics(version: i16, names: &[&str]) -> Vec<u8> {
    let m = Msg {
        api_key: 19,
        version,
    }
    .req();
    let mut root = tree::empty(m).unwrap();
    let mut topics = Vec::new();
    for name in names {
        let mut t = tree::element(m, &["Topics"]).unwrap();
        tree::put(&mut t, m, &["Topics"], "Name", Put::Str(name));
        tree::put(&mut t, m, &["Topics"], "NumPartitions", Put::Int(3));
        tree::put(&mut t, m, &["Topics"], "ReplicationFactor", Put::Int(1));
        topics.push(t);
    }
    tree::append(&mut root, "Topics", topics);
    tree::write(&root, &[], m).unwrap()
}

fn answer_names(version: i16, body: &[u8]) -> Vec<(String, i64)> {
    let m = Msg {
        api_key: 19,
        version,
    }
    .resp();
    let resp = tree::read(body, m).unwrap();
    resp.root
        .array("Topics")
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.as_struct())
        .map(|t| {
            (
                t.str("Name").unwrap().to_owned(),
                t.int("ErrorCode").unwrap(),
            )
        })
        .collect()
}

fn refuse_b(name: &str) -> Option<(i16, String)> {
    (name == "b").then(|| (44, "no b".to_owned()))
}

#[test]
fn a_refused_topic_leaves_the_request_and_comes_back_in_the_answer() {
    for version in [2, 5, 7] {
        let mut body = create_topics(version, &["a", "b"]);
        let Split::Forward(refused) =
            refuse_topics(19, version, &mut body, &NoTopicNames, &mut refuse_b).unwrap()
        else {
            panic!("expected a split");
        };
        let m = Msg {
            api_key: 19,
            version,
        };
        let kept = tree::read(&body, m.req()).unwrap();
        assert_eq!(kept.root.array("Topics").unwrap().len(), 1);
        // the broker's answer for "a"
        let mut answer = tree::empty(m.resp()).unwrap();
        let mut a = tree::element(m.resp(), &["Topics"]).unwrap();
        tree::put(&mut a, m.resp(), &["Topics"], "Name", Put::Str("a"));
        tree::append(&mut answer, "Topics", [a]);
        let mut answer = tree::write(&answer, &[], m.resp()).unwrap();
        refused.merge(&mut answer).unwrap();
        assert_eq!(
            answer_names(version, &answer),
            vec![("a".to_owned(), 0), ("b".to_owned(), 44)]
        );
    }
}

#[test]
fn nothing_refused_leaves_the_body_alone_and_all_refused_is_answered() {
    let mut body = create_topics(7, &["a"]);
    let before = body.clone();
    assert!(matches!(
        refuse_topics(19, 7, &mut body, &NoTopicNames, &mut refuse_b).unwrap(),
        Split::Unchanged
    ));
    assert_eq!(body, before);
    let mut body = create_topics(7, &["b"]);
    let Split::Answer(answer) =
        refuse_topics(19, 7, &mut body, &NoTopicNames, &mut refuse_b).unwrap()
    else {
        panic!("expected a local answer");
    };
    assert_eq!(answer_names(7, &answer), vec![("b".to_owned(), 44)]);
}

#[test]
fn whole_refusals_fill_every_topic_or_the_top_level_error() {
    let body = create_topics(5, &["a", "b"]);
    let answer = refuse_whole(19, 5, &body, 44, "policy").unwrap();
    assert_eq!(
        answer_names(5, &answer),
        vec![("a".to_owned(), 44), ("b".to_owned(), 44)]
    );
    // JoinGroup has a top-level error code
    let m = Msg {
        api_key: 11,
        version: 5,
    };
    let mut join = tree::empty(m.req()).unwrap();
    tree::put(&mut join, m.req(), &[], "GroupId", Put::Str("g"));
    let join = tree::write(&join, &[], m.req()).unwrap();
    let answer = refuse_whole(11, 5, &join, 44, "policy").unwrap();
    let resp = tree::read(&answer, m.resp()).unwrap();
    assert_eq!(resp.root.int("ErrorCode"), Some(44));
}

#[derive(Debug)]
struct OneId;

impl crate::acl::enforce::TopicNames for OneId {
    fn name_of(&self, id: [u8; 16]) -> Option<String> {
        (id == [7; 16]).then(|| "b".to_owned())
    }
}

#[test]
fn a_topic_given_by_id_is_judged_by_the_name_known_for_it() {
    let m = Msg {
        api_key: 20,
        version: 6,
    };
    let mut root = tree::empty(m.req()).unwrap();
    let mut topics = Vec::new();
    for id in [[7u8; 16], [8u8; 16]] {
        let mut t = tree::element(m.req(), &["Topics"]).unwrap();
        tree::put(&mut t, m.req(), &["Topics"], "Name", Put::OptStr(None));
        tree::put(&mut t, m.req(), &["Topics"], "TopicId", Put::Id(id));
        topics.push(t);
    }
    tree::append(&mut root, "Topics", topics);
    let mut body = tree::write(&root, &[], m.req()).unwrap();
    let Split::Forward(refused) = refuse_topics(20, 6, &mut body, &OneId, &mut refuse_b).unwrap()
    else {
        panic!("the id named b is refused, the other goes on");
    };
    let kept = tree::read(&body, m.req()).unwrap();
    let left = kept.root.array("Topics").unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].as_struct().unwrap().uuid("TopicId"), Some([8; 16]));
    let mut answer = tree::write(&tree::empty(m.resp()).unwrap(), &[], m.resp()).unwrap();
    refused.merge(&mut answer).unwrap();
    let resp = tree::read(&answer, m.resp()).unwrap();
    let entry = resp.root.array("Responses").unwrap()[0]
        .as_struct()
        .unwrap()
        .clone();
    assert_eq!(entry.uuid("TopicId"), Some([7; 16]));
    assert_eq!(entry.int("ErrorCode"), Some(44));
}
