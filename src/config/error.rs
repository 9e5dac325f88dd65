//! Startup configuration errors.
//!
//! Every variant names the variable at fault, so an operator reading one line of output knows
//! what to change. Values shown back are only ever from non-secret variables: the parser never
//! validates a secret's content, so a secret cannot end up in an error message.

use std::fmt;

/// Why the environment could not be turned into a [`super::Config`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A value did not parse or is out of range.
    Invalid {
        /// The environment variable, e.g. `GATEWAY_PORT_START`.
        var: String,
        /// What a good value looks like, e.g. `a port number 1-65535`.
        expected: String,
        /// The value as given.
        got: String,
    },
    /// A required variable is absent or empty.
    Missing {
        /// The environment variable.
        var: &'static str,
        /// What it is for, so the fix is obvious.
        why: &'static str,
    },
    /// A recognised value for a feature this build does not implement yet.
    NotAvailable {
        /// The environment variable.
        var: String,
        /// The recognised value.
        value: String,
        /// What is available instead.
        available: &'static str,
    },
    /// A relevant variable whose value is not valid UTF-8.
    NotUnicode {
        /// The environment variable.
        var: String,
    },
}

impl ConfigError {
    /// Shorthand used by the value parsers.
    pub(crate) fn invalid(var: &str, expected: impl Into<String>, got: &str) -> Self {
        ConfigError::Invalid {
            var: var.to_string(),
            expected: expected.into(),
            got: got.to_string(),
        }
    }

    /// The environment variable this error is about.
    pub fn var(&self) -> &str {
        match self {
            ConfigError::Invalid { var, .. }
            | ConfigError::NotAvailable { var, .. }
            | ConfigError::NotUnicode { var } => var,
            ConfigError::Missing { var, .. } => var,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Invalid { var, expected, got } => {
                write!(f, "{var}: expected {expected}, got {got:?}")
            }
            ConfigError::Missing { var, why } => write!(f, "{var} is required: {why}"),
            ConfigError::NotAvailable {
                var,
                value,
                available,
            } => write!(
                f,
                "{var}: {value} is not available in this build yet (available: {available})"
            ),
            ConfigError::NotUnicode { var } => write!(f, "{var}: value is not valid UTF-8"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_variable_and_quotes_the_value() {
        let e = ConfigError::invalid("GATEWAY_PORT_START", "a port number 1-65535", "abc");
        assert_eq!(
            e.to_string(),
            r#"GATEWAY_PORT_START: expected a port number 1-65535, got "abc""#
        );
        assert_eq!(e.var(), "GATEWAY_PORT_START");
    }

    #[test]
    fn control_characters_in_a_value_are_escaped() {
        let e = ConfigError::invalid("GATEWAY_BIND_HOST", "an IP address", "a\nb");
        assert!(!e.to_string().contains('\n'));
    }
}
