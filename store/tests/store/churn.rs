//! Strings and people are given back: after writes that undo each other the
//! store's own accounting ([`Store::stats`]) returns to its baseline exactly,
//! and freed entries are reused before a table grows (issue 13, item 3).

use store::{Conversation, Limits, Member, Metadata, RecordErrorKind, Stats, Store};

/// Rounds × keys of the churn pattern (the issue measured 100 × 5 000 on a
/// server; fewer here keep the test quick, the pattern is the same).
const ROUNDS: usize = 20;
const KEYS: usize = 2_000;

/// A deterministic stream of printable strings.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `len` characters from `[A-Za-z0-9]`.
    fn text(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| char::from(ALPHABET[(self.next() % ALPHABET.len() as u64) as usize]))
            .collect()
    }
}

fn base() -> Store {
    store::generate::store(3, 200)
}

/// The counts of what the store holds, without the table sizes.
fn held(s: &Store) -> (usize, usize, usize, usize) {
    let Stats {
        conversations,
        strings,
        string_bytes,
        people,
        ..
    } = s.stats();
    (conversations, strings, string_bytes, people)
}

#[test]
fn random_metadata_values_set_to_null_leave_the_baseline() {
    let mut s = base();
    let baseline = held(&s);
    let ids: Vec<String> = s.iter().map(|c| c.id).collect();
    let mut rng = Random(0x5eed);
    let keys: Vec<String> = (0..KEYS).map(|k| format!("k{k:04}")).collect();
    let mut slots_after_first_round = 0;
    for round in 0..ROUNDS {
        // One PUT of KEYS random 128-character values per round, on a
        // different conversation each time; each round also replaces the
        // values the previous round left on conversation 0.
        for id in [&ids[round % ids.len()], &ids[0]] {
            let changes: Vec<(String, Option<String>)> = keys
                .iter()
                .map(|k| (k.clone(), Some(rng.text(128))))
                .collect();
            s.update_metadata(id, &changes).unwrap();
        }
        if round == 0 {
            slots_after_first_round = s.stats().string_slots;
        }
    }
    // Held: the keys, and the last values of conversation 0 and of the
    // 19 others written once.
    let stats = s.stats();
    assert_eq!(stats.strings, baseline.1 + KEYS + KEYS * ROUNDS);
    assert_eq!(s.check_consistency(), Ok(()));
    // 2 × ROUNDS × KEYS values were written, but replaced values were freed
    // and their symbols reused: the table grew by what is held, plus the
    // KEYS new values a PUT holds beside the old ones while it runs.
    assert_eq!(slots_after_first_round, baseline.1 + 3 * KEYS);
    assert_eq!(stats.string_slots, stats.strings + KEYS);
    // Every key set to null: back to the baseline, byte for byte.
    let nulls: Vec<(String, Option<String>)> = keys.iter().map(|k| (k.clone(), None)).collect();
    for id in &ids {
        s.update_metadata(id, &nulls).unwrap();
    }
    assert_eq!(held(&s), baseline);
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn a_metadata_merge_of_many_keys_keeps_the_order_and_the_counts() {
    let mut s = base();
    let id = s.iter().next().unwrap().id;
    let before = s.get(&id).unwrap().metadata;
    // 100 000 distinct keys of 3 characters (the 25 s body had
    // 116 328): the merge is linear in the keys.
    let mut rng = Random(7);
    let key = |i: usize| {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        [i / 3844, i / 62 % 62, i % 62]
            .map(|d| char::from(A[d]))
            .iter()
            .collect::<String>()
    };
    let changes: Vec<(String, Option<String>)> =
        (0..100_000).map(|i| (key(i), Some(rng.text(4)))).collect();
    let pairs = |m: &Metadata| -> Vec<(String, String)> {
        m.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let mut want = pairs(&before);
    want.extend(changes.iter().map(|(k, v)| (k.clone(), v.clone().unwrap())));
    let after = s.update_metadata(&id, &changes).unwrap();
    assert_eq!(pairs(&after), want);
    // Remove every other key and add the first one again: it goes last.
    let mut removals: Vec<(String, Option<String>)> = changes
        .iter()
        .step_by(2)
        .map(|(k, _)| (k.clone(), None))
        .collect();
    removals.push((key(0), Some("again".into())));
    let after = s.update_metadata(&id, &removals).unwrap();
    let mut want: Vec<(String, String)> = pairs(&before);
    want.extend(
        changes
            .iter()
            .skip(1)
            .step_by(2)
            .map(|(k, v)| (k.clone(), v.clone().unwrap())),
    );
    want.push((key(0), "again".into()));
    assert_eq!(pairs(&after), want);
    assert_eq!(s.check_consistency(), Ok(()));
    // Back to the original metadata: back to the original counts.
    let baseline = held(&base());
    let mut undo: Vec<(String, Option<String>)> =
        after.iter().map(|(k, _)| (k.to_string(), None)).collect();
    undo.extend(
        before
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string()))),
    );
    let after = s.update_metadata(&id, &undo).unwrap();
    assert_eq!(after, before);
    assert_eq!(held(&s), baseline);
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn member_renames_back_and_forth_leave_the_baseline() {
    let mut s = base();
    let baseline = held(&s);
    let convs: Vec<Conversation> = s.iter().take(50).collect();
    for round in 0..10 {
        for c in &convs {
            for m in &c.members {
                let renamed = Member {
                    name: format!("{} round {round}", m.name),
                    email: Some(format!(
                        "round{round}.{}",
                        m.email.as_deref().unwrap_or("x@y.io")
                    )),
                    ..m.clone()
                };
                s.update_member(&c.id, renamed).unwrap();
            }
        }
        assert!(held(&s).3 > baseline.3, "renamed people are new people");
        for c in &convs {
            for m in &c.members {
                s.update_member(&c.id, m.clone()).unwrap();
            }
        }
        assert_eq!(held(&s), baseline, "round {round}");
    }
    assert_eq!(s.check_consistency(), Ok(()));
    for c in &convs {
        assert_eq!(s.get(&c.id).as_ref(), Some(c));
    }
}

