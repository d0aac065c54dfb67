//! Reading the small data files of the Mongo, WhatsApp and chatbot families:
//! a JSON array of objects, or JSON Lines (one object per line). The first
//! non-blank character decides (`[` = array). [`Obj`] reads a record's fields
//! with errors that name them.

use std::path::Path;

use crate::error::{LoadError, Position, RecordError, RecordErrorKind};
use crate::load::{BOM, LoadOptions, LoadReport};
use crate::parse::json_error;

/// One record of a file and where it sits.
pub(crate) type Item = (Position, Result<serde_json::Value, RecordError>);

/// Splits `text` into records with their positions; a syntax error in an
/// array file fails the whole file (there is no way to resynchronise), a bad
/// line in a JSONL file fails only that line. The text is read as bytes, so
/// invalid UTF-8 is a record error at its line and column like any other.
pub(crate) fn items(text: &[u8]) -> Result<Vec<Item>, LoadError> {
    let trimmed = text.trim_ascii_start();
    if trimmed.starts_with(b"[") {
        match serde_json::from_slice::<Vec<serde_json::Value>>(text) {
            Ok(values) => Ok(values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Position::Item(i), Ok(v)))
                .collect()),
            Err(e) => Err(LoadError::record(Position::Line(e.line()), json_error(&e))),
        }
    } else {
        Ok(text
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.trim_ascii().is_empty())
            .map(|(i, l)| {
                (
                    Position::Line(i + 1),
                    serde_json::from_slice(l).map_err(|e| json_error(&e)),
                )
            })
            .collect())
    }
}

/// Reads a whole file, naming the file on failure; a leading UTF-8 byte
/// order mark (which some editors write) is dropped, so the first character
/// still decides between an array and JSON Lines. The bytes are not checked
/// as UTF-8 here: [`items`] names the line a bad byte is on.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    let mut bytes = std::fs::read(path).map_err(|e| LoadError::io(Some(path.to_path_buf()), &e))?;
    if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
    }
    Ok(bytes)
}

/// Reads the file at `path` and feeds every item to `add` (see
/// [`load_items`]): the whole load of a one-file family.
pub(crate) fn load_file(
    path: &Path,
    opts: &LoadOptions,
    add: impl FnMut(serde_json::Value) -> Result<(), RecordError>,
) -> Result<LoadReport, LoadError> {
    let text = read(path)?;
    let mut report = LoadReport::default();
    load_items(&text, Some(path), opts, &mut report, add)?;
    Ok(report)
}

/// Feeds every item of `text` to `add`, applying the skip-or-fail policy.
pub(crate) fn load_items(
    text: &[u8],
    file: Option<&Path>,
    opts: &LoadOptions,
    report: &mut LoadReport,
    mut add: impl FnMut(serde_json::Value) -> Result<(), RecordError>,
) -> Result<(), LoadError> {
    let with_file = |e: LoadError| match file {
        Some(f) => e.in_file(f),
        None => e,
    };
    for (pos, item) in items(text).map_err(with_file)? {
        match item.and_then(&mut add) {
            Ok(()) => report.loaded += 1,
            Err(err) => report.reject(with_file(LoadError::record(pos, err)), opts)?,
        }
    }
    Ok(())
}

/// Field accessors over a JSON object that produce [`RecordError`]s naming the field.
pub(crate) struct Obj<'a> {
    map: &'a serde_json::Map<String, serde_json::Value>,
    prefix: String,
}

impl<'a> Obj<'a> {
    pub(crate) fn new(v: &'a serde_json::Value, prefix: &str) -> Result<Obj<'a>, RecordError> {
        match v {
            serde_json::Value::Object(map) => Ok(Obj {
                map,
                prefix: prefix.to_string(),
            }),
            other => Err(if prefix.is_empty() {
                RecordError::whole(RecordErrorKind::WrongType {
                    expected: "an object",
                    found: crate::error::json_type(other),
                })
            } else {
                RecordError::wrong_type(prefix.to_string(), "an object", other)
            }),
        }
    }

    pub(crate) fn path(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.prefix)
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a serde_json::Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn req(&self, name: &str) -> Result<&'a serde_json::Value, RecordError> {
        self.get(name)
            .ok_or_else(|| RecordError::at(self.path(name), RecordErrorKind::Missing))
    }

    pub(crate) fn str(&self, name: &str) -> Result<&'a str, RecordError> {
        let v = self.req(name)?;
        v.as_str()
            .ok_or_else(|| RecordError::wrong_type(self.path(name), "a string", v))
    }

    pub(crate) fn opt_str(&self, name: &str) -> Result<Option<&'a str>, RecordError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| RecordError::wrong_type(self.path(name), "a string", v)),
        }
    }

    pub(crate) fn int(&self, name: &str) -> Result<i64, RecordError> {
        let v = self.req(name)?;
        v.as_i64()
            .ok_or_else(|| RecordError::wrong_type(self.path(name), "an integer", v))
    }

    pub(crate) fn array(&self, name: &str) -> Result<&'a [serde_json::Value], RecordError> {
        match self.get(name) {
            None => Ok(&[]),
            Some(serde_json::Value::Array(a)) => Ok(a),
            Some(v) => Err(RecordError::wrong_type(self.path(name), "an array", v)),
        }
    }

    pub(crate) fn time(
        &self,
        name: &str,
        parse: fn(&str) -> Result<i64, crate::time::TimestampError>,
    ) -> Result<i64, RecordError> {
        let s = self.str(name)?;
        parse(s).map_err(|reason| {
            RecordError::at(
                self.path(name),
                RecordErrorKind::Timestamp {
                    value: s.to_string(),
                    reason,
                },
            )
        })
    }
}

#[cfg(test)]
mod bom_tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_does_not_turn_an_array_into_json_lines() {
        let path = std::env::temp_dir().join(format!("jsonfile-bom-{}.json", std::process::id()));
        std::fs::write(&path, "\u{feff}[{\"a\":1},\n {\"a\":2}]").unwrap();
        let text = read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let items = items(&text).unwrap();
        assert_eq!(items.len(), 2);
        assert!(matches!(items[1], (Position::Item(1), Ok(_))));
    }

    #[test]
    fn invalid_utf8_in_json_lines_fails_only_its_line_and_names_it() {
        let text = b"{\"a\":\"x\"}\r\n{\"a\":\"\xff\"}\n\n{\"a\":\"\xc3\xa9\"}\n";
        let items = items(text).unwrap();
        assert_eq!(items.len(), 3);
        assert!(matches!(items[0], (Position::Line(1), Ok(_))));
        assert!(matches!(items[2], (Position::Line(4), Ok(_))));
        match &items[1] {
            (Position::Line(2), Err(e)) => {
                let shown = e.to_string();
                assert!(shown.contains("invalid unicode"), "{shown}");
                assert!(shown.contains("column 7"), "{shown}");
            }
            other => panic!("line 2 should fail: {other:?}"),
        }
    }

    #[test]
    fn invalid_utf8_in_an_array_file_names_its_line() {
        let text = b"[{\"a\":1},\n {\"a\":\"\xfe\"}]";
        match items(text) {
            Err(e) => {
                let shown = e.to_string();
                assert!(shown.contains("line 2"), "{shown}");
                assert!(shown.contains("invalid unicode"), "{shown}");
            }
            Ok(items) => panic!("the file should fail: {} items", items.len()),
        }
    }
}
