//! A small, quote-aware splitter for the shell scripts in `RUN` instructions.
//!
//! It is not a shell parser: it splits a script into *simple commands* on `&&`, `||`, `;`, `|`,
//! `&`, newlines and parentheses (outside quotes), removes redirections, leading `NAME=value`
//! assignments and shell keywords (`if`, `then`, `do`, …), so checks can look at `words[0]` and
//! its arguments. `$(…)` and back-quoted substitutions stay inside the word they appear in.
//! It runs in linear time on any input.

/// What separates a simple command from the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`
    Semicolon,
    /// `|` or `|&`: this command's output is piped into the next one.
    Pipe,
    /// `&` (background).
    Background,
    /// A newline or a parenthesis.
    Newline,
    /// End of the script.
    End,
}

/// One simple command of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    /// Leading `NAME=value` assignments.
    pub assignments: Vec<String>,
    /// The program and its arguments, unquoted, without redirections.
    pub words: Vec<String>,
    /// Byte offset of the command's first character in the script.
    pub start: usize,
    /// The command as written (from its first to its last kept word), for evidence.
    pub text: String,
    /// What follows the command.
    pub separator: Separator,
    /// True when the previous command pipes into this one.
    pub piped_from: bool,
}

impl SimpleCommand {
    /// The program name without its directory (`/usr/bin/apt-get` → `apt-get`), after skipping a
    /// leading `sudo`/`env` wrapper; `None` for an empty command.
    #[must_use]
    pub fn program(&self) -> Option<&str> {
        let args = self.args_from_program();
        args.first().map(|w| w.rsplit('/').next().unwrap_or(w.as_str()))
    }

    /// The words starting at the program, skipping a leading `sudo` or `env` and their options
    /// and assignments.
    #[must_use]
    pub fn args_from_program(&self) -> &[String] {
        let mut rest = self.words.as_slice();
        while let Some(first) = rest.first() {
            let name = first.rsplit('/').next().unwrap_or(first);
            if name != "sudo" && name != "env" {
                break;
            }
            rest = &rest[1..];
            while rest.first().is_some_and(|w| w.starts_with('-') || is_assignment(w)) {
                rest = &rest[1..];
            }
        }
        rest
    }

    /// The words after the program (its arguments).
    #[must_use]
    pub fn args(&self) -> &[String] {
        self.args_from_program().get(1..).unwrap_or(&[])
    }

    /// True if an argument equals `word`.
    #[must_use]
    pub fn has_arg(&self, word: &str) -> bool {
        self.args().iter().any(|w| w == word)
    }
}

/// True for a `NAME=value` shell assignment word.
#[must_use]
pub fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