/// A conversation whose every string is its own.
fn unique(n: usize) -> Conversation {
    let metadata: Metadata = (0..5)
        .map(|k| (format!("u{n}-key{k}"), format!("u{n}-value{k}")))
        .collect();
    Conversation {
        id: format!("unique-{n}"),
        kind: format!("kind-{n}"),
        name: format!("name-{n}"),
        start_time: 1_600_000_000_000 + n as i64,
        end_time: None,
        members: (0..3)
            .map(|m| Member {
                id: format!("u{n}-m{m}"),
                name: format!("Person {n}.{m}"),
                email: Some(format!("p{n}.{m}@unique.io")),
            })
            .collect(),
        metadata,
    }
}

#[test]
fn deleting_conversations_with_unique_strings_leaves_the_baseline() {
    let mut s = base();
    let baseline = held(&s);
    for n in 0..100 {
        s.insert(unique(n)).unwrap();
    }
    let grown = s.stats();
    assert_eq!(grown.conversations, baseline.0 + 100);
    // Type, name, 5 keys, 5 values, 3 × (id, name, e-mail) per conversation.
    assert_eq!(grown.strings, baseline.1 + 100 * (2 + 10 + 9));
    assert_eq!(grown.people, baseline.3 + 300);
    for n in 0..100 {
        s.delete(&format!("unique-{n}")).unwrap();
    }
    assert_eq!(held(&s), baseline);
    assert_eq!(s.check_consistency(), Ok(()));
    // The freed entries are reused: the same churn again does not grow the tables.
    for n in 100..200 {
        s.insert(unique(n)).unwrap();
    }
    assert_eq!(
        (s.stats().string_slots, s.stats().people_slots),
        (grown.string_slots, grown.people_slots)
    );
    // An upsert gives back what the replaced version held.
    for n in 100..200 {
        let mut c = base().iter().next().unwrap();
        c.id = format!("unique-{n}");
        s.upsert(c).unwrap();
    }
    assert_eq!(held(&s).1, baseline.1);
    assert_eq!(held(&s).3, baseline.3);
    assert_eq!(s.check_consistency(), Ok(()));
}

