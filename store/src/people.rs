//! The people: each distinct member `(id, name, e-mail)` is stored once as a
//! [`Person`] of interned symbols and named by its number, which is what a
//! row lists as its members.
//!
//! [`People`] also keeps, per person, its member object as JSON (rendered
//! once, copied into every page that shows the person; [`PeopleJson`]) and a
//! [`PersonCache`] that makes finding the person of a member that comes back
//! unchanged one warm lookup.
//!
//! Like strings (`intern.rs`), people are counted and freed: each member
//! entry of a row holds one reference to its person, and each person holds
//! one reference to each of its strings. [`People::intern`] takes a
//! reference, [`People::release`] gives one back; the last release frees the
//! person, its strings' references and its JSON, and the next new person
//! takes its number. So [`Limits::people`](crate::Limits) bounds the people
//! held at once.

use std::ops::Index;

use crate::error::RecordError;
use crate::intern::{FastMap, Interner, NO_SYM, Sym, shrink_if_sparse};
use crate::json::write_member;

/// A member as stored: interned id, name and e-mail ([`NO_SYM`] if none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Person {
    pub(crate) id: Sym,
    pub(crate) name: Sym,
    pub(crate) email: Sym,
}

/// A reference count that no longer moves (as in `intern.rs`).
const STUCK: u32 = u32::MAX;

/// Every person held, numbered from 0 (a freed number is reused first), at
/// most [`Limits::people`](crate::Limits) at once.
#[derive(Clone, Debug)]
pub(crate) struct People {
    /// Each number's person (stale for a free number: read only numbers in use).
    list: Vec<Person>,
    /// Each number's reference count (0 = free).
    refs: Vec<u32>,
    /// Free numbers, taken last-in first-out.
    free: Vec<u32>,
    /// Each person's JSON object, rendered once.
    pub(crate) json: PeopleJson,
    map: FastMap<Person, u32>,
    /// The last person seen for each member id, checked against a compact
    /// copy of the people's strings: most members come back with the same
    /// name and e-mail, so one warm lookup replaces four cold ones.
    cache: PersonCache,
    /// At most this many people at once (at most `u32::MAX`: numbers are `u32`s).
    limit: u32,
}

impl Default for People {
    /// A table of up to `u32::MAX` people.
    fn default() -> People {
        People::with_limit(u32::MAX)
    }
}

impl Index<usize> for People {
    type Output = Person;

    fn index(&self, n: usize) -> &Person {
        &self.list[n]
    }
}

impl People {
    /// Heap bytes of the people, their JSON objects and the member cache
    /// (their strings are the interner's; see `heapsize.rs`).
    pub(crate) fn heap_bytes(&self) -> usize {
        use crate::heapsize::{block, table, vec};
        vec::<Person>(self.list.capacity())
            + vec::<u32>(self.refs.capacity())
            + vec::<u32>(self.free.capacity())
            + block(self.json.bytes.capacity())
            + vec::<(usize, usize)>(self.json.spans.capacity())
            + table::<(Person, u32)>(self.map.capacity())
            + table::<(u64, (u32, u32))>(self.cache.by_id.capacity())
            + block(self.cache.text.capacity())
    }

    /// An empty table that holds at most `limit` people at once.
    pub(crate) fn with_limit(limit: u32) -> People {
        People {
            list: Vec::new(),
            refs: Vec::new(),
            free: Vec::new(),
            json: PeopleJson::default(),
            map: FastMap::default(),
            cache: PersonCache::default(),
            limit,
        }
    }

    /// Person `n`, if `n` was ever a number (a number in use gives its person).
    pub(crate) fn get(&self, n: u32) -> Option<Person> {
        self.list.get(n as usize).copied()
    }

    /// Every person by number (stale entries at free numbers).
    pub(crate) fn as_slice(&self) -> &[Person] {
        &self.list
    }

    /// Number of people held.
    pub(crate) fn held(&self) -> usize {
        self.map.len()
    }

    /// The reference count of each number (0 = free), for the consistency check.
    pub(crate) fn refs(&self) -> &[u32] {
        &self.refs
    }

