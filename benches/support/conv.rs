//! Bench-local conversations held as structs, a deterministic generator with
//! the distributions of `store::generate`, and the `rsql::Record`
//! implementation a store would write for them, over the store's conversation
//! schema (`store::schema()` and its field ids).
//!
//! Conversation `i` is a pure function of `(seed, i)`, so a prefix of a large
//! set equals a small set.

use rsql::{FieldRef, FieldValue, Record};
use store::schema::{
    END_TIME, ID, MEMBER_EMAIL, MEMBER_ID, MEMBER_NAME, METADATA, NAME, START_TIME, TYPE,
};

/// One member of a conversation.
#[derive(Clone, Debug)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
}

/// A conversation in Symbl's shape; times as epoch milliseconds.
#[derive(Clone, Debug)]
pub struct Conv {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub members: Vec<Member>,
    pub metadata: Vec<(String, String)>,
}

impl Conv {
    /// The metadata value under `key` (a linear scan of four pairs, as a
    /// small-map store would do; the hand-written closures use it too).
    #[inline(always)]
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata
            .iter()
            .find(|(k, _)| short_eq(k, key))
            .map(|(_, v)| v.as_str())
    }
}

/// String equality without a `memcmp` call for strings of 4 to 16 bytes
/// (metadata keys): two overlapping word loads per side.
#[inline(always)]
fn short_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let w8 = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap());
    let w4 = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().unwrap());
    match n {
        8..=16 => w8(a, 0) == w8(b, 0) && w8(a, n - 8) == w8(b, n - 8),
        4..=7 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        _ => a == b,
    }
}

impl Record for Conv {
    #[inline(always)]
    fn get(&self, field: FieldRef<'_>) -> FieldValue<'_> {
        match field.id {
            ID => FieldValue::Str(&self.id),
            TYPE => FieldValue::Str(&self.kind),
            NAME => FieldValue::Str(&self.name),
            START_TIME => FieldValue::Time(self.start_ms),
            END_TIME => self.end_ms.map_or(FieldValue::Missing, FieldValue::Time),
            METADATA => field
                .key
                .and_then(|k| self.meta(k))
                .map_or(FieldValue::Missing, FieldValue::Str),
            _ => FieldValue::Missing,
        }
    }

    #[inline(always)]
    fn each(&self, field: FieldRef<'_>, f: &mut dyn FnMut(FieldValue<'_>) -> bool) -> bool {
        match field.id {
            MEMBER_EMAIL => self
                .members
                .iter()
                .any(|m| m.email.as_deref().is_some_and(|e| f(FieldValue::Str(e)))),
            MEMBER_NAME => self.members.iter().any(|m| f(FieldValue::Str(&m.name))),
            MEMBER_ID => self.members.iter().any(|m| f(FieldValue::Str(&m.id))),
            _ => f(self.get(field)),
        }
    }

    // The generic twin of `each` (same body): the evaluator's callback then
    // inlines into the loop over the members instead of being called through
    // a vtable per member. A store whose multi-valued fields are hot does the same.
    #[inline(always)]
    fn any<F: FnMut(FieldValue<'_>) -> bool>(&self, field: FieldRef<'_>, mut f: F) -> bool {
        match field.id {
            MEMBER_EMAIL => self
                .members
                .iter()
                .any(|m| m.email.as_deref().is_some_and(|e| f(FieldValue::Str(e)))),
            MEMBER_NAME => self.members.iter().any(|m| f(FieldValue::Str(&m.name))),
            MEMBER_ID => self.members.iter().any(|m| f(FieldValue::Str(&m.id))),
            _ => f(self.get(field)),
        }
    }
}

const TEAMS: [&str; 10] = [
    "Sales",
    "Engineering",
    "Legal",
    "Support",
    "Marketing",
    "Finance",
    "Product",
    "Design",
    "Ops",
    "HR",
];
const TOPICS: [&str; 20] = [
    "Sync",
    "Standup",
    "Brainstorm",
    "Roadmap",
    "QBR",
    "Escalation",
    "Onboarding",
    "Review",
    "Retro",
    "Planning",
    "Demo",
    "Kickoff",
    "Interview",
    "Training",
    "Incident",
    "Check-in",
    "All Hands",
    "Workshop",
    "Postmortem",
    "Weekly",
];
const COMPANIES: [&str; 8] = [
    "Acme", "Initech", "Globex", "Umbrella", "Stark", "Hooli", "Tyrell", "Wayne",
];
const DOMAINS: [&str; 8] = [
    "acme.com",
    "initech.net",
    "globex.io",
    "umbrella.org",
    "stark.dev",
    "hooli.xyz",
    "example.com",
    "tyrell.ai",
];
const FIRSTS: [&str; 20] = [
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
];
const LASTS: [&str; 25] = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
];
const CHANNELS: [&str; 5] = ["zoom", "phone", "teams", "webex", "chat"];
const REGIONS: [&str; 4] = ["us-east", "us-west", "eu-west", "ap-south"];

/// Pool size: 10 000 people with unique e-mails (`first.lastN@domain`).
pub const PEOPLE: u64 = 10_000;
const YEAR_2021_MS: i64 = 1_609_459_200_000;
const YEAR_MS: u64 = 365 * 86_400_000;

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = splitmix(self.0);
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Person `p` of the pool.
fn person(p: u64, rng: &mut Rng) -> Member {
    let first = FIRSTS[(p % 20) as usize];
    let last = LASTS[((p / 20) % 25) as usize];
    let n = p / 500;
    Member {
        id: format!("{:016x}-{:04x}", rng.next(), p),
        name: format!("{} {}", capitalise(first), capitalise(last)),
        email: Some(format!("{first}.{last}{n}@{}", DOMAINS[(n % 8) as usize])),
    }
}

/// Conversation `i` for `seed`.
pub fn conversation(seed: u64, i: u64) -> Conv {
    let mut rng = Rng(splitmix(seed ^ splitmix(i)));
    let kind = match rng.below(100) {
        0..50 => "meeting",
        50..85 => "call",
        _ => "chat",
    };
    let team = rng.pick(&TEAMS);
    let topic = rng.pick(&TOPICS);
    let name = match rng.below(3) {
        0 => format!("{team} {topic}"),
        1 => format!("{team} {topic} - {}", rng.pick(&COMPANIES)),
        _ => format!(
            "{team} {topic} {:02}/{:02}",
            1 + rng.below(12),
            1 + rng.below(28)
        ),
    };
    let start_ms = YEAR_2021_MS + rng.below(YEAR_MS) as i64;
    let duration = (5 * 60_000 + rng.below(115 * 60_000)) as i64;
    let end_ms = (rng.below(100) >= 2).then_some(start_ms + duration);
    let count = 1 + rng.below(6);
    let members = (0..count)
        .map(|_| {
            let p = rng.below(PEOPLE);
            person(p, &mut rng)
        })
        .collect();
    let metadata = vec![
        ("agentId".to_owned(), format!("agent-{:04}", rng.below(500))),
        (
            "customerId".to_owned(),
            format!("cust-{:06}", rng.below(50_000)),
        ),
        ("channel".to_owned(), rng.pick(&CHANNELS).to_owned()),
        ("region".to_owned(), rng.pick(&REGIONS).to_owned()),
    ];
    Conv {
        id: (1_000_000_000_000_000 + i * 1_000_000_007).to_string(),
        kind: kind.to_owned(),
        name,
        start_ms,
        end_ms,
        members,
        metadata,
    }
}

/// `n` conversations for `seed`.
pub fn generate(seed: u64, n: u64) -> Vec<Conv> {
    (0..n).map(|i| conversation(seed, i)).collect()
}
