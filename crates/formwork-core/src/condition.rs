//! The condition language: small, readable expressions over earlier answers, compiled and
//! type-checked at load time and evaluated without silent failure.
//!
//! ```text
//! age(date-of-birth) < 18
//! permit-type == "business" and not (vehicle-count > 2)
//! parking-zone in ["A", "B"]
//! needs contains "blue-badge"
//! answered(phone) or date-of-birth <= date("2008-02-28")
//! ```
//!
//! Names are question names (kebab-case), `question.part` for a composite's part, or named
//! conditions. Comparing an unanswered question with `==`, `in` or `contains` is false and with
//! `!=` is true; ordering or `age()` on an unanswered question is an evaluation error, never false.

use std::fmt;

use time::Date;

use crate::answers::{Answers, Value};
use crate::components::ValueType;
use crate::date::{age_on, parse_iso_date};

/// A compiled condition.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub(crate) expr: Expr,
    /// The source text, for messages.
    pub source: String,
}

/// A condition could not be evaluated (it is neither true nor false).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("condition `{condition}` cannot be evaluated: {reason}")]
pub struct ConditionError {
    /// The condition's source text.
    pub condition: String,
    /// Why.
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Bool(bool),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Compare(Operand, Op, Operand),
    In(Operand, Vec<Operand>),
    InList(Operand, Operand),
    Contains(Operand, Operand),
    Answered(Vec<String>),
    Named(String, Box<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    Ref(Vec<String>, Kind),
    Str(String),
    Num(f64),
    Date(Date),
    Today,
    Age(Vec<String>, Option<Box<Operand>>),
    Count(Vec<String>),
}

/// The static type of an operand.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Text,
    Number,
    Date,
    Choice(Vec<String>),
    List(Vec<String>),
}

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "a number",
            Self::Date => "a date",
            Self::Choice(_) => "a choice",
            Self::List(_) => "a list of choices",
        }
    }
}

/// How deeply a condition may nest: brackets, `not`, `age(…, …)` and named conditions within
/// named conditions, together. Real conditions stay far below; the limit turns a hostile or
/// broken definition into an author error instead of a stack overflow (in the compiler, the
/// evaluator, or when the expression is dropped).
pub(crate) const MAX_DEPTH: usize = 32;

/// How many parts (comparisons, `answered(…)`, list items, `not`s) a condition may have once
/// its named conditions are written out. Without it `b: a and a`, `c: b and b`, … doubles at
/// every step: memory at compile time, time at every evaluation.
pub(crate) const MAX_SIZE: usize = 10_000;

impl Expr {
    /// (depth, size) as the parser counts them for `MAX_DEPTH` and `MAX_SIZE`: `not` and a
    /// named condition are a level each; `and`/`or` nest only through brackets, which add none here.
    fn measure(&self) -> (usize, usize) {
        match self {
            Self::Bool(_)
            | Self::Answered(_)
            | Self::Compare(..)
            | Self::InList(..)
            | Self::Contains(..) => (1, 1),
            Self::In(_, items) => (1, items.len().saturating_add(1)),
            Self::And(items) | Self::Or(items) => {
                items.iter().fold((1, 0), |(depth, size), item| {
                    let (d, s) = item.measure();
                    (depth.max(d), size.saturating_add(s))
                })
            }
            Self::Not(inner) | Self::Named(_, inner) => {
                let (d, s) = inner.measure();
                (d + 1, s.saturating_add(1))
            }
        }
    }
}

fn too_deep() -> String {
    format!(
        "the condition nests too deeply: at most {MAX_DEPTH} levels of brackets, `not` and named conditions"
    )
}

/// What the condition compiler needs from the form being compiled.
pub(crate) trait Scope {
    /// The type of a question (or part) and the index of the page that asks it.
    fn field(&self, path: &[String]) -> Result<(ValueType, usize), String>;
    /// A named condition's compiled expression and the last page it depends on,
    /// or `None` if `name` is not a named condition. `depth` is the nesting where it is
    /// used: a condition compiled now starts there (`compile_condition_at`).
    fn named(&mut self, name: &str, depth: usize) -> Option<Result<(Expr, Option<usize>), String>>;
}