    /// The number of the person `(id, name, email)` with one more reference
    /// taken (given back with [`People::release`]), adding the person and
    /// interning its strings if new; a new string or person past its table's
    /// limit is an error and changes nothing.
    pub(crate) fn intern(
        &mut self,
        strings: &mut Interner,
        id: &str,
        name: &str,
        email: Option<&str>,
    ) -> Result<u32, RecordError> {
        if let Some(n) = self.cache.get(id, name, email) {
            self.retain(n);
            return Ok(n);
        }
        let known = match (strings.lookup(id), strings.lookup(name), email) {
            (Some(id), Some(name), None) => Some(Person {
                id,
                name,
                email: NO_SYM,
            }),
            (Some(id), Some(name), Some(e)) => {
                strings.lookup(e).map(|email| Person { id, name, email })
            }
            _ => None,
        };
        if let Some(&n) = known.as_ref().and_then(|p| self.map.get(p)) {
            self.retain(n);
            self.cache.put(n, id, name, email);
            return Ok(n);
        }
        if self.map.len() >= self.limit as usize {
            return Err(crate::limits::reached("distinct members", self.limit));
        }
        let p = intern_person(strings, id, name, email)?;
        let n = match self.free.pop() {
            Some(n) => {
                self.list[n as usize] = p;
                self.refs[n as usize] = 1;
                n
            }
            None => {
                // Fewer than `limit` (a `u32`) people are held and none is
                // free, so the next number is below `limit`.
                let Ok(n) = u32::try_from(self.list.len()) else {
                    release_person(strings, p);
                    return Err(crate::limits::reached("distinct members", self.limit));
                };
                self.list.push(p);
                self.refs.push(1);
                n
            }
        };
        self.map.insert(p, n);
        self.json.put(n, id, name, email);
        self.cache.put(n, id, name, email);
        Ok(n)
    }

    /// Takes one more reference to person `n` (in use).
    pub(crate) fn retain(&mut self, n: u32) {
        if let Some(r) = self.refs.get_mut(n as usize)
            && *r != 0
            && *r != STUCK
        {
            *r += 1;
        }
    }

    /// Gives back one reference to person `n`; the last one frees the person,
    /// its JSON and its strings' references.
    pub(crate) fn release(&mut self, strings: &mut Interner, n: u32) {
        let Some(r) = self.refs.get_mut(n as usize) else {
            return;
        };
        match *r {
            0 | STUCK => {}
            1 => {
                *r = 0;
                let p = self.list[n as usize];
                self.map.remove(&p);
                shrink_if_sparse(&mut self.map);
                self.cache.forget(n, strings.get(p.id));
                self.json.free(n);
                release_person(strings, p);
                self.free.push(n);
            }
            _ => *r -= 1,
        }
    }

    /// Checks the table against itself (map, numbers, free list, JSON); the
    /// counts' agreement with the rows is
    /// [`Store::check_consistency`](crate::Store::check_consistency)'s.
    pub(crate) fn check(&self, strings: &Interner) -> Result<(), String> {
        let mut free = 0;
        for (n, (p, &r)) in self.list.iter().zip(&self.refs).enumerate() {
            if r == 0 {
                free += 1;
                continue;
            }
            if self.map.get(p) != Some(&(n as u32)) {
                return Err(format!("person {n} is not mapped to its number"));
            }
            let mut json = Vec::new();
            let email = (p.email != NO_SYM).then(|| strings.get(p.email));
            write_member(&mut json, strings.get(p.id), strings.get(p.name), email);
            if self.json.get(n as u32) != Some(&json[..]) {
                return Err(format!("the JSON of person {n} is stale"));
            }
        }
        if free != self.free.len() || self.map.len() + free != self.list.len() {
            return Err(format!(
                "{} people, {} mapped, {free} free numbers, free list of {}",
                self.list.len(),
                self.map.len(),
                self.free.len()
            ));
        }
        Ok(())
    }
}

/// The person `(id, name, email)` with one reference taken on each of its
/// strings; on an error none is kept.
fn intern_person(
    strings: &mut Interner,
    id: &str,
    name: &str,
    email: Option<&str>,
) -> Result<Person, RecordError> {
    let id = strings.intern(id)?;
    let name = match strings.intern(name) {
        Ok(s) => s,
        Err(e) => {
            strings.release(id);
            return Err(e);
        }
    };
    let email = match email.map(|e| strings.intern(e)) {
        None => NO_SYM,
        Some(Ok(s)) => s,
        Some(Err(e)) => {
            strings.release(name);
            strings.release(id);
            return Err(e);
        }
    };
    Ok(Person { id, name, email })
}

