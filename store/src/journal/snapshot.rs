//! Snapshots: `NNNNNNNN.snap`, the whole Symbl store (conversations, then
//! messages) as of the start of segment `NNNNNNNN`. Frames as in
//! [`frame`](super::frame); the first holds a [`SnapHeader`], the others a
//! version byte and postcard [`SnapItem`]s back to back, the last item being
//! [`SnapItem::End`] with the counts. Written to `NNNNNNNN.snap.tmp`,
//! fsynced, renamed, and the directory fsynced: a `.snap` file is whole or
//! absent, so any damage in one is an error.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::JournalError;
use super::frame::{self, FrameReader, Next};
use super::record::{
    ConvRec, MsgRec, RECORD_VERSION, decode_versioned, encode_into, encode_versioned,
};
use super::{LoadMark, sync_dir};
use crate::{Message, Store};

/// Magic bytes at the start of a snapshot's header.
const SNAP_MAGIC: [u8; 8] = *b"RSQLSNAP";

/// Bytes of items per snapshot frame (a frame is flushed past this).
const ITEMS_PER_FRAME: usize = 256 * 1024;

/// The first frame of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SnapHeader {
    magic: [u8; 8],
    /// The segment the journal continues with: the snapshot holds every
    /// record of the segments before it.
    pub(crate) next_segment: u64,
    /// The loads the data came from (fingerprints).
    pub(crate) loads: Vec<LoadMark>,
}

/// One item of a snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum SnapItem {
    Conversation(ConvRec),
    Message(MsgRec),
    End { conversations: u64, messages: u64 },
}

/// What a snapshot held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// Conversations written or read.
    pub conversations: u64,
    /// Messages written or read.
    pub messages: u64,
    /// Size of the file in bytes.
    pub bytes: u64,
}

/// `NNNNNNNN.snap` in `dir`.
pub(crate) fn path(dir: &Path, number: u64) -> std::path::PathBuf {
    dir.join(format!("{number:08}.snap"))
}

/// Writes the snapshot of `store` as `NNNNNNNN.snap` (via `.snap.tmp`).
pub(crate) fn write(
    dir: &Path,
    next_segment: u64,
    loads: &[LoadMark],
    store: &Store,
) -> Result<SnapshotStats, JournalError> {
    let final_path = path(dir, next_segment);
    let tmp = final_path.with_extension("snap.tmp");
    let result = write_tmp(&tmp, next_segment, loads, store);
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if let Err(e) = std::fs::rename(&tmp, &final_path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(JournalError::io("rename", &tmp, e));
    }
    sync_dir(dir)?;
    Ok(stats)
}

fn write_tmp(
    tmp: &Path,
    next_segment: u64,
    loads: &[LoadMark],
    store: &Store,
) -> Result<SnapshotStats, JournalError> {
    let file = File::create(tmp).map_err(|e| JournalError::io("create", tmp, e))?;
    let mut out = Frames {
        w: BufWriter::with_capacity(1 << 20, file),
        path: tmp,
        frame: Vec::new(),
        bytes: 0,
    };
    let header = SnapHeader {
        magic: SNAP_MAGIC,
        next_segment,
        loads: loads.to_vec(),
    };
    out.write_frame(&encode_versioned(&header)?)?;
    let mut items = vec![RECORD_VERSION];
    let mut stats = SnapshotStats::default();
    for c in store.iter() {
        encode_into(&SnapItem::Conversation(ConvRec::from(c)), &mut items)?;
        stats.conversations += 1;
        out.flush_items(&mut items, false)?;
    }
    for (id, messages) in &store.messages {
        if !store.contains(id) {
            continue;
        }
        for m in messages {
            encode_into(&SnapItem::Message(MsgRec::from(m)), &mut items)?;
            stats.messages += 1;
            out.flush_items(&mut items, false)?;
        }
    }
    encode_into(
        &SnapItem::End {
            conversations: stats.conversations,
            messages: stats.messages,
        },
        &mut items,
    )?;
    out.flush_items(&mut items, true)?;
    let file = out
        .w
        .into_inner()
        .map_err(|e| JournalError::io("write", tmp, e.into_error()))?;
    file.sync_all()
        .map_err(|e| JournalError::io("fsync", tmp, e))?;
    stats.bytes = out.bytes;
    Ok(stats)
}

/// Frames to a buffered file.
struct Frames<'p> {
    w: BufWriter<File>,
    path: &'p Path,
    frame: Vec<u8>,
    bytes: u64,
}