/// Compiles `source`, returning the condition and the index of the latest page it reads.
pub(crate) fn compile_condition(
    source: &str,
    scope: &mut dyn Scope,
) -> Result<(Condition, Option<usize>), String> {
    compile_condition_at(source, scope, 0)
}

/// Compiles `source` as if nested `depth` levels deep: a named condition compiled where it is
/// first used, so that the recursion through named conditions counts towards `MAX_DEPTH` too.
pub(crate) fn compile_condition_at(
    source: &str,
    scope: &mut dyn Scope,
    depth: usize,
) -> Result<(Condition, Option<usize>), String> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    let tokens = lex(source)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        scope,
        max_page: None,
        depth,
        size: 0,
    };
    let expr = p.or_expr()?;
    if let Some(t) = p.peek() {
        return Err(format!("unexpected {t} after the end of the condition"));
    }
    let max = p.max_page;
    Ok((
        Condition {
            expr,
            source: source.to_owned(),
        },
        max,
    ))
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    Op(Op),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ident(s) => write!(f, "`{s}`"),
            Self::Str(s) => write!(f, "\"{s}\""),
            Self::Num(n) => write!(f, "{n}"),
            Self::Op(op) => write!(f, "`{}`", op_text(*op)),
            Self::LParen => f.write_str("`(`"),
            Self::RParen => f.write_str("`)`"),
            Self::LBracket => f.write_str("`[`"),
            Self::RBracket => f.write_str("`]`"),
            Self::Comma => f.write_str("`,`"),
            Self::Dot => f.write_str("`.`"),
        }
    }
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Eq => "==",
        Op::Ne => "!=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
    }
}

fn lex(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => (out.push(Token::LParen), i += 1).1,
            ')' => (out.push(Token::RParen), i += 1).1,
            '[' => (out.push(Token::LBracket), i += 1).1,
            ']' => (out.push(Token::RBracket), i += 1).1,
            ',' => (out.push(Token::Comma), i += 1).1,
            '.' => (out.push(Token::Dot), i += 1).1,
            '=' if next == Some('=') => (out.push(Token::Op(Op::Eq)), i += 2).1,
            '=' => return Err("use `==` to compare, not `=`".into()),
            '!' if next == Some('=') => (out.push(Token::Op(Op::Ne)), i += 2).1,
            '<' if next == Some('=') => (out.push(Token::Op(Op::Le)), i += 2).1,
            '>' if next == Some('=') => (out.push(Token::Op(Op::Ge)), i += 2).1,
            '<' => (out.push(Token::Op(Op::Lt)), i += 1).1,
            '>' => (out.push(Token::Op(Op::Gt)), i += 1).1,
            '"' | '\'' | '“' | '‘' => {
                let close = match c {
                    '“' => '”',
                    '‘' => '’',
                    other => other,
                };
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("a quoted string is not closed".into()),
                        Some('\\') => {
                            if let Some(esc) = chars.get(i + 1) {
                                s.push(*esc);
                            }
                            i += 2;
                        }
                        Some(ch) if *ch == close => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            s.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Token::Str(s));
            }
            c if c.is_ascii_digit() || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n = text
                    .parse::<f64>()
                    .map_err(|_| format!("`{text}` is not a number"))?;
                out.push(Token::Num(n));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '-' || chars[i] == '_')
                {
                    i += 1;
                }
                out.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character `{other}`")),
        }
    }
    Ok(out)
}