/// Gives back the references a person holds on its strings.
fn release_person(strings: &mut Interner, p: Person) {
    strings.release(p.id);
    strings.release(p.name);
    if p.email != NO_SYM {
        strings.release(p.email);
    }
}

/// The JSON object of every person held, rendered once when the person is
/// stored and kept side by side in one buffer: people are deduplicated and
/// repeat across conversations, so a page copies each member's bytes instead
/// of writing three strings and their keys. A freed person's bytes stay as
/// garbage until they outweigh the live ones; then the buffer is compacted.
#[derive(Clone, Debug, Default)]
pub(crate) struct PeopleJson {
    bytes: Vec<u8>,
    /// `spans[n]`: where person `n`'s object lies in `bytes` (empty if free).
    spans: Vec<(usize, usize)>,
    /// Bytes of freed objects still in `bytes`.
    garbage: usize,
}

/// Garbage below this many bytes is never compacted away.
const JSON_SLACK: usize = 64 << 10;

impl PeopleJson {
    /// Renders person `n` (a free number, or the next one).
    fn put(&mut self, n: u32, id: &str, name: &str, email: Option<&str>) {
        let start = self.bytes.len();
        write_member(&mut self.bytes, id, name, email);
        let span = (start, self.bytes.len());
        match self.spans.get_mut(n as usize) {
            Some(s) => *s = span,
            None => self.spans.push(span),
        }
    }

    /// Forgets person `n`'s object.
    fn free(&mut self, n: u32) {
        if let Some(s) = self.spans.get_mut(n as usize) {
            self.garbage += s.1 - s.0;
            *s = (0, 0);
        }
        if self.garbage > JSON_SLACK && self.garbage * 2 > self.bytes.len() {
            let mut bytes = Vec::with_capacity(self.bytes.len() - self.garbage);
            for s in &mut self.spans {
                if s.1 > s.0 {
                    let start = bytes.len();
                    bytes.extend_from_slice(&self.bytes[s.0..s.1]);
                    *s = (start, bytes.len());
                }
            }
            self.bytes = bytes;
            self.garbage = 0;
        }
    }

    /// Person `n`'s object.
    pub(crate) fn get(&self, n: u32) -> Option<&[u8]> {
        let &(start, end) = self.spans.get(n as usize)?;
        self.bytes.get(start..end)
    }
}

/// Size at which [`PersonCache`] starts over.
const CACHE_BYTES: usize = 16 << 20;

/// The length [`PersonCache`] writes for a missing e-mail; no cached string is
/// that long.
const NO_EMAIL: u32 = u32::MAX;

/// Member id → the last person stored with it, with that person's strings
/// kept side by side in one buffer so that checking a hit touches warm memory
/// (the interned strings are scattered over the heap).
#[derive(Clone, Debug, Default)]
struct PersonCache {
    hasher: foldhash::fast::RandomState,
    by_id: FastMap<u64, (u32, u32)>,
    /// Entries: person number, then `id`, `name` and `email` as length-prefixed
    /// strings ([`NO_EMAIL`] length = no e-mail; longer strings are not cached).
    text: Vec<u8>,
}

