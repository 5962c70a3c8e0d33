//! The provider names that specific rules key on (`openai`, `deepgram`, `bitly`), each with the value formats of
//! that provider's rules. A generic rule's value assigned to a name that names a provider
//! (`DEEPGRAM_API_KEY=5baa21a17b92…`) yet in none of that provider's formats — cut short, in the wrong letter
//! case, with a character the format never has — is a look-alike: had it been one, the provider's own rule would
//! have reported it.
use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

use super::rule::Rule;
use super::rule_regex::secret_group;

#[derive(Debug, Default)]
pub struct ProviderNames {
    /// Lower-cased name → indices into `formats`.
    names: HashMap<String, Vec<usize>>,
    /// Each rule's value shape (its secret group), compiled whole on first use.
    formats: Vec<(String, OnceLock<Option<Regex>>)>,
}

impl ProviderNames {
    pub fn new(rules: &[Rule]) -> ProviderNames {
        let mut out = ProviderNames::default();
        for rule in rules.iter().filter(|r| !r.generic) {
            let Some(shape) = value_shape(&rule.regex_source) else { continue };
            let index = out.formats.len();
            out.formats.push((shape, OnceLock::new()));
            for name in rule.keywords.iter().filter(|k| super::nearby::is_name(k)) {
                out.names.entry(name.clone()).or_default().push(index);
            }
        }
        out
    }

    /// Whether `value`, assigned to `key` (`DEEPGRAM_API_KEY`), is in none of the formats of the providers the
    /// key names. A key that names no provider says nothing.
    pub fn fits_no_format(&self, key: &str, value: &str) -> bool {
        let key = key.to_ascii_lowercase();
        let mut named = false;
        for (name, formats) in &self.names {
            let Some(at) = key.find(name.as_str()) else { continue };
            // A whole name: `mail` is not named by `gmail_password`.
            if key[..at].ends_with(|c: char| c.is_ascii_alphabetic()) {
                continue;
            }
            named = true;
            if formats.iter().any(|&i| self.fits(i, value)) {
                return false;
            }
        }
        named
    }

    fn fits(&self, format: usize, value: &str) -> bool {
        let (shape, compiled) = &self.formats[format];
        // A shape that does not compile on its own (it should) is taken to fit: no evidence from it.
        compiled.get_or_init(|| Regex::new(&format!("^(?:{shape})$")).ok()).as_ref().is_none_or(|re| re.is_match(value))
    }
}

/// The rule's secret group as a pattern of its own; `None` for shapes too loose to say anything (under 12
/// characters at least).
fn value_shape(regex: &str) -> Option<String> {
    let hir = regex_syntax::ParserBuilder::new().unicode(false).utf8(false).build().parse(regex).ok()?;
    let group = secret_group(&hir)?;
    (group.properties().minimum_len()? >= 12).then(|| group.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_in_none_of_the_named_providers_formats_fits_none() {
        let names = ProviderNames::new(&crate::rules::builtin_rules().unwrap());
        // Deepgram keys are 40 hex characters.
        assert!(names.fits_no_format("DEEPGRAM_API_KEY", "5baa21a17b929652093a0371"), "cut short");
        assert!(names.fits_no_format("DEEPGRAM_API_KEY", "5baa21a17b929652093a03715baa21a17b92965z"), "not hex");
        // OpenAI's keys start with a lower-case `sk-`: written in capitals, the value is none of its formats.
        assert!(names.fits_no_format("OPENAI_API_KEY", "SK-QWQHT4DHQ5CJM5T0F0KET3BLBKFJUGQC0GSGUK83CORP0QFF"));
        assert!(!names.fits_no_format("DEEPGRAM_API_KEY", "5baa21a17b929652093a03715baa21a17b929652"));
        // No provider named: nothing to compare with.
        assert!(!names.fits_no_format("DATABASE_PASSWORD", "x7Kq2vR9"));
        assert!(!names.fits_no_format("MY_INBOX_TOKEN", "x7Kq2vR9"));
        // `client_secret` is a keyword of a provider rule, but it names a kind of credential, not a provider.
        assert!(!names.fits_no_format("CLIENT_SECRET", "6fb1cff7690db9ac066cadbbde8e3c078efdabcf"));
    }
}