const KEYWORDS: &[&str] = &["if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "time"];

/// At most this many simple commands are returned for one script.
pub const MAX_COMMANDS: usize = 10_000;
/// Words of one command beyond this many are dropped.
pub const MAX_WORDS: usize = 10_000;

/// Splits `script` into simple commands. Empty commands are dropped; at most [`MAX_COMMANDS`]
/// are returned, each with at most [`MAX_WORDS`] words.
#[must_use]
pub fn split_commands(script: &str) -> Vec<SimpleCommand> {
    let mut out = Vec::new();
    let mut splitter =
        Splitter { script, at: 0, word: String::new(), in_word: false, start: 0, words: Vec::new(), piped_from: false };
    let mut chars = script.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if out.len() >= MAX_COMMANDS {
            return out;
        }
        splitter.at = i;
        match c {
            '\\' => {
                splitter.touch(i);
                match chars.next() {
                    Some((_, '\n')) | None => {}
                    Some((_, n)) => splitter.word.push(n),
                }
            }
            '\'' => {
                splitter.touch(i);
                for (_, n) in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                    splitter.word.push(n);
                }
            }
            '"' => {
                splitter.touch(i);
                while let Some((_, n)) = chars.next() {
                    match n {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some((_, e @ ('"' | '\\' | '$' | '`'))) => splitter.word.push(e),
                            Some((_, '\n')) | None => {}
                            Some((_, e)) => {
                                splitter.word.push('\\');
                                splitter.word.push(e);
                            }
                        },
                        _ => splitter.word.push(n),
                    }
                }
            }
            '`' => {
                splitter.touch(i);
                splitter.word.push('`');
                for (_, n) in chars.by_ref() {
                    splitter.word.push(n);
                    if n == '`' {
                        break;
                    }
                }
            }
            '$' if chars.peek().is_some_and(|&(_, n)| n == '(') => {
                splitter.touch(i);
                splitter.word.push('$');
                let mut depth = 0usize;
                let mut quote: Option<char> = None;
                for (_, n) in chars.by_ref() {
                    splitter.word.push(n);
                    match (quote, n) {
                        (Some(q), _) if n == q => quote = None,
                        (Some(_), _) => {}
                        (None, '\'' | '"') => quote = Some(n),
                        (None, '(') => depth += 1,
                        (None, ')') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            '#' if !splitter.in_word => {
                while chars.peek().is_some_and(|&(_, n)| n != '\n') {
                    chars.next();
                }
            }
            ' ' | '\t' | '\r' => splitter.end_word(),
            '\n' | '(' | ')' => splitter.end_command(Separator::Newline, &mut out),
            ';' => splitter.end_command(Separator::Semicolon, &mut out),
            '&' => {
                let redirect = splitter.word.ends_with(['>', '<']) || chars.peek().is_some_and(|&(_, n)| n == '>');
                if redirect {
                    splitter.touch(i);
                    splitter.word.push('&');
                } else if chars.peek().is_some_and(|&(_, n)| n == '&') {
                    chars.next();
                    splitter.end_command(Separator::And, &mut out);
                } else {
                    splitter.end_command(Separator::Background, &mut out);
                }
            }
            '|' => {
                if chars.peek().is_some_and(|&(_, n)| n == '|') {
                    chars.next();
                    splitter.end_command(Separator::Or, &mut out);
                } else {
                    if chars.peek().is_some_and(|&(_, n)| n == '&') {
                        chars.next();
                    }
                    splitter.end_command(Separator::Pipe, &mut out);
                }
            }
            _ => {
                splitter.touch(i);
                splitter.word.push(c);
            }
        }
    }
    splitter.at = script.len();
    splitter.end_command(Separator::End, &mut out);
    out
}

/// Splits `text` into words, honouring quotes and backslashes but not shell operators.
#[must_use]
pub fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            '\'' | '"' => {
                in_word = true;
                for n in chars.by_ref() {
                    if n == c {
                        break;
                    }
                    word.push(n);
                }
            }
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

struct Splitter<'s> {
    /// The whole script.
    script: &'s str,
    /// Byte offset of the character being looked at.
    at: usize,
    /// The word being read.
    word: String,
    /// True while a word is being read (it may still be empty, as in `''`).
    in_word: bool,
    /// Byte offset where the current word started.
    start: usize,
    /// Finished words of the current command with their start and end offsets.
    words: Vec<(String, usize, usize)>,
    /// The previous command piped into this one.
    piped_from: bool,
}

impl Splitter<'_> {
    fn touch(&mut self, at: usize) {
        if !self.in_word {
            self.in_word = true;
            self.start = at;
        }
    }

    fn end_word(&mut self) {
        if self.in_word {
            let word = std::mem::take(&mut self.word);
            if self.words.len() < MAX_WORDS {
                self.words.push((word, self.start, self.at));
            }
            self.in_word = false;
        }
    }

    fn end_command(&mut self, separator: Separator, out: &mut Vec<SimpleCommand>) {
        self.end_word();
        let words = strip_redirections(std::mem::take(&mut self.words));
        let mut iter = words.into_iter().peekable();
        while iter.peek().is_some_and(|(w, _, _)| KEYWORDS.contains(&w.as_str())) {
            iter.next();
        }
        // The command starts at its first word after the keywords (an assignment or the program).
        let start = iter.peek().map_or(0, |&(_, at, _)| at);
        let mut end = start;
        let mut assignments = Vec::new();
        while iter.peek().is_some_and(|(w, _, _)| is_assignment(w)) {
            if let Some((w, _, e)) = iter.next() {
                assignments.push(w);
                end = e;
            }
        }
        let mut words = Vec::new();
        for (w, _, e) in iter {
            words.push(w);
            end = e;
        }
        let text = self.script.get(start..end).unwrap_or_default().to_owned();
        if words.is_empty() && assignments.is_empty() {
            // An empty command keeps the pipe state only for `|` chains like `a | (b)`.
            if separator != Separator::Pipe {
                self.piped_from = false;
            }
            return;
        }
        out.push(SimpleCommand { assignments, words, start, text, separator, piped_from: self.piped_from });
        self.piped_from = separator == Separator::Pipe;
    }
}

