//! The people: each distinct member `(id, name, e-mail)` is stored once as a
//! [`Person`] of interned symbols and named by its number, which is what a
//! row lists as its members.
//!
//! [`People`] also keeps, per person, its member object as JSON (rendered
//! once, copied into every page that shows the person) and a [`PersonCache`]
//! that makes finding the person of a member that comes back unchanged one
//! warm lookup.

use std::ops::Index;

use crate::error::RecordError;
use crate::intern::{FastMap, Interner, NO_SYM, Sym};
use crate::json::PeopleJson;

/// A member as stored: interned id, name and e-mail ([`NO_SYM`] if none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Person {
    pub(crate) id: Sym,
    pub(crate) name: Sym,
    pub(crate) email: Sym,
}

/// Every person ever stored, numbered from 0 in order of arrival (people are
/// never freed, like interned strings), at most [`Limits::people`](crate::Limits).
#[derive(Clone, Debug)]
pub(crate) struct People {
    list: Vec<Person>,
    /// Each person's JSON object, rendered once.
    pub(crate) json: PeopleJson,
    map: FastMap<Person, u32>,
    /// The last person seen for each member id, checked against a compact
    /// copy of the people's strings: most members come back with the same
    /// name and e-mail, so one warm lookup replaces four cold ones.
    cache: PersonCache,
    /// At most this many people (at most `u32::MAX`: numbers are `u32`s).
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
    /// An empty table that numbers at most `limit` people.
    pub(crate) fn with_limit(limit: u32) -> People {
        People {
            list: Vec::new(),
            json: PeopleJson::default(),
            map: FastMap::default(),
            cache: PersonCache::default(),
            limit,
        }
    }

    /// Person `n`, if there is one.
    pub(crate) fn get(&self, n: u32) -> Option<Person> {
        self.list.get(n as usize).copied()
    }

    /// Every person, by number.
    pub(crate) fn as_slice(&self) -> &[Person] {
        &self.list
    }

    /// The number of the person `(id, name, email)`, interning its strings
    /// and adding it if new; a new string or person past its table's limit
    /// is an error.
    pub(crate) fn intern(
        &mut self,
        strings: &mut Interner,
        id: &str,
        name: &str,
        email: Option<&str>,
    ) -> Result<u32, RecordError> {
        if let Some(n) = self.cache.get(id, name, email) {
            return Ok(n);
        }
        let p = Person {
            id: strings.intern(id)?,
            name: strings.intern(name)?,
            email: match email {
                Some(e) => strings.intern(e)?,
                None => NO_SYM,
            },
        };
        let n = match self.map.get(&p) {
            Some(&n) => n,
            None => {
                let n = match u32::try_from(self.list.len()) {
                    Ok(n) if n < self.limit => n,
                    _ => return Err(crate::limits::reached("distinct members", self.limit)),
                };
                self.list.push(p);
                self.map.insert(p, n);
                self.json.push(id, name, email);
                n
            }
        };
        self.cache.put(n, id, name, email);
        Ok(n)
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