impl PersonCache {
    fn field<'t>(text: &'t [u8], at: &mut usize) -> Option<Option<&'t [u8]>> {
        let len = u32::from_le_bytes(text.get(*at..*at + 4)?.try_into().ok()?);
        *at += 4;
        if len == NO_EMAIL {
            return Some(None);
        }
        let s = text.get(*at..*at + len as usize)?;
        *at += len as usize;
        Some(Some(s))
    }

    /// The person of `(id, name, email)` if it is the one cached for `id`.
    fn get(&self, id: &str, name: &str, email: Option<&str>) -> Option<u32> {
        use std::hash::BuildHasher;
        let &(person, at) = self.by_id.get(&self.hasher.hash_one(id))?;
        let mut at = at as usize;
        let same = Self::field(&self.text, &mut at)? == Some(id.as_bytes())
            && Self::field(&self.text, &mut at)? == Some(name.as_bytes())
            && Self::field(&self.text, &mut at)? == email.map(str::as_bytes);
        same.then_some(person)
    }

    /// Forgets `person` (freed; its number may name another person next),
    /// whose id is `id`: only the entry for `id` can point at it.
    fn forget(&mut self, person: u32, id: &str) {
        use std::hash::BuildHasher;
        let h = self.hasher.hash_one(id);
        if self.by_id.get(&h).is_some_and(|&(p, _)| p == person) {
            self.by_id.remove(&h);
        }
    }

    /// Remembers `person` as the one for `id`.
    fn put(&mut self, person: u32, id: &str, name: &str, email: Option<&str>) {
        use std::hash::BuildHasher;
        // A cache only: when members rarely repeat it would just grow, so start over.
        if self.text.len() > CACHE_BYTES {
            self.text.clear();
            self.by_id.clear();
        }
        let Ok(at) = u32::try_from(self.text.len()) else {
            return;
        };
        for f in [Some(id), Some(name), email] {
            match f {
                Some(s) => {
                    // An entry whose strings do not all fit is left
                    // unreachable (`by_id` is not updated).
                    let Some(len) = u32::try_from(s.len()).ok().filter(|&l| l < NO_EMAIL) else {
                        return;
                    };
                    self.text.extend_from_slice(&len.to_le_bytes());
                    self.text.extend_from_slice(s.as_bytes());
                }
                None => self.text.extend_from_slice(&NO_EMAIL.to_le_bytes()),
            }
        }
        self.by_id.insert(self.hasher.hash_one(id), (person, at));
    }
}

#[cfg(test)]
mod tests {
    use super::{JSON_SLACK, People, PeopleJson};
    use crate::intern::Interner;

    #[test]
    fn freed_people_json_is_compacted_and_the_rest_kept() {
        let mut j = PeopleJson::default();
        let n = 4 * JSON_SLACK / 40;
        for i in 0..n {
            j.put(i as u32, &format!("m{i:06}"), "Some Person", Some("p@x.io"));
        }
        let full = j.bytes.len();
        let want = |i: usize| {
            let mut out = Vec::new();
            crate::json::write_member(&mut out, &format!("m{i:06}"), "Some Person", Some("p@x.io"));
            out
        };
        for i in (0..n).filter(|i| i % 10 != 0) {
            j.free(i as u32);
        }
        assert!(
            j.bytes.len() < full / 2,
            "compacted: {} of {full} bytes",
            j.bytes.len()
        );
        for i in (0..n).step_by(10) {
            assert_eq!(j.get(i as u32), Some(&want(i)[..]));
        }
        // A freed number takes a new object.
        j.put(1, "m000001", "Some Person", Some("p@x.io"));
        assert_eq!(j.get(1), Some(&want(1)[..]));
    }

    #[test]
    fn a_person_is_freed_with_its_last_reference_and_its_number_reused() {
        let (mut strings, mut people) = (Interner::default(), People::default());
        let a = people.intern(&mut strings, "m1", "Ana", None).unwrap();
        assert_eq!(people.intern(&mut strings, "m1", "Ana", None).unwrap(), a);
        people.release(&mut strings, a);
        assert_eq!((people.held(), strings.held()), (1, 2));
        people.release(&mut strings, a);
        assert_eq!((people.held(), strings.held(), strings.bytes()), (0, 0, 0));
        // The cache forgot the freed person: another one takes its number.
        let b = people
            .intern(&mut strings, "m2", "Bo", Some("b@x.io"))
            .unwrap();
        assert_eq!(b, a);
        let again = people.intern(&mut strings, "m1", "Ana", None).unwrap();
        assert_ne!(again, b);
        assert_eq!(strings.get(people[again as usize].name), "Ana");
        people.check(&strings).unwrap();
        strings.check().unwrap();
    }

    #[test]
    fn person_cache_checks_every_field() {
        let mut c = super::PersonCache::default();
        c.put(7, "m1", "Ana", Some("a@x.io"));
        assert_eq!(c.get("m1", "Ana", Some("a@x.io")), Some(7));
        assert_eq!(c.get("m1", "Ana", None), None);
        assert_eq!(c.get("m1", "Ana R.", Some("a@x.io")), None);
        assert_eq!(c.get("m2", "Ana", Some("a@x.io")), None);
        c.put(8, "m1", "Ana", None);
        assert_eq!(c.get("m1", "Ana", None), Some(8));
    }
}
