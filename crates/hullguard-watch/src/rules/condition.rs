//! The condition language of rules: comparisons of event fields joined by `and`, `or`, `not` and
//! parentheses (`evt.type = exec and proc.name in (sh, bash)`). Operators: `=`, `!=`, `in (…)`,
//! `startswith`, `contains`. Values are words or `"quoted text"`. Fields are checked when the rule
//! file is read, so a misspelt field is an error, not a rule that never fires.

use std::collections::BTreeMap;

/// The fields a condition may name; alerts show the same names in `output_fields`.
pub const FIELDS: [&str; 22] = [
    "evt.type",
    "evt.arg.id",
    "evt.arg.request",
    "evt.arg.pid",
    "evt.arg.flags",
    "evt.arg.cmd",
    "evt.arg.mode",
    "proc.name",
    "proc.exe",
    "proc.cmdline",
    "proc.pid",
    "proc.ppid",
    "proc.origin",
    "proc.stdio_socket",
    "user.uid",
    "fd.name",
    "fd.port",
    "fd.write",
    "container.id",
    "container.name",
    "container.image.repository",
    "container.drift",
];

/// What an event source can say about one field of one kind of event, for [`Condition::can_match`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The event never has the field.
    Absent,
    /// The field always has this value.
    Exact(&'static str),
    /// The field has a value, never a path (an `addr:port`).
    NotPath,
    /// The field has some value.
    Any,
}

/// The most nesting of parentheses and `not` a condition may have.
const MAX_DEPTH: usize = 32;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Both hold.
    And(Box<Condition>, Box<Condition>),
    /// Either holds.
    Or(Box<Condition>, Box<Condition>),
    /// It does not hold.
    Not(Box<Condition>),
    /// A field compared with values.
    Compare {
        /// One of [`FIELDS`].
        field: &'static str,
        /// How.
        op: Op,
        /// One value, or the list of `in`.
        values: Vec<String>,
    },
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `in (a, b)`: equal to one of them.
    In,
    /// `startswith`
    StartsWith,
    /// `contains`
    Contains,
}

impl Condition {
    /// Whether the event with these fields matches; a field the event lacks matches nothing but `!=`.
    #[must_use]
    pub fn matches(&self, fields: &BTreeMap<&'static str, String>) -> bool {
        match self {
            Condition::And(a, b) => a.matches(fields) && b.matches(fields),
            Condition::Or(a, b) => a.matches(fields) || b.matches(fields),
            Condition::Not(c) => !c.matches(fields),
            Condition::Compare { field, op, values } => {
                let Some(value) = fields.get(field) else { return *op == Op::NotEqual };
                let first = values.first().map(String::as_str).unwrap_or_default();
                match op {
                    Op::Equal => value == first,
                    Op::NotEqual => value != first,
                    Op::In => values.iter().any(|v| v == value),
                    Op::StartsWith => value.starts_with(first),
                    Op::Contains => value.contains(first),
                }
            }
        }
    }

    /// Whether an event of this shape could match: `Some(false)` when none can, `Some(true)` when
    /// every one does, `None` when it depends on values the shape leaves open (Kleene's logic).
    #[must_use]
    pub fn can_match(&self, shape: &dyn Fn(&str) -> Shape) -> Option<bool> {
        match self {
            Condition::And(a, b) => match (a.can_match(shape), b.can_match(shape)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            Condition::Or(a, b) => match (a.can_match(shape), b.can_match(shape)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            Condition::Not(c) => c.can_match(shape).map(|m| !m),
            Condition::Compare { field, op, values } => match shape(field) {
                Shape::Absent => Some(*op == Op::NotEqual),
                Shape::Exact(value) => {
                    let fields = BTreeMap::from([(*field, value.to_owned())]);
                    Some(self.matches(&fields))
                }
                Shape::NotPath => {
                    let all_paths = values.iter().all(|v| v.starts_with('/'));
                    (all_paths && matches!(op, Op::Equal | Op::In | Op::StartsWith)).then_some(false)
                }
                Shape::Any => None,
            },
        }
    }

    /// Parses a condition.
    ///
    /// # Errors
    /// The problem and where, in words.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens = tokens(text)?;
        let mut parser = Parser { tokens: &tokens, at: 0 };
        let condition = parser.or(0)?;
        match parser.peek() {
            None => Ok(condition),
            Some(t) => Err(format!("unexpected {t:?} after a whole condition")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
    Comma,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Comma,
                });
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some(c) => s.push(c),
                        None => return Err("a quoted value is not closed".into()),
                    }
                }
                out.push(Token::Quoted(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || "(),\"".contains(c) {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push(Token::Word(s));
            }
        }
    }
    Ok(out)
}

