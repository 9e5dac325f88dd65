use super::*;

fn client(table: &mut InFlightTable, client_id: i32) -> (u64, i32) {
    let seq = table.open_slot(client_id, 3, 12);
    let id = table.next_upstream_id();
    table.sent(id, Waiter::Client(seq));
    (seq, id)
}

#[test]
fn upstream_ids_are_kgates_own_and_answers_find_their_client() {
    let mut table = InFlightTable::default();
    let (a, id_a) = client(&mut table, 1000);
    let (b, id_b) = client(&mut table, 1000);
    assert_ne!(
        id_a, id_b,
        "a client reusing an id still gets distinct ids upstream"
    );
    assert_eq!(table.take_answer(id_a), Matched::Waiter(Waiter::Client(a)));
    assert_eq!(table.take_answer(id_b), Matched::Waiter(Waiter::Client(b)));
    assert_eq!(table.take_answer(id_b), Matched::Unexpected);
}

#[test]
fn a_local_answer_waits_for_the_forwarded_one_before_it() {
    let mut table = InFlightTable::default();
    let (forwarded, id) = client(&mut table, 1);
    let local = table.open_slot(2, 18, 3);
    table.answer(local, vec![0, 0, 0, 2], None);
    assert!(
        table.pop_ready().is_none(),
        "the local answer must not overtake request 1"
    );
    assert_eq!(
        table.take_answer(id),
        Matched::Waiter(Waiter::Client(forwarded))
    );
    assert!(table.close_head(forwarded).is_some());
    assert_eq!(table.pop_ready().map(|(s, _)| s.client_id), Some(2));
    assert!(!table.busy());
}

#[test]
fn acks_zero_requests_work_whether_or_not_the_broker_answers_them() {
    let mut table = InFlightTable::default();
    // Kafka: silent about the first two, answers the third.
    let s1 = table.next_upstream_id();
    table.sent(s1, Waiter::Silent);
    let s2 = table.next_upstream_id();
    table.sent(s2, Waiter::Silent);
    let (seq, id) = client(&mut table, 3);
    assert!(table.awaiting_upstream());
    assert_eq!(table.take_answer(id), Matched::Waiter(Waiter::Client(seq)));
    assert!(!table.awaiting_upstream());
    // A broker that answers acks=0 (tansu).
    let s4 = table.next_upstream_id();
    table.sent(s4, Waiter::Silent);
    let (seq, id) = client(&mut table, 6);
    assert_eq!(table.take_answer(s4), Matched::Waiter(Waiter::Silent));
    assert_eq!(table.take_answer(id), Matched::Waiter(Waiter::Client(seq)));
    assert_eq!(table.take_answer(999), Matched::Unexpected);
}

#[test]
fn a_side_request_between_client_requests_keeps_both_in_order() {
    let mut table = InFlightTable::default();
    let (first, id1) = client(&mut table, 1);
    let side = table.next_upstream_id();
    table.sent(
        side,
        Waiter::Side {
            filter: 0,
            token: 7,
        },
    );
    let (second, id2) = client(&mut table, 2);
    assert_eq!(table.expected(), Some((id1, Waiter::Client(first))));
    assert_eq!(
        table.take_answer(id1),
        Matched::Waiter(Waiter::Client(first))
    );
    assert_eq!(
        table.take_answer(side),
        Matched::Waiter(Waiter::Side {
            filter: 0,
            token: 7
        })
    );
    assert_eq!(
        table.take_answer(id2),
        Matched::Waiter(Waiter::Client(second))
    );
}

#[test]
fn an_answer_out_of_order_is_unexpected() {
    let mut table = InFlightTable::default();
    let (_, _id1) = client(&mut table, 1);
    let (_, id2) = client(&mut table, 2);
    assert_eq!(table.take_answer(id2), Matched::Unexpected);
}

#[test]
fn parked_slots_wake_at_their_time_or_event() {
    let mut table = InFlightTable::default();
    let now = Instant::now();
    let timed = table.open_slot(1, 18, 3);
    let evented = table.open_slot(2, 18, 3);
    for (seq, wake) in [
        (timed, Wake::At(now + std::time::Duration::from_millis(50))),
        (evented, Wake::Event(9)),
    ] {
        table.answer(seq, vec![0; 4], Some(wake));
    }
    assert_eq!(table.held_bytes(), 8, "held answers count for the client");
    assert!(table.pop_ready().is_none());
    assert_eq!(
        table.next_wake(),
        Some(now + std::time::Duration::from_millis(50))
    );
    table.wake(now + std::time::Duration::from_millis(60), None);
    assert_eq!(table.pop_ready().map(|(s, _)| s.client_id), Some(1));
    assert!(table.pop_ready().is_none(), "still waiting for event 9");
    table.wake(now, Some(8));
    assert!(table.pop_ready().is_none());
    table.wake(now, Some(9));
    assert_eq!(table.pop_ready().map(|(s, _)| s.client_id), Some(2));
}

#[test]
fn upstream_ids_wrap_to_one_and_stay_positive() {
    let mut table = InFlightTable {
        next_upstream_id: i32::MAX - 2,
        ..Default::default()
    };
    assert_eq!(table.next_upstream_id(), i32::MAX - 1);
    assert_eq!(table.next_upstream_id(), 1);
}