struct Parser<'s> {
    tokens: Vec<Token>,
    pos: usize,
    scope: &'s mut dyn Scope,
    max_page: Option<usize>,
    /// Current nesting (`MAX_DEPTH`).
    depth: usize,
    /// Parts so far, named conditions counted in full (`MAX_SIZE`).
    size: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Goes one level deeper (a bracket, `not`, an argument); `leave` comes back.
    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Counts `parts` more parts of the condition.
    fn grow(&mut self, parts: usize) -> Result<(), String> {
        self.size = self.size.saturating_add(parts);
        if self.size > MAX_SIZE {
            return Err(format!(
                "the condition is too long: more than {MAX_SIZE} parts once its named conditions are written out"
            ));
        }
        Ok(())
    }

    fn at_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(s)) if s == kw)
    }

    fn expect(&mut self, want: &Token) -> Result<(), String> {
        match self.next() {
            Some(t) if &t == want => Ok(()),
            Some(t) => Err(format!("expected {want}, found {t}")),
            None => Err(format!("expected {want} at the end")),
        }
    }

    fn or_expr(&mut self) -> Result<Expr, String> {
        let mut items = vec![self.and_expr()?];
        while self.at_keyword("or") {
            self.pos += 1;
            items.push(self.and_expr()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, String> {
        let mut items = vec![self.unary()?];
        while self.at_keyword("and") {
            self.pos += 1;
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.at_keyword("not") {
            self.pos += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.leave();
            self.grow(1)?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.grow(1)?;
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.peek() {
            None => return Err("the condition is empty or ends too soon".into()),
            Some(Token::LParen) => {
                self.pos += 1;
                self.enter()?;
                let e = self.or_expr()?;
                self.leave();
                self.expect(&Token::RParen)?;
                return Ok(e);
            }
            Some(Token::Ident(s)) if s == "true" || s == "false" => {
                let b = s == "true";
                self.pos += 1;
                return Ok(Expr::Bool(b));
            }
            Some(Token::Ident(s)) if s == "answered" => {
                self.pos += 1;
                self.expect(&Token::LParen)?;
                let path = self.path()?;
                self.field(&path)?;
                self.expect(&Token::RParen)?;
                return Ok(Expr::Answered(path));
            }
            _ => {}
        }
        // A bare name followed by no operator is a named condition.
        if let Some(Token::Ident(name)) = self.peek().cloned()
            && !is_keyword(&name)
            && !matches!(
                self.tokens.get(self.pos + 1),
                Some(Token::Op(_) | Token::Dot | Token::LParen)
            )
            && !matches!(self.tokens.get(self.pos + 1), Some(Token::Ident(k)) if k == "in" || k == "contains" || k == "not" && matches!(self.tokens.get(self.pos + 2), Some(Token::Ident(k2)) if k2 == "in"))
        {
            if let Some(named) = self.scope.named(&name, self.depth + 1) {
                let (expr, max) = named?;
                let (depth, size) = expr.measure();
                if self.depth + depth > MAX_DEPTH {
                    return Err(too_deep());
                }
                self.grow(size)?;
                self.pos += 1;
                self.max_page = self.max_page.max(max);
                return Ok(Expr::Named(name, Box::new(expr)));
            }
            // Not a named condition: if it is a question, the author forgot the comparison.
            if self.scope.field(std::slice::from_ref(&name)).is_ok() {
                return Err(format!(
                    "`{name}` is a question, not a condition: compare it, e.g. `{name} == \"yes\"`"
                ));
            }
            return Err(format!("`{name}` is not a question or a named condition"));
        }
        let (left, left_kind) = self.operand()?;
        match self.next() {
            Some(Token::Op(op)) => {
                let (right, right_kind) = self.operand()?;
                check_compare(op, &left, &left_kind, &right, &right_kind)?;
                Ok(Expr::Compare(left, op, right))
            }
            Some(Token::Ident(k)) if k == "in" => self.membership(left, left_kind),
            Some(Token::Ident(k)) if k == "not" && self.at_keyword("in") => {
                self.pos += 1;
                Ok(Expr::Not(Box::new(self.membership(left, left_kind)?)))
            }
            Some(Token::Ident(k)) if k == "contains" => {
                let (right, right_kind) = self.operand()?;
                let Kind::List(options) = &left_kind else {
                    return Err(format!(
                        "`contains` needs a checkbox question on its left, not {}",
                        left_kind.name()
                    ));
                };
                check_option(&right, &right_kind, options)?;
                Ok(Expr::Contains(left, right))
            }
            Some(t) => Err(format!(
                "expected a comparison (==, !=, <, <=, >, >=, in, contains) but found {t}"
            )),
            None => {
                Err("expected a comparison (==, !=, <, <=, >, >=, in, contains) at the end".into())
            }
        }
    }

    fn membership(&mut self, left: Operand, left_kind: Kind) -> Result<Expr, String> {
        if matches!(self.peek(), Some(Token::LBracket)) {
            self.pos += 1;
            let mut items = Vec::new();
            loop {
                if matches!(self.peek(), Some(Token::RBracket)) {
                    self.pos += 1;
                    break;
                }
                let (item, item_kind) = self.operand()?;
                check_compare(Op::Eq, &left, &left_kind, &item, &item_kind)?;
                self.grow(1)?;
                items.push(item);
                match self.next() {
                    Some(Token::Comma) => {}
                    Some(Token::RBracket) => break,
                    Some(t) => return Err(format!("expected `,` or `]` in a list, found {t}")),
                    None => return Err("a list is not closed with `]`".into()),
                }
            }
            return Ok(Expr::In(left, items));
        }
        let (right, right_kind) = self.operand()?;
        let Kind::List(options) = &right_kind else {
            return Err(format!(
                "`in` needs a list `[...]` or a checkbox question on its right, not {}",
                right_kind.name()
            ));
        };
        check_option(&left, &left_kind, options)?;
        Ok(Expr::InList(left, right))
    }

    fn path(&mut self) -> Result<Vec<String>, String> {
        let mut path = Vec::new();
        match self.next() {
            Some(Token::Ident(s)) if !is_keyword(&s) => path.push(s),
            Some(t) => return Err(format!("expected a question name, found {t}")),
            None => return Err("expected a question name at the end".into()),
        }
        while matches!(self.peek(), Some(Token::Dot)) {
            self.pos += 1;
            match self.next() {
                Some(Token::Ident(s)) => path.push(s),
                _ => return Err("expected a part name after `.`".into()),
            }
        }
        Ok(path)
    }

    fn field(&mut self, path: &[String]) -> Result<Kind, String> {
        let (vt, page) = self.scope.field(path)?;
        self.max_page = self.max_page.max(Some(page));
        let name = path.join(".");
        match vt {
            ValueType::Text => Ok(Kind::Text),
            ValueType::Number => Ok(Kind::Number),
            ValueType::Date => Ok(Kind::Date),
            ValueType::Choice(v) => Ok(Kind::Choice(v)),
            ValueType::List(v) => Ok(Kind::List(v)),
            ValueType::Group(parts) => Err(format!(
                "`{name}` has parts; use one of {}",
                parts
                    .keys()
                    .map(|p| format!("`{name}.{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            ValueType::None => Err(format!("`{name}` is content, not a question")),
        }
    }

    fn operand(&mut self) -> Result<(Operand, Kind), String> {
        match self.peek().cloned() {
            Some(Token::Str(s)) => {
                self.pos += 1;
                Ok((Operand::Str(s), Kind::Text))
            }
            Some(Token::Num(n)) => {
                self.pos += 1;
                Ok((Operand::Num(n), Kind::Number))
            }
            Some(Token::Ident(s)) if s == "today" => {
                self.pos += 1;
                Ok((Operand::Today, Kind::Date))
            }
            Some(Token::Ident(s)) if s == "date" && matches!(self.tokens.get(self.pos + 1), Some(Token::LParen)) => {
                self.pos += 2;
                let d = match self.next() {
                    Some(Token::Str(s)) => parse_iso_date(&s).ok_or_else(|| format!("`{s}` is not a date in the form YYYY-MM-DD"))?,
                    _ => return Err("date(...) takes a quoted date, e.g. date(\"2026-04-01\")".into()),
                };
                self.expect(&Token::RParen)?;
                Ok((Operand::Date(d), Kind::Date))
            }
            Some(Token::Ident(s)) if s == "age" && matches!(self.tokens.get(self.pos + 1), Some(Token::LParen)) => {
                self.pos += 2;
                let path = self.path()?;
                let kind = self.field(&path)?;
                if kind != Kind::Date {
                    return Err(format!("age() needs a date question, but `{}` is {}", path.join("."), kind.name()));
                }
                let on = if matches!(self.peek(), Some(Token::Comma)) {
                    self.pos += 1;
                    self.enter()?;
                    let (on, on_kind) = self.operand()?;
                    self.leave();
                    if on_kind != Kind::Date {
                        return Err("the second argument of age() must be a date".into());
                    }
                    Some(Box::new(on))
                } else {
                    None
                };
                self.expect(&Token::RParen)?;
                Ok((Operand::Age(path, on), Kind::Number))
            }
            Some(Token::Ident(s)) if s == "count" && matches!(self.tokens.get(self.pos + 1), Some(Token::LParen)) => {
                self.pos += 2;
                let path = self.path()?;
                let kind = self.field(&path)?;
                if !matches!(kind, Kind::List(_)) {
                    return Err(format!("count() needs a checkbox question, but `{}` is {}", path.join("."), kind.name()));
                }
                self.expect(&Token::RParen)?;
                Ok((Operand::Count(path), Kind::Number))
            }
            Some(Token::Ident(s)) if s == "true" || s == "false" => {
                Err("true and false are conditions, not values: compare a yes/no question with \"yes\" or \"no\"".into())
            }
            Some(Token::Ident(_)) => {
                let path = self.path()?;
                let kind = self.field(&path)?;
                Ok((Operand::Ref(path, kind.clone()), kind))
            }
            Some(t) => Err(format!("expected a question, a value or a function, found {t}")),
            None => Err("the condition ends too soon".into()),
        }
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "and" | "or" | "not" | "in" | "contains" | "true" | "false" | "today"
    )
}

fn describe(op: &Operand) -> String {
    match op {
        Operand::Ref(p, _) | Operand::Age(p, _) | Operand::Count(p) => format!("`{}`", p.join(".")),
        Operand::Str(s) => format!("\"{s}\""),
        Operand::Num(n) => n.to_string(),
        Operand::Date(d) => crate::date::iso_date(*d),
        Operand::Today => "today".into(),
    }
}

fn check_option(value: &Operand, kind: &Kind, options: &[String]) -> Result<(), String> {
    if let Operand::Str(s) = value
        && !options.contains(s)
    {
        return Err(format!(
            "\"{s}\" is not one of the options ({})",
            options.join(", ")
        ));
    }
    if !matches!(kind, Kind::Text | Kind::Choice(_)) {
        return Err(format!(
            "{} is {}, but the options are text",
            describe(value),
            kind.name()
        ));
    }
    Ok(())
}

fn check_compare(
    op: Op,
    left: &Operand,
    lk: &Kind,
    right: &Operand,
    rk: &Kind,
) -> Result<(), String> {
    let ordering = !matches!(op, Op::Eq | Op::Ne);
    match (lk, rk) {
        (Kind::Choice(opts), Kind::Text) | (Kind::Text, Kind::Choice(opts)) if !ordering => {
            let lit = if matches!(lk, Kind::Choice(_)) {
                right
            } else {
                left
            };
            check_option(lit, &Kind::Text, opts)
        }
        (Kind::Text | Kind::Choice(_), Kind::Text | Kind::Choice(_)) if !ordering => Ok(()),
        (Kind::Number, Kind::Number) | (Kind::Date, Kind::Date) => Ok(()),
        (Kind::List(_), _) | (_, Kind::List(_)) => Err(format!(
            "{} is a checkbox question: use `contains`, e.g. `{} contains \"option\"`",
            if matches!(lk, Kind::List(_)) {
                describe(left)
            } else {
                describe(right)
            },
            if matches!(lk, Kind::List(_)) {
                describe(left).trim_matches('`').to_owned()
            } else {
                describe(right).trim_matches('`').to_owned()
            }
        )),
        _ if ordering
            && (matches!(lk, Kind::Text | Kind::Choice(_))
                || matches!(rk, Kind::Text | Kind::Choice(_))) =>
        {
            Err(format!(
                "`{}` compares numbers or dates, but {} is {} and {} is {}",
                op_text(op),
                describe(left),
                lk.name(),
                describe(right),
                rk.name()
            ))
        }
        _ => Err(format!(
            "cannot compare {} ({}) with {} ({})",
            describe(left),
            lk.name(),
            describe(right),
            rk.name()
        )),
    }
}

/// A value during evaluation.
#[derive(Debug, PartialEq)]
enum Val {
    Absent,
    Text(String),
    Num(f64),
    Date(Date),
    List(Vec<String>),
}

impl Condition {
    /// Evaluates the condition against the answers so far.
    ///
    /// # Errors
    /// When the condition cannot be decided (e.g. ordering on an unanswered question).
    pub fn evaluate(&self, answers: &Answers, today: Date) -> Result<bool, ConditionError> {
        eval(&self.expr, answers, today).map_err(|reason| ConditionError {
            condition: self.source.clone(),
            reason,
        })
    }
}

fn eval(e: &Expr, a: &Answers, today: Date) -> Result<bool, String> {
    Ok(match e {
        Expr::Bool(b) => *b,
        Expr::And(items) => {
            for i in items {
                if !eval(i, a, today)? {
                    return Ok(false);
                }
            }
            true
        }
        Expr::Or(items) => {
            for i in items {
                if eval(i, a, today)? {
                    return Ok(true);
                }
            }
            false
        }
        Expr::Not(inner) => !eval(inner, a, today)?,
        Expr::Named(_, inner) => eval(inner, a, today)?,
        Expr::Answered(path) => a
            .lookup(path)
            .is_some_and(|v| !matches!(v, Value::List(l) if l.is_empty())),
        Expr::Compare(l, op, r) => {
            let (lv, rv) = (value(l, a, today)?, value(r, a, today)?);
            compare(&lv, *op, &rv, l, r)?
        }
        Expr::In(l, items) => {
            let lv = value(l, a, today)?;
            if lv == Val::Absent {
                return Ok(false);
            }
            let mut found = false;
            for item in items {
                if value(item, a, today)? == lv {
                    found = true;
                    break;
                }
            }
            found
        }
        Expr::InList(l, r) => match (value(l, a, today)?, value(r, a, today)?) {
            (Val::Text(s), Val::List(list)) => list.contains(&s),
            _ => false,
        },
        Expr::Contains(l, r) => match (value(l, a, today)?, value(r, a, today)?) {
            (Val::List(list), Val::Text(s)) => list.contains(&s),
            _ => false,
        },
    })
}

fn compare(l: &Val, op: Op, r: &Val, lo: &Operand, ro: &Operand) -> Result<bool, String> {
    if matches!(op, Op::Eq | Op::Ne) {
        let eq = *l != Val::Absent && l == r;
        return Ok(if op == Op::Eq { eq } else { !eq });
    }
    let ord = match (l, r) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::Absent, _) => return Err(format!("{} has not been answered", describe(lo))),
        (_, Val::Absent) => return Err(format!("{} has not been answered", describe(ro))),
        _ => None,
    };
    let Some(ord) = ord else {
        return Err(format!(
            "cannot order {} and {}",
            describe(lo),
            describe(ro)
        ));
    };
    Ok(match op {
        Op::Lt => ord.is_lt(),
        Op::Le => ord.is_le(),
        Op::Gt => ord.is_gt(),
        Op::Ge => ord.is_ge(),
        Op::Eq | Op::Ne => unreachable_eq(ord),
    })
}

fn unreachable_eq(ord: std::cmp::Ordering) -> bool {
    ord.is_eq()
}

fn value(o: &Operand, a: &Answers, today: Date) -> Result<Val, String> {
    Ok(match o {
        Operand::Str(s) => Val::Text(s.clone()),
        Operand::Num(n) => Val::Num(*n),
        Operand::Date(d) => Val::Date(*d),
        Operand::Today => Val::Date(today),
        Operand::Ref(path, kind) => match (a.lookup(path), kind) {
            (None, _) => Val::Absent,
            (Some(Value::Text(s)), Kind::Date) => Val::Date(
                parse_iso_date(s)
                    .ok_or_else(|| format!("the answer to `{}` is not a date", path.join(".")))?,
            ),
            (Some(Value::Text(s)), _) => Val::Text(s.clone()),
            (Some(Value::Number(n)), _) => Val::Num(*n),
            (Some(Value::List(l)), _) => Val::List(l.clone()),
            (Some(_), _) => {
                return Err(format!(
                    "the answer to `{}` has an unexpected shape",
                    path.join(".")
                ));
            }
        },
        Operand::Age(path, on) => {
            let Some(Value::Text(s)) = a.lookup(path) else {
                return Err(format!("`{}` has not been answered", path.join(".")));
            };
            let born = parse_iso_date(s)
                .ok_or_else(|| format!("the answer to `{}` is not a date", path.join(".")))?;
            let on = match on {
                Some(op) => match value(op, a, today)? {
                    Val::Date(d) => d,
                    _ => return Err("age() needs a date to measure on".into()),
                },
                None => today,
            };
            Val::Num(f64::from(age_on(born, on)))
        }
        Operand::Count(path) => match a.lookup(path) {
            Some(Value::List(l)) => Val::Num(l.len() as f64),
            None => Val::Num(0.0),
            Some(_) => return Err(format!("`{}` is not a checkbox answer", path.join("."))),
        },
    })
}
