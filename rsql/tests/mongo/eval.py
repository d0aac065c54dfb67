#!/usr/bin/env python3
"""An evaluator of MongoDB's query semantics for rsql's live differential test.

No MongoDB server can run on the machines this project is built on, so the
documents `Filter::to_mongo()` emits are run here, on mongomock (pinned in
requirements.txt), and the Rust test (`rsql/tests/rsql/live/mongo.rs`)
compares the ids each query finds with `Filter::matches`.

Protocol: one JSON object on stdin,

    {"documents": [<document>, ...], "queries": [{"name": str, "filter": <query>}, ...]}

with MongoDB extended JSON for dates (`{"$date": "2021-03-01T00:00:00.000Z"}` or
`{"$date": {"$numberLong": "<ms>"}}`) and `{"$numberLong": "<n>"}` for 64-bit
integers. Every document has a string `id`. Output: one JSON object per query,
one per line, in input order:

    {"name": str, "ids": [str, ...]}                       the ids the query finds, sorted
    {"name": str, "failed": str}                           MongoDB would refuse or abort the query
    {"name": str, "unsupported": str}                      this evaluator cannot tell (a gap, not an answer)

Exit status 0 whenever the input was readable; 2 when it was not.

What mongomock 4.3.0 lacks, and what this script fills in
----------------------------------------------------------
1. Regular expressions. MongoDB runs `$regex` with PCRE; mongomock hands the
   pattern to Python's `re`, which rejects `\\z` (PCRE: end of subject; Python
   < 3.14 spells it `\\Z`), gives `\\Z` another meaning, has no `\\x{hhhh}`, and
   treats `\\d \\w \\s \\b` as Unicode classes (MongoDB's PCRE does not use UCP:
   ASCII only). `pcre_to_python` translates every pattern (in `$regex` and in
   `$regexMatch`) and compiles it with `re.ASCII`; options `s`, `m`, `x` map to
   the Python flags. An escape or option it does not know is reported as
   `unsupported`, never guessed. The `i` option is refused too: Python's
   folding differs from PCRE's for non-ASCII text, and the emitter writes
   `[aA]` classes instead.
   mongomock also refuses `{"$not": {"$regex": …, "$options": …}}` ("unknown
   operator: $options"), which MongoDB accepts; compiling the options into
   the pattern object removes `$options` before mongomock sees it.
2. Extended JSON. mongomock wants Python values; `from_extended_json` turns
   `$date` into naive UTC `datetime`s (millisecond precision, as BSON) and
   `$numberLong` into `int`. Nothing else is converted: in particular a
   `{"$regex": …, "$options": …}` query operator stays an operator (bson's
   json_util would read it as a legacy regex literal).
3. Aggregation expressions (`$expr`). mongomock implements only part of the
   expression language and none of `$toDouble` or `$type`, and evaluates its
   own subset loosely (no error for `$` alone as a field path, no type order in
   comparisons). `Expr` below is an evaluator written from MongoDB's manual:
   field paths (`"$a.b"`, through arrays), variables (`"$$m"`, `$$ROOT`,
   `$$CURRENT`), `$literal`, `$and`/`$or` (short-circuit), `$not`, `$cond`,
   `$ifNull`, comparisons `$eq $ne $gt $gte $lt $lte $cmp` in BSON type order
   (missing < null < numbers < strings < objects < arrays < booleans < dates),
   `$type`, `$isArray`, `$isNumber`, `$regexMatch`, `$toDouble` (a string
   outside the double range or not a number is a conversion error, which
   fails the query as on a server), `$map`, `$anyElementTrue`,
   `$allElementsTrue`, `$in`, `$size`, `$strLenCP`. Any other operator is
   `unsupported`. It replaces mongomock's through the hook mongomock itself
   uses (`filtering.register_parse_expression`).
"""

import datetime
import json
import math
import re
import sys

import mongomock
from mongomock import filtering
from mongomock import OperationFailure


class Unsupported(Exception):
    """This evaluator cannot evaluate the query: a gap in the test, not an answer."""


class Failed(Exception):
    """MongoDB would refuse or abort the query."""


EPOCH = datetime.datetime(1970, 1, 1)

# The semantics checked are those of this version (requirements.txt pins it).
MONGOMOCK_VERSION = "4.3.0"


# --- 2. extended JSON ---------------------------------------------------------


