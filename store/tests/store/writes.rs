//! Write semantics: metadata merge, member update with message propagation,
//! delete with messages, upsert, and rejected writes that change nothing.

use store::{Member, Store, StoreError};

fn one() -> (Store, store::Conversation) {
    let c = store::generate::conversation(5, 3);
    let mut s = Store::new();
    s.insert(c.clone()).unwrap();
    s.set_messages(&c.id, store::generate::messages(5, &c))
        .unwrap();
    (s, c)
}

#[test]
fn metadata_merge_adds_replaces_and_removes() {
    let (mut s, c) = one();
    let after = s
        .update_metadata(
            &c.id,
            &[
                ("agentId".into(), Some("agent-9999".into())),
                ("region".into(), None),
                ("team".into(), Some("blue".into())),
            ],
        )
        .unwrap();
    assert_eq!(after.get("agentId"), Some("agent-9999"));
    assert_eq!(after.get("region"), None);
    assert_eq!(after.get("team"), Some("blue"));
    assert_eq!(after.get("channel"), c.metadata.get("channel"));
    let q = |f: &str| {
        s.query(&store::QuerySpec {
            filter: Some(store::compile_filter(f).unwrap()),
            ..Default::default()
        })
        .unwrap()
        .total
    };
    assert_eq!(q("metadata.agentId==agent-9999"), 1);
    assert_eq!(
        q(&format!(
            "metadata.agentId=={}",
            c.metadata.get("agentId").unwrap()
        )),
        0
    );
    assert_eq!(q("metadata.team==blue"), 1);
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn member_update_reaches_the_messages() {
    let (mut s, c) = one();
    let old = c.members[0].clone();
    let new = Member {
        id: old.id.clone(),
        name: "Renamed Person".into(),
        email: Some("renamed@x.io".into()),
    };
    s.update_member(&c.id, new.clone()).unwrap();
    assert_eq!(s.members(&c.id).unwrap()[0], new);
    let msgs = s.messages(&c.id).unwrap();
    let from_member: Vec<_> = msgs.iter().filter(|m| m.from.id == old.id).collect();
    assert!(!from_member.is_empty());
    assert!(
        from_member.iter().all(|m| m.from.name == "Renamed Person"
            && m.from.user_id.as_deref() == Some("renamed@x.io"))
    );
    let q = |f: &str| {
        s.query(&store::QuerySpec {
            filter: Some(store::compile_filter(f).unwrap()),
            ..Default::default()
        })
        .unwrap()
        .total
    };
    assert_eq!(q("members.email==renamed@x.io"), 1);
    assert_eq!(q(&format!("members.email=={}", old.email.unwrap())), 0);
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn rejected_writes_change_nothing() {
    let (mut s, c) = one();
    let before = s.get(&c.id).unwrap();
    let unknown = Member {
        id: "nobody".into(),
        name: "X".into(),
        email: None,
    };
    assert!(matches!(
        s.update_member(&c.id, unknown),
        Err(StoreError::NotFound { what: "member", .. })
    ));
    assert!(matches!(
        s.update_metadata("nope", &[]),
        Err(StoreError::NotFound {
            what: "conversation",
            ..
        })
    ));
    assert!(matches!(s.delete("nope"), Err(StoreError::NotFound { .. })));
    let mut bad = c.clone();
    bad.end_time = Some(bad.start_time - 1);
    assert!(s.upsert(bad).is_err());
    assert!(
        s.insert_json(r#"{"id":"zz","type":"call","name":"n","startTime":"2021-13-01T00:00:00Z"}"#)
            .is_err()
    );
    assert_eq!(s.get(&c.id).unwrap(), before);
    assert_eq!(s.len(), 1);
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn delete_removes_messages_and_upsert_keeps_them() {
    let (mut s, c) = one();
    let mut renamed = c.clone();
    renamed.name = "Other".into();
    assert_eq!(s.upsert(renamed).unwrap(), Some(c.clone()));
    assert!(
        !s.messages(&c.id).unwrap().is_empty(),
        "upsert keeps the messages of the id"
    );
    s.delete(&c.id).unwrap();
    assert!(s.messages(&c.id).is_none());
    s.insert(c.clone()).unwrap();
    assert_eq!(
        s.messages(&c.id).map(<[_]>::len),
        Some(0),
        "a re-created id starts without messages"
    );
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn running_conversations_sort_last_ascending_and_first_descending() {
    let mut s = Store::new();
    for (i, end) in [(0, Some(30)), (1, None), (2, Some(10)), (3, None)] {
        let mut c = store::generate::conversation(1, i);
        c.id = format!("r{i}");
        c.start_time = 1_600_000_000_000 + i as i64;
        c.end_time = end.map(|e| c.start_time + e * 60_000);
        s.insert(c).unwrap();
    }
    let ids = |sort: &str| {
        let spec = store::QuerySpec::from_params(
            &store::Params {
                sort: Some(sort),
                start_time: Some("2000-01-01T00:00:00Z"),
                ..Default::default()
            },
            1_700_000_000_000,
        )
        .unwrap();
        s.query(&spec)
            .unwrap()
            .items
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids("conversation.endTime"), ["r2", "r0", "r1", "r3"]);
    assert_eq!(ids("-conversation.endTime"), ["r1", "r3", "r0", "r2"]);
    // A running conversation is in a window when it started inside it.
    let spec = store::QuerySpec::from_params(
        &store::Params {
            start_time: Some("2020-09-13T12:26:40.001Z"),
            end_time: Some("2020-09-13T12:26:40.003Z"),
            ..Default::default()
        },
        1_700_000_000_000,
    )
    .unwrap();
    let page = s.query(&spec).unwrap();
    assert_eq!(
        page.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["r1", "r3"]
    );
}

#[test]
fn a_filter_from_another_schema_is_rejected() {
    let (s, _) = one();
    let other = rsql::Schema::builder()
        .field(rsql::Field::new(
            "conversation.type",
            rsql::FieldType::String,
        ))
        .build()
        .unwrap();
    let filter = other
        .compile(&rsql::parse("conversation.type==call").unwrap())
        .unwrap();
    let spec = store::QuerySpec {
        filter: Some(filter.into()),
        ..Default::default()
    };
    assert!(matches!(s.query(&spec), Err(StoreError::ForeignSchema)));
}
