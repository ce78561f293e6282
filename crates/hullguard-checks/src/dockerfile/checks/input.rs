//! The input document of a Dockerfile: the parsed file as JSON, the same facts the built-in checks
//! read (stages, instructions with flags and positions, heredocs, and the simple commands of every
//! `RUN`). It is what a policy engine (Rego, a later issue) evaluates, and what
//! `hullguard dockerfile --format input` prints so users can write such policies.
//!
//! The shape is ours and versioned by `schema_version`; fields are only ever added.

use serde_json::{Value, json};

use super::super::parse::{Args, Dockerfile, Instruction, Stage};
use super::run::commands;

/// Version of the input document's shape.
pub const INPUT_SCHEMA_VERSION: u32 = 1;

/// The input document of a parsed Dockerfile found at `path`.
#[must_use]
pub fn input_document(df: &Dockerfile, path: &str) -> Value {
    json!({
        "schema_version": INPUT_SCHEMA_VERSION,
        "kind": "dockerfile",
        "path": path,
        "directives": df.directives.iter().map(|d| json!({"name": d.name, "value": d.value, "line": d.line})).collect::<Vec<_>>(),
        "global_args": df.global_args.iter().map(instruction).collect::<Vec<_>>(),
        "stages": df.stages.iter().map(stage).collect::<Vec<_>>(),
        "warnings": df.warnings.iter().map(|w| json!({"line": w.line, "message": w.message})).collect::<Vec<_>>(),
    })
}

fn stage(s: &Stage) -> Value {
    json!({
        "index": s.index,
        "base": s.base,
        "base_unresolved": s.base_unresolved,
        "alias": s.alias,
        "platform": s.platform,
        "from": instruction(&s.from),
        "instructions": s.instructions.iter().map(instruction).collect::<Vec<_>>(),
    })
}

fn instruction(ins: &Instruction) -> Value {
    let mut v = json!({
        "keyword": ins.keyword,
        "flags": ins.flags.iter().map(|f| json!({"name": f.name, "value": f.value})).collect::<Vec<_>>(),
        "start_line": ins.start_line,
        "end_line": ins.end_line,
        "column": ins.column,
    });
    match &ins.args {
        Args::Json(words) => v["json"] = json!(words),
        Args::Shell(text) => v["shell"] = json!(text),
    }
    if !ins.heredocs.is_empty() {
        v["heredocs"] = ins
            .heredocs
            .iter()
            .map(|h| json!({"delimiter": h.delimiter, "body": h.body, "start_line": h.start_line, "quoted": h.quoted}))
            .collect();
    }
    if ins.keyword == "RUN" {
        v["commands"] = commands(ins)
            .iter()
            .map(|c| {
                json!({"program": c.cmd.program(), "words": c.cmd.words, "assignments": c.cmd.assignments,
                       "line": c.pos.line, "column": c.pos.column})
            })
            .collect();
    }
    if let Some(trigger) = &ins.trigger {
        v["trigger"] = instruction(trigger);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse::parse;

    #[test]
    fn document_of_a_two_stage_dockerfile() {
        let text = "# syntax=docker/dockerfile:1\nARG V=3.20\nFROM alpine:$V AS build\nRUN --mount=type=cache,target=/var/cache/apk apk add --no-cache curl && \\\n    sudo make\nFROM scratch\nCOPY --from=build [\"/app\", \"/app\"]\nRUN <<EOF\nset -e\nDEBUG=1 ./app --check\nEOF\n";
        let doc = input_document(&parse(text.as_bytes()), "Dockerfile");
        assert_eq!(doc["schema_version"], 1);
        assert_eq!(doc["directives"], json!([{"name": "syntax", "value": "docker/dockerfile:1", "line": 1}]));
        assert_eq!(doc["global_args"][0]["shell"], "V=3.20");
        let build = &doc["stages"][0];
        assert_eq!((build["base"].as_str(), build["alias"].as_str()), (Some("alpine:3.20"), Some("build")));
        let run = &build["instructions"][0];
        assert_eq!(run["flags"], json!([{"name": "mount", "value": "type=cache,target=/var/cache/apk"}]));
        assert_eq!((run["start_line"].as_u64(), run["end_line"].as_u64()), (Some(4), Some(5)));
        let commands: Vec<(String, u64)> = run["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["program"].as_str().unwrap().to_owned(), c["line"].as_u64().unwrap()))
            .collect();
        assert_eq!(commands, [("apk".to_owned(), 4), ("make".to_owned(), 5)]);
        let copy = &doc["stages"][1]["instructions"][0];
        assert_eq!(copy["json"], json!(["/app", "/app"]));
        assert_eq!(copy["flags"][0], json!({"name": "from", "value": "build"}));
        let heredoc = &doc["stages"][1]["instructions"][1];
        assert_eq!(heredoc["heredocs"][0]["start_line"], 9);
        // The heredoc body is the script: `set -e` on line 9, then the app (program without its directory).
        assert_eq!(heredoc["commands"].as_array().map(Vec::len), Some(2));
        assert_eq!(heredoc["commands"][1]["program"], "app");
        assert_eq!(heredoc["commands"][1]["words"], json!(["./app", "--check"]));
        assert_eq!(heredoc["commands"][1]["assignments"], json!(["DEBUG=1"]));
        assert_eq!(heredoc["commands"][1]["line"], 10);
    }
}
