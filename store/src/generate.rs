//! A deterministic generator of Symbl conversations with the distributions of
//! `docs/data-formats.md`, for demos, tests and benches.
//!
//! Conversation *i* is a pure function of `(seed, i)`, so a prefix of a large
//! data set equals a smaller one. Distributions:
//!
//! * id `10^15 + i·10^9 + 42 + 7i` (decimal digits, unique, increasing with *i*);
//! * `type`: `meeting` / `call` / `chat` at 50 / 35 / 15 %;
//! * `startTime` uniform over the 365 days that end at `until` (millisecond
//!   precision), duration 5–120 minutes (so an end may lie up to 2 h past
//!   `until`); the functions without `_until` use [`END_2021_MS`], i.e. 2021,
//!   the data set the benches describe (`benches/README.md`), and a
//!   conversation `_until` another end is the same one shifted in time;
//! * `name`: `{team} {topic}`, then nothing, ` - {company}` or ` MM/DD`; 12 teams, 20 topics,
//!   one of which is `Brainstorm` (so `*Brainstorm*` matches about 5 %);
//! * 1–6 distinct members from a fixed pool of 10 000 people with unique
//!   e-mails; person 0 is Charles Miller, `charles.miller1@initech.net`;
//! * metadata `agentId` (500 agents, `agent-0000`…), `customerId` (50 000),
//!   `channel` (5 values), `region` (4 values).
//!
//! ```
//! let a = store::generate::conversation(42, 7);
//! assert_eq!(a, store::generate::conversation(42, 7));
//! assert_ne!(a, store::generate::conversation(43, 7));
//! assert_eq!(a.id, "1000007000000091");
//! assert_eq!(store::generate::person(0).email.as_deref(), Some("charles.miller1@initech.net"));
//! ```

use std::io::Write;

use crate::model::{Conversation, Member, Message, MessageFrom, Metadata, Word};
use crate::rng::Rng;
use crate::store::Store;

/// People in the member pool.
pub const POOL_SIZE: usize = 10_000;
/// Distinct agents (`agent-0000` … `agent-0499`).
pub const AGENTS: u64 = 500;
/// Distinct customers (`cust-000000` … `cust-049999`).
pub const CUSTOMERS: u64 = 50_000;

/// 2022-01-01T00:00:00Z: the end of the 2021 data set.
pub const END_2021_MS: i64 = 1_640_995_200_000;
/// The 365 days a data set spans, in milliseconds.
pub const SPAN_MS: i64 = 365 * 86_400_000;
#[cfg(test)]
const YEAR_START_MS: i64 = END_2021_MS - SPAN_MS; // 2021-01-01T00:00:00Z
#[cfg(test)]
const YEAR_MS: i64 = SPAN_MS;

const TEAMS: [&str; 12] = [
    "Sales",
    "Support",
    "Legal",
    "Engineering",
    "Marketing",
    "Finance",
    "Product",
    "Design",
    "HR",
    "Ops",
    "Leadership",
    "Customer Success",
];
const TOPICS: [&str; 20] = [
    "Roadmap",
    "Brainstorm",
    "Standup",
    "Retro",
    "Planning",
    "Review",
    "Sync",
    "Onboarding",
    "Demo",
    "Kickoff",
    "Check-in",
    "Escalation",
    "Training",
    "Pipeline",
    "Interview",
    "Workshop",
    "All-Hands",
    "QBR",
    "Strategy",
    "1:1",
];
const COMPANIES: [&str; 12] = [
    "Tyrell",
    "Wayne",
    "Hooli",
    "Stark",
    "Gringotts",
    "Wonka",
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Cyberdyne",
    "Soylent",
];
const FIRST: [&str; 20] = [
    "Charles",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Barbara",
    "David",
    "Elizabeth",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Olga",
    "Ana",
];
const LAST: [&str; 26] = [
    "Miller",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Lewis",
];
const DOMAINS: [&str; 7] = [
    "initech.net",
    "acme.com",
    "globex.io",
    "hooli.xyz",
    "stark.dev",
    "umbrella.org",
    "example.com",
];
const CHANNELS: [&str; 5] = ["zoom", "phone", "teams", "webex", "web-chat"];
const REGIONS: [&str; 4] = ["us-east", "us-west", "eu-west", "ap-south"];

