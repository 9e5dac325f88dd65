//! The schema interpreter (`codec::schema::{walk, scan}`) on arbitrary bytes, as any message.
//!
//! Input: byte 0 picks the API (its key), byte 1 the version (offset from the lowest), byte 2
//! the direction and the walk options; the rest is the body.
//!
//! Invariant: nothing panics; walk and scan agree (both fail or both see the same entities);
//! when a body walks, an identity visitor returns it untouched (borrowed, so byte for byte) and
//! so does a visitor that answers every entity with its own value; renaming every entity (names
//! get a prefix, topic ids are flipped) and then renaming back gives the input byte for byte,
//! except that a renamed entity's length prefix comes back in its shortest varint form (so the
//! body can only shrink, and is identical when its prefixes were already shortest).
#![no_main]

use codec::schema::{
    self, Direction, Entity, EntityValue, MessageRef, Replacement, WalkOptions, APIS,
};
use libfuzzer_sys::fuzz_target;

fn options(flags: u8) -> WalkOptions {
    WalkOptions {
        consumer_protocol: [None, Some(false), Some(true), Some(true)]
            [usize::from((flags >> 1) & 3)],
        coordinator_key_type: [None, Some(0), Some(1), Some(2)][usize::from((flags >> 3) & 3)],
        allow_trailing_bytes: flags & 0x20 != 0,
    }
}

fn rename(forward: bool) -> impl FnMut(&Entity<'_>) -> Option<Replacement> {
    move |e| match e.value {
        EntityValue::Name(n) if forward => Some(Replacement::Name(format!("z.{n}"))),
        EntityValue::Name(n) => Some(Replacement::Name(
            n.strip_prefix("z.").expect("renamed").to_owned(),
        )),
        EntityValue::Id(mut id) => {
            id.iter_mut().for_each(|b| *b ^= 0x55);
            Some(Replacement::Id(id))
        }
        EntityValue::Null => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let [key, offset, flags, body @ ..] = data else {
        return;
    };
    let Some(api) = APIS.get(usize::from(*key) % APIS.len()) else {
        return;
    };
    let direction = if flags & 1 == 0 {
        Direction::Request
    } else {
        Direction::Response
    };
    let versions = match direction {
        Direction::Request => api.request.versions,
        Direction::Response => api.response.versions,
    };
    let span = i32::from(versions.max) - i32::from(versions.min) + 1;
    let version = versions.min + (i32::from(*offset) % span.max(1)) as i16;
    let m = MessageRef {
        api_key: api.api_key,
        version,
        direction,
    };
    let options = options(*flags);

    let mut seen = 0usize;
    let scanned = schema::scan(body, m, &options, |_| seen += 1);
    let identity = schema::walk(body, m, &options, &mut |_: &Entity<'_>| None);
    assert_eq!(
        scanned.is_ok(),
        identity.is_ok(),
        "scan and walk disagree: {scanned:?} {identity:?}"
    );
    let Ok(walked) = identity else {
        return;
    };
    assert_eq!(walked, None, "an identity walk copied");
    let mut same = |e: &Entity<'_>| match e.value {
        EntityValue::Name(n) => Some(Replacement::Name(n.to_owned())),
        EntityValue::Id(id) => Some(Replacement::Id(id)),
        EntityValue::Null => None,
    };
    assert_eq!(
        schema::walk(body, m, &options, &mut same),
        Ok(None),
        "same values copied"
    );

    let mut renamed_count = 0usize;
    let mut forward = rename(true);
    let mut counting = |e: &Entity<'_>| {
        renamed_count += 1;
        forward(e)
    };
    let renamed = match schema::walk(body, m, &options, &mut counting) {
        Ok(renamed) => renamed.unwrap_or_else(|| body.to_vec()),
        // A name at its length limit cannot grow.
        Err(schema::WalkError::TooLong(_)) => return,
        Err(e) => panic!("rename failed where identity walked: {e}"),
    };
    assert_eq!(renamed_count, seen, "walk and scan saw different entities");
    let back = there_and_back(&renamed, m, &options, false);
    // A renamed entity's length prefix is written in its shortest form, so a body that used a
    // longer (non-canonical) varint comes back shorter; otherwise it comes back exactly.
    assert!(back.len() <= body.len(), "rename and back grew the body");
    if back.len() == body.len() {
        assert_eq!(back, body, "rename and back is not the identity");
    }
    // Once normalized, the round trip is exact.
    let again = there_and_back(&back, m, &options, true);
    assert_eq!(
        there_and_back(&again, m, &options, false),
        back,
        "second round trip differs"
    );
});

/// One walk with `rename(forward)`; the body itself when nothing changed.
fn there_and_back(body: &[u8], m: MessageRef, options: &WalkOptions, forward: bool) -> Vec<u8> {
    schema::walk(body, m, options, &mut rename(forward))
        .expect("a renamed body walks")
        .unwrap_or_else(|| body.to_vec())
}
