//! Which Rust types a field may have, read from the syntax: the scalar a
//! type holds (text, integer, float, bool, instant) and its shape (one
//! value, maybe one, many, a map, or another record).

use syn::{GenericArgument, PathArguments, Type};

use crate::attrs::Scalar;

/// What the syntax of a type says, before attributes.
pub(crate) enum Shape<'a> {
    /// `T` for a known scalar `T`.
    One(Scalar),
    /// `Option<T>`.
    Maybe(Scalar),
    /// `Vec<T>`, `&[T]`, `Box<[T]>` of a known scalar.
    Many(Scalar),
    /// `HashMap<K, V>` / `BTreeMap<K, V>` with a text key.
    Map(Scalar),
    /// `Option<T>` of an unknown `T` (a record, with `#[rsql(nested)]`).
    MaybeOther(&'a Type),
    /// `Vec<T>`, `&[T]`, `Box<[T]>` of an unknown `T` (records, with `#[rsql(multi)]`).
    ManyOther(&'a Type),
    /// `HashMap`/`BTreeMap` whose key or value is not supported.
    BadMap,
    /// Anything else.
    Other,
}

/// The last path segment's name and its generic type arguments.
fn last_segment(ty: &Type) -> Option<(String, Vec<&Type>)> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let seg = p.path.segments.last()?;
    let args = match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        PathArguments::None => Vec::new(),
        PathArguments::Parenthesized(_) => return None,
    };
    Some((seg.ident.to_string(), args))
}

fn is_str(ty: &Type) -> bool {
    matches!(last_segment(ty), Some((name, args)) if name == "str" && args.is_empty())
}

/// `[T]` → `T`.
fn slice_elem(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Slice(s) => Some(&s.elem),
        Type::Group(g) => slice_elem(&g.elem),
        Type::Paren(p) => slice_elem(&p.elem),
        _ => None,
    }
}

/// The scalar a type holds, if it is one this crate knows.
pub(crate) fn scalar(ty: &Type) -> Option<Scalar> {
    match ty {
        Type::Reference(r) => {
            if is_str(&r.elem) {
                Some(Scalar::Str)
            } else {
                scalar(&r.elem)
            }
        }
        Type::Group(g) => scalar(&g.elem),
        Type::Paren(p) => scalar(&p.elem),
        Type::Path(_) => {
            let (name, args) = last_segment(ty)?;
            match (name.as_str(), args.as_slice()) {
                ("String", []) => Some(Scalar::Str),
                ("Box" | "Arc" | "Rc" | "Cow", [inner]) if is_str(inner) => Some(Scalar::Str),
                ("i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32", []) => Some(Scalar::Int),
                ("f32" | "f64", []) => Some(Scalar::Float),
                ("bool", []) => Some(Scalar::Bool),
                ("DateTime", [_]) => Some(Scalar::Time),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Why a type that looks numeric is refused (it does not fit an `i64`).
pub(crate) fn refused_integer(ty: &Type) -> Option<&'static str> {
    let (name, args) = last_segment(ty)?;
    if !args.is_empty() {
        return None;
    }
    match name.as_str() {
        "u64" | "usize" | "u128" | "i128" | "isize" => Some(
            "does not fit losslessly in the evaluator's `i64`; store the value as `i64` \
             (or a narrower integer)",
        ),
        _ => None,
    }
}

/// The element type of `Vec<T>`, `&[T]`, `Box<[T]>`.
fn many_elem(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Reference(r) => slice_elem(&r.elem),
        Type::Group(g) => many_elem(&g.elem),
        Type::Paren(p) => many_elem(&p.elem),
        Type::Path(_) => match last_segment(ty)? {
            (name, args) if name == "Vec" && args.len() == 1 => Some(args[0]),
            (name, args) if name == "Box" && args.len() == 1 => slice_elem(args[0]),
            _ => None,
        },
        _ => None,
    }
}

/// The shape of a field's type.
pub(crate) fn shape(ty: &Type) -> Shape<'_> {
    if let Some(s) = scalar(ty) {
        return Shape::One(s);
    }
    if let Some(elem) = many_elem(ty) {
        return match scalar(elem) {
            Some(s) => Shape::Many(s),
            None => Shape::ManyOther(elem),
        };
    }
    if let Some((name, args)) = last_segment(ty) {
        match (name.as_str(), args.as_slice()) {
            ("Option", [inner]) => {
                return match scalar(inner) {
                    Some(s) => Shape::Maybe(s),
                    None => Shape::MaybeOther(inner),
                };
            }
            ("HashMap" | "BTreeMap", [key, value, ..]) => {
                return match (scalar(key), scalar(value)) {
                    (Some(Scalar::Str), Some(s)) => Shape::Map(s),
                    _ => Shape::BadMap,
                };
            }
            _ => {}
        }
    }
    Shape::Other
}