/// Person `k` (`k < POOL_SIZE`) of the member pool. Independent of the seed.
///
/// ```
/// let p = store::generate::person(1);
/// assert_ne!(p.email, store::generate::person(2).email);
/// assert_eq!(p.id.len(), 36);
/// ```
pub fn person(k: usize) -> Member {
    // Person k gets the combination t = (t0 + k·A) mod M of first name, last
    // name, digit and domain; A is coprime with M, so no two people share an
    // e-mail, and t0 makes person 0 `charles.miller1@initech.net`.
    const M: usize = FIRST.len() * LAST.len() * 10 * DOMAINS.len();
    const A: usize = 7_919;
    let t0 = FIRST.len() * LAST.len(); // first 0, last 0, digit 1, domain 0
    let t = (t0 + k % POOL_SIZE * A) % M;
    let (first, rest) = (t % FIRST.len(), t / FIRST.len());
    let (last, rest) = (rest % LAST.len(), rest / LAST.len());
    let (digit, domain) = (rest % 10, rest / 10 % DOMAINS.len());
    let first = FIRST[first];
    let last = LAST[last];
    let mut r = Rng::for_item(0x5EED_0F9E_091E, 1, k as u64);
    let (a, b) = (r.next_u64(), r.next_u64());
    Member {
        id: format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        ),
        name: format!("{first} {last}"),
        email: Some(format!(
            "{}.{}{digit}@{}",
            first.to_lowercase(),
            last.to_lowercase(),
            DOMAINS[domain]
        )),
    }
}

/// Conversation `i` of the data set `seed` (2021).
///
/// ```
/// let c = store::generate::conversation(1, 0);
/// assert!((1..=6).contains(&c.members.len()));
/// assert!(c.end_time.unwrap() - c.start_time >= 5 * 60_000);
/// ```
pub fn conversation(seed: u64, i: u64) -> Conversation {
    conversation_until(seed, i, END_2021_MS)
}

/// Conversation `i` of the data set `seed` whose start times span the 365
/// days that end at `until_ms` (epoch milliseconds).
///
/// ```
/// use store::generate::{conversation, conversation_until, END_2021_MS, SPAN_MS};
/// assert_eq!(conversation_until(1, 5, END_2021_MS), conversation(1, 5));
/// let now = 1_767_225_600_000; // 2026-01-01
/// let c = conversation_until(1, 5, now);
/// assert!((now - SPAN_MS..now).contains(&c.start_time));
/// assert_eq!(c.id, conversation(1, 5).id);
/// ```
pub fn conversation_until(seed: u64, i: u64, until_ms: i64) -> Conversation {
    let mut r = Rng::for_item(seed, 0xC0, i);
    let kind = match r.below(100) {
        0..50 => "meeting",
        50..85 => "call",
        _ => "chat",
    };
    let start = until_ms - SPAN_MS + r.below(SPAN_MS as u64) as i64;
    let end = start + r.range(5 * 60_000, 120 * 60_000);
    let mut name = format!("{} {}", r.pick(&TEAMS), r.pick(&TOPICS));
    match r.below(10) {
        0..4 => {}
        4..7 => {
            name.push_str(" - ");
            let company = COMPANIES[r.below(COMPANIES.len() as u64) as usize];
            name.push_str(company);
        }
        _ => {
            let date = crate::time::format_ms(start);
            name.push_str(&format!(" {}/{}", &date[5..7], &date[8..10]));
        }
    }
    let n_members = r.range(1, 6) as usize;
    let mut picked: Vec<usize> = Vec::with_capacity(n_members);
    while picked.len() < n_members {
        let k = r.below(POOL_SIZE as u64) as usize;
        if !picked.contains(&k) {
            picked.push(k);
        }
    }
    let mut metadata = Metadata::new();
    metadata.insert("agentId", format!("agent-{:04}", r.below(AGENTS)));
    metadata.insert("customerId", format!("cust-{:06}", r.below(CUSTOMERS)));
    metadata.insert("channel", *r.pick(&CHANNELS));
    metadata.insert("region", *r.pick(&REGIONS));
    Conversation {
        id: (1_000_000_000_000_000 + i * 1_000_000_000 + 42 + 7 * i).to_string(),
        kind: kind.to_string(),
        name,
        start_time: start,
        end_time: Some(end),
        members: picked.into_iter().map(person).collect(),
        metadata,
    }
}

