//! Calendar rules: reading day/month/year boxes into a real date, whole-year ages, and date wording.
//!
//! "Today" is always an argument: nothing here reads a clock.

use time::{Date, Month};

use crate::messages::{MessageArgs, format_message};
use crate::text::Language;

/// Which box of a date input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatePart {
    /// The day box.
    Day,
    /// The month box.
    Month,
    /// The year box.
    Year,
}

impl DatePart {
    /// All parts in the order they appear on the page.
    pub const ALL: [Self; 3] = [Self::Day, Self::Month, Self::Year];

    /// The suffix used for input names and ids, e.g. `day` in `date-of-birth-day`.
    #[must_use]
    pub fn suffix(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Month => "month",
            Self::Year => "year",
        }
    }
}

/// Why three boxes do not make a real date, in GOV.UK priority order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DateProblem {
    /// Every box is empty.
    Empty,
    /// Some boxes are empty (listed in page order).
    Missing(Vec<DatePart>),
    /// The year does not have 4 digits.
    YearDigits,
    /// The values cannot be a date; `parts` are the boxes to highlight (all three when unclear).
    NotReal {
        /// Boxes to highlight.
        parts: Vec<DatePart>,
    },
}

/// Reads the three boxes as a resident typed them. Spaces and stray punctuation are ignored,
/// and months may be written as names ("feb", "February").
///
/// # Errors
/// Returns the highest-priority problem when the boxes do not make a real date.
pub fn parse_date_parts(
    day: &str,
    month: &str,
    year: &str,
    lang: Language,
) -> Result<Date, DateProblem> {
    let day = clean(day);
    let month = clean(month);
    let year = clean(year);
    let missing: Vec<DatePart> = [
        (&day, DatePart::Day),
        (&month, DatePart::Month),
        (&year, DatePart::Year),
    ]
    .iter()
    .filter(|(v, _)| v.is_empty())
    .map(|(_, p)| *p)
    .collect();
    if missing.len() == 3 {
        return Err(DateProblem::Empty);
    }
    if !missing.is_empty() {
        return Err(DateProblem::Missing(missing));
    }
    // GOV.UK counts a short or long year as incomplete, which outranks impossible values.
    if !(year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()))
        && year.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(DateProblem::YearDigits);
    }
    let day_n = parse_number(&day).filter(|d| (1..=31).contains(d));
    let month_n = parse_month(&month, lang);
    let year_digits_ok = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
    let mut wrong = Vec::new();
    if day_n.is_none() {
        wrong.push(DatePart::Day);
    }
    if month_n.is_none() {
        wrong.push(DatePart::Month);
    }
    if !year_digits_ok {
        if wrong.is_empty() {
            return Err(DateProblem::YearDigits);
        }
        wrong.push(DatePart::Year);
    }
    match (day_n, month_n, wrong.len()) {
        (Some(d), Some(m), 0) => {
            let y: i32 = year.parse().map_err(|_| DateProblem::YearDigits)?;
            let month = Month::try_from(m).map_err(|_| DateProblem::NotReal {
                parts: vec![DatePart::Month],
            })?;
            // Day 1..=31 and month 1..=12 but no such date (31 February): unclear which box is wrong.
            Date::from_calendar_date(y, month, d).map_err(|_| DateProblem::NotReal {
                parts: DatePart::ALL.to_vec(),
            })
        }
        (_, _, 1) => Err(DateProblem::NotReal { parts: wrong }),
        _ => Err(DateProblem::NotReal {
            parts: DatePart::ALL.to_vec(),
        }),
    }
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn parse_number(s: &str) -> Option<u8> {
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_month(s: &str, lang: Language) -> Option<u8> {
    if let Some(n) = parse_number(s) {
        return (1..=12).contains(&n).then_some(n);
    }
    if s.len() < 3 {
        return None;
    }
    let languages = if lang == Language::En {
        vec![Language::En]
    } else {
        vec![lang, Language::En]
    };
    for l in languages {
        for n in 1..=12u8 {
            let name = clean(&format_message(
                l,
                &format!("month.{n}"),
                &MessageArgs::default(),
            ));
            // Full name, or any prefix of 3+ letters ("sep", "sept").
            if name == s || (name.starts_with(s) && s.chars().count() >= 3) {
                return Some(n);
            }
        }
    }
    None
}

/// Age in whole years on `on`. Someone born on 29 February is a year older on 1 March in
/// a non-leap year.
#[must_use]
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut years = on.year() - birth.year();
    if (u8::from(on.month()), on.day()) < (u8::from(birth.month()), birth.day()) {
        years -= 1;
    }
    years
}

