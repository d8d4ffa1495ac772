//! The core's modules import each other without cycles: a newcomer can read the layers from
//! the bottom (the store) up, and a change low down never needs one higher up.
//!
//! The unit is a module of a domain folder (`store::vault`, `sessions::recording`, ...) or a
//! top-level module (`consent`, `course`, ...), with its own child modules inside it. Every
//! `crate::…` path in a module's code (tests and comments left out) is an edge to the unit it
//! names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The folders whose modules are units of their own (see the crate's docs).
const DOMAIN_FOLDERS: &[&str] = &[
    "store",
    "copies",
    "sessions",
    "documents",
    "retention",
    "disclosure",
    "handover",
];

/// The core's folders (and `course`) from the bottom up, as the crate's docs list them: each
/// uses only those before it. The small modules of their own (`clock`, `timecode`, `settings`,
/// ...) are not layers.
const LAYERS: &[&str] = &[
    "store",
    "pdf_text",
    "copies",
    "course",
    "consent",
    "disclosure",
    "sessions",
    "documents",
    "retention",
    "handover",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `store/vault/mod.rs` → `store::vault`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let text = relative
        .with_extension("")
        .to_string_lossy()
        .replace('/', "::");
    text.strip_suffix("::mod").unwrap_or(&text).to_owned()
}

fn unit_of(module: &str) -> String {
    let parts: Vec<&str> = module.split("::").collect();
    let depth = if DOMAIN_FOLDERS.contains(&parts[0]) {
        2
    } else {
        1
    };
    parts[..depth.min(parts.len())].join("::")
}

/// The module's code without its tests and comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The units each unit uses.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let unit = unit_of(&module_of(&src, file));
        let text = code(&std::fs::read_to_string(file).expect("read a source file"));
        for path in text.split("crate::").skip(1) {
            let path: String = path
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
            while !parts.is_empty() && !modules.contains(&parts.join("::")) {
                parts.pop();
            }
            if parts.is_empty() {
                continue;
            }
            let used = unit_of(&parts.join("::"));
            if used != unit {
                edges.entry(unit.clone()).or_default().insert(used);
            }
        }
    }
    edges
}

/// A path of units from `from` back to itself, if there is one.
fn cycle_from(from: &str, edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().cloned().unwrap_or_default();
        for next in edges.get(&last).into_iter().flatten() {
            if next == from {
                let mut cycle = path.clone();
                cycle.push(next.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

#[test]
fn no_module_of_the_core_imports_one_that_imports_it() {
    let edges = edges();
    assert!(edges.contains_key("sessions::recording"), "{edges:?}");
    let cycles: Vec<String> = edges
        .keys()
        .filter_map(|unit| cycle_from(unit, &edges))
        .map(|cycle| cycle.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

/// The uses of a layer by one below it, as `from -> used`.
fn uses_upwards(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let layer = |unit: &str| {
        let folder = unit.split("::").next().unwrap_or_default();
        LAYERS.iter().position(|l| *l == folder)
    };
    let mut upwards = Vec::new();
    for (unit, used) in edges {
        for other in used {
            if let (Some(from), Some(to)) = (layer(unit), layer(other)) {
                if to > from {
                    upwards.push(format!("{unit} -> {other}"));
                }
            }
        }
    }
    upwards
}

#[test]
fn each_folder_of_the_core_uses_only_the_folders_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).expect("read the source folder") {
        let path = entry.expect("a folder entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            assert!(
                LAYERS.contains(&&*name),
                "the folder {name} is not in LAYERS"
            );
        }
    }
    let upwards = uses_upwards(&edges());
    assert!(upwards.is_empty(), "uses of a higher folder: {upwards:#?}");
}

#[test]
fn a_use_of_a_higher_folder_is_found() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges
        .entry("sessions::recording".into())
        .or_default()
        .insert("store::vault".into());
    assert!(uses_upwards(&edges).is_empty());
    edges
        .entry("store::vault".into())
        .or_default()
        .insert("sessions::recording".into());
    assert_eq!(
        uses_upwards(&edges),
        ["store::vault -> sessions::recording"]
    );
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.entry("a".into()).or_default().insert("b".into());
    edges.entry("b".into()).or_default().insert("c".into());
    assert_eq!(cycle_from("a", &edges), None);
    edges.entry("c".into()).or_default().insert("a".into());
    assert_eq!(
        cycle_from("a", &edges),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