/// Conversations `0..n` of the data set `seed` (2021).
///
/// ```
/// assert_eq!(store::generate::conversations(1, 3).count(), 3);
/// ```
pub fn conversations(seed: u64, n: u64) -> impl Iterator<Item = Conversation> {
    conversations_until(seed, n, END_2021_MS)
}

/// Conversations `0..n` of `seed` spanning the 365 days before `until_ms`.
///
/// ```
/// use store::generate::{conversations, conversations_until, END_2021_MS};
/// assert!(conversations_until(1, 3, END_2021_MS).eq(conversations(1, 3)));
/// ```
pub fn conversations_until(seed: u64, n: u64, until_ms: i64) -> impl Iterator<Item = Conversation> {
    (0..n).map(move |i| conversation_until(seed, i, until_ms))
}

/// A store holding conversations `0..n` of `seed` (2021; bulk-built indexes).
///
/// ```
/// assert_eq!(store::generate::store(1, 100).len(), 100);
/// ```
pub fn store(seed: u64, n: u64) -> Store {
    store_until(seed, n, END_2021_MS)
}

/// A store holding conversations `0..n` of `seed` spanning the 365 days
/// before `until_ms`.
///
/// ```
/// let s = store::generate::store_until(1, 10, 1_767_225_600_000);
/// assert_eq!(s.len(), 10);
/// ```
pub fn store_until(seed: u64, n: u64, until_ms: i64) -> Store {
    let mut s = Store::new();
    // Generated conversations are valid and their ids distinct.
    let _ = s.extend(conversations_until(seed, n, until_ms));
    s
}

/// Writes conversations `0..n` (2021) as JSONL (the data file format).
///
/// ```
/// let mut buf = Vec::new();
/// store::generate::write_jsonl(1, 2, &mut buf)?;
/// assert_eq!(buf.iter().filter(|&&b| b == b'\n').count(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_jsonl(seed: u64, n: u64, out: impl Write) -> std::io::Result<()> {
    write_jsonl_until(seed, n, END_2021_MS, out)
}