/// The same calendar day `years` years before `on`; 29 February becomes 28 February in a
/// non-leap year. A person born on or before this date is at least `years` old on `on`.
#[must_use]
pub fn years_before(on: Date, years: i32) -> Option<Date> {
    let year = on.year().checked_sub(years)?;
    let day = on.day().min(on.month().length(year));
    Date::from_calendar_date(year, on.month(), day).ok()
}

/// Formats a date the GOV.UK way: `28 February 2008`.
#[must_use]
pub fn format_date(date: Date, lang: Language) -> String {
    let month = format_message(
        lang,
        &format!("month.{}", u8::from(date.month())),
        &MessageArgs::default(),
    );
    format_message(
        lang,
        "date.format",
        &MessageArgs::default()
            .with("day", date.day().to_string())
            .with("month", month)
            .with("year", date.year().to_string()),
    )
}

/// Formats a date as `YYYY-MM-DD`, the normalised answer form.
#[must_use]
pub fn iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// Parses `YYYY-MM-DD`.
#[must_use]
pub fn parse_iso_date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn p(d: &str, m: &str, y: &str) -> Result<Date, DateProblem> {
        parse_date_parts(d, m, y, Language::En)
    }

    #[test]
    fn reads_real_dates_leniently() {
        assert_eq!(p("28", "2", "2008"), Ok(date!(2008 - 02 - 28)));
        assert_eq!(p(" 1 ", "Feb", "2008"), Ok(date!(2008 - 02 - 01)));
        assert_eq!(p("01", "september", "1990"), Ok(date!(1990 - 09 - 01)));
        assert_eq!(p("1.", "sept", "1990"), Ok(date!(1990 - 09 - 01)));
    }

    #[test]
    fn reports_problems_in_priority_order() {
        assert_eq!(p("", "", ""), Err(DateProblem::Empty));
        assert_eq!(
            p("1", "", "20"),
            Err(DateProblem::Missing(vec![DatePart::Month]))
        );
        assert_eq!(p("1", "2", "20"), Err(DateProblem::YearDigits));
        assert_eq!(p("1", "2", "20000"), Err(DateProblem::YearDigits));
        assert_eq!(
            p("31", "2", "2000"),
            Err(DateProblem::NotReal {
                parts: DatePart::ALL.to_vec()
            })
        );
        assert_eq!(
            p("1", "13", "2000"),
            Err(DateProblem::NotReal {
                parts: vec![DatePart::Month]
            })
        );
        assert_eq!(
            p("32", "13", "2000"),
            Err(DateProblem::NotReal {
                parts: DatePart::ALL.to_vec()
            })
        );
        assert_eq!(
            p("29", "2", "2001"),
            Err(DateProblem::NotReal {
                parts: DatePart::ALL.to_vec()
            })
        );
        assert_eq!(p("29", "2", "2004"), Ok(date!(2004 - 02 - 29)));
    }

    #[test]
    fn ages_are_calendar_correct() {
        let leapling = date!(2008 - 02 - 29);
        assert_eq!(age_on(leapling, date!(2026 - 02 - 28)), 17);
        assert_eq!(age_on(leapling, date!(2026 - 03 - 01)), 18);
        assert_eq!(age_on(leapling, date!(2028 - 02 - 29)), 20);
        assert_eq!(
            years_before(date!(2026 - 02 - 28), 18),
            Some(date!(2008 - 02 - 28))
        );
        assert_eq!(
            years_before(date!(2028 - 02 - 29), 18),
            Some(date!(2010 - 02 - 28))
        );
    }

    #[test]
    fn formats_dates() {
        assert_eq!(
            format_date(date!(2008 - 02 - 28), Language::En),
            "28 February 2008"
        );
        assert_eq!(iso_date(date!(2008 - 02 - 08)), "2008-02-08");
        assert_eq!(parse_iso_date("2008-02-29"), Some(date!(2008 - 02 - 29)));
        assert_eq!(parse_iso_date("2007-02-29"), None);
    }
}