/// Removes redirection words (`>file`, `2>&1`, `> file`, `<<EOF`) from a command.
fn strip_redirections(words: Vec<(String, usize, usize)>) -> Vec<(String, usize, usize)> {
    let mut out = Vec::with_capacity(words.len());
    let mut skip_next = false;
    for (w, at, end) in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        let op = w.trim_start_matches(|c: char| c.is_ascii_digit());
        let op = op.strip_prefix('&').unwrap_or(op);
        if op.starts_with(['>', '<']) {
            let target = op.trim_start_matches(['>', '<', '&', '-', '|']);
            skip_next = target.is_empty();
            continue;
        }
        out.push((w, at, end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(script: &str) -> Vec<Vec<String>> {
        split_commands(script).into_iter().map(|c| c.words).collect()
    }

    #[test]
    fn splits_on_operators_outside_quotes() {
        let got = programs("apt-get update && apt-get install -y 'a b' ; echo \"x && y\" | sh || true");
        assert_eq!(
            got,
            [
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "a b"],
                vec!["echo", "x && y"],
                vec!["sh"],
                vec!["true"],
            ]
        );
        let cmds = split_commands("curl -fsSL https://x | sh");
        assert_eq!(cmds[0].separator, Separator::Pipe);
        assert!(cmds[1].piped_from);
    }

    #[test]
    fn drops_redirections_assignments_keywords_and_comments() {
        let got = programs(
            "DEBIAN_FRONTEND=noninteractive apt-get install x > /dev/null 2>&1\n# comment && y\nif true; then cd /a; fi",
        );
        assert_eq!(got, [vec!["apt-get", "install", "x"], vec!["true"], vec!["cd", "/a"],]);
    }

    #[test]
    fn keeps_substitutions_in_one_word() {
        let got = programs("echo $(cat a | wc -l) `b && c`");
        assert_eq!(got, [vec!["echo", "$(cat a | wc -l)", "`b && c`"]]);
    }

    #[test]
    fn program_skips_sudo_and_paths() {
        let cmds = split_commands("sudo -E /usr/bin/apt-get install -y x");
        assert_eq!(cmds[0].program(), Some("apt-get"));
        assert_eq!(cmds[0].args(), ["install", "-y", "x"]);
        assert_eq!(cmds[0].start, 0);
        let cmds = split_commands("if true;then  apk add x; fi");
        assert_eq!(cmds[1].start, 14);
        let cmds = split_commands("cd /a && X=1 make 'a b' >/dev/null\n");
        assert_eq!(cmds[1].start, 9);
        assert_eq!(cmds[1].text, "X=1 make 'a b'");
        assert_eq!(cmds[0].text, "cd /a");
    }

    #[test]
    fn unterminated_quotes_do_not_panic() {
        for s in ["'abc", "\"abc\\", "$(abc", "`abc", "\\", "&&&|||;;;", "((("] {
            let _ = split_commands(s);
            let _ = split_words(s);
        }
    }

    #[test]
    fn command_and_word_counts_are_capped() {
        let cmds = split_commands(&"a;".repeat(MAX_COMMANDS * 3));
        assert_eq!(cmds.len(), MAX_COMMANDS);
        let cmds = split_commands(&"a ".repeat(MAX_WORDS * 3));
        assert_eq!(cmds[0].words.len(), MAX_WORDS);
    }

    #[test]
    fn split_words_honours_quotes() {
        assert_eq!(split_words(r#"a "b c" 'd e' f\ g"#), ["a", "b c", "d e", "f g"]);
    }
}