def _date(value):
    if isinstance(value, str):
        text = value[:-1] if value.endswith("Z") else value
        if "." in text:
            head, frac = text.split(".", 1)
            if len(frac) != 3 or not frac.isdigit():
                raise Unsupported("$date with other than 3 fraction digits: %r" % value)
            parsed = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S")
            return parsed.replace(microsecond=int(frac) * 1000)
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dict) and set(value) == {"$numberLong"}:
        try:
            return EPOCH + datetime.timedelta(milliseconds=int(value["$numberLong"]))
        except OverflowError as e:
            raise Unsupported("$date outside Python's years 1..9999: %r" % value) from e
    raise Unsupported("$date of an unknown form: %r" % (value,))


def from_extended_json(value):
    if isinstance(value, list):
        return [from_extended_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$date"}:
            return _date(value["$date"])
        if set(value) == {"$numberLong"}:
            return int(value["$numberLong"])
        return {k: from_extended_json(v) for k, v in value.items()}
    return value


# --- 1. regular expressions -----------------------------------------------------

_SIMPLE_ESCAPES = set("AbBdDsSwW") | set("tnrfva")


def pcre_to_python(pattern, options):
    """A compiled Python pattern that matches as PCRE (MongoDB) would."""
    flags = re.ASCII
    for o in options:
        if o == "s":
            flags |= re.DOTALL
        elif o == "m":
            flags |= re.MULTILINE
        elif o == "x":
            flags |= re.VERBOSE
        else:
            raise Unsupported("regex option %r" % o)
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            raise Failed("regex ends with a backslash: %r" % pattern)
        e = pattern[i + 1]
        i += 2
        if e == "z":
            out.append(r"\Z")
        elif e == "Z":
            out.append(r"(?=\n?\Z)")
        elif e == "x" and i < n and pattern[i] == "{":
            end = pattern.find("}", i)
            if end < 0:
                raise Failed("unterminated \\x{ in %r" % pattern)
            code = int(pattern[i + 1 : end], 16)
            out.append("\\U%08x" % code)
            i = end + 1
        elif e == "x":
            hexdigits = pattern[i : i + 2]
            out.append("\\x" + hexdigits)
            i += 2
        elif e == "e":
            out.append(r"\x1b")
        elif e in _SIMPLE_ESCAPES or e.isdigit():
            out.append("\\" + e)
        elif e.isascii() and e.isalnum():
            raise Unsupported("PCRE escape \\%s in %r" % (e, pattern))
        else:
            # An escaped punctuation character or non-ASCII character is itself.
            out.append(re.escape(e))
    try:
        return re.compile("".join(out), flags)
    except re.error as err:
        raise Failed("invalid regular expression %r: %s" % (pattern, err)) from err


def compile_regexes(query):
    """The query with every `$regex` (and its `$options`) as a compiled pattern."""
    if isinstance(query, list):
        return [compile_regexes(q) for q in query]
    if not isinstance(query, dict):
        return query
    if "$regex" in query and isinstance(query["$regex"], str):
        options = query.get("$options", "")
        if not isinstance(options, str):
            raise Failed("$options has to be a string")
        rest = {k: compile_regexes(v) for k, v in query.items() if k not in ("$regex", "$options")}
        rest["$regex"] = pcre_to_python(query["$regex"], options)
        return rest
    if "$options" in query:
        raise Failed("$options needs a $regex")
    if "$expr" in query:
        # Expressions are evaluated by `Expr`, which compiles its own patterns.
        return {k: (v if k == "$expr" else compile_regexes(v)) for k, v in query.items()}
    return {k: compile_regexes(v) for k, v in query.items()}


# --- 3. aggregation expressions ---------------------------------------------------

MISSING = object()


def type_name(v):
    if v is MISSING:
        return "missing"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int" if -(2**31) <= v < 2**31 else "long"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "object"
    if isinstance(v, list):
        return "array"
    if isinstance(v, datetime.datetime):
        return "date"
    if isinstance(v, re.Pattern):
        return "regex"
    raise Unsupported("a value of Python type %s" % type(v).__name__)


_ORDER = {
    "missing": 0,
    "null": 1,
    "int": 2,
    "long": 2,
    "double": 2,
    "string": 3,
    "object": 4,
    "array": 5,
    "bool": 6,
    "date": 7,
    "regex": 8,
}


def compare(a, b):
    """-1, 0 or 1 in BSON order (aggregation comparisons: no type bracketing)."""
    ta, tb = _ORDER[type_name(a)], _ORDER[type_name(b)]
    if ta != tb:
        return -1 if ta < tb else 1
    if ta in (0, 1):
        return 0
    if ta == 2:
        # NaN is below every other number and equal to itself.
        an, bn = isinstance(a, float) and math.isnan(a), isinstance(b, float) and math.isnan(b)
        if an or bn:
            return 0 if an and bn else (-1 if an else 1)
        return (a > b) - (a < b)
    if ta == 4:
        ka, kb = list(a.items()), list(b.items())
        for (k1, v1), (k2, v2) in zip(ka, kb):
            c = compare(_ORDER[type_name(v1)], _ORDER[type_name(v2)])
            if c == 0:
                c = (k1 > k2) - (k1 < k2)
            if c == 0:
                c = compare(v1, v2)
            if c != 0:
                return c
        return (len(ka) > len(kb)) - (len(ka) < len(kb))
    if ta == 5:
        for x, y in zip(a, b):
            c = compare(x, y)
            if c != 0:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ta == 8:
        raise Unsupported("comparing regular expressions")
    return (a > b) - (a < b)


def truthy(v):
    if v is MISSING or v is None or v is False:
        return False
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v != 0
    return True


_DOUBLE_TEXT = re.compile(r"\A[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def to_double(v):
    if v is MISSING or v is None:
        return None
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, datetime.datetime):
        return float((v - EPOCH) // datetime.timedelta(milliseconds=1))
    if isinstance(v, str):
        if not _DOUBLE_TEXT.match(v):
            raise Failed("$toDouble: failed to parse number %r" % v)
        x = float(v)
        if math.isinf(x):
            raise Failed("$toDouble: %r is out of the range of a double" % v)
        return x
    raise Failed("$toDouble: unsupported conversion from %s to double" % type_name(v))


def _path(value, parts):
    for i, part in enumerate(parts):
        if isinstance(value, dict):
            value = value.get(part, MISSING)
        elif isinstance(value, list):
            out = []
            for item in value:
                r = _path(item, parts[i:])
                if r is not MISSING:
                    out.append(r)
            return out
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def _field_path(text):
    parts = text.split(".")
    if text == "" or any(p == "" for p in parts):
        raise Failed("invalid field path %r" % ("$" + text))
    if any(p.startswith("$") for p in parts):
        raise Failed("FieldPath field names may not start with '$': %r" % ("$" + text))
    return parts


def _args(value, n=None, name=""):
    values = value if isinstance(value, list) else [value]
    if n is not None and len(values) != n:
        raise Failed("%s takes exactly %d arguments, %d given" % (name, n, len(values)))
    return values


class Expr:
    """Evaluates one aggregation expression against one document."""

    def __init__(self, root):
        self.root = root

    def ev(self, e, env):
        if isinstance(e, str):
            if e.startswith("$$"):
                name, _, rest = e[2:].partition(".")
                if name in ("ROOT", "CURRENT"):
                    base = self.root
                elif name in env:
                    base = env[name]
                else:
                    raise Failed("use of undefined variable: %s" % name)
                return _path(base, _field_path(rest)) if rest else base
            if e.startswith("$"):
                return _path(self.root, _field_path(e[1:]))
            return e
        if isinstance(e, list):
            return [self.ev(x, env) for x in e]
        if isinstance(e, dict):
            keys = list(e)
            if keys and keys[0].startswith("$"):
                if len(keys) != 1:
                    raise Failed("an expression object must have exactly one field: %r" % keys)
                return self.op(keys[0], e[keys[0]], env)
            out = {}
            for k, v in e.items():
                if k.startswith("$"):
                    raise Failed("field names in an expression object may not start with '$': %r" % k)
                r = self.ev(v, env)
                if r is not MISSING:
                    out[k] = r
            return out
        return e

    def op(self, name, arg, env):
        ev = self.ev
        if name == "$literal":
            return arg
        if name == "$and":
            return all(truthy(ev(x, env)) for x in _args(arg))
        if name == "$or":
            return any(truthy(ev(x, env)) for x in _args(arg))
        if name == "$not":
            return not truthy(ev(_args(arg, 1, name)[0], env))
        if name in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$cmp"):
            a, b = (ev(x, env) for x in _args(arg, 2, name))
            c = compare(a, b)
            return {
                "$eq": c == 0,
                "$ne": c != 0,
                "$gt": c > 0,
                "$gte": c >= 0,
                "$lt": c < 0,
                "$lte": c <= 0,
                "$cmp": c,
            }[name]
        if name == "$cond":
            if isinstance(arg, dict):
                if set(arg) != {"if", "then", "else"}:
                    raise Failed("$cond needs if, then and else")
                cond, then, other = arg["if"], arg["then"], arg["else"]
            else:
                cond, then, other = _args(arg, 3, name)
            return ev(then, env) if truthy(ev(cond, env)) else ev(other, env)
        if name == "$ifNull":
            values = _args(arg)
            for x in values[:-1]:
                v = ev(x, env)
                if v is not MISSING and v is not None:
                    return v
            return ev(values[-1], env)
        if name == "$type":
            return type_name(ev(_args(arg, 1, name)[0], env))
        if name == "$isArray":
            return isinstance(ev(_args(arg, 1, name)[0], env), list)
        if name == "$isNumber":
            return type_name(ev(_args(arg, 1, name)[0], env)) in ("int", "long", "double")
        if name == "$toDouble":
            return to_double(ev(_args(arg, 1, name)[0], env))
        if name == "$regexMatch":
            if not isinstance(arg, dict) or not {"input", "regex"} <= set(arg) <= {
                "input",
                "regex",
                "options",
            }:
                raise Failed("$regexMatch needs input, regex and optional options")
            value = ev(arg["input"], env)
            regex = ev(arg["regex"], env)
            options = ev(arg.get("options", ""), env)
            if not isinstance(regex, str) or not isinstance(options, str):
                raise Failed("$regexMatch needs a string regex and options")
            compiled = pcre_to_python(regex, options)
            if value is MISSING or value is None:
                return False
            if not isinstance(value, str):
                raise Failed("$regexMatch needs 'input' to be of type string")
            return compiled.search(value) is not None
        if name == "$map":
            if not isinstance(arg, dict) or not {"input", "in"} <= set(arg) <= {"input", "as", "in"}:
                raise Failed("$map needs input, in and optional as")
            items = ev(arg["input"], env)
            if items is MISSING or items is None:
                return None
            if not isinstance(items, list):
                raise Failed("input to $map must be an array not %s" % type_name(items))
            var = arg.get("as", "this")
            return [ev(arg["in"], dict(env, **{var: item})) for item in items]
        if name in ("$anyElementTrue", "$allElementsTrue"):
            items = ev(_args(arg, 1, name)[0], env)
            if not isinstance(items, list):
                raise Failed("%s's argument must be an array, but is %s" % (name, type_name(items)))
            test = any if name == "$anyElementTrue" else all
            return test(truthy(x) for x in items)
        if name == "$in":
            needle, hay = (ev(x, env) for x in _args(arg, 2, name))
            if not isinstance(hay, list):
                raise Failed("$in requires an array as a second argument")
            return any(compare(needle, x) == 0 for x in hay)
        if name == "$size":
            items = ev(_args(arg, 1, name)[0], env)
            if not isinstance(items, list):
                raise Failed("the argument to $size must be an array")
            return len(items)
        if name == "$strLenCP":
            s = ev(_args(arg, 1, name)[0], env)
            if not isinstance(s, str):
                raise Failed("$strLenCP requires a string argument")
            return len(s)
        raise Unsupported("aggregation operator %s" % name)


def _parse_expression(expression, document, ignore_missing_keys=False):
    del ignore_missing_keys
    return truthy(Expr(document).ev(expression, {}))


filtering.register_parse_expression(_parse_expression)


# --- driver -----------------------------------------------------------------------


def run(documents, queries):
    collection = mongomock.MongoClient().db.conversations
    if documents:
        collection.insert_many(documents)
    for q in queries:
        name = q["name"]
        try:
            query = compile_regexes(from_extended_json(q["filter"]))
            ids = sorted(d["id"] for d in collection.find(query, {"id": 1, "_id": 0}))
            yield {"name": name, "ids": ids}
        except Unsupported as e:
            yield {"name": name, "unsupported": str(e)}
        except (Failed, OperationFailure) as e:
            yield {"name": name, "failed": "%s: %s" % (type(e).__name__, e)}
        except NotImplementedError as e:
            yield {"name": name, "unsupported": "mongomock: %s" % e}


def main():
    if mongomock.__version__ != MONGOMOCK_VERSION:
        print(
            "eval.py: mongomock %s is installed, the test is written for %s (requirements.txt)"
            % (mongomock.__version__, MONGOMOCK_VERSION),
            file=sys.stderr,
        )
        return 2
    try:
        request = json.load(sys.stdin)
        documents = [from_extended_json(d) for d in request["documents"]]
        queries = request["queries"]
    except (ValueError, KeyError, TypeError, Unsupported) as e:
        print("eval.py: unreadable input: %s" % e, file=sys.stderr)
        return 2
    for result in run(documents, queries):
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
