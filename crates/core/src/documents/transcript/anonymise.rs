//! Anonymisation: a list of names and identifying details, each with its replacement, applied
//! to a transcript or a case study when it is exported, then checked.
//!
//! **Applying** replaces every whole-word occurrence of an original, ignoring case, longest
//! original first, in one pass from left to right (a replacement is never replaced again). A
//! space in an original matches any run of white space, so "Mary Jane" also catches a line
//! break between the two words.
//!
//! **Checking** then looks for what the rules missed: the text and each original are folded
//! (lower case, every run of characters other than letters and digits made one space), and a
//! word of the text that *begins* with an original is a leftover: "Sarahs" or "SarahJane"
//! when the rule names "Sarah". The check is deliberately wary (a rule for "Ann"
//! also catches "Annual"); the remedy is a rule for that form, or rewording the text.
//!
//! Originals are as confidential as the text: no error message, `Debug` form or log names
//! one. Leftovers are reported by rule number and replacement only.

/// The longest original or replacement accepted, in characters.
pub const MAX_RULE_CHARS: usize = 100;
/// The most rules one list may hold.
pub const MAX_RULES: usize = 200;

/// One rule: an original (a name or an identifying detail) and what replaces it.
///
/// Invariants (after [`check_rules`]): both are trimmed, 1 to [`MAX_RULE_CHARS`] characters,
/// free of control characters; the original holds a letter or digit. Its `Debug` form leaves
/// the original out.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    /// The name or detail to replace. Confidential: never log it.
    pub original: String,
    /// What it becomes in exports, e.g. "Client A".
    pub replacement: String,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule")
            .field(
                "original",
                &format_args!("<{} chars>", self.original.chars().count()),
            )
            .field("replacement", &self.replacement)
            .finish()
    }
}

/// What is wrong with a list of rules. No variant holds an original.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleProblem {
    /// A rule is not written `Original=Replacement`.
    #[error("rule {0} is not written as Original=Replacement")]
    NotARule(usize),
    /// A rule's original is empty, too long, has no letter or digit, or holds control
    /// characters.
    #[error(
        "the original of rule {0} must be 1 to {MAX_RULE_CHARS} characters of text with a letter \
         or digit"
    )]
    BadOriginal(usize),
    /// A rule's replacement is empty, too long or holds control characters.
    #[error("the replacement of rule {0} must be 1 to {MAX_RULE_CHARS} characters of text")]
    BadReplacement(usize),
    /// Two rules have the same original.
    #[error("rules {0} and {1} replace the same original: keep one")]
    Duplicate(usize, usize),
    /// A replacement holds an original, so the check would always refuse the export.
    #[error(
        "the replacement of rule {rule} holds the original of rule {original}: choose a \
         replacement that names nobody"
    )]
    ReplacementHoldsOriginal {
        /// The rule whose replacement is at fault (from 1).
        rule: usize,
        /// The rule whose original it holds (from 1).
        original: usize,
    },
    /// More than [`MAX_RULES`] rules.
    #[error("at most {MAX_RULES} rules are kept")]
    TooMany,
}

impl crate::ErrorCode for RuleProblem {
    fn code(&self) -> &'static str {
        "invalid_anonymisation"
    }
}

/// An original that is still in the text after the rules were applied.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Leftover {
    /// The rule whose original is still there, from 1.
    pub rule: usize,
    /// That rule's replacement (safe to show; the original is never reported).
    pub replacement: String,
    /// How many times it is still there.
    pub count: usize,
    /// Where: the places the caller named (a segment's time, "title", "paragraph 3").
    pub places: Vec<String>,
}

fn bad_text(text: &str) -> bool {
    let chars = text.chars().count();
    chars == 0 || chars > MAX_RULE_CHARS || text.chars().any(char::is_control)
}

/// Reads rules written `Original=Replacement` (split at the first `=`), as typed on the
/// command line, and checks them as [`check_rules`] does.
///
/// Errors: [`RuleProblem`].
pub fn parse_rules<S: AsRef<str>>(texts: &[S]) -> Result<Vec<Rule>, RuleProblem> {
    let mut rules = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let (original, replacement) = text
            .as_ref()
            .split_once('=')
            .ok_or(RuleProblem::NotARule(i + 1))?;
        rules.push(Rule {
            original: original.to_owned(),
            replacement: replacement.to_owned(),
        });
    }
    check_rules(rules)
}

