//! The data behind the four route families when they live in memory,
//! loaded from files or generated for `--demo` (`api.md` §2.6), and turned
//! into the in-memory storage ([`Data::into_storage`]; the lock and the
//! streaming of large pages are `store::storage::MemoryStorage`'s).

use store::families::chatbot::ChatbotStore;
use store::families::mongo::MongoStore;
use store::families::whatsapp::WhatsAppStore;
use store::load::LoadOptions;

use crate::config::Config;

/// Everything the routes read.
#[derive(Debug, Default)]
pub struct Data {
    /// Symbl conversations and messages.
    pub symbl: store::Store,
    /// Mongo-family documents per organization/collection.
    pub mongo: MongoStore,
    /// WhatsApp conversations.
    pub whatsapp: WhatsAppStore,
    /// Chatbot messages per conversation.
    pub chatbot: ChatbotStore,
}

/// What loading produced, for the start-up banner.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadSummary {
    /// One line per family: what was loaded or generated.
    pub lines: Vec<String>,
    /// Records skipped because they were invalid (with the reason).
    pub skipped: Vec<String>,
    /// The span of the generated Symbl start times, `[from, until)` in
    /// epoch milliseconds (`None` unless `--demo` generated them).
    pub demo_span: Option<(i64, i64)>,
    /// The chatbot conversation ids `1..=n` that `--demo` generated
    /// (`None` when not generated).
    pub chatbot_ids: Option<u64>,
}

/// A load failure: which file and why.
#[derive(Debug)]
pub struct DataError {
    /// The flag whose file failed (`--symbl-data`…).
    pub flag: &'static str,
    /// The store's error.
    pub error: Box<store::LoadError>,
}

impl std::fmt::Display for DataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.flag, self.error)
    }
}

impl std::error::Error for DataError {}

impl Data {
    /// No data at all.
    ///
    /// ```
    /// assert!(server::Data::empty().whatsapp.is_empty());
    /// ```
    pub fn empty() -> Data {
        Data::default()
    }

    /// The 2021 demo data set: [`Data::demo_until`] pinned to
    /// 2022-01-01T00:00:00Z (what `--demo --demo-until
    /// 2022-01-01T00:00:00Z` serves, and what the tests and benches use).
    ///
    /// ```
    /// let d = server::Data::demo(7, 50);
    /// assert!(!d.mongo.find("acme", "conversations", Some("user1")).is_empty());
    /// assert!(d.chatbot.messages(1).is_some());
    /// ```
    pub fn demo(seed: u64, size: usize) -> Data {
        Data::demo_until(seed, size, store::generate::END_2021_MS)
    }

    /// Generated data for every family, deterministic for (`seed`, `size`,
    /// `until_ms`): `size` Symbl conversations starting in the 365 days that
    /// end at `until_ms`, and smaller sets for the others (org `acme` with
    /// `user1`, all WhatsApp statuses, chatbot ids `1..=`[`demo_chatbot_ids`]).
    ///
    /// ```
    /// let now = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    /// let d = server::Data::demo_until(7, 50, now);
    /// assert_eq!(d.symbl.len(), 50);
    /// assert!(d.chatbot.messages(100).is_some());
    /// assert!(d.chatbot.messages(101).is_none());
    /// ```
    pub fn demo_until(seed: u64, size: usize, until_ms: i64) -> Data {
        Data {
            symbl: demo_symbl(seed, size, until_ms),
            mongo: MongoStore::generate(seed, 200),
            whatsapp: WhatsAppStore::generate(seed, 300),
            chatbot: ChatbotStore::generate(
                seed,
                usize::try_from(demo_chatbot_ids(size)).unwrap_or(usize::MAX),
            ),
        }
    }

    /// The in-memory storage over this data, what the handlers call.
    ///
    /// ```
    /// use store::storage::Storage;
    /// let s = server::Data::demo(7, 50).into_storage();
    /// assert!(s.describe().contains("memory"));
    /// ```
    pub fn into_storage(self) -> store::storage::MemoryStorage {
        store::storage::MemoryStorage::new(self.symbl, self.mongo, self.whatsapp, self.chatbot)
    }