struct Parser<'t> {
    tokens: &'t [Token],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<&Token> {
        self.at += 1;
        self.tokens.get(self.at - 1)
    }

    fn keyword(&mut self, word: &str) -> bool {
        let found = matches!(self.peek(), Some(Token::Word(w)) if w == word);
        self.at += usize::from(found);
        found
    }

    fn or(&mut self, depth: usize) -> Result<Condition, String> {
        let mut left = self.and(depth)?;
        while self.keyword("or") {
            left = Condition::Or(Box::new(left), Box::new(self.and(depth)?));
        }
        Ok(left)
    }

    fn and(&mut self, depth: usize) -> Result<Condition, String> {
        let mut left = self.unary(depth)?;
        while self.keyword("and") {
            left = Condition::And(Box::new(left), Box::new(self.unary(depth)?));
        }
        Ok(left)
    }

    fn unary(&mut self, depth: usize) -> Result<Condition, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH}"));
        }
        if self.keyword("not") {
            return Ok(Condition::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.or(depth + 1)?;
            return match self.next() {
                Some(Token::Close) => Ok(inner),
                _ => Err("a '(' is not closed".into()),
            };
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Condition, String> {
        let field = match self.next() {
            Some(Token::Word(w)) => FIELDS
                .iter()
                .find(|f| *f == w)
                .ok_or_else(|| format!("unknown field {w:?} (known: {})", FIELDS.join(", ")))?,
            other => return Err(format!("expected a field, found {}", describe(other))),
        };
        let op = match self.next() {
            Some(Token::Word(w)) => match w.as_str() {
                "=" => Op::Equal,
                "!=" => Op::NotEqual,
                "in" => Op::In,
                "startswith" => Op::StartsWith,
                "contains" => Op::Contains,
                _ => return Err(format!("unknown operator {w:?} after {field}")),
            },
            other => return Err(format!("expected an operator after {field}, found {}", describe(other))),
        };
        let values = if op == Op::In {
            if self.next() != Some(&Token::Open) {
                return Err(format!("{field} in: expected '('"));
            }
            let mut values = vec![self.value()?];
            loop {
                match self.next() {
                    Some(Token::Comma) => values.push(self.value()?),
                    Some(Token::Close) => break values,
                    other => return Err(format!("{field} in: expected ',' or ')', found {}", describe(other))),
                }
            }
        } else {
            vec![self.value()?]
        };
        Ok(Condition::Compare { field, op, values })
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(w) | Token::Quoted(w)) => Ok(w.clone()),
            other => Err(format!("expected a value, found {}", describe(other))),
        }
    }
}

fn describe(token: Option<&Token>) -> String {
    token.map_or_else(|| "the end".to_owned(), |t| format!("{t:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn precedence_not_over_and_over_or() {
        let c = Condition::parse(r#"evt.type = exec and not proc.name in (sh, "ba sh") or fd.port = 3333"#).unwrap();
        assert!(c.matches(&fields(&[("evt.type", "exec"), ("proc.name", "ls")])));
        assert!(!c.matches(&fields(&[("evt.type", "exec"), ("proc.name", "ba sh")])));
        assert!(c.matches(&fields(&[("evt.type", "connect"), ("fd.port", "3333")])));
        assert!(!c.matches(&fields(&[("evt.type", "connect"), ("fd.port", "80")])));
        let p = Condition::parse("(evt.type = open or evt.type = exec) and fd.name startswith /etc/").unwrap();
        assert!(p.matches(&fields(&[("evt.type", "exec"), ("fd.name", "/etc/x")])));
        assert!(!p.matches(&fields(&[("evt.type", "connect"), ("fd.name", "/etc/x")])));
    }

    #[test]
    fn can_match_knows_what_a_shape_rules_out() {
        let connect = |field: &str| match field {
            "evt.type" => Shape::Exact("connect"),
            "fd.name" => Shape::NotPath,
            "proc.name" => Shape::Any,
            _ => Shape::Absent,
        };
        let can = |text: &str| Condition::parse(text).unwrap().can_match(&connect);
        assert_eq!(can("evt.type = open"), Some(false));
        assert_eq!(can("evt.type = connect"), Some(true));
        assert_eq!(can("(evt.type = connect or evt.type = open) and fd.name in (/run/docker.sock)"), Some(false));
        assert_eq!(can("evt.type = connect and fd.name = 127.0.0.1:80"), None);
        assert_eq!(can("evt.type = connect and not proc.name startswith runc:"), None);
        assert_eq!(can("evt.type = connect and fd.write = true"), Some(false));
        assert_eq!(can("evt.type = connect and fd.write != true"), Some(true));
    }

    #[test]
    fn bad_conditions_say_what_is_wrong() {
        let err = |t: &str| Condition::parse(t).unwrap_err();
        assert!(err("proc.nmae = sh").starts_with("unknown field \"proc.nmae\""));
        assert_eq!(err("proc.name ~ sh"), "unknown operator \"~\" after proc.name");
        assert_eq!(err("(proc.name = sh"), "a '(' is not closed");
        assert_eq!(err("proc.name in (sh"), "proc.name in: expected ',' or ')', found the end");
        assert_eq!(err("proc.name = \"sh"), "a quoted value is not closed");
        assert_eq!(err(&format!("{}proc.name = sh", "not ".repeat(40))), "nested deeper than 32");
        assert_eq!(err("proc.name = sh sh"), "unexpected Word(\"sh\") after a whole condition");
    }
}