impl Frames<'_> {
    fn write_frame(&mut self, payload: &[u8]) -> Result<(), JournalError> {
        self.frame.clear();
        frame::encode(payload, &mut self.frame)?;
        self.w
            .write_all(&self.frame)
            .map_err(|e| JournalError::io("write", self.path, e))?;
        self.bytes += self.frame.len() as u64;
        Ok(())
    }

    /// Writes `items` as a frame when past [`ITEMS_PER_FRAME`] (or `force`).
    fn flush_items(&mut self, items: &mut Vec<u8>, force: bool) -> Result<(), JournalError> {
        if items.len() > 1 && (force || items.len() >= ITEMS_PER_FRAME) {
            self.write_frame(items)?;
            items.clear();
            items.push(RECORD_VERSION);
        }
        Ok(())
    }
}

/// Reads a snapshot into a fresh [`Store`]; any damage is an error naming
/// the file and the frame's offset.
pub(crate) fn read(path: &Path) -> Result<(Store, SnapHeader, SnapshotStats), JournalError> {
    let file = File::open(path).map_err(|e| JournalError::io("open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| JournalError::io("stat", path, e))?
        .len();
    let mut r = FrameReader::new(BufReader::with_capacity(1 << 20, file), len);
    let next = |r: &mut FrameReader<BufReader<File>>| -> Result<Option<Vec<u8>>, JournalError> {
        match r
            .next_frame()
            .map_err(|e| JournalError::io("read", path, e))?
        {
            Next::Frame(p) => Ok(Some(p)),
            Next::End => Ok(None),
            Next::Bad { reason, .. } => Err(JournalError::damaged(path, r.offset(), reason)),
        }
    };
    let at = r.offset();
    let Some(first) = next(&mut r)? else {
        return Err(JournalError::damaged(path, 0, "an empty snapshot file"));
    };
    let header: SnapHeader =
        decode_versioned(&first).map_err(|e| JournalError::damaged(path, at, e))?;
    if header.magic != SNAP_MAGIC {
        return Err(JournalError::damaged(
            path,
            at,
            "not a snapshot (bad magic bytes)",
        ));
    }
    // Each conversation is stored as it is decoded (a bulk insert, indexed
    // once at the end), so a restart holds one copy of the data, not a
    // decoded list of it as well (at 1M conversations that list had put the
    // peak at 1.2 GB for a 405 MB store).
    let mut store = Store::new();
    let mut bulk = store.bulk();
    let mut messages: Vec<Message> = Vec::new();
    // Where each run of one conversation's messages starts: the offset of
    // the frame that holds its first message (for errors), and its index.
    let mut runs: Vec<(u64, usize)> = Vec::new();
    let mut end = None;
    loop {
        let at = r.offset();
        let Some(payload) = next(&mut r)? else { break };
        let damaged = |reason: String| JournalError::damaged(path, at, reason);
        if end.is_some() {
            return Err(damaged("a frame after the end marker".to_owned()));
        }
        let rest = match payload.split_first() {
            Some((&RECORD_VERSION, rest)) => rest,
            Some((v, _)) => {
                return Err(damaged(format!(
                    "snapshot item version {v}; this server reads version {RECORD_VERSION}"
                )));
            }
            None => return Err(damaged("an empty frame".to_owned())),
        };
        let mut rest = rest;
        while !rest.is_empty() {
            let (item, tail): (SnapItem, &[u8]) = postcard::take_from_bytes(rest)
                .map_err(|e| damaged(format!("undecodable snapshot item: {e}")))?;
            rest = tail;
            match item {
                SnapItem::Conversation(c) => bulk
                    .add_conversation(&c.into())
                    .map_err(|e| damaged(format!("a conversation is refused: {e}")))?,
                SnapItem::Message(m) => {
                    let m: Message = m.into();
                    if messages
                        .last()
                        .is_none_or(|last| last.conversation_id != m.conversation_id)
                    {
                        runs.push((at, messages.len()));
                    }
                    messages.push(m);
                }
                SnapItem::End {
                    conversations,
                    messages,
                } => end = Some((conversations, messages)),
            }
            if end.is_some() && !rest.is_empty() {
                return Err(damaged("items after the end marker".to_owned()));
            }
        }
    }
    let Some((n_conv, n_msg)) = end else {
        return Err(JournalError::damaged(
            path,
            r.offset(),
            "the snapshot ends before its end marker",
        ));
    };
    let stats = SnapshotStats {
        conversations: bulk.added() as u64,
        messages: messages.len() as u64,
        bytes: len,
    };
    if (stats.conversations, stats.messages) != (n_conv, n_msg) {
        return Err(JournalError::damaged(
            path,
            r.offset(),
            format!(
                "the end marker counts {n_conv} conversations and {n_msg} messages, the file holds {} and {}",
                stats.conversations, stats.messages
            ),
        ));
    }
    drop(bulk);
    // Each run moves into the store: the messages are held once (their
    // list's own slots stay until the last run is in).
    let total = messages.len();
    let mut decoded = messages.into_iter();
    for (k, &(at, first)) in runs.iter().enumerate() {
        let next = runs.get(k + 1).map_or(total, |&(_, i)| i);
        let group: Vec<Message> = decoded.by_ref().take(next - first).collect();
        let id = group
            .first()
            .map(|m| m.conversation_id.clone())
            .unwrap_or_default();
        store.set_messages(&id, group).map_err(|e| {
            JournalError::damaged(path, at, format!("messages of `{id}` are refused: {e}"))
        })?;
    }
    Ok((store, header, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("snapshot-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap_or_default();
        d
    }

    #[test]
    fn a_snapshot_reads_back_into_the_same_store() {
        let d = dir("round-trip");
        let store = crate::generate::store(5, 300);
        let stats = write(&d, 7, &[], &store).unwrap();
        let (back, header, read) = super::read(&path(&d, 7)).unwrap();
        assert_eq!((read.conversations, header.next_segment), (300, 7));
        assert_eq!(stats.conversations, 300);
        assert_eq!(
            back.iter().collect::<Vec<_>>(),
            store.iter().collect::<Vec<_>>()
        );
        back.check_consistency().unwrap();
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A snapshot file at `tmp` holding only its header frame (segment 1).
    fn headed(tmp: &std::path::Path) -> Frames<'_> {
        let file = File::create(tmp).unwrap();
        let mut out = Frames {
            w: BufWriter::new(file),
            path: tmp,
            frame: Vec::new(),
            bytes: 0,
        };
        let header = SnapHeader {
            magic: SNAP_MAGIC,
            next_segment: 1,
            loads: Vec::new(),
        };
        out.write_frame(&encode_versioned(&header).unwrap())
            .unwrap();
        out
    }

    #[test]
    fn a_conversation_the_store_refuses_is_damage() {
        // Well-framed, checksummed items, but one id twice.
        let d = dir("refused");
        let tmp = path(&d, 1);
        let mut out = headed(&tmp);
        let mut items = vec![RECORD_VERSION];
        let c = crate::generate::conversation(5, 0);
        for _ in 0..2 {
            encode_into(
                &SnapItem::Conversation(ConvRec::from(c.clone())),
                &mut items,
            )
            .unwrap();
        }
        let end = SnapItem::End {
            conversations: 2,
            messages: 0,
        };
        encode_into(&end, &mut items).unwrap();
        out.flush_items(&mut items, true).unwrap();
        out.w.flush().unwrap();
        drop(out);
        let err = super::read(&tmp)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("a conversation is refused"), "{err}");
        assert!(err.contains(&c.id), "{err}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn messages_of_an_unknown_conversation_are_damage_at_their_frame() {
        // One conversation with its messages in the first frame, then, in
        // a second frame, messages of a conversation the snapshot lacks.
        let d = dir("orphans");
        let tmp = path(&d, 1);
        let mut out = headed(&tmp);
        let c = crate::generate::conversation(5, 0);
        let mut kept = crate::generate::messages(5, &c);
        kept.truncate(3);
        let ghost = crate::generate::conversation(5, 1);
        let orphans = crate::generate::messages(5, &ghost);
        assert!(!kept.is_empty() && !orphans.is_empty());
        let mut items = vec![RECORD_VERSION];
        encode_into(
            &SnapItem::Conversation(ConvRec::from(c.clone())),
            &mut items,
        )
        .unwrap();
        for m in &kept {
            encode_into(&SnapItem::Message(MsgRec::from(m)), &mut items).unwrap();
        }
        out.flush_items(&mut items, true).unwrap();
        let second = out.bytes;
        let mut items = vec![RECORD_VERSION];
        for m in &orphans {
            encode_into(&SnapItem::Message(MsgRec::from(m)), &mut items).unwrap();
        }
        let end = SnapItem::End {
            conversations: 1,
            messages: (kept.len() + orphans.len()) as u64,
        };
        encode_into(&end, &mut items).unwrap();
        out.flush_items(&mut items, true).unwrap();
        out.w.flush().unwrap();
        drop(out);
        match super::read(&tmp) {
            Err(JournalError::Damaged { offset, reason, .. }) => {
                assert_eq!(offset, second, "{reason}");
                assert!(
                    reason.contains(&format!("messages of `{}`", ghost.id)),
                    "{reason}"
                );
            }
            other => panic!("expected damage, got {:?}", other.map(|(_, _, s)| s)),
        }
        std::fs::remove_dir_all(&d).unwrap();
    }
}