#[test]
fn a_bulk_load_deleted_leaves_an_empty_table() {
    let mut s = Store::new();
    let mut jsonl = Vec::new();
    store::generate::write_jsonl(9, 500, &mut jsonl).unwrap();
    let report = store::load::load_jsonl(&mut s, jsonl.as_slice(), &Default::default()).unwrap();
    assert_eq!(report.loaded, 500);
    assert_eq!(s.check_consistency(), Ok(()));
    let ids: Vec<String> = s.iter().map(|c| c.id).collect();
    for id in ids {
        s.delete(&id).unwrap();
    }
    let stats = s.stats();
    assert_eq!(held(&s), (0, 0, 0, 0));
    assert!(stats.string_slots > 0 && stats.people_slots > 0);
    assert_eq!(s.check_consistency(), Ok(()));
}

/// The limit a write passed, as `(what, limit)`.
fn limit_of(err: store::StoreError) -> (&'static str, u32) {
    match err.record().map(|r| r.kind()) {
        Some(&RecordErrorKind::Limit { what, limit }) => (what, limit),
        _ => panic!("not a limit error: {err}"),
    }
}

#[test]
fn the_string_limit_counts_strings_held_at_once() {
    let mut s = Store::with_limits(Limits {
        strings: 8,
        people: 2,
        ..Limits::default()
    });
    let conv = |id: &str, kind: &str, name: &str, members: &[(&str, &str)]| Conversation {
        id: id.into(),
        kind: kind.into(),
        name: name.into(),
        start_time: 1_600_000_000_000,
        end_time: None,
        members: members
            .iter()
            .map(|&(id, name)| Member {
                id: id.into(),
                name: name.into(),
                email: None,
            })
            .collect(),
        metadata: Metadata::new(),
    };
    s.insert(conv("1", "call", "a", &[("m1", "Ana")])).unwrap(); // 4 strings, 1 person
    s.insert(conv("2", "call", "b", &[("m2", "Bo")])).unwrap(); // 7 strings, 2 people
    // A new person past the people limit; its strings are not kept.
    let past = s
        .insert(conv("3", "call", "a", &[("m3", "Cy")]))
        .unwrap_err();
    assert_eq!(limit_of(past), ("distinct members", 2));
    assert_eq!(held(&s), (2, 7, 15, 2));
    // At the string limit, then past it: a failed merge keeps nothing.
    s.update_metadata("1", &[("k".into(), None)]).unwrap();
    let past = s
        .update_metadata("1", &[("k".into(), Some("v".into()))])
        .unwrap_err();
    assert_eq!(limit_of(past), ("distinct strings", 8));
    assert_eq!(held(&s), (2, 7, 15, 2));
    // `k` (the value `a` is held already): 8, at the limit.
    s.update_metadata("1", &[("k".into(), Some("a".into()))])
        .unwrap();
    assert_eq!(held(&s).1, 8);
    // A delete gives room back: the limit is on strings held at once.
    s.delete("2").unwrap(); // frees `b`, `m2`, `Bo`
    assert_eq!(held(&s), (1, 5, 11, 1));
    // `c`, `m3`, `Cy`: 8 held, at the limit again (11 distinct strings so far).
    s.insert(conv("3", "call", "c", &[("m3", "Cy")])).unwrap();
    assert_eq!((held(&s).1, held(&s).3), (8, 2));
    assert_eq!(s.check_consistency(), Ok(()));
    assert_eq!(
        (s.stats().string_slots, s.stats().people_slots),
        (8, 2),
        "freed symbols and numbers are reused"
    );
}