/// Checks a list of rules and returns it trimmed.
///
/// Errors: [`RuleProblem::BadOriginal`], [`RuleProblem::BadReplacement`],
/// [`RuleProblem::Duplicate`], [`RuleProblem::ReplacementHoldsOriginal`],
/// [`RuleProblem::TooMany`].
pub fn check_rules(rules: Vec<Rule>) -> Result<Vec<Rule>, RuleProblem> {
    if rules.len() > MAX_RULES {
        return Err(RuleProblem::TooMany);
    }
    let mut out: Vec<Rule> = Vec::with_capacity(rules.len());
    for (i, rule) in rules.into_iter().enumerate() {
        let original = rule.original.trim().to_owned();
        let replacement = rule.replacement.trim().to_owned();
        if bad_text(&original) || !original.chars().any(char::is_alphanumeric) {
            return Err(RuleProblem::BadOriginal(i + 1));
        }
        if bad_text(&replacement) {
            return Err(RuleProblem::BadReplacement(i + 1));
        }
        if let Some(j) = out
            .iter()
            .position(|r| fold(&r.original) == fold(&original))
        {
            return Err(RuleProblem::Duplicate(j + 1, i + 1));
        }
        out.push(Rule {
            original,
            replacement,
        });
    }
    for (i, rule) in out.iter().enumerate() {
        let replacement = fold(&rule.replacement);
        if let Some(j) = out
            .iter()
            .position(|o| count_word_starts(&replacement, &fold(&o.original)) > 0)
        {
            return Err(RuleProblem::ReplacementHoldsOriginal {
                rule: i + 1,
                original: j + 1,
            });
        }
    }
    Ok(out)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

fn same_letter(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Where a match of `pattern` starting at `text[at]` ends, if it matches (ignoring case; a
/// run of white space in the pattern matches any run of white space).
fn match_at(text: &[char], at: usize, pattern: &[char]) -> Option<usize> {
    let (mut t, mut p) = (at, 0);
    while p < pattern.len() {
        if pattern[p].is_whitespace() {
            while p < pattern.len() && pattern[p].is_whitespace() {
                p += 1;
            }
            if !text.get(t).is_some_and(|c| c.is_whitespace()) {
                return None;
            }
            while text.get(t).is_some_and(|c| c.is_whitespace()) {
                t += 1;
            }
        } else {
            if !text.get(t).is_some_and(|&c| same_letter(c, pattern[p])) {
                return None;
            }
            t += 1;
            p += 1;
        }
    }
    Some(t)
}

/// Applies `rules` to `text`: every whole-word occurrence of an original, ignoring case, is
/// replaced, longest original first, in one pass.
pub fn apply(text: &str, rules: &[Rule]) -> String {
    if rules.is_empty() {
        return text.to_owned();
    }
    let mut order: Vec<(Vec<char>, &str)> = rules
        .iter()
        .map(|r| (r.original.chars().collect(), r.replacement.as_str()))
        .collect();
    order.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'outer: while i < chars.len() {
        let starts_word = i == 0 || !is_word(chars[i - 1]);
        for (pattern, replacement) in &order {
            let (Some(&first), Some(&last)) = (pattern.first(), pattern.last()) else {
                continue;
            };
            if is_word(first) && !starts_word {
                continue;
            }
            if let Some(end) = match_at(&chars, i, pattern) {
                let ends_word = end == chars.len() || !is_word(chars[end]);
                if ends_word || !is_word(last) {
                    out.push_str(replacement);
                    i = end;
                    continue 'outer;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Folds text for the check: lower case, and every run of characters other than letters and
/// digits one space, with a space at each end.
fn fold(text: &str) -> String {
    let mut out = String::from(" ");
    for c in text.chars() {
        if is_word(c) {
            out.extend(c.to_lowercase());
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// How many words of folded `text` begin with folded `original`.
fn count_word_starts(text: &str, original: &str) -> usize {
    // `original` is " word… "; a word start is its leading space; its trailing space is left
    // off so that longer words count too.
    let needle = original.trim_end();
    if needle.trim().is_empty() {
        return 0;
    }
    text.match_indices(needle).count()
}

/// Looks for the originals of `rules` in text that has already been anonymised. `parts` are
/// (place, text) pairs; each leftover names the places it was found in. Returns nothing when
/// the text is clean.
pub fn leftovers<'a, I>(parts: I, rules: &[Rule]) -> Vec<Leftover>
where
    I: IntoIterator<Item = (String, &'a str)>,
{
    let folded: Vec<(String, String)> = parts.into_iter().map(|(p, t)| (p, fold(t))).collect();
    let mut out = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let original = fold(&rule.original);
        let mut count = 0;
        let mut places = Vec::new();
        for (place, text) in &folded {
            let n = count_word_starts(text, &original);
            if n > 0 {
                count += n;
                places.push(place.clone());
            }
        }
        if count > 0 {
            out.push(Leftover {
                rule: i + 1,
                replacement: rule.replacement.clone(),
                count,
                places,
            });
        }
    }
    out
}

/// Describes leftovers for a counsellor, by rule number and replacement (never the original).
pub fn describe(leftovers: &[Leftover]) -> String {
    let total: usize = leftovers.iter().map(|l| l.count).sum();
    let each: Vec<String> = leftovers
        .iter()
        .map(|l| {
            format!(
                "rule {} (replaced by {:?}): {} time(s), in {}",
                l.rule,
                l.replacement,
                l.count,
                l.places.join(", ")
            )
        })
        .collect();
    format!(
        "the anonymised text still holds {total} form(s) of a name or detail to replace that \
         the rules missed: {}. Add a rule for each such form, or reword the text, then export \
         again",
        each.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(pairs: &[(&str, &str)]) -> Vec<Rule> {
        check_rules(
            pairs
                .iter()
                .map(|(o, r)| Rule {
                    original: (*o).to_owned(),
                    replacement: (*r).to_owned(),
                })
                .collect(),
        )
        .unwrap()
    }

    #[test]
    fn whole_words_are_replaced_ignoring_case_longest_first() {
        let r = rules(&[
            ("Sarah", "Client A"),
            ("Sarah Jones", "Client A"),
            ("Leeds", "a city"),
        ]);
        assert_eq!(
            apply(
                "sarah jones moved to LEEDS; Sarah's sister, Sarah\nJones.",
                &r
            ),
            "Client A moved to a city; Client A's sister, Client A."
        );
        // Not inside other words.
        assert_eq!(apply("Sarahs and Leedsian", &r), "Sarahs and Leedsian");
        // A replacement is not replaced again.
        let r = vec![
            Rule {
                original: "Ann".to_owned(),
                replacement: "Bea".to_owned(),
            },
            Rule {
                original: "Bea".to_owned(),
                replacement: "Cy".to_owned(),
            },
        ];
        assert_eq!(apply("Ann and Bea", &r), "Bea and Cy");
    }

    #[test]
    fn forms_the_rules_miss_are_found_by_rule_and_place() {
        let r = rules(&[("Sarah", "Client A"), ("Tom", "Partner")]);
        let text = apply("Sarahs mum and SarahJane met Tom.", &r);
        let found = leftovers([("05:12".to_owned(), text.as_str())], &r);
        assert_eq!(
            found,
            vec![Leftover {
                rule: 1,
                replacement: "Client A".to_owned(),
                count: 2,
                places: vec!["05:12".to_owned()],
            }]
        );
        let said = describe(&found);
        assert!(
            said.contains("rule 1") && said.contains("Client A"),
            "{said}"
        );
        assert!(!said.to_lowercase().contains("sarah"), "{said}");
        assert!(leftovers([("x".to_owned(), "Client A met Partner")], &r).is_empty());
    }

    #[test]
    fn bad_rules_are_refused_without_naming_the_original() {
        assert_eq!(
            parse_rules(&["Sarah"]).unwrap_err(),
            RuleProblem::NotARule(1)
        );
        assert_eq!(
            parse_rules(&[" = x"]).unwrap_err(),
            RuleProblem::BadOriginal(1)
        );
        assert_eq!(
            parse_rules(&["Sarah= "]).unwrap_err(),
            RuleProblem::BadReplacement(1)
        );
        assert_eq!(
            parse_rules(&["Sarah=A", "sarah=B"]).unwrap_err(),
            RuleProblem::Duplicate(1, 2)
        );
        let e = parse_rules(&["Sarah=Sarah B"]).unwrap_err();
        assert_eq!(
            e,
            RuleProblem::ReplacementHoldsOriginal {
                rule: 1,
                original: 1
            }
        );
        assert!(!e.to_string().contains("Sarah"));
        let ok = parse_rules(&[" Sarah = Client A = x "]).unwrap();
        assert_eq!(ok[0].original, "Sarah");
        assert_eq!(ok[0].replacement, "Client A = x");
        assert!(!format!("{:?}", ok[0]).contains("Sarah"));
    }
}
