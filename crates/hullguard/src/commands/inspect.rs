//! `hullguard inspect`: an image's config, history and layers, or its files.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use hullguard_image::layer::LayerStats;
use hullguard_image::{EntryKind, ImageRead, LayerEntry, Listing, MergedFs, ReadOptions, read_image};
use hullguard_report::render::write_json;
use hullguard_secrets::mask_assignments;
use serde::Serialize;
use serde_json::{Value, json};

use crate::cli::{Format, ImageRequest};
use crate::output::{human_bytes, progress, report_writer};
use hullguard_report::text::escape_control;

/// What to show.
pub enum What {
    /// Config, history, layers.
    Summary,
    /// The merged file listing, or one layer's entries.
    Files {
        /// Layer to list instead of the merged view.
        layer: Option<usize>,
    },
}

/// Run `inspect`, writing to `output` (stdout when `None`).
pub fn run(request: &ImageRequest, what: What, format: Format, output: Option<&Path>, quiet: bool) -> Result<ExitCode> {
    let source = request.spec.open(request.platform.clone(), &request.limits)?;
    let (bar, tick) = progress(quiet, &format!("reading {}", source.name()));
    let options = ReadOptions { limits: request.limits.clone(), progress: Some(tick) };
    let image = read_image(source.as_ref(), &options, Listing::default);
    bar.finish_and_clear();
    let image = image?;
    // The merged view is always built: it also proves every symlink resolves without a loop.
    let merged = MergedFs::build(&image.meta.source, image.layers.iter().map(|l| l.output.as_slice()))?;
    let mut out = report_writer(output)?;
    match what {
        What::Summary => out.write_all(summary(&image, &merged, format)?.as_bytes())?,
        What::Files { layer: Some(n) } => {
            let Some(result) = image.layers.get(n) else {
                bail!(
                    "{}: no layer {n}; the image has {} layers (0-{})",
                    image.meta.source,
                    image.layers.len(),
                    image.layers.len().saturating_sub(1)
                );
            };
            let rows = || result.output.iter().map(|e| FileRow::new(e, n));
            files(&mut out, &image, rows, Some(n), format)?;
        }
        What::Files { layer: None } => {
            files(&mut out, &image, || merged.iter().map(|f| FileRow::new(&f.entry, f.layer)), None, format)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// One line of a file listing (fields in the order the JSON listing has always had them).
#[derive(Serialize)]
struct FileRow {
    gid: u64,
    layer: usize,
    mode: String,
    path: String,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    uid: u64,
    #[serde(skip)]
    letter: char,
}

impl FileRow {
    fn new(e: &LayerEntry, layer: usize) -> Self {
        let (kind, target) = match &e.kind {
            EntryKind::File => ("file", None),
            EntryKind::Dir => ("dir", None),
            EntryKind::Symlink(t) => ("symlink", Some(t.clone())),
            EntryKind::Hardlink(t) => ("hardlink", Some(format!("/{t}"))),
            EntryKind::CharDevice => ("char", None),
            EntryKind::BlockDevice => ("block", None),
            EntryKind::Fifo => ("fifo", None),
            EntryKind::Whiteout(t) => ("whiteout", Some(format!("/{t}"))),
            EntryKind::Opaque(t) => ("opaque", Some(format!("/{t}"))),
        };
        FileRow {
            path: format!("/{}", e.path),
            kind,
            mode: format!("{:04o}", e.mode),
            uid: e.uid,
            gid: e.gid,
            size: e.size,
            layer,
            target,
            letter: e.kind.letter(),
        }
    }
}

/// Rows serialised one by one as a JSON array, never held together.
struct Rows<F>(F);

impl<F, I> Serialize for Rows<F>
where
    F: Fn() -> I,
    I: Iterator<Item = FileRow>,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// Write the listing of `rows` to `out` as it is produced.
fn files<I: Iterator<Item = FileRow>>(
    out: &mut impl Write,
    image: &ImageRead<Vec<LayerEntry>>,
    rows: impl Fn() -> I,
    layer: Option<usize>,
    format: Format,
) -> Result<()> {
    match format {
        Format::Json => {
            /// The listing document (keys sorted, as the JSON output has always had them).
            #[derive(Serialize)]
            #[serde(bound(serialize = "Rows<F>: Serialize"))]
            struct Listing<'a, F> {
                config_digest: &'a Option<hullguard_image::Digest>,
                files: Rows<F>,
                layer: Option<usize>,
                source: &'a str,
            }
            let doc = Listing {
                config_digest: &image.meta.config_digest,
                files: Rows(rows),
                layer,
                source: &image.meta.source,
            };
            write_json(&mut *out, &doc)?;
        }
        Format::Table => {
            for r in rows() {
                write!(
                    out,
                    "{}{} {:>5}:{:<5} {:>10} {:>3} {}",
                    r.letter,
                    r.mode,
                    r.uid,
                    r.gid,
                    r.size,
                    r.layer,
                    escape_control(&r.path)
                )?;
                if let Some(t) = &r.target {
                    let arrow = match r.kind {
                        "whiteout" => " deletes ",
                        "opaque" => " hides lower contents of ",
                        _ => " -> ",
                    };
                    write!(out, "{arrow}{}", escape_control(t))?;
                }
                out.write_all(b"\n")?;
            }
        }
    }
    Ok(())
}

/// Regular files (hard links included) among `entries`.
fn file_count<'a>(entries: impl Iterator<Item = &'a LayerEntry>) -> usize {
    entries.filter(|e| matches!(e.kind, EntryKind::File | EntryKind::Hardlink(_))).count()
}

fn summary(image: &ImageRead<Vec<LayerEntry>>, merged: &MergedFs, format: Format) -> Result<String> {
    let meta = &image.meta;
    let (final_files, final_size) = merged.file_totals();
    let cfg = &meta.config.config;
    let env: Vec<String> = cfg.env.iter().flatten().map(|e| mask_assignments(e)).collect();
    let ports: Vec<&String> = cfg.exposed_ports.iter().flat_map(|p| p.keys()).collect();
    let volumes: Vec<&String> = cfg.volumes.iter().flat_map(|p| p.keys()).collect();
    let history: Vec<Value> = meta
        .config
        .history
        .iter()
        .map(|h| {
            json!({
                "created": h.created,
                "created_by": h.created_by.as_deref().map(mask_assignments),
                "empty_layer": h.empty_layer,
                "comment": h.comment,
            })
        })
        .collect();
    let layers: Vec<Value> = meta
        .layers
        .iter()
        .zip(&image.layers)
        .map(|(d, r)| {
            let files = file_count(r.output.iter());
            json!({
                "index": d.index,
                "digest": d.digest,
                "diff_id": d.diff_id,
                "media_type": d.media_type,
                "compression": r.stats.as_ref().map(|s: &LayerStats| s.compression),
                "size": d.size,
                "uncompressed_size": d.uncompressed_size,
                "created_by": d.created_by.as_deref().map(mask_assignments),
                "entries": r.output.len(),
                "files": files,
                "whiteouts": r.output.iter().filter(|e| e.kind.is_whiteout()).count(),
            })
        })
        .collect();
    let platform = if meta.config.os.is_empty() { None } else { Some(meta.config.platform().to_string()) };
    let doc = json!({
        "schema_version": 1,
        "source": meta.source,
        "names": meta.names,
        "manifest_digest": meta.manifest_digest,
        "config_digest": meta.config_digest,
        "platform": platform,
        "created": meta.config.created,
        "config": {
            "user": cfg.user.clone().unwrap_or_default(),
            "env": env,
            "entrypoint": cfg.entrypoint,
            "cmd": cfg.cmd,
            "working_dir": cfg.working_dir.clone().unwrap_or_default(),
            "exposed_ports": ports,
            "volumes": volumes,
            "labels": cfg.labels.clone().unwrap_or_default(),
            "healthcheck": cfg.healthcheck,
            "stop_signal": cfg.stop_signal,
            "on_build": cfg.on_build.clone().unwrap_or_default(),
            "shell": cfg.shell,
        },
        "history": history,
        "layers": layers,
        "final_fs": {
            "paths": merged.len(),
            "files": final_files,
            "size": final_size,
        },
    });
    if format == Format::Json {
        return Ok(serde_json::to_string_pretty(&doc)? + "\n");
    }
    let mut s = String::new();
    let line = |s: &mut String, k: &str, v: &str| {
        let _ = writeln!(s, "{k:<12}{}", escape_control(v));
    };
    let join = |v: &Option<Vec<String>>| v.as_ref().map_or_else(|| "-".to_string(), |v| v.join(" "));
    line(&mut s, "Image", &meta.source);
    if !meta.names.is_empty() {
        line(&mut s, "Names", &meta.names.join(", "));
    }
    if let Some(d) = &meta.config_digest {
        line(&mut s, "Config", d.as_str());
    }
    if let Some(d) = &meta.manifest_digest {
        line(&mut s, "Manifest", d.as_str());
    }
    if let Some(p) = &platform {
        line(&mut s, "Platform", p);
    }
    line(&mut s, "User", cfg.user.as_deref().filter(|u| !u.is_empty()).unwrap_or("(root)"));
    line(&mut s, "Entrypoint", &join(&cfg.entrypoint));
    line(&mut s, "Cmd", &join(&cfg.cmd));
    line(&mut s, "WorkingDir", cfg.working_dir.as_deref().filter(|w| !w.is_empty()).unwrap_or("-"));
    line(
        &mut s,
        "Ports",
        &if ports.is_empty() {
            "-".to_string()
        } else {
            ports.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
        },
    );
    let hc = cfg.healthcheck.as_ref().and_then(|h| h.test.clone()).map_or_else(|| "none".to_string(), |t| t.join(" "));
    line(&mut s, "Healthcheck", &hc);
    for (i, e) in env.iter().enumerate() {
        line(&mut s, if i == 0 { "Env" } else { "" }, e);
    }
    for (i, (k, v)) in cfg.labels.iter().flatten().enumerate() {
        line(&mut s, if i == 0 { "Labels" } else { "" }, &format!("{k}={v}"));
    }
    line(&mut s, "Final fs", &format!("{} paths, {final_files} files, {}", merged.len(), human_bytes(final_size)));
    s.push_str("\nHistory\n");
    for h in &meta.config.history {
        let mark = if h.empty_layer { " " } else { "+" };
        let created = h.created_by.as_deref().map(mask_assignments).unwrap_or_default();
        let _ = writeln!(s, "  {mark} {}", escape_control(&created));
    }
    let _ = writeln!(
        s,
        "\n{:<4} {:<19} {:<19} {:>10} {:>12} {:>7}  {:<6} CREATED BY",
        "#", "DIGEST", "DIFF ID", "SIZE", "UNCOMPRESSED", "FILES", "COMP"
    );
    for (d, r) in meta.layers.iter().zip(&image.layers) {
        let short = |x: &Option<hullguard_image::Digest>| {
            x.as_ref().map_or_else(|| "-".to_string(), |d| format!("sha256:{}", d.short()))
        };
        let files = file_count(r.output.iter());
        let created = d.created_by.as_deref().map(mask_assignments).unwrap_or_default();
        let created: String = escape_control(&created).chars().take(60).collect();
        let _ = writeln!(
            s,
            "{:<4} {:<19} {:<19} {:>10} {:>12} {:>7}  {:<6} {}",
            d.index,
            short(&d.digest),
            short(&d.diff_id),
            d.size.map_or_else(|| "-".to_string(), human_bytes),
            d.uncompressed_size.map_or_else(|| "-".to_string(), human_bytes),
            files,
            r.stats.as_ref().map_or("-", |s| s.compression.name()),
            created
        );
    }
    Ok(s)
}
