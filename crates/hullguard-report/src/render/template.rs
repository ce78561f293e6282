//! Reports through minijinja templates: `--format template --template FILE`,
//! and the shipped single-file offline HTML report (`--template @html`).

use std::io::Write;

use minijinja::{AutoEscape, Environment, value::Serde};

/// The shipped HTML report template (no external assets).
pub const HTML_TEMPLATE: &str = include_str!("../../templates/report.html.jinja");

/// Writes `report` (a [`Report`](crate::Report), or any other report such as a compliance report) through
/// `template`; `name` decides escaping: names ending in `.html`, `.htm` or `.html.jinja` escape
/// for HTML, others not at all. The template sees the JSON report's fields (`target`, `findings`, …).
///
/// # Errors
///
/// When the template does not parse or fails to render, or `out` fails; the message names
/// the template and the line.
pub fn write<T: serde::Serialize>(report: &T, name: &str, template: &str, out: &mut dyn Write) -> Result<(), String> {
    let mut env = Environment::new();
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .expect("the default syntax is valid"),
    );
    env.set_auto_escape_callback(|name| {
        if [".html", ".htm", ".html.jinja", ".html.j2"].iter().any(|ext| name.ends_with(ext)) {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.add_template_owned(name.to_owned(), template.to_owned()).map_err(|e| describe(name, &e))?;
    let tmpl = env.get_template(name).map_err(|e| describe(name, &e))?;
    let text = tmpl.render(Serde(report)).map_err(|e| describe(name, &e))?;
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

fn describe(name: &str, e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("template {name}:{line}: {}", e.detail().unwrap_or(&e.kind().to_string())),
        None => format!("template {name}: {e}"),
    }
}