    /// Builds the data the configuration asks for: `--demo` generates every
    /// family; each `--*-data` flag then replaces its family with the file.
    pub fn from_config(cfg: &Config) -> Result<(Data, LoadSummary), DataError> {
        let mut summary = LoadSummary::default();
        let mut data = if cfg.demo {
            let until = cfg
                .demo_until
                .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
            summary.demo_span = Some((until - store::generate::SPAN_MS, until));
            summary.chatbot_ids = Some(demo_chatbot_ids(cfg.demo_size));
            Data::demo_until(cfg.demo_seed, cfg.demo_size, until)
        } else {
            Data::empty()
        };
        let opts = LoadOptions::default();
        let note =
            |flag: &'static str, report: store::load::LoadReport, summary: &mut LoadSummary| {
                summary
                    .lines
                    .push(format!("{flag}: loaded {} records", report.loaded));
                summary.skipped.extend(
                    report
                        .skipped
                        .iter()
                        .map(|e| format!("{flag}: skipped {e}")),
                );
            };
        if let Some(path) = &cfg.symbl_data {
            let mut s = store::Store::new();
            let report =
                store::load::load_jsonl_file(&mut s, path, &opts).map_err(|error| DataError {
                    flag: "--symbl-data",
                    error: Box::new(error),
                })?;
            note("--symbl-data", report, &mut summary);
            summary.demo_span = None;
            data.symbl = s;
        }
        if let Some(path) = &cfg.mongo_data {
            let mut m = MongoStore::new();
            let report = m.load_dir(path, &opts).map_err(|error| DataError {
                flag: "--mongo-data",
                error: Box::new(error),
            })?;
            note("--mongo-data", report, &mut summary);
            data.mongo = m;
        }
        if let Some(path) = &cfg.whatsapp_data {
            let mut w = WhatsAppStore::new();
            let report = w.load_file(path, &opts).map_err(|error| DataError {
                flag: "--whatsapp-data",
                error: Box::new(error),
            })?;
            note("--whatsapp-data", report, &mut summary);
            data.whatsapp = w;
        }
        if let Some(path) = &cfg.chatbot_data {
            let mut c = ChatbotStore::new();
            let report = c.load_file(path, &opts).map_err(|error| DataError {
                flag: "--chatbot-data",
                error: Box::new(error),
            })?;
            note("--chatbot-data", report, &mut summary);
            summary.chatbot_ids = None;
            data.chatbot = c;
        }
        Ok((data, summary))
    }
}

/// How many demo conversations get generated messages (messages are what a
/// first-time client opens; giving every one of 100 000 conversations a
/// transcript would multiply the demo's memory).
pub const DEMO_CONVERSATIONS_WITH_MESSAGES: usize = 1_000;

/// The chatbot conversations `--demo` generates for `size` Symbl ones: ids
/// `1..=n` with `n` = `size / 50` between 100 and 2 000, so the seed's
/// example id 1234 exists from `--demo-size 61700` on (the default 100 000
/// gives 2 000).
///
/// ```
/// assert_eq!(server::data::demo_chatbot_ids(2_000), 100);
/// assert_eq!(server::data::demo_chatbot_ids(100_000), 2_000);
/// ```
pub fn demo_chatbot_ids(size: usize) -> u64 {
    u64::try_from(size / 50)
        .unwrap_or(u64::MAX)
        .clamp(100, 2_000)
}

fn demo_symbl(seed: u64, size: usize, until_ms: i64) -> store::Store {
    let mut s = store::generate::store_until(seed, size as u64, until_ms);
    for i in 0..size.min(DEMO_CONVERSATIONS_WITH_MESSAGES) {
        let c = store::generate::conversation_until(seed, i as u64, until_ms);
        let msgs = store::generate::messages(seed, &c);
        if let Err(e) = s.set_messages(&c.id, msgs) {
            tracing::warn!("demo messages for {}: {e}", c.id);
        }
    }
    s
}