/// Writes conversations `0..n` spanning the 365 days before `until_ms` as
/// JSONL.
///
/// ```
/// let (mut a, mut b) = (Vec::new(), Vec::new());
/// store::generate::write_jsonl_until(1, 2, store::generate::END_2021_MS, &mut a)?;
/// store::generate::write_jsonl(1, 2, &mut b)?;
/// assert_eq!(a, b);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_jsonl_until(
    seed: u64,
    n: u64,
    until_ms: i64,
    mut out: impl Write,
) -> std::io::Result<()> {
    for c in conversations_until(seed, n, until_ms) {
        serde_json::to_writer(&mut out, &c)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

const SENTENCES: [&str; 12] = [
    "Thanks everyone for joining today.",
    "Let's review the numbers from last week.",
    "The customer asked about the renewal price.",
    "I think we should move the launch to next month.",
    "Can you send me the updated deck?",
    "We are still blocked on the security review.",
    "That sounds great, let's do it.",
    "I'm not happy with how the rollout went.",
    "Best package for you is $69.99 per month.",
    "Please follow up with the legal team.",
    "We closed three new accounts this quarter.",
    "Let's schedule a follow-up for Friday.",
];

/// Deterministic messages for a conversation: 3–12 sentences spoken by its
/// members in turn, inside `[startTime, endTime]`, with word timings and a
/// sentiment score.
///
/// ```
/// let c = store::generate::conversation(5, 1);
/// let msgs = store::generate::messages(5, &c);
/// assert!(msgs.iter().all(|m| m.conversation_id == c.id && m.start_time >= c.start_time));
/// assert!(msgs.windows(2).all(|w| w[0].start_time <= w[1].start_time));
/// ```
pub fn messages(seed: u64, c: &Conversation) -> Vec<Message> {
    let mut r = Rng::for_item(
        seed,
        0x3E55,
        c.id.bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    );
    let n = r.range(3, 12);
    let end = c.effective_end().max(c.start_time + n * 2_000);
    let slot = (end - c.start_time) / n;
    (0..n)
        .map(|k| {
            let text = *r.pick(&SENTENCES);
            let from = c.members.get(k as usize % c.members.len().max(1));
            let start = c.start_time + k * slot;
            let stop = start + slot * 9 / 10;
            let words: Vec<&str> = text.split(' ').collect();
            let step = (stop - start) / words.len() as i64;
            Message {
                id: format!("{}{:03}", &c.id[..c.id.len().min(13)], k),
                text: text.to_string(),
                from: MessageFrom {
                    id: from.map_or_else(String::new, |m| m.id.clone()),
                    name: from.map_or_else(String::new, |m| m.name.clone()),
                    user_id: from.and_then(|m| m.email.clone()),
                },
                start_time: start,
                end_time: stop,
                conversation_id: c.id.clone(),
                sentiment: Some((r.range(-100, 100) as f64) / 100.0),
                words: words
                    .iter()
                    .enumerate()
                    .map(|(w, word)| Word {
                        word: (*word).to_string(),
                        start_time: start + w as i64 * step,
                        end_time: start + (w as i64 + 1) * step,
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_emails_are_unique() {
        let mut emails: Vec<String> = (0..POOL_SIZE).filter_map(|k| person(k).email).collect();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), POOL_SIZE);
        let mut ids: Vec<String> = (0..POOL_SIZE).map(|k| person(k).id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), POOL_SIZE);
    }

    #[test]
    fn distributions_are_close() {
        let n = 20_000u64;
        let convs: Vec<Conversation> = conversations(9, n).collect();
        let share = |p: &dyn Fn(&Conversation) -> bool| {
            convs.iter().filter(|c| p(c)).count() as f64 / n as f64
        };
        assert!((share(&|c| c.kind == "meeting") - 0.50).abs() < 0.02);
        assert!((share(&|c| c.kind == "call") - 0.35).abs() < 0.02);
        assert!((share(&|c| c.name.contains("Brainstorm")) - 0.05).abs() < 0.01);
        assert!(convs.iter().all(|c| {
            let d = c.end_time.unwrap_or(0) - c.start_time;
            (5 * 60_000..=120 * 60_000).contains(&d)
                && (YEAR_START_MS..YEAR_START_MS + YEAR_MS).contains(&c.start_time)
        }));
        assert!(convs.iter().any(|c| {
            c.members
                .iter()
                .any(|m| m.email.as_deref() == Some("charles.miller1@initech.net"))
        }));
    }

    /// FNV-1a, 64 bits.
    fn fnv(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    #[test]
    fn the_2021_data_set_is_unchanged() {
        // The JSONL of the benches' data set (seed 42) as it was before the
        // `until` parameter existed: any change here changes every figure.
        let mut buf = Vec::new();
        write_jsonl(42, 2_000, &mut buf).unwrap();
        let c = conversation(42, 0);
        let msgs = format!("{:?}", messages(42, &c)).into_bytes();
        assert_eq!(
            (buf.len(), fnv(&buf), fnv(&msgs)),
            (
                1_265_040,
                12_996_853_790_265_803_016,
                3_098_358_022_535_808_209
            )
        );
        let mut pinned = Vec::new();
        write_jsonl_until(42, 2_000, END_2021_MS, &mut pinned).unwrap();
        assert!(pinned == buf);
    }

    #[test]
    fn prefix_property() {
        let small: Vec<Conversation> = conversations(3, 10).collect();
        let big: Vec<Conversation> = conversations(3, 20).collect();
        assert_eq!(small[..], big[..10]);
    }
}
